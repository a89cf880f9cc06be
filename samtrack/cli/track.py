"""``samtrack track INPUT``: track objects through a video, stream or image folder."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from samtrack.errors import SamtrackError

from . import common


def _start(text: str) -> int | float:
    """--start: a frame index (``120``) or seconds (``12.5s``)."""
    try:
        value: int | float = float(text[:-1]) if text.endswith("s") else int(text)
    except ValueError:
        value = -1
    if not value >= 0:  # also NaN
        raise argparse.ArgumentTypeError(
            f"invalid start {text!r}: a frame index (120) or seconds (12.5s)"
        )
    return value


_seconds = common.ranged(float, lambda v: 0 < v < math.inf, "interval", "seconds > 0")


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    trk = sub.add_parser(
        "track",
        help="track and segment objects through a video",
        description="Track objects through INPUT (a video file, rtsp:// or http(s):// stream, "
        "webcam number or /dev/videoN, or a folder of numbered images) and write the results "
        "to --out. Objects come from prompts, detections and automatic discovery.",
    )
    trk.add_argument("input", metavar="INPUT", help="video file, stream URL, webcam or image folder")
    what = trk.add_mutually_exclusive_group()
    what.add_argument(
        "--prompts",
        metavar="FILE",
        help='JSON prompts file: {"<frame>": [{"box": [x1,y1,x2,y2]} | {"points": [[x,y],...], '
        '"point_labels": [1,0,...]}, "label": "..."}]}',
    )
    what.add_argument(
        "--box",
        type=common.box,
        action="append",
        metavar="x1,y1,x2,y2",
        help="an object to track from the first frame; repeat for more objects",
    )
    trk.add_argument(
        "--point",
        type=common.point,
        action="append",
        metavar="x,y",
        help="a point on one more object in the first frame (all --point go to one object)",
    )
    trk.add_argument(
        "--negative", type=common.point, action="append", metavar="x,y", help="a point NOT on it"
    )
    trk.add_argument(
        "--detections", metavar="DET.txt", help="MOT-format detections, used as box prompts"
    )
    common.add_model_flags(trk)
    trk.add_argument(
        "--start", type=_start, metavar="N|Ts", help="first frame index, or seconds (e.g. 12.5s)"
    )
    trk.add_argument(
        "--stride", type=common.positive_int, default=1, metavar="N", help="every N-th frame"
    )
    trk.add_argument(
        "--max-frames", type=common.positive_int, metavar="N", help="stop after N frames"
    )
    trk.add_argument(
        "--out", default="samtrack-out", metavar="DIR", help="(default: ./samtrack-out)"
    )
    common.add_format_flag(trk)
    trk.add_argument(
        "--analytics",
        metavar="FILE",
        help="analytics config (JSON, or YAML with PyYAML): lines to count, zones to watch, "
        "a scale; writes <stem>.events.jsonl, <stem>.counts.csv, <stem>.measurements.csv",
    )
    trk.add_argument(
        "--interval",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="seconds of video per row of the analytics counts CSV (default: 60)",
    )
    common.add_overwrite_flag(trk)
    common.add_quiet_flag(trk)
    common.add_tracker_flags(trk)
    trk.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from samtrack.pipeline import track_to_files
    from samtrack.types import Prompt

    source: str | int = args.input
    if isinstance(source, str) and source.isdigit():
        source = int(source)  # a webcam number
    if args.negative and not args.point:
        raise SamtrackError("--negative needs at least one --point (the object to track)")
    prompts: object = None
    if args.prompts is not None:
        prompts = args.prompts
    elif args.box or args.point:
        first: list[Prompt] = [Prompt(box=b) for b in args.box or []]
        if args.point:
            points = args.point + (args.negative or [])
            labels = [1] * len(args.point) + [0] * len(args.negative or [])
            first.append(Prompt(points=np.array(points, np.float32), labels=np.array(labels)))
        prompts = first
    if args.detections is not None and not Path(args.detections).is_file():
        raise SamtrackError(f"detections file not found: {args.detections}")
    summary = track_to_files(
        source,
        args.out,
        args.format,
        model=common.model_source(args),
        prompts=prompts,
        detections=args.detections,
        device=args.device,
        dtype=args.dtype,
        image_size=args.image_size,
        start=args.start,
        stride=args.stride,
        max_frames=args.max_frames,
        progress=not args.quiet,
        overwrite=args.overwrite,
        analytics=args.analytics,
        interval=args.interval,
        **common.tracker_options(args),
    )
    plural = "" if summary.tracks == 1 else "s"
    print(
        f"tracked {summary.frames} frames in {summary.seconds:.1f} s ({summary.fps:.1f} fps): "
        f"{summary.tracks} track{plural}"
    )
    if summary.analytics is not None:
        _print_analytics(summary.analytics)
    for path in summary.files:
        print(f"wrote {path}")
    for path in summary.removed:
        print(f"removed {path} (an earlier run's)")
    return 0


def _print_analytics(analytics: object) -> None:
    """The final line counts and zone summaries of a run."""
    for line in analytics.lines:  # type: ignore[attr-defined]
        print(f"line {line.name!r}: {line.in_count} in, {line.out_count} out")
    for zone in analytics.zones:  # type: ignore[attr-defined]
        dwell = zone.dwell()
        visits = sum(d.visits for d in dwell.values())
        seconds = sum(d.seconds for d in dwell.values())
        mean = f", mean dwell {seconds / visits:.1f} s" if visits and math.isfinite(seconds) else ""
        print(f"zone {zone.name!r}: {len(dwell)} track(s), {visits} visit(s){mean}")
