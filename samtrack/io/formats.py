"""The registry of output formats: name -> file name pattern, the sink that writes it, and
one line saying what the file holds.

Everything that lists or opens formats reads :data:`FORMATS`: ``open_sinks``,
``FORMAT_FILES`` and ``OUTPUT_FILES`` (``samtrack.io.sinks``; so the check for earlier
results and ``--overwrite``'s clean-up cover every format), and the ``--format`` flag of
``samtrack track`` (its choices, help and default). A new format is its sink's module
plus one :func:`register_format` call at the end of this file.

Patterns name the file after the run's stem (the input's name): ``{stem}.jsonl``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from samtrack.io.base import Sink
from samtrack.io.crops import CROPS_FOLDER, CropSink
from samtrack.io.jsonl import JsonlSink
from samtrack.io.mot import MotSink
from samtrack.io.mots import MotsSink
from samtrack.io.tracks_csv import TrackSummaryCsvSink
from samtrack.io.video import VideoSink

__all__ = [
    "ANALYTICS_FILES",
    "FORMATS",
    "OutputFormat",
    "SinkOptions",
    "default_formats",
    "format_names",
    "register_format",
]


@dataclass(frozen=True)
class SinkOptions:
    """What a run knows that a sink may need when it opens. fps: the source's frame rate
    (a default when the source does not say). New fields get defaults, so existing
    factories keep working."""

    fps: float


@dataclass(frozen=True)
class OutputFormat:
    """One output format.

    name: what ``--format`` and ``open_sinks`` take (lowercase letters, digits, ``_``, ``-``);
    pattern: the file name, with ``{stem}`` for the run's name; open: the factory,
    ``open(path, options) -> Sink``, which starts writing ``path``; description: one line
    for the help; default: written when the caller does not choose formats.
    """

    name: str
    pattern: str
    open: Callable[[Path, SinkOptions], Sink]
    description: str
    default: bool = False


FORMATS: dict[str, OutputFormat] = {}
"""Format name -> OutputFormat, in the order the help lists them. Read it at call time
(``formats.FORMATS``, or a name bound to this same dict): tests change it in place."""

ANALYTICS_FILES = {
    "events": "{stem}.events.jsonl",
    "counts": "{stem}.counts.csv",
    "measurements": "{stem}.measurements.csv",
}
"""Analytics file -> file name pattern (written when a run has analytics). Not formats to
choose; here so that no format can take one of their names."""

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


def register_format(fmt: OutputFormat, *, replace: bool = False) -> OutputFormat:
    """Add ``fmt`` to :data:`FORMATS` (``replace``: a format of the same name may be
    replaced) and return it. ValueError, before anything changes, for a name ``--format``
    could not take, a pattern that is not a plain file name with ``{stem}``, a file name
    another format or analytics file already uses, or a description that is not one line;
    TypeError for a factory that is not callable."""
    name = fmt.name
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        # lowercase because open_sinks lowercases what it is given; no commas because
        # --format takes a comma-separated list
        raise ValueError(
            f"an output format's name must be lowercase letters, digits, '_' or '-', not {name!r}"
        )
    if name in FORMATS and not replace:
        raise ValueError(f"an output format named {name!r} is already registered")
    pattern = fmt.pattern
    try:
        sample = pattern.format(stem="x") if "{stem}" in pattern else ""
    except (IndexError, KeyError, ValueError):
        sample = ""
    if not sample or os.sep in sample or (os.altsep and os.altsep in sample):
        raise ValueError(
            f"output format {name!r}: the pattern must be a file name with {{stem}} and no "
            f"other field or folder, not {pattern!r}"
        )
    # compared without case: on case-insensitive filesystems two such files are one
    taken = {
        f.pattern.lower(): f"format {f.name!r}" for f in FORMATS.values() if f.name != name
    }
    taken.update({p.lower(): f"the analytics {a} file" for a, p in ANALYTICS_FILES.items()})
    if pattern.lower() in taken:
        raise ValueError(
            f"output format {name!r}: {pattern!r} is already the file of {taken[pattern.lower()]}"
        )
    if not callable(fmt.open):
        raise TypeError(f"output format {name!r}: open must be a callable (path, options) -> Sink")
    description = fmt.description
    if not isinstance(description, str) or not description.strip() or "\n" in description:
        raise ValueError(f"output format {name!r}: the description must be one line of text")
    FORMATS[name] = fmt
    return fmt


def format_names() -> list[str]:
    """Every registered format's name, in registry order."""
    return list(FORMATS)


def default_formats() -> list[str]:
    """The formats written when the caller does not choose (``--format``'s default)."""
    return [f.name for f in FORMATS.values() if f.default]


# -- the built-in formats ------------------------------------------------------------------
# The video is not <stem>.mp4 so that writing next to the input never replaces it.

register_format(OutputFormat(
    "jsonl", "{stem}.jsonl", lambda path, options: JsonlSink(path),
    "one JSON line per frame: ids, COCO RLE masks, boxes, scores, time", default=True,
))
register_format(OutputFormat(
    "mots", "{stem}.mots.txt", lambda path, options: MotsSink(path),
    "MOTS challenge masks", default=True,
))
register_format(OutputFormat(
    "mot", "{stem}.mot.txt", lambda path, options: MotSink(path),
    "MOT challenge boxes",
))
register_format(OutputFormat(
    "csv", "{stem}_tracks.csv", lambda path, options: TrackSummaryCsvSink(path),
    "one row per track: first and last frame, frames visible, mean area and score",
    default=True,
))
register_format(OutputFormat(
    "video", "{stem}_annotated.mp4", lambda path, options: VideoSink(path, options.fps),
    "the frames with masks, boxes, ids and trails", default=True,
))
register_format(OutputFormat(
    "crops", CROPS_FOLDER, lambda path, options: CropSink(path),
    "a folder of one PNG per track: its best view, padded by 10%",
))
