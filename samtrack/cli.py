"""The ``samtrack`` command: subcommands that are thin layers over the Python API.

    samtrack models                      the registry, and which weights are on this machine
    samtrack segment IMAGE --box ...     masks for prompts (or --everything) on one image
    samtrack track INPUT [--box ...]     track objects through a video, stream or image folder
    samtrack demo                        a synthetic video tracked by the bundled nano model

Bad input (a missing image, a box outside it, an unknown model, a corrupt checkpoint...)
ends with one line on stderr, ``samtrack: error: ...``, exit code 2, and no output file:
outputs are written to temporary files and moved into place only when all are ready.

Mask PNGs are index images: single channel, 0 = background, k = object k (1-based, in
prompt order; for ``--everything`` from the largest mask to the smallest); where masks
overlap, the later one wins. 8-bit for up to 255 objects, else 16-bit.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .errors import SamtrackError

if TYPE_CHECKING:
    from .types import Masks

PROG = "samtrack"


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised, printed by :func:`main`)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message} (see '{self.prog} --help')")


# --------------------------------------------------------------------------- argument types


def _numbers(text: str, count: int, what: str, form: str) -> tuple[float, ...]:
    parts = text.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: expected {form} (numbers)")
    return values


def _box(text: str) -> tuple[float, ...]:
    return _numbers(text, 4, "box", "x1,y1,x2,y2")


def _point(text: str) -> tuple[float, ...]:
    return _numbers(text, 2, "point", "x,y")


def _show(values: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


def check_box(box: Sequence[float], width: int, height: int) -> None:
    """A SamtrackError unless ``box`` (xyxy, exclusive right/bottom) is a box inside the image."""
    x1, y1, x2, y2 = box
    if x2 <= x1 or y2 <= y1:
        raise SamtrackError(f"box {_show(box)}: x2 must be greater than x1 and y2 greater than y1")
    if x1 < 0 or y1 < 0 or x2 > width or y2 > height:
        raise SamtrackError(
            f"box {_show(box)} is outside the {width}x{height} image "
            f"(x from 0 to {width}, y from 0 to {height})"
        )


def check_point(point: Sequence[float], width: int, height: int) -> None:
    """A SamtrackError unless ``point`` (xy) lies inside the image."""
    x, y = point
    if not (0 <= x < width and 0 <= y < height):
        raise SamtrackError(
            f"point {_show(point)} is outside the {width}x{height} image "
            f"(x from 0 to {width - 1}, y from 0 to {height - 1})"
        )


# --------------------------------------------------------------------------- images


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """An image file as RGB uint8 H x W x 3; a SamtrackError when missing or unreadable."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise SamtrackError(f"image not found: {path}")
    data = np.fromfile(path, dtype=np.uint8) if path.stat().st_size else None
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None else None
    if bgr is None:
        raise SamtrackError(f"cannot read image {path}: not an image format OpenCV can decode")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def draw_overlay(
    image: np.ndarray,
    masks: np.ndarray,
    points: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> np.ndarray:
    """The image with each mask k (1-based) drawn by :func:`samtrack.render.render`:
    translucent colour, outline, box and the number k; RGB uint8 H x W x 3.

    masks: bool N x H x W; points: K x 2 xy prompts with labels (1: green, 0: red).
    """
    import cv2

    from .render import render
    from .types import FrameResult, mask_to_box_xyxy

    n = len(masks)
    result = FrameResult(
        frame_index=0,
        time=0.0,
        height=image.shape[0],
        width=image.shape[1],
        track_ids=np.arange(1, n + 1),
        masks=masks,
        boxes=mask_to_box_xyxy(masks),
        scores=np.ones(n, dtype=np.float32),
    )
    out = render(image, result)
    if points is not None and labels is not None:
        for (x, y), label in zip(np.asarray(points), np.asarray(labels)):
            centre = (round(float(x)), round(float(y)))
            cv2.circle(out, centre, 5, (40, 220, 40) if label == 1 else (230, 40, 40), -1)
            cv2.circle(out, centre, 5, (255, 255, 255), 1)
    return out


def index_mask(masks: np.ndarray) -> np.ndarray:
    """bool N x H x W -> H x W index image: 0 background, k where mask k-1 is (later wins)."""
    n, h, w = masks.shape
    out = np.zeros((h, w), dtype=np.uint8 if n <= 255 else np.uint16)
    for k, mask in enumerate(masks, start=1):
        out[mask] = k
    return out


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a single-channel index image or an RGB uint8 image."""
    import cv2

    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", array)
    if not ok:
        raise SamtrackError("cannot encode a PNG image")
    return buf.tobytes()


def write_files(files: dict[Path, bytes]) -> None:
    """Write every file, or none: each goes to a temporary file next to it first."""
    umask = os.umask(0)
    os.umask(umask)
    done: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
            done.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in done:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in done:
            Path(tmp).unlink(missing_ok=True)
        raise


def _format_size(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- subcommands


def cmd_models(args: argparse.Namespace) -> int:
    from .models.registry import REGISTRY, cache_dir, is_cached, local_path

    rows = [("NAME", "SIZE", "CACHED", "DESCRIPTION")]
    for name, info in REGISTRY.items():
        path = local_path(name)
        size = info.size
        if size is None and path.is_file():
            size = path.stat().st_size
        if info.bundled:
            where = f"bundled: {path}" if path.is_file() else "bundled, but missing!"
        else:
            where = str(path) if is_cached(name) else "no"
        rows.append((name, _format_size(size), where, info.description))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    print(f"\ndownloads go to {cache_dir()} (set SAMTRACK_HOME to change)")
    return 0


def _areas(masks: Masks) -> np.ndarray:
    return masks.masks.sum(axis=(1, 2))  # (Masks.areas fails on an empty batch)


def _summary(masks: Masks) -> list[str]:
    return [
        f"  {k}: score {score:.3f}, area {int(area)} px, box {_show(box)}"
        for k, (score, area, box) in enumerate(
            zip(masks.scores, _areas(masks), masks.boxes), start=1
        )
    ]


def _largest_first(masks: Masks) -> Masks:
    """Masks sorted by decreasing area, so that small objects are drawn over large ones."""
    return masks[np.argsort(-_areas(masks), kind="stable")]


def cmd_segment(args: argparse.Namespace) -> int:
    from .models.registry import load_predictor
    from .types import Prompt

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise SamtrackError(f"--out must name a .png file, not {out}")
    if out.is_dir():
        raise SamtrackError(f"--out {out} is a folder; name a .png file")
    overlay_path = out.with_name(out.stem + "_overlay.png")
    if args.negative and not args.point:
        raise SamtrackError("--negative needs at least one --point (the object to segment)")
    source = _model_source(args)
    image = read_image(args.image)
    height, width = image.shape[:2]
    prompts: list[Prompt] = []
    points = labels = None
    if args.box:
        for box in args.box:
            check_box(box, width, height)
        prompts = [Prompt(box=box) for box in args.box]
    elif args.point:
        for point in args.point + (args.negative or []):
            check_point(point, width, height)
        points = np.array(args.point + (args.negative or []), dtype=np.float32)
        labels = np.array([1] * len(args.point) + [0] * len(args.negative or []))
        prompts = [Prompt(points=points, labels=labels)]

    predictor = load_predictor(source, device=args.device, dtype=args.dtype)
    embedding = predictor.embed(image)
    if args.everything:
        masks = _largest_first(predictor.segment_everything(embedding, **_generator_options(args)))
    else:
        masks = predictor.segment(embedding, prompts)
    overlay = draw_overlay(image, masks.masks, points, labels)
    write_files({out: encode_png(index_mask(masks.masks)), overlay_path: encode_png(overlay)})
    plural = "" if len(masks) == 1 else "s"
    print(f"wrote {out} ({len(masks)} object{plural}; 0 = background, k = object k)")
    print(f"wrote {overlay_path}")
    for line in _summary(masks):
        print(line)
    return 0


def _model_source(args: argparse.Namespace) -> str:
    """The registry name, or the resolved path of --checkpoint (checked to exist)."""
    if getattr(args, "checkpoint", None) is not None:
        checkpoint = Path(args.checkpoint).expanduser()
        if not checkpoint.is_file():
            raise SamtrackError(f"checkpoint not found: {checkpoint}")
        return str(checkpoint.resolve())
    return str(args.model)


def _formats(text: str) -> list[str]:
    from .io.sinks import FORMAT_FILES

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMAT_FILES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"invalid format {text!r}: choose from {', '.join(FORMAT_FILES)} (comma separated)"
        )
    return names


def _tracker_options(args: argparse.Namespace) -> dict[str, object]:
    from dataclasses import fields

    from .tracking.tracker import TrackerConfig

    names = [f.name for f in fields(TrackerConfig)]
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def cmd_track(args: argparse.Namespace) -> int:
    from .pipeline import track_to_files
    from .types import Prompt

    source: str | int = args.input
    if isinstance(source, str) and source.isdigit():
        source = int(source)  # a webcam number
    if args.negative and not args.point:
        raise SamtrackError("--negative needs at least one --point (the object to track)")
    prompts: object = None
    if args.prompts is not None:
        prompts = args.prompts
    elif args.box or args.point:
        first: list[Prompt] = [Prompt(box=box) for box in args.box or []]
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
        model=_model_source(args),
        prompts=prompts,
        detections=args.detections,
        device=args.device,
        dtype=args.dtype,
        start=args.start,
        stride=args.stride,
        max_frames=args.max_frames,
        progress=not args.quiet,
        **_tracker_options(args),
    )
    plural = "" if summary.tracks == 1 else "s"
    print(
        f"tracked {summary.frames} frames in {summary.seconds:.1f} s ({summary.fps:.1f} fps): "
        f"{summary.tracks} track{plural}"
    )
    for path in summary.files:
        print(f"wrote {path}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .eval.matching import match_frames
    from .eval.synthetic_video import RandomVideoConfig, random_video
    from .pipeline import track_to_files
    from .types import Prompt, mask_to_box_xyxy

    folder = Path(args.out)
    if folder.exists() and not folder.is_dir():
        raise SamtrackError(f"--out {folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    spec = random_video(args.seed, RandomVideoConfig(n_frames=args.frames, n_objects=(3, 4)))
    video = folder / "synthetic.mp4"
    truth_file = folder / "synthetic_gt.mots.txt"
    spec.write(video, truth_file)
    # The objects visible in the first frame are given as box prompts; discovery finds
    # the rest.
    truth = [gt for _, gt in spec.frames()]
    first = [Prompt(box=box) for box in mask_to_box_xyxy(truth[0].masks)]
    pairs = []

    def score(result) -> None:  # type: ignore[no-untyped-def]
        gt = truth[result.frame_index]
        pairs.append((gt.ids, gt.masks, result.track_ids, result.masks))

    summary = track_to_files(
        video,
        folder,
        ("jsonl", "mots", "mot", "csv", "video"),
        model="nano",
        prompts=first,
        device=args.device,
        progress=not args.quiet,
        on_result=score,
    )
    quality = match_frames(pairs)
    print(
        f"samtrack demo: synthetic video (seed {args.seed}, {spec.n_frames} frames, "
        f"{len(spec.objects)} objects), model nano"
    )
    print(
        f"  tracked {summary.frames} frames in {summary.seconds:.1f} s ({summary.fps:.1f} fps): "
        f"{summary.tracks} tracks; mean mask IoU {quality.mean_iou:.3f}, "
        f"{quality.id_switches} identity switches against the ground truth"
    )
    print(f"wrote {video}")
    print(f"wrote {truth_file} (ground truth)")
    for path in summary.files:
        print(f"wrote {path}")
    return 0


# --------------------------------------------------------------------------- parser and main


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: expected a positive integer")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: expected a number from 0 to 1")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid count {text!r}: expected an integer >= 0")
    return value


# GeneratorConfig's defaults (those of the official SAM generator), for the help texts;
# samtrack.models.automatic is not imported here because it imports torch.
_GENERATOR_DEFAULTS: dict[str, float] = {
    "points_per_side": 32,
    "pred_iou_thresh": 0.88,
    "stability_score_thresh": 0.95,
    "box_nms_thresh": 0.7,
    "min_mask_area": 0,
}


def _add_generator_flags(parser: argparse.ArgumentParser, **defaults: float) -> None:
    """One flag per field of the automatic mask generator's GeneratorConfig. Unset flags
    keep GeneratorConfig's defaults unless ``defaults`` gives the subcommand's own."""
    shown = {**_GENERATOR_DEFAULTS, **defaults}
    group = parser.add_argument_group("segment everything (the automatic mask generator)")
    flags = [
        ("points_per_side", _positive_int, "N", "an N x N grid of point prompts"),
        ("pred_iou_thresh", _fraction, "X", "keep masks whose predicted IoU is above X"),
        (
            "stability_score_thresh",
            _fraction,
            "X",
            "keep masks at least this stable when the logit threshold moves by 1",
        ),
        (
            "box_nms_thresh",
            _fraction,
            "X",
            "drop a mask whose box overlaps a better one's by more than X IoU",
        ),
        ("min_mask_area", _count, "PX", "drop smaller masks"),
    ]
    for name, kind, metavar, text in flags:
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=defaults.get(name),
            metavar=metavar,
            help=f"{text} (default: {shown[name]:g})",
        )


def _generator_options(args: argparse.Namespace) -> dict[str, float]:
    return {
        name: getattr(args, name) for name in _GENERATOR_DEFAULTS if getattr(args, name) is not None
    }


def _start(text: str) -> int | float:
    """--start: a frame index (``120``) or seconds (``12.5s``)."""
    try:
        value: int | float = float(text[:-1]) if text.endswith("s") else int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"invalid start {text!r}: a frame index (120) or seconds (12.5s)"
        )
    return value


def _add_tracker_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per TrackerConfig field (see its docstring); unset flags keep its defaults."""
    from dataclasses import MISSING, fields

    from .tracking.tracker import TrackerConfig

    group = parser.add_argument_group("tracker options (see samtrack.TrackerConfig)")
    for f in fields(TrackerConfig):
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        if isinstance(default, bool):
            group.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None,
                help=f"(default: {'on' if default else 'off'})",
            )
        elif isinstance(default, str):
            group.add_argument(flag, choices=("mask", "box"), default=None, help=f"(default: {default})")
        else:
            kind = int if isinstance(default, int) else float
            group.add_argument(
                flag, type=kind, default=None, metavar="N" if kind is int else "X",
                help=f"(default: {default})",
            )


