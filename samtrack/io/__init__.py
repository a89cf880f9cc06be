"""Sources (frames in) and sinks (results out). Knows nothing of models.

Sources: :func:`open_source` -> :class:`Source` (video files, URLs, RTSP, webcams, image
folders). Sinks: :class:`Sink` implementations for JSONL, MOTS, MOT, a per-track CSV and an
annotated video, with readers for the file formats, and :func:`open_sinks` to open them by
name.
"""

from samtrack.io.sinks import (
    FORMAT_FILES,
    FileSink,
    JsonlSink,
    MotSink,
    MotsSink,
    MultiSink,
    Sink,
    TrackSummary,
    TrackSummaryCsvSink,
    VideoSink,
    open_sinks,
    read_jsonl,
    read_mot,
    read_mots,
    read_track_summary_csv,
)
from samtrack.io.sources import ImageFolderSource, Source, VideoSource, open_source

__all__ = [
    "FORMAT_FILES",
    "FileSink",
    "ImageFolderSource",
    "JsonlSink",
    "MotSink",
    "MotsSink",
    "MultiSink",
    "Sink",
    "Source",
    "TrackSummary",
    "TrackSummaryCsvSink",
    "VideoSink",
    "VideoSource",
    "open_sinks",
    "open_source",
    "read_jsonl",
    "read_mot",
    "read_mots",
    "read_track_summary_csv",
]
