"""Do long runs keep their ids? The memory benchmark's video (random_video seed 7: three
objects bouncing around a 256x192 frame, crossing one another) over 3,000 frames, tracked
with the default configuration, with the oracle and with nano: track ids per true object
(each true object's frames go to the track that covers it best, IoU >= 0.5), HOTA and ID
switches.

    python benchmarks/quality/long_run_ids.py [--frames 3000] [--segmenters oracle nano]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from samtrack.eval.metrics import score
from samtrack.eval.scenarios import run_scenario
from samtrack.eval.synthetic_video import RandomVideoConfig, random_video
from samtrack.tracking.tracker import TrackerConfig


def ids_per_object(data: dict) -> float:
    """Mean count of distinct track ids that cover a true object (IoU >= 0.5) on some frame."""
    ids_of: dict[int, set[int]] = {}
    for gt, pred, sim in zip(data["gt_ids"], data["tracker_ids"], data["similarity_scores"]):
        if len(gt) and len(pred):
            for row, true_id in enumerate(gt.tolist()):
                col = int(np.argmax(sim[row]))
                if sim[row, col] >= 0.5:
                    ids_of.setdefault(true_id, set()).add(int(pred[col]))
    return float(np.mean([len(v) for v in ids_of.values()])) if ids_of else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--segmenters", nargs="+", default=["oracle", "nano"])
    args = parser.parse_args()
    spec = random_video(7, RandomVideoConfig(n_frames=args.frames, n_objects=(3, 3)))
    print(f"random_video(7), 3 objects, {args.frames} frames, default TrackerConfig\n")
    print("| segmenter | true objects | track ids | ids per true object | HOTA | IDSW | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name in args.segmenters:
        segmenter = None
        if name != "oracle":
            from samtrack.models.registry import load_predictor

            segmenter = load_predictor(name, device="cpu")
        t = time.perf_counter()
        acc = run_scenario(spec, TrackerConfig(), segmenter)
        seconds = time.perf_counter() - t
        s = score([acc], j_and_f=False)
        per = ids_per_object(acc.data())
        print(f"| {name} | {len(spec.objects)} | {s['IDs']} | {per:.2f} | {100 * s['HOTA']:.1f} | "
              f"{s['IDSW']} | {seconds:.0f} |", flush=True)
        print(f"  {name}: {seconds:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
