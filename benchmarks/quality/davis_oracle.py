"""The tracker on real motion: DAVIS 2016 train sequences (../shared/data/davis2016-train)
with the ground-truth oracle segmenter, prompted by the first frame's mask; J&F per
sequence (DAVIS protocol: the first and last frames are not scored) for the default
tracker and every ablation of the scenario suite.

    python benchmarks/quality/davis_oracle.py [--data ../shared/data/davis2016-train] [--ablations]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

from samtrack.eval.metrics import SequenceAccumulator, load, score
from samtrack.eval.oracle import OracleSegmenter
from samtrack.eval.scenarios import DEFAULT_ORACLE
from samtrack.io import open_source
from samtrack.tracking.tracker import Tracker, TrackerConfig
from samtrack.types import Prompt, mask_to_box_xyxy

sys.path.insert(0, str(Path(__file__).parent))
from run_suite import ABLATIONS

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "davis2016-train"


def track_sequence(folder: Path, config: TrackerConfig) -> SequenceAccumulator:
    _, truth = load(folder / "Annotations")
    oracle = OracleSegmenter(lambda i: (truth[i].track_ids, truth[i].masks), **DEFAULT_ORACLE)
    tracker = Tracker(oracle, config)
    acc = SequenceAccumulator(kind="mask", name=folder.name)
    with open_source(folder / "JPEGImages") as source:
        for frame in source:
            prompts = []
            if frame.index == 0:
                gt = truth[0]
                prompts = [Prompt(box=b, mask_logits=logits) for b, logits in
                           zip(mask_to_box_xyxy(gt.masks), oracle._to_logits(gt.masks))]
            result = tracker.update(frame, prompts)
            if 0 < frame.index < len(truth) - 1:  # DAVIS scores neither the first nor the last frame
                acc.add(truth[frame.index], result)
    return acc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--ablations", action="store_true")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no DAVIS data at {args.data}; nothing to do", file=sys.stderr)
        return
    sequences = sorted(p for p in args.data.iterdir() if (p / "Annotations").is_dir())
    ablations = ABLATIONS if args.ablations else {"default": {}}
    table: dict[str, dict[str, float]] = {}
    for name, change in ablations.items():
        config = dataclasses.replace(TrackerConfig(), **change)
        for seq in sequences:
            s = score([track_sequence(seq, config)])
            table.setdefault(seq.name, {})[name] = s["J&F"]
            if name == "default":
                table[seq.name].update({"J": s["J"], "F": s["F"], "IDs": s["IDs"]})
            print(f"{name:>20} {seq.name:<14} J&F {100 * s['J&F']:.1f}", file=sys.stderr, flush=True)
    table["**mean**"] = {k: float(np.mean([table[s.name][k] for s in sequences])) for k in table[sequences[0].name]}
    print("oracle segmenter (boundary noise 1 px, 2% misses), prompted by the first frame's mask\n")
    print("| sequence | J | F | " + " | ".join(f"J&F {a}" for a in ablations) + " | track ids |")
    print("|---" * (len(ablations) + 4) + "|")
    for seq, r in table.items():
        cells = [f"{100 * r['J']:.1f}", f"{100 * r['F']:.1f}"] + [f"{100 * r[a]:.1f}" for a in ablations]
        print(f"| {seq} | " + " | ".join(cells) + f" | {r['IDs']:.0f} |")


if __name__ == "__main__":
    main()
