"""Where a good mask has a bad box: the parts of a mask apart from its largest.

nano's long runs (random_video, three objects, the default TrackerConfig): of the masks
the tracker shows that match their true object well (IoU >= 0.7), how many have a box
that does not (box IoU < 0.7 with the true box), and for how many of those each rule
for dropping parts would give a good box. The rules never drop the largest part: drop
every other part; drop parts of at most k of the segmenter's low-res cells (SAM's 256 x
256 logits over the frame's longest side: the sprinkles SAM 2 can remove); drop parts
under a share of the mask. Then the same rules on the DAVIS-2016 train objects' true
masks: how often each would cut a real object, how many of its pixels, and how far it
would move the real object's box.

    python benchmarks/quality/mask_parts.py [--frames 1000] [--seeds 7 8] [--data PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from samtrack.eval.synthetic_video import RandomVideoConfig, random_video
from samtrack.geometry import box_iou_batch, mask_iou_batch
from samtrack.tracking.tracker import Tracker, TrackerConfig
from samtrack.types import Prompt, mask_to_box_xyxy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_motion import DEFAULT_DATA, load_sequence

LOGIT_SIDE = 256
RULES = ["largest part only", "parts <= 2 cells", "parts <= 9 cells", "parts < 1% of the mask",
         "parts < 5% of the mask"]


def dropped(mask: np.ndarray) -> dict[str, np.ndarray]:
    """The pixels (bool H x W) each rule drops from ``mask``."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    if count <= 2:
        return {rule: np.zeros_like(mask) for rule in RULES}
    cell = (max(mask.shape) / LOGIT_SIDE) ** 2
    other = np.arange(len(areas)) != int(np.argmax(areas))
    picks = {
        "largest part only": other,
        "parts <= 2 cells": other & (areas <= 2 * cell),
        "parts <= 9 cells": other & (areas <= 9 * cell),
        "parts < 1% of the mask": other & (areas < 0.01 * areas.sum()),
        "parts < 5% of the mask": other & (areas < 0.05 * areas.sum()),
    }
    return {rule: np.isin(labels, np.flatnonzero(pick) + 1) for rule, pick in picks.items()}


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the tight boxes of two masks."""
    return float(box_iou_batch(mask_to_box_xyxy(a[None]), mask_to_box_xyxy(b[None]))[0, 0])


def long_runs(frames: int, seeds: list[int]) -> None:
    from samtrack.models.registry import load_predictor

    segmenter = load_predictor("nano", device="cpu")
    print(f"nano, random_video({', '.join(map(str, seeds))}), 3 objects, {frames} frames, default TrackerConfig\n")
    print("| seed | good masks | with a bad box | " + " | ".join(RULES) + " |")
    print("|---" * (3 + len(RULES)) + "|")
    for seed in seeds:
        spec = random_video(seed, RandomVideoConfig(n_frames=frames, n_objects=(3, 3)))
        tracker = Tracker(segmenter, TrackerConfig())
        good, bad, fixed = 0, 0, dict.fromkeys(RULES, 0)
        for frame, gt in spec.frames():
            prompts = [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)] if frame.index == 0 else []
            result = tracker.update(frame, prompts)
            if not len(gt.ids) or not len(result.track_ids):
                continue
            truth, shown = np.asarray(gt.masks, dtype=bool), np.asarray(result.masks, dtype=bool)
            iou = mask_iou_batch(truth, shown)  # true objects x shown masks
            for col, mask in enumerate(shown):
                best = int(np.argmax(iou[:, col]))
                if iou[best, col] < 0.7:
                    continue
                good += 1
                if box_iou(mask, truth[best]) >= 0.7:
                    continue
                bad += 1
                for rule, cut in dropped(mask).items():
                    fixed[rule] += box_iou(mask & ~cut, truth[best]) >= 0.7
        cells = " | ".join(str(fixed[r]) for r in RULES)
        print(f"| {seed} | {good} | {bad} ({100 * bad / max(good, 1):.1f}%) | {cells} |", flush=True)


def davis(data: Path) -> None:
    frames_with, pixels, moved = dict.fromkeys(RULES, 0), dict.fromkeys(RULES, 0), {r: [] for r in RULES}
    total_frames = total_pixels = 0
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        _, truth = load_sequence(str(folder))
        for gt in truth:
            if not len(gt) or not np.asarray(gt.masks[0]).any():
                continue
            mask = np.asarray(gt.masks[0], dtype=bool)
            total_frames += 1
            total_pixels += int(mask.sum())
            for rule, cut in dropped(mask).items():
                if cut.any():
                    frames_with[rule] += 1
                    pixels[rule] += int(cut.sum())
                    moved[rule].append(box_iou(mask, mask & ~cut))
    print(f"\nDAVIS-2016 train, {total_frames} true masks: what each rule would drop of the real objects\n")
    print("| rule | masks it cuts | pixels dropped | box IoU after the cut, 10th percentile |")
    print("|---|---|---|---|")
    for rule in RULES:
        p10 = f"{np.percentile(moved[rule], 10):.2f}" if moved[rule] else "-"
        print(f"| {rule} | {100 * frames_with[rule] / total_frames:.1f}% | {100 * pixels[rule] / total_pixels:.2f}% | "
              f"{p10} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 8])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    long_runs(args.frames, args.seeds)
    if args.data.is_dir():
        davis(args.data)


if __name__ == "__main__":
    main()