def _add_model_flags(parser: argparse.ArgumentParser) -> None:
    """--model / --checkpoint, --device and --dtype (read by :func:`_model_source`)."""
    from .models.registry import REGISTRY

    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--model",
        default="nano",
        metavar="NAME",
        help=f"registry model: {', '.join(REGISTRY)} (default: nano)",
    )
    model.add_argument("--checkpoint", metavar="PATH", help="a checkpoint file instead of --model")
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda or mps")
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=("float32", "bfloat16", "float16"),
        help="image encoder precision (default: float32)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, description="Track and segment objects with Segment Anything models."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    models = sub.add_parser("models", help="list the known models and which are cached")
    models.set_defaults(run=cmd_models)

    seg = sub.add_parser(
        "segment",
        help="segment objects in one image",
        description="Segment objects in IMAGE from box or point prompts, or everything. "
        "Writes --out (index PNG: 0 background, k = object k) and <out stem>_overlay.png.",
    )
    seg.add_argument("image", metavar="IMAGE", help="image file (PNG, JPEG, ...)")
    what = seg.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--box",
        type=_box,
        action="append",
        metavar="x1,y1,x2,y2",
        help="one object per box, pixels, right/bottom exclusive; repeat for more objects",
    )
    what.add_argument(
        "--point",
        type=_point,
        action="append",
        metavar="x,y",
        help="a point on the object; all points (and --negative) prompt ONE object",
    )
    what.add_argument(
        "--everything", action="store_true", help="find every object (grid of points)"
    )
    seg.add_argument(
        "--negative",
        type=_point,
        action="append",
        metavar="x,y",
        help="a point NOT on the object (with --point)",
    )
    _add_model_flags(seg)
    seg.add_argument("--out", required=True, metavar="MASK.png", help="the mask PNG to write")
    _add_generator_flags(seg)
    seg.set_defaults(run=cmd_segment)

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
        type=_box,
        action="append",
        metavar="x1,y1,x2,y2",
        help="an object to track from the first frame; repeat for more objects",
    )
    trk.add_argument(
        "--point",
        type=_point,
        action="append",
        metavar="x,y",
        help="a point on one more object in the first frame (all --point go to one object)",
    )
    trk.add_argument(
        "--negative", type=_point, action="append", metavar="x,y", help="a point NOT on it"
    )
    trk.add_argument(
        "--detections", metavar="DET.txt", help="MOT-format detections, used as box prompts"
    )
    _add_model_flags(trk)
    trk.add_argument("--start", type=_start, metavar="N|Ts", help="first frame index, or seconds (e.g. 12.5s)")
    trk.add_argument("--stride", type=_positive_int, default=1, metavar="N", help="every N-th frame")
    trk.add_argument("--max-frames", type=_positive_int, metavar="N", help="stop after N frames")
    trk.add_argument("--out", default="samtrack-out", metavar="DIR", help="(default: ./samtrack-out)")
    trk.add_argument(
        "--format",
        type=_formats,
        default=["jsonl", "mots", "csv", "video"],
        metavar="LIST",
        help="comma-separated: jsonl, mots, mot, csv, video (default: jsonl,mots,csv,video)",
    )
    trk.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_tracker_flags(trk)
    trk.set_defaults(run=cmd_track)

    demo = sub.add_parser(
        "demo",
        help="track a synthetic video with the bundled nano model",
        description="Generate a synthetic video with ground truth, track it with nano, write "
        "every output format and print the mean mask IoU and identity switches.",
    )
    demo.add_argument(
        "--out", default="samtrack-demo", metavar="DIR", help="(default: ./samtrack-demo)"
    )
    demo.add_argument("--seed", type=int, default=0, help="video seed (default: 0)")
    demo.add_argument("--frames", type=_positive_int, default=60, help="video length (default: 60)")
    demo.add_argument("--device", default="auto", help="auto (default), cpu, cuda or mps")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(run=cmd_demo)

    ev = sub.add_parser(
        "eval",
        help="score tracking results against ground truth (HOTA, IDF1, MOTA, J&F)",
        description="Score PRED against GT. Each is a samtrack JSONL, a MOTS txt, a MOT txt "
        "(boxes; MOTChallenge ground truth keeps consider-flag 1, class 1) or a DAVIS folder "
        "of PNG masks. Masks are compared when both have them, boxes otherwise.",
    )
    ev.add_argument("pred", metavar="PRED", help="tracking results")
    ev.add_argument("gt", metavar="GT", help="ground truth")
    ev.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    ev.add_argument("--no-j-and-f", action="store_true", help="skip J&F (slow on long videos)")
    ev.set_defaults(run=cmd_eval)
    return parser


def cmd_eval(args: argparse.Namespace) -> int:
    from .eval.metrics import evaluate_files, format_table

    result = evaluate_files(args.pred, args.gt, j_and_f=False if args.no_j_and_f else None)
    if args.json:
        print(json.dumps(result))
    else:
        print(format_table({os.path.basename(os.path.normpath(args.pred)): result}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``samtrack`` command line; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except (_UsageError, SamtrackError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # e.g. an output folder that cannot be written
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except SystemExit as e:  # --help
        return e.code if isinstance(e.code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
