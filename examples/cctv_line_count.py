"""Count what crosses a door line, in and out, printing each crossing as it happens.

    python examples/cctv_line_count.py [VIDEO_OR_STREAM] [--line x1,y1,x2,y2] [--model NAME]

"in" is a crossing from the left of the line (standing at its first point, facing its
second) to its right. With no input, a generated clip (two objects walking past each other
across a vertical line) is tracked with the bundled nano model, so it runs offline as-is;
with a camera or file, new objects are found by discovery (mobile_sam by default).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import samtrack
from samtrack.analytics import Analytics, LineCounter


def _generated(folder: Path) -> tuple[Path, list[samtrack.Prompt], tuple[float, ...]]:
    """A clip of two objects crossing, their first-frame boxes, and a vertical line."""
    from samtrack.eval.synthetic_video import lookalikes_crossing

    spec = lookalikes_crossing(seed=0)
    video = folder / "door.mp4"
    spec.write(video)
    _, truth = next(iter(spec.frames()))
    boxes = samtrack.mask_to_box_xyxy(truth.masks)
    x = spec.width * 0.35
    return video, [samtrack.Prompt(box=b) for b in boxes], (x, 0.0, x, float(spec.height))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", help="video file, rtsp:// URL or webcam number")
    parser.add_argument("--line", help="x1,y1,x2,y2 in pixels (default: the generated clip's)")
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
        door = LineCounter("door", line[:2], line[2:], anchor="centroid")
        analytics = Analytics(lines=[door])
        try:
            for result in samtrack.track(source, model=model, prompts=prompts):
                for event in analytics.update(result):
                    if event.kind == "line_crossed":
                        print(f"{event.time:8.2f} s  track {event.track_id} went {event.direction:3s}"
                              f"  (in {door.in_count}, out {door.out_count})", flush=True)
        except samtrack.SamtrackError as e:
            print(f"cctv_line_count: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            pass  # a camera runs until stopped: the counts so far are the answer
    print(f"door: {door.in_count} in, {door.out_count} out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
