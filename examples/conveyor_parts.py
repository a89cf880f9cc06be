"""Parts on a conveyor: count them at an inspection line, measure each in mm, and report
the throughput per minute.

    python examples/conveyor_parts.py [VIDEO] [--line x1,y1,x2,y2] [--px-per-mm X] [--model NAME]

With no input, a generated clip of parts entering on the left and leaving on the right is
tracked with the bundled nano model (discovery finds each part as it enters), at an
assumed scale of 2 px per mm. Each part is reported when it crosses the line, with its
length and width (minimum-area rectangle of its mask, median over the frames seen).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import samtrack
from samtrack.analytics import Analytics, LineCounter, TrackMeasurements


def _generated(folder: Path) -> tuple[Path, list[samtrack.Prompt], tuple[float, ...]]:
    """A clip of parts moving left to right, the first frame's boxes, a vertical line."""
    from samtrack.eval.scenarios import entries_exits

    spec = entries_exits(seed=0)
    video = folder / "belt.mp4"
    spec.write(video)
    _, truth = next(iter(spec.frames()))
    boxes = samtrack.mask_to_box_xyxy(truth.masks)
    x = spec.width * 0.6
    return video, [samtrack.Prompt(box=b) for b in boxes], (x, 0.0, x, float(spec.height))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", help="video file, rtsp:// URL or webcam number")
    parser.add_argument("--line", help="x1,y1,x2,y2 in pixels (default: the generated clip's)")
    parser.add_argument("--px-per-mm", type=float, default=2.0, help="scale (default 2)")
    parser.add_argument("--model", default=None, help="default: nano for the generated clip, else mobile_sam")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        prompts: list[samtrack.Prompt] = []
        if args.input is None:
            source, prompts, line = _generated(Path(scratch))
            model = args.model or "nano"
        else:
            source = int(args.input) if args.input.isdigit() else args.input
            model = args.model or "mobile_sam"
            if args.line is None:
                parser.error("--line x1,y1,x2,y2 is needed with an input")
        if args.line is not None:
            line = tuple(float(v) for v in args.line.split(","))
        gate = LineCounter("inspection", line[:2], line[2:], anchor="centroid")
        sizes = TrackMeasurements(px_per_unit=args.px_per_mm, unit="mm")
        analytics = Analytics(lines=[gate], measurements=sizes)
        first = last = None
        try:
            for result in samtrack.track(source, model=model, prompts=prompts):
                first = result.time if first is None else first
                last = result.time
                for event in analytics.update(result):
                    if event.kind != "line_crossed":
                        continue
                    row = next(r for r in sizes.summary() if r["track_id"] == event.track_id)
                    print(f"{event.time:8.2f} s  part {event.track_id}: "
                          f"{row['length_mm']:.1f} x {row['width_mm']:.1f} mm", flush=True)
        except samtrack.SamtrackError as e:
            print(f"conveyor_parts: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            pass  # a line camera runs until stopped: the counts so far are the answer
    parts = gate.in_count + gate.out_count
    minutes = max((last or 0.0) - (first or 0.0), 1e-9) / 60
    print(f"{parts} parts in {minutes * 60:.1f} s: {parts / minutes:.0f} per minute")
    return 0


if __name__ == "__main__":
    sys.exit(main())
