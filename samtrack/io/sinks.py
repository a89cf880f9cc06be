"""Every sink, and :func:`open_sinks` to open several by format name.

Formats and their default file names (``stem`` given)::

    jsonl   <stem>.jsonl           JsonlSink            one JSON line per frame, COCO RLE masks
    mots    <stem>.mots.txt        MotsSink             MOTS challenge masks
    mot     <stem>.mot.txt         MotSink              MOT challenge boxes
    csv     <stem>_tracks.csv      TrackSummaryCsvSink  one row per track
    video   <stem>_annotated.mp4   VideoSink            the frames with masks, boxes, ids, trails

(The video is not ``<stem>.mp4`` so that writing next to the input never replaces it.)

A run with analytics also writes the files of :data:`ANALYTICS_FILES` (see
``samtrack.io.analytics_files``); they are not formats to choose, but
:data:`OUTPUT_FILES`, every file a run may write, makes them part of the check for
earlier results and of ``--overwrite``'s clean-up.
"""

from __future__ import annotations

import os
from pathlib import Path

from samtrack.errors import SamtrackError
from samtrack.io.base import ClosingSink, FileSink, Sink, partial_path
from samtrack.io.jsonl import JsonlSink, read_jsonl
from samtrack.io.mot import MotSink, read_mot
from samtrack.io.mots import MotsSink, read_mots
from samtrack.io.tracks_csv import TrackSummary, TrackSummaryCsvSink, read_track_summary_csv
from samtrack.io.video import VideoSink
from samtrack.types import FrameResult

__all__ = [
    "ANALYTICS_FILES",
    "DEFAULT_FPS",
    "FORMAT_FILES",
    "OUTPUT_FILES",
    "FileSink",
    "JsonlSink",
    "MotSink",
    "MotsSink",
    "MultiSink",
    "Sink",
    "TrackSummary",
    "TrackSummaryCsvSink",
    "VideoSink",
    "open_sinks",
    "partial_path",
    "read_jsonl",
    "read_mot",
    "read_mots",
    "read_track_summary_csv",
]

FORMAT_FILES = {
    "jsonl": "{stem}.jsonl",
    "mots": "{stem}.mots.txt",
    "mot": "{stem}.mot.txt",
    "csv": "{stem}_tracks.csv",
    "video": "{stem}_annotated.mp4",
}
"""Format name -> default file name pattern."""

ANALYTICS_FILES = {
    "events": "{stem}.events.jsonl",
    "counts": "{stem}.counts.csv",
    "measurements": "{stem}.measurements.csv",
}
"""Analytics file -> file name pattern (written when a run has analytics)."""

OUTPUT_FILES = [*FORMAT_FILES.values(), *ANALYTICS_FILES.values()]
"""Every file name pattern a run may write."""

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
    names raise SamtrackError before anything is opened.
    """
    names = [str(f).strip().lower() for f in formats]
    unknown = [f for f in names if f not in FORMAT_FILES]
    if unknown:
        raise SamtrackError(
            f"unknown output format {unknown[0]!r}; choose from {', '.join(FORMAT_FILES)}"
        )
    if len(set(names)) != len(names):
        raise SamtrackError(f"an output format is repeated in {', '.join(names)}")
    if not stem or os.sep in stem or (os.altsep and os.altsep in stem):
        raise SamtrackError(f"the output stem must be a plain file name, not {stem!r}")
    out = Path(out_dir)
    sinks: list[Sink] = []
    try:
        for name in names:
            path = out / FORMAT_FILES[name].format(stem=stem)
            if name == "jsonl":
                sinks.append(JsonlSink(path))
            elif name == "mots":
                sinks.append(MotsSink(path))
            elif name == "mot":
                sinks.append(MotSink(path))
            elif name == "csv":
                sinks.append(TrackSummaryCsvSink(path))
            else:
                sinks.append(VideoSink(path, fps if fps else DEFAULT_FPS))
    except BaseException:
        for sink in sinks:
            if isinstance(sink, FileSink):
                sink.abort(remove_partial=True)
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

