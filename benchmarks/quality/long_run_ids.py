"""Do long runs keep their ids? The memory benchmark's video (random_video seed 7: three
objects bouncing around a 256x192 frame, crossing one another) over 3,000 frames, tracked
with the default configuration, with the oracle and with nano: track ids per true object
(each true object's frames go to the track that covers it best, IoU >= 0.5), HOTA and ID
switches. With --seeds, other videos of the same generator, and their mean.

    python benchmarks/quality/long_run_ids.py [--frames 3000] [--segmenters oracle nano] [--seeds 7 ...]
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
    parser.add_argument("--seeds", type=int, nargs="+", default=[7],
                        help="random_video seeds (default: 7, the memory benchmark's video)")
    args = parser.parse_args()
    print(f"random_video({', '.join(map(str, args.seeds))}), 3 objects, {args.frames} frames, default TrackerConfig\n")
    print("| segmenter | seed | true objects | track ids | ids per true object | HOTA | IDSW | seconds |")
    print("|---|---|---|---|---|---|---|---|")
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
            rows.append((ids_per_object(acc.data()), 100 * s["HOTA"], s["IDSW"]))
            print(f"| {name} | {seed} | {len(spec.objects)} | {s['IDs']} | {rows[-1][0]:.2f} | {rows[-1][1]:.1f} | "
                  f"{s['IDSW']} | {seconds:.0f} |", flush=True)
            print(f"  {name}, seed {seed}: {seconds:.0f} s", file=sys.stderr)
        if len(rows) > 1:
            per, hota, idsw = zip(*rows)
            print(f"| {name} | mean (IDSW: sum) | | | {np.mean(per):.2f} | {np.mean(hota):.1f} | {sum(idsw)} | |",
                  flush=True)


if __name__ == "__main__":
    main()
