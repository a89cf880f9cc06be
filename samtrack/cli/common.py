"""What several subcommands share: the parser whose errors are one line, argument types,
and the flags defined once (model, tracker, automatic mask generator, output safety)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from samtrack.errors import SamtrackError

PROG = "samtrack"

DEFAULT_MODEL = "mobile_sam"
"""The model of ``track`` and ``segment`` unless ``--model`` says otherwise (nano is for
the demo, the tests and trying the tool offline)."""


class UsageError(Exception):
    """A command line that does not parse; printed as one line by ``main``."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (raised, printed by ``main``)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


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


def box(text: str) -> tuple[float, ...]:
    return _numbers(text, 4, "box", "x1,y1,x2,y2")


def point(text: str) -> tuple[float, ...]:
    return _numbers(text, 2, "point", "x,y")


def ranged(convert: Callable[[str], Any], ok: Callable[[Any], bool], what: str, expected: str) -> Callable[[str], Any]:
    """An argparse ``type``: ``convert(text)``, refused with "invalid WHAT 'text': expected
    EXPECTED" when it fails or ``ok`` says no (NaN fails every comparison, so it is refused)."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = math.nan
        if not ok(value):
            raise argparse.ArgumentTypeError(f"invalid {what} {text!r}: expected {expected}")
        return value

    return parse


positive_int = ranged(int, lambda v: v >= 1, "count", "a positive integer")
count = ranged(int, lambda v: v >= 0, "count", "an integer >= 0")
fraction = ranged(float, lambda v: 0 <= v <= 1, "value", "a number from 0 to 1")


def show(values: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


# --------------------------------------------------------------------------- shared flags


def add_model_flags(parser: argparse.ArgumentParser, default: str = DEFAULT_MODEL) -> None:
    """--model / --checkpoint, --device, --dtype, --image-size (read by
    :func:`model_source`) and --threads (applied by the command line's main)."""
    from samtrack.models.registry import REGISTRY

    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--model",
        default=default,
        metavar="NAME",
        help=f"registry model: {', '.join(REGISTRY)} (default: {default}; "
        "nano works offline, for trying the tool)",
    )
    model.add_argument("--checkpoint", metavar="PATH", help="a checkpoint file instead of --model")
    add_device_flag(parser)
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=("float32", "bfloat16", "float16"),
        help="image encoder precision (default: float32; bfloat16 runs the SAM encoders "
        "2-2.8x as fast on a CPU with bf16 instructions, see BENCHMARKS.md)",
    )
    parser.add_argument(
        "--image-size",
        type=positive_int,
        metavar="N",
        help="the encoder's input side instead of the model's own (1024 for SAM and "
        "MobileSAM, 256 for nano), a multiple of 16 (nano: 8): 512 costs about a fifth of "
        "the encoder's time, with coarser masks (see BENCHMARKS.md)",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        metavar="N",
        help="CPU threads for the model (default: one per core; give each of several "
        "runs on one machine its share)",
    )


def add_device_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda or mps")


def model_source(args: argparse.Namespace) -> str:
    """The registry name, or the resolved path of --checkpoint (checked to exist)."""
    if getattr(args, "checkpoint", None) is not None:
        checkpoint = Path(args.checkpoint).expanduser()
        if not checkpoint.is_file():
            raise SamtrackError(f"checkpoint not found: {checkpoint}")
        return str(checkpoint.resolve())
    return str(args.model)


def add_overwrite_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace earlier results of the same name (and remove their files in other "
        "formats); without it, existing results are never written over",
    )


def output_formats(text: str) -> list[str]:
    """--format: a comma-separated list of registered output formats (read at parse time)."""
    from samtrack.io.formats import FORMATS

    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"invalid format {text!r}: choose from {', '.join(FORMATS)} (comma separated)"
        )
    return names


def add_format_flag(parser: argparse.ArgumentParser) -> None:
    """--format, its choices, help and default all from the registry of output formats
    (``samtrack.io.formats``)."""
    from samtrack.io.formats import FORMATS, default_formats

    default = default_formats()
    # <stem> is the input's name (as in --analytics' help); '%' is doubled because argparse
    # %-formats help texts
    listed = "; ".join(
        f"{f.name} = {f.pattern.format(stem='<stem>')}, {f.description}" for f in FORMATS.values()
    ).replace("%", "%%")
    parser.add_argument(
        "--format",
        type=output_formats,
        default=default,
        metavar="LIST",
        help=f"comma-separated (default: {','.join(default)}), from: {listed}",
    )


def add_quiet_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_tracker_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per TrackerConfig field (see its docstring); unset flags keep its defaults."""
    from dataclasses import MISSING, fields

    from samtrack.tracking.config import TrackerConfig

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


def tracker_options(args: argparse.Namespace) -> dict[str, object]:
    """The tracker flags that were given, as TrackerConfig keyword options."""
    from dataclasses import fields

    from samtrack.tracking.config import TrackerConfig

    names = [f.name for f in fields(TrackerConfig)]
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


# GeneratorConfig's defaults (those of the official SAM generator), for the help texts;
# samtrack.models.automatic is not imported here because it imports torch.
GENERATOR_DEFAULTS: dict[str, float] = {
    "points_per_side": 32,
    "pred_iou_thresh": 0.88,
    "stability_score_thresh": 0.95,
    "box_nms_thresh": 0.7,
    "min_mask_area": 0,
}


def add_generator_flags(parser: argparse.ArgumentParser, **defaults: float) -> None:
    """One flag per field of the automatic mask generator's GeneratorConfig. Unset flags
    keep GeneratorConfig's defaults unless ``defaults`` gives the subcommand's own."""
    shown = {**GENERATOR_DEFAULTS, **defaults}
    group = parser.add_argument_group("segment everything (the automatic mask generator)")
    flags = [
        ("points_per_side", positive_int, "N", "an N x N grid of point prompts"),
        ("pred_iou_thresh", fraction, "X", "keep masks whose predicted IoU is above X"),
        (
            "stability_score_thresh",
            fraction,
            "X",
            "keep masks at least this stable when the logit threshold moves by 1",
        ),
        (
            "box_nms_thresh",
            fraction,
            "X",
            "drop a mask whose box overlaps a better one's by more than X IoU",
        ),
        ("min_mask_area", count, "PX", "drop smaller masks"),
    ]
    for name, kind, metavar, text in flags:
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=defaults.get(name),
            metavar=metavar,
            help=f"{text} (default: {shown[name]:g})",
        )


def generator_options(args: argparse.Namespace) -> dict[str, float]:
    return {
        name: getattr(args, name) for name in GENERATOR_DEFAULTS if getattr(args, name) is not None
    }
