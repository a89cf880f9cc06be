"""Per-track summary CSV: one row per track, written when the sink is closed.

Columns (header row first, rows sorted by id)::

    id,label,first_frame,last_frame,first_time,last_time,frames_visible,mean_area,
    mean_score,first_cx,first_cy,last_cx,last_cy

Frames are 0-based indices and times seconds, of the first and last frame the track was
visible in; ``frames_visible`` counts the frames it was reported in; ``mean_area`` is the
mean mask area in pixels; ``first_cx, first_cy`` / ``last_cx, last_cy`` are the centres of
its first and last boxes; ``label`` is its most frequent non-empty label. The summary is
kept in memory (a few numbers per track) and written at ``close()``; if the run fails, the
summary so far is written to the ``.partial`` file instead.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import astuple, dataclass, field, fields

import numpy as np

from samtrack.errors import SamtrackError
from samtrack.io.base import TextFileSink, check_result
from samtrack.types import FrameResult, mask_areas

__all__ = ["COLUMNS", "TrackSummary", "TrackSummaryCsvSink", "read_track_summary_csv"]


@dataclass
class TrackSummary:
    """One track's row of the summary CSV (see the module docstring)."""

    id: int
    label: str
    first_frame: int
    last_frame: int
    first_time: float
    last_time: float
    frames_visible: int
    mean_area: float
    mean_score: float
    first_cx: float
    first_cy: float
    last_cx: float
    last_cy: float


COLUMNS = [f.name for f in fields(TrackSummary)]


@dataclass
class _Track:
    first_frame: int
    first_time: float
    first_centre: tuple[float, float]
    last_frame: int = 0
    last_time: float = 0.0
    last_centre: tuple[float, float] = (0.0, 0.0)
    frames: int = 0
    area_sum: float = 0.0
    score_sum: float = 0.0
    labels: Counter = field(default_factory=Counter)

    def summary(self, tid: int) -> TrackSummary:
        named = [(n, label) for label, n in self.labels.items() if label]
        label = max(named, key=lambda t: t[0])[1] if named else ""
        return TrackSummary(
            id=tid,
            label=label,
            first_frame=self.first_frame,
            last_frame=self.last_frame,
            first_time=self.first_time,
            last_time=self.last_time,
            frames_visible=self.frames,
            mean_area=self.area_sum / self.frames,
            mean_score=self.score_sum / self.frames,
            first_cx=self.first_centre[0],
            first_cy=self.first_centre[1],
            last_cx=self.last_centre[0],
            last_cy=self.last_centre[1],
        )


class TrackSummaryCsvSink(TextFileSink):
    """Accumulates a summary per track; writes the CSV on close (see the module docstring)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path)
        self._tracks: dict[int, _Track] = {}

    def _write(self, result: FrameResult) -> None:
        check_result(result)
        n = len(result)
        if n == 0:
            return
        areas = mask_areas(result.masks)
        boxes = np.asarray(result.boxes, dtype=np.float64).reshape(-1, 4)
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        for i in range(n):
            tid = int(result.track_ids[i])
            centre = (float(centres[i, 0]), float(centres[i, 1]))
            track = self._tracks.get(tid)
            if track is None:
                track = self._tracks[tid] = _Track(
                    first_frame=int(result.frame_index),
                    first_time=float(result.time),
                    first_centre=centre,
                )
            track.last_frame, track.last_time = int(result.frame_index), float(result.time)
            track.last_centre = centre
            track.frames += 1
            track.area_sum += float(areas[i])
            track.score_sum += float(result.scores[i])
            track.labels[str(result.labels[i])] += 1

    def summaries(self) -> list[TrackSummary]:
        """The summary so far, one per track, by id."""
        return [self._tracks[tid].summary(tid) for tid in sorted(self._tracks)]

    def _write_table(self) -> None:
        writer = csv.writer(self._file, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in self.summaries():
            writer.writerow([repr(v) if isinstance(v, float) else v for v in astuple(row)])
        self._file.flush()

    def _finish(self) -> None:
        self._write_table()
        self._file.close()

    def _release(self) -> None:
        if not self._file.closed:
            try:
                self._write_table()  # the summary so far, for inspection
            finally:
                self._file.close()


def read_track_summary_csv(path: str | os.PathLike[str]) -> list[TrackSummary]:
    """The rows of a summary CSV written by :class:`TrackSummaryCsvSink`."""
    name = os.fspath(path)
    try:
        file = open(path, encoding="utf-8", newline="")  # noqa: SIM115
    except OSError as e:
        raise SamtrackError(f"cannot read {name}: {e.strerror}") from None
    rows = []
    with file:
        reader = csv.DictReader(file)
        if reader.fieldnames != COLUMNS:
            raise SamtrackError(
                f"{name} is not a samtrack track summary (header {reader.fieldnames})"
            )
        for number, row in enumerate(reader, 2):
            try:
                rows.append(
                    TrackSummary(
                        **{
                            f.name: (str if f.type == "str" else int if f.type == "int" else float)(
                                row[f.name]
                            )
                            for f in fields(TrackSummary)
                        }
                    )
                )
            except (TypeError, ValueError) as e:
                raise SamtrackError(f"{name} line {number}: {e}") from None
    return rows
