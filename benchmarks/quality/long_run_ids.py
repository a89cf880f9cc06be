"""Do long runs keep their ids? The memory benchmark's video (random_video seed 7: three
objects bouncing around a 256x192 frame, crossing one another) over 3,000 frames, tracked
with the default configuration, with the oracle and with nano: track ids per true object
(each true object's frames go to the track that covers it best, IoU >= 0.5), HOTA and ID
switches. With --seeds, other videos of the same generator, and their mean. With
--baselines, for a model also the last-box baseline (each object prompted with its last
mask's box, its id never changing) and what the model itself allows (every object
prompted with its true box on every frame, under its true id: ``perfect_association``).

    python benchmarks/quality/long_run_ids.py [--frames 3000] [--segmenters oracle nano] [--seeds 7 ...]
                                              [--baselines]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from samtrack.eval.baselines import LastBoxTracker
from samtrack.eval.metrics import SequenceAccumulator, score
from samtrack.eval.scenarios import perfect_association, run_scenario
from samtrack.eval.synthetic_video import RandomVideoConfig, random_video
from samtrack.tracking.tracker import TrackerConfig
from samtrack.types import Prompt, mask_to_box_xyxy


def ids_per_object(data: dict, one_to_one: bool = False) -> float:
    """Mean count of distinct track ids that cover a true object (IoU >= 0.5) on some frame:
    on each frame the mask that covers it best, or with ``one_to_one`` the frame's masks
    matched one to one (Hungarian on mask IoU, as CLEAR MOT matches), so that one mask
    covering two crossing objects counts for one of them only."""
    ids_of: dict[int, set[int]] = {}
    for gt, pred, sim in zip(data["gt_ids"], data["tracker_ids"], data["similarity_scores"]):
        if len(gt) and len(pred):
            rows, cols = linear_sum_assignment(-sim) if one_to_one else (np.arange(len(gt)), sim.argmax(axis=1))
            for row, col in zip(rows, cols):
                if sim[row, col] >= 0.5:
                    ids_of.setdefault(int(gt[row]), set()).add(int(pred[col]))
    return float(np.mean([len(v) for v in ids_of.values()])) if ids_of else float("nan")


def last_box(spec, segmenter) -> SequenceAccumulator:  # type: ignore[no-untyped-def]
    """The last-box baseline on ``spec``, prompted as the tracker is (true boxes, frame 0)."""
    tracker = LastBoxTracker(segmenter)
    acc = SequenceAccumulator(kind="mask", name=f"{spec.name}-{spec.seed}")
    for frame, gt in spec.frames():
        prompts = [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)] if frame.index == 0 else []
        result = tracker.update(frame, prompts)
        result.image = None
        acc.add(gt.as_result(frame.time), result)
    return acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--segmenters", nargs="+", default=["oracle", "nano"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[7],
                        help="random_video seeds (default: 7, the memory benchmark's video)")
    parser.add_argument("--baselines", action="store_true",
                        help="for a model, also the last-box baseline and the exact-box reference")
    args = parser.parse_args()
    print(f"random_video({', '.join(map(str, args.seeds))}), 3 objects, {args.frames} frames, default TrackerConfig\n")
    print("| segmenter | seed | true objects | track ids | ids per true object | one to one | HOTA | IDSW | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.segmenters:
        segmenter = None
        if name != "oracle":
            from samtrack.models.registry import load_predictor

            segmenter = load_predictor(name, device="cpu")
        rows = []
        for seed in args.seeds:
            spec = random_video(seed, RandomVideoConfig(n_frames=args.frames, n_objects=(3, 3)))
            t = time.perf_counter()
            acc = run_scenario(spec, TrackerConfig(), segmenter)
            seconds = time.perf_counter() - t
            s = score([acc], j_and_f=False)
            data = acc.data()
            rows.append((ids_per_object(data), ids_per_object(data, one_to_one=True), 100 * s["HOTA"], s["IDSW"]))
            print(f"| {name} | {seed} | {len(spec.objects)} | {s['IDs']} | {rows[-1][0]:.2f} | {rows[-1][1]:.2f} | "
                  f"{rows[-1][2]:.1f} | {s['IDSW']} | {seconds:.0f} |", flush=True)
            print(f"  {name}, seed {seed}: {seconds:.0f} s", file=sys.stderr)
            if args.baselines and segmenter is not None:
                for label, base in (("last box", last_box(spec, segmenter)),
                                    ("exact boxes", perfect_association(spec, segmenter))):
                    r, data = score([base], j_and_f=False), base.data()
                    print(f"| {name}, {label} | {seed} | {len(spec.objects)} | {r['IDs']} | "
                          f"{ids_per_object(data):.2f} | {ids_per_object(data, one_to_one=True):.2f} | "
                          f"{100 * r['HOTA']:.1f} | {r['IDSW']} | |", flush=True)
        if len(rows) > 1:
            per, matched, hota, idsw = zip(*rows)
            print(f"| {name} | mean (IDSW: sum) | | | {np.mean(per):.2f} | {np.mean(matched):.2f} | {np.mean(hota):.1f} | "
                  f"{sum(idsw)} | |", flush=True)


if __name__ == "__main__":
    main()
