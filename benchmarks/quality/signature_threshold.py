"""How far apart are one object's colour signatures, and two objects'? The threshold of
re-identification (``reid_max_distance``), measured on the 30 DAVIS-2016 train objects'
true masks: the Bhattacharyya distance between views of one object 10 or more frames
apart, and between views of two different objects, for a few bin counts.

    python benchmarks/quality/signature_threshold.py [--data PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from unittest import mock

import numpy as np

from samtrack.tracking import search
from samtrack.types import MaskCrops

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_motion import DEFAULT_DATA, load_sequence

BINS = ((8, 4), (16, 8), (30, 32))
THRESHOLDS = (0.3, 0.35, 0.4)


def signatures(folder: Path, bins: tuple[int, int]) -> list[np.ndarray]:
    """The object's signature on every frame where it shows at least 100 px."""
    frames, truth = load_sequence(str(folder))
    out = []
    with mock.patch.object(search, "SIGNATURE_BINS", bins):
        for frame, gt in zip(frames, truth):
            if len(gt) and np.asarray(gt.masks[0]).sum() >= 100:
                out.append(search.colour_signature(frame.image, MaskCrops.from_dense(np.asarray(gt.masks[:1]))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no DAVIS data at {args.data}; nothing to do", file=sys.stderr)
        return
    folders = sorted(p for p in args.data.iterdir() if (p / "Annotations").is_dir())
    print(f"DAVIS 2016 train, {len(folders)} objects\n")
    print("| bins | one object: pairs, kept within " + " / ".join(map(str, THRESHOLDS))
          + " | two objects: pairs, let in at " + " / ".join(map(str, THRESHOLDS)) + " |")
    print("|---|---|---|")
    for bins in BINS:
        per_object = [signatures(f, bins) for f in folders]
        same = [search.signature_distance(s[a], s[b]) for s in per_object
                for a in range(0, len(s), 5) for b in range(a + 10, len(s), 10)]
        other = [search.signature_distance(per_object[i][a], per_object[j][b])
                 for i in range(len(folders)) for j in range(len(folders)) if i != j
                 for a in range(0, len(per_object[i]), 20) for b in range(0, len(per_object[j]), 20)]
        same, other = np.array(same), np.array(other)
        kept = " / ".join(f"{np.mean(same <= t):.3f}" for t in THRESHOLDS)
        let_in = " / ".join(f"{np.mean(other <= t):.3f}" for t in THRESHOLDS)
        print(f"| {bins[0]} x {bins[1]} | {len(same)}, {kept} | {len(other)}, {let_in} |", flush=True)


if __name__ == "__main__":
    main()
