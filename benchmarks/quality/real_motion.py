"""Real motion, single object: the 30 DAVIS-2016 train sequences (../shared/data), each
object prompted on the first frame with its true box, the default TrackerConfig (discovery
on: a lost object may be found again), seeds 0-2, under the four behaviours of the box
oracle (samtrack.eval.oracle.BoxOracle: generous, bounded, leaky, unreliable). Scored
with J&F (DAVIS protocol: neither the first nor the last frame) for the tracker and, in
the same run, the baselines: last-box (each frame prompted with the previous mask's box),
last-box with constant velocity, and the exact-box reference (the true box every frame).
A 2-fold figure: the setting of --grid with the best mean on one half of the sequences
(alternate names), scored on the other half, both ways.

    python benchmarks/quality/real_motion.py [--jobs 2] [--grid max_area_change=1.4,2.0 ...]

Prints Markdown tables for BENCHMARKS.md (progress on stderr).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import itertools
import sys
import time
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

import numpy as np

from samtrack.eval.baselines import ExactBoxReference, LastBoxTracker
from samtrack.eval.metrics import SequenceAccumulator, load, score
from samtrack.eval.oracle import BEHAVIOURS, BoxOracle
from samtrack.io import open_source
from samtrack.tracking.tracker import Tracker, TrackerConfig
from samtrack.types import Frame, FrameResult, Prompt

sys.path.insert(0, str(Path(__file__).parent))
from run_suite import _field  # FIELD=VALUE -> a TrackerConfig field, parsed by its type

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "davis2016-train"
BASELINES = ("last-box", "last-box+velocity", "exact-box")


@functools.lru_cache(maxsize=1)
def load_sequence(folder: str) -> tuple[list[Frame], list[FrameResult]]:
    """Frames, and per frame the ground truth (one object)."""
    _, truth = load(Path(folder) / "Annotations")
    with open_source(Path(folder) / "JPEGImages") as source:
        frames = list(source)
    return frames, truth


def make_method(method: str, oracle: BoxOracle, config: TrackerConfig):
    if method == "samtrack":
        return Tracker(oracle, config)
    if method == "exact-box":
        return ExactBoxReference(oracle)
    return LastBoxTracker(oracle, velocity=method.endswith("velocity"))


def run_one(folder: str, behaviour: str, seed: int, method: str, config: TrackerConfig) -> float:
    """J&F of one method on one sequence under one behaviour and seed."""
    frames, truth = load_sequence(folder)
    oracle = BoxOracle(lambda i: (truth[i].track_ids, truth[i].masks), behaviour=behaviour, seed=seed)
    tracker = make_method(method, oracle, config)
    acc = SequenceAccumulator(kind="mask", name=Path(folder).name)
    start = [Prompt(box=b) for b in truth[0].boxes]
    for frame in frames:
        result = tracker.update(frame, start if frame.index == 0 else [])
        if 0 < frame.index < len(frames) - 1:
            acc.add(truth[frame.index], result)
    return float(score([acc], j_and_f=True)["J&F"])


def run_sequence(task: tuple[str, dict, list[tuple]]) -> list[tuple]:
    folder, base, jobs = task
    out = []
    for behaviour, seed, method, setting in jobs:
        config = dataclasses.replace(TrackerConfig(), **{**base, **dict(setting)})
        out.append((Path(folder).name, behaviour, seed, method, setting, run_one(folder, behaviour, seed, method, config)))
    print(f"  {Path(folder).name}: {len(jobs)} runs", file=sys.stderr, flush=True)
    return out


def parse_grid(items: list[str]) -> list[tuple]:
    """FIELD=v1,v2 ... -> every combination, as tuples of (field, value)."""
    axes = []
    for item in items:
        name, _, values = item.partition("=")
        axes.append([_field(f"{name}={v}") for v in values.split(",")])
    return [tuple(c) for c in itertools.product(*axes)] if axes else [()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--behaviours", nargs="+", default=list(BEHAVIOURS), choices=BEHAVIOURS)
    parser.add_argument("--sequences", nargs="+", default=None, help="only these sequences")
    parser.add_argument("--grid", nargs="*", default=[], metavar="FIELD=V1,V2",
                        help="settings for the 2-fold figure (box-bounded behaviour); default: the defaults only")
    parser.add_argument("--set", nargs="+", default=[], metavar="FIELD=VALUE",
                        help="change TrackerConfig fields for every tracker run (e.g. use_kalman=false)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no DAVIS data at {args.data}; nothing to do", file=sys.stderr)
        return
    folders = sorted(p for p in args.data.iterdir() if (p / "Annotations").is_dir())
    if args.sequences:
        folders = [f for f in folders if f.name in args.sequences]
    grid = parse_grid(args.grid)
    base = dict(parse_grid(args.set)[0])  # the defaults, with --set's changes
    methods = ["samtrack"] + ([] if args.no_baselines else list(BASELINES))
    tasks = []
    for folder in folders:
        jobs = [(b, s, m, ()) for b in args.behaviours for s in range(args.seeds) for m in methods]
        if "bounded" in args.behaviours:
            jobs += [("bounded", s, "samtrack", g) for g in grid if g for s in range(args.seeds)]
        tasks.append((str(folder), base, jobs))
    t0 = time.perf_counter()
    with Pool(args.jobs) as pool:
        rows = [r for chunk in pool.imap_unordered(run_sequence, tasks) for r in chunk]
    # J&F per (sequence, behaviour, method, setting): mean over seeds.
    runs: dict[tuple, list[float]] = defaultdict(list)
    for seq, behaviour, seed, method, setting, jf in rows:
        runs[(seq, behaviour, method, setting)].append(jf)
    jf = {k: float(np.mean(v)) for k, v in runs.items()}
    names = [f.name for f in folders]
    if args.set:
        print(f"config changes: {', '.join(args.set)}\n")
    print(f"DAVIS 2016 train, {len(names)} sequences, seeds 0-{args.seeds - 1}, first frame prompted with its "
          f"true box, default TrackerConfig; J&F x 100 (mean over seeds)\n")
    summary = []
    for behaviour in args.behaviours:
        print(f"**{behaviour}**\n")
        print("| sequence | " + " | ".join(methods) + " | samtrack / exact-box |")
        print("|---" * (len(methods) + 2) + "|")
        for seq in names:
            cells = [jf[(seq, behaviour, m, ())] for m in methods]
            ratio = cells[0] / cells[-1] if "exact-box" in methods and cells[-1] > 0 else float("nan")
            print(f"| {seq} | " + " | ".join(f"{100 * c:.1f}" for c in cells) + f" | {ratio:.3f} |")
        means = [np.mean([jf[(s, behaviour, m, ())] for s in names]) for m in methods]
        worst = [min(jf[(s, behaviour, m, ())] for s in names) for m in methods]
        print("| **mean** | " + " | ".join(f"{100 * c:.1f}" for c in means) + " | |")
        print("| **worst** | " + " | ".join(f"{100 * c:.1f}" for c in worst) + " | |\n")
        summary.append((behaviour, means, worst))
        if "last-box" in methods:
            below = [s for s in names if jf[(s, behaviour, "samtrack", ())] < jf[(s, behaviour, "last-box", ())] - 0.02]
            print(f"sequences where samtrack is below last-box - 0.02: {len(below)} ({', '.join(below) or 'none'})\n")
    print("**summary** (mean / worst sequence)\n")
    print("| behaviour | " + " | ".join(methods) + " | samtrack / exact-box (mean) |")
    print("|---" * (len(methods) + 2) + "|")
    for behaviour, means, worst in summary:
        cells = [f"{100 * m:.1f} / {100 * w:.1f}" for m, w in zip(means, worst)]
        ratio = f"{means[0] / means[-1]:.3f}" if "exact-box" in methods else ""
        print(f"| {behaviour} | " + " | ".join(cells) + f" | {ratio} |")
    if "bounded" in args.behaviours:
        folds = (names[0::2], names[1::2])
        held_out = []
        for pick, judge in (folds, folds[::-1]):
            best = max(grid, key=lambda g: np.mean([jf[(s, "bounded", "samtrack", g)] for s in pick]))
            held_out += [jf[(s, "bounded", "samtrack", best)] for s in judge]
            print(f"\n2-fold: chosen on {len(pick)} sequences: {dict(best) or 'defaults'}", end="")
        print(f"\n\n2-fold mean J&F (bounded, held-out halves): {100 * np.mean(held_out):.1f}")
    print(f"\n{time.perf_counter() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
