"""Whole run against the model alone, on real clips: what the pipeline costs around SAM.

    python benchmarks/speed/overhead.py [--model nano|mobile_sam] [--frames N] [--clips ...]
                                        [--no-video] [--set FIELD=VALUE ...]

For each clip of ``../shared/data/videos`` (skipped when absent), in one process with one
model (loaded once, excluded): encoder-only = ``embed()`` on the run's frames, decoded by
the same source; whole = ``track_to_files`` with the default tracker and every default
output (``--no-video``: without the annotated video). Both are wall time; the ratio
whole / encoder-only is the overhead. mobile_sam runs with random weights (its cost is
its architecture's; masks are meaningless, so discovery sees random answers: the
measurement is of cost, not quality). Prints a markdown table and the worst clip.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "videos"


def _predictor(name: str):  # type: ignore[no-untyped-def]
    import torch

    from samtrack.models.build import PRESETS, build_sam
    from samtrack.models.predictor import Predictor
    from samtrack.models.registry import load_predictor

    if name == "nano":
        return load_predictor("nano", device="cpu")
    torch.manual_seed(0)
    return Predictor(build_sam(PRESETS[name]).eval(), device="cpu")


def encoder_only(predictor, clip: Path, frames: int | None) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    from samtrack.io.sources import open_source

    started = time.perf_counter()
    n = 0
    with open_source(clip, max_frames=frames) as source:
        for frame in source:
            predictor.embed(frame.image)
            n += 1
    return time.perf_counter() - started, n


def whole(predictor, clip: Path, frames: int | None, formats: list[str], options: dict) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    from samtrack.pipeline import track_to_files

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        summary = track_to_files(clip, out, formats, model=predictor, max_frames=frames,
                                 progress=False, handle_signals=False, **options)
        return time.perf_counter() - started, summary.frames, summary.tracks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="mobile_sam")
    parser.add_argument("--frames", type=int, default=None, help="first N frames of each clip (default: all)")
    parser.add_argument("--clips", nargs="*", default=None)
    parser.add_argument("--no-video", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no clips at {DATA}: skipped")
        return 0
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))
    from run_suite import _field  # FIELD=VALUE parsing shared with the quality benchmarks

    options = dict(_field(text) for text in args.set)
    formats = ["jsonl", "mots", "csv"] + ([] if args.no_video else ["video"])
    clips = sorted(DATA.glob("*.mp4"))
    if args.clips:
        clips = [c for c in clips if any(c.name.startswith(p) for p in args.clips)]
    predictor = _predictor(args.model)
    predictor.embed(__import__("numpy").zeros((64, 64, 3), "uint8"))  # warm-up
    print(f"model {args.model}, outputs {','.join(formats)}, frames {args.frames or 'all'}, "
          f"torch threads {torch.get_num_threads()}, options {options or 'defaults'}")
    print("| clip | frames | encoder-only s | whole run s | whole / encoder | tracks |")
    print("|---|---|---|---|---|---|")
    worst = (0.0, "")
    for clip in clips:
        enc, n = encoder_only(predictor, clip, args.frames)
        run, frames, tracks = whole(predictor, clip, args.frames, formats, options)
        ratio = run / enc
        worst = max(worst, (ratio, clip.name))
        print(f"| {clip.name} | {frames} | {enc:.1f} | {run:.1f} | {ratio:.2f} | {tracks} |", flush=True)
    print(f"worst: {worst[1]} {worst[0]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
