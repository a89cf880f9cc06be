"""Every sink, and :func:`open_sinks` to open several by format name.

The formats, their default file names (``stem`` given) and the sinks that write them are
registered in :mod:`samtrack.io.formats` (``samtrack track --help`` lists them)::

    jsonl   <stem>.jsonl           JsonlSink            one JSON line per frame, COCO RLE masks
    mots    <stem>.mots.txt        MotsSink             MOTS challenge masks
    mot     <stem>.mot.txt         MotSink              MOT challenge boxes
    csv     <stem>_tracks.csv      TrackSummaryCsvSink  one row per track
    video   <stem>_annotated.mp4   VideoSink            the frames with masks, boxes, ids, trails

(The video is not ``<stem>.mp4`` so that writing next to the input never replaces it.)
:data:`FORMAT_FILES` and :data:`OUTPUT_FILES` are live views of that registry.

A run with analytics also writes the files of :data:`ANALYTICS_FILES` (see
``samtrack.io.analytics_files``); they are not formats to choose, but
:data:`OUTPUT_FILES`, every file a run may write, makes them part of the check for
earlier results and of ``--overwrite``'s clean-up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from samtrack.errors import SamtrackError
from samtrack.io import formats as registry  # read at call time: tests change it
from samtrack.io.base import ClosingSink, FileSink, Sink, partial_path
from samtrack.io.formats import (
    ANALYTICS_FILES,
    FORMATS,
    OutputFormat,
    SinkOptions,
    register_format,
)
from samtrack.io.jsonl import JsonlSink, read_jsonl
from samtrack.io.mot import MotSink, read_mot
from samtrack.io.mots import MotsSink, read_mots
from samtrack.io.tracks_csv import TrackSummary, TrackSummaryCsvSink, read_track_summary_csv
from samtrack.io.video import VideoSink
from samtrack.types import FrameResult

__all__ = [
    "ANALYTICS_FILES",
    "DEFAULT_FPS",
    "FORMATS",
    "FORMAT_FILES",
    "OUTPUT_FILES",
    "FileSink",
    "JsonlSink",
    "MotSink",
    "MotsSink",
    "MultiSink",
    "OutputFormat",
    "Sink",
    "SinkOptions",
    "TrackSummary",
    "TrackSummaryCsvSink",
    "VideoSink",
    "open_sinks",
    "partial_path",
    "read_jsonl",
    "read_mot",
    "read_mots",
    "read_track_summary_csv",
    "register_format",
]


class _FormatFiles(Mapping[str, str]):
    """Format name -> file name pattern, read from the registry each time (so a format
    registered later, or by a test, is seen everywhere at once)."""

    def __getitem__(self, name: str) -> str:
        return registry.FORMATS[name].pattern

    def __iter__(self) -> Iterator[str]:
        return iter(list(registry.FORMATS))

    def __len__(self) -> int:
        return len(registry.FORMATS)

    def __repr__(self) -> str:
        return repr(dict(self))


class _OutputFiles(Sequence[str]):
    """Every file name pattern a run may write (the formats', then the analytics files'),
    read from the registry each time; compares equal to a list or tuple of the same."""

    def _items(self) -> list[str]:
        return [*FORMAT_FILES.values(), *ANALYTICS_FILES.values()]

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (_OutputFiles, list, tuple)):
            return self._items() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # it changes with the registry

    def __repr__(self) -> str:
        return repr(self._items())


FORMAT_FILES: Mapping[str, str] = _FormatFiles()
"""Format name -> default file name pattern (a live view of ``samtrack.io.formats.FORMATS``)."""

OUTPUT_FILES: Sequence[str] = _OutputFiles()
"""Every file name pattern a run may write (a live view of the registry)."""

DEFAULT_FPS = 30.0
"""Frame rate of the annotated video when the source's is unknown."""


def open_sinks(
    out_dir: str | os.PathLike[str],
    formats: list[str],
    *,
    stem: str,
    fps: float | None = None,
) -> list[Sink]:
    """Open one sink per format name (see :data:`FORMAT_FILES`) in ``out_dir`` (created).

    fps: the source's frame rate, for the annotated video (30 if None). Unknown or repeated
    names raise SamtrackError before anything is opened; if one sink fails to open, those
    already open are aborted and their partial files removed.
    """
    known = registry.FORMATS
    names = [str(f).strip().lower() for f in formats]
    unknown = [f for f in names if f not in known]
    if unknown:
        raise SamtrackError(
            f"unknown output format {unknown[0]!r}; choose from {', '.join(known)}"
        )
    if len(set(names)) != len(names):
        raise SamtrackError(f"an output format is repeated in {', '.join(names)}")
    if not stem or os.sep in stem or (os.altsep and os.altsep in stem):
        raise SamtrackError(f"the output stem must be a plain file name, not {stem!r}")
    out = Path(out_dir)
    options = SinkOptions(fps=fps if fps else DEFAULT_FPS)
    sinks: list[Sink] = []
    try:
        for name in names:
            fmt = known[name]
            sinks.append(fmt.open(out / fmt.pattern.format(stem=stem), options))
    except BaseException:
        for sink in sinks:
            if isinstance(sink, FileSink):
                sink.abort(remove_partial=True)
            elif hasattr(sink, "abort"):
                with contextlib.suppress(Exception):  # already failing: keep the first error
                    sink.abort()
        raise
    return sinks


class MultiSink(ClosingSink):
    """Several sinks as one: ``write`` goes to each; ``close`` closes each (raising the first
    error after trying all); leaving a ``with`` block by an exception aborts file sinks
    (their ``.partial`` files stay) and closes the others."""

    def __init__(self, sinks: list[Sink]) -> None:
        self.sinks = list(sinks)

    def write(self, result: FrameResult) -> None:
        for sink in self.sinks:
            sink.write(result)

    def close(self) -> None:
        self._each(lambda s: s.close())

    def abort(self) -> None:
        # a sink that can stop without finalising (a FileSink, the AnalyticsSink) does so
        self._each(lambda s: s.abort() if hasattr(s, "abort") else s.close())

    def _each(self, action) -> None:  # type: ignore[no-untyped-def]
        first: BaseException | None = None
        for sink in self.sinks:
            try:
                action(sink)
            except Exception as e:  # noqa: BLE001 - finish every sink, then raise the first
                first = first or e
        if first is not None:
            raise first

