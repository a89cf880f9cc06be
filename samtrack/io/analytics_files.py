"""The analytics of a run as files, next to its other results (``stem`` given)::

    <stem>.events.jsonl        one JSON object per event (Event.to_dict()), as they happen
    <stem>.counts.csv          one row per time interval of counts per line and zone
    <stem>.measurements.csv    one row per track (TrackMeasurements.summary()), at the end

Counts CSV columns (header row first)::

    interval_start,interval_end,<line>.in,<line>.out,...,
    <zone>.entries,<zone>.exits,<zone>.max_occupancy,...

Intervals are ``interval`` seconds of video time (``FrameResult.time``), aligned on
multiples of it: [0, 60), [60, 120), ... A row is written when its interval is over (an
interval without frames gets a row of zeros) and the last one, cut short by the end of
the video, at the end. ``<line>.in`` / ``.out`` count the crossings in that interval,
``<zone>.entries`` / ``.exits`` the zone_entered / zone_exited events, and
``.max_occupancy`` the most tracks inside the zone after any frame of the interval.
Exits closed by the end of the stream (reason "stream_end") fall in the last interval.

For a live source (``wall_clock=True``) every event also carries ``wall_time``: the UTC
date and time (ISO 8601) when its frame reached this sink (events closed at the end, when
the sink closes). ``on_event`` is called with each event, as written, in file order.

The three files follow the sinks' rules (:mod:`samtrack.io.base`): written in
``<path>.partial`` (flushed every frame) and renamed when complete. If the run stops
early, the ``.partial`` files are completed as far as the frames seen allow (open zone
visits closed, the last interval and the measurements so far written) and kept.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from samtrack.analytics import Analytics, Event
from samtrack.analytics.events import wall_clock as now_utc
from samtrack.errors import SamtrackError
from samtrack.io.base import ClosingSink, TextFileSink
from samtrack.io.sinks import ANALYTICS_FILES
from samtrack.types import FrameResult, describe

__all__ = ["ANALYTICS_FILES", "DEFAULT_INTERVAL", "MEASUREMENT_COLUMNS", "AnalyticsSink"]

DEFAULT_INTERVAL = 60.0
"""Seconds per row of the counts CSV."""

MEASUREMENT_COLUMNS = [
    "track_id", "label", "first_frame", "last_frame", "first_time", "last_time", "duration_s",
    "frames_visible", "path_length_px", "mean_speed_px_s", "mean_area_px", "max_area_px",
    "length_px", "width_px",
]
"""The measurements CSV's columns without a scale (see TrackMeasurements.summary)."""


def check_interval(interval: Any) -> float:
    """``interval`` as seconds > 0, or a SamtrackError."""
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0 < interval < math.inf:
        raise SamtrackError(f"the counts interval must be a number of seconds > 0, not {interval!r}")
    return float(interval)


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """A CSV cell: floats rounded to 6 decimals, NaN and infinities left empty."""
    if isinstance(value, float):
        return round(value, 6) if math.isfinite(value) else ""
    return value


class _Text(TextFileSink):
    """One of the analytics files: the AnalyticsSink appends its lines (never ``write``)."""

    def lines(self, lines: list[str]) -> None:
        self._write_lines(lines)


class AnalyticsSink(ClosingSink):
    """Feeds every FrameResult to ``analytics`` and writes its events, counts per
    ``interval`` seconds and (at ``close()``) its per-track measurements to the three
    files in ``out_dir`` (see the module docstring). A Sink: ``write``, ``close``,
    ``abort``, a context manager. ``events`` keeps every event written.

    on_event: called with every event after it is written (an error it raises stops the
    run like any sink's). wall_clock: stamp each event with ``wall_time`` (live sources).
    """

    def __init__(
        self,
        analytics: Analytics,
        out_dir: str | os.PathLike[str],
        stem: str,
        interval: float = DEFAULT_INTERVAL,
        *,
        on_event: Callable[[Event], None] | None = None,
        wall_clock: bool = False,
    ) -> None:
        self.analytics = analytics
        self.interval = check_interval(interval)
        if on_event is not None and not callable(on_event):
            raise SamtrackError(
                f"on_event must be a callable taking an Event, not {describe(on_event)}"
            )
        self.on_event = on_event
        self.wall_clock = bool(wall_clock)
        out = Path(out_dir)
        self.paths = [
            out / ANALYTICS_FILES[name].format(stem=stem)
            for name in ("events", "counts", "measurements")
        ]
        self._files: list[_Text] = []
        try:
            for path in self.paths:
                self._files.append(_Text(path))
        except BaseException:
            for f in self._files:
                f.abort(remove_partial=True)
            raise
        self._events, self._counts, self._measurements = self._files
        self._columns = [("line", line.name, k) for line in analytics.lines for k in ("in", "out")]
        self._columns += [
            ("zone", zone.name, k)
            for zone in analytics.zones
            for k in ("entries", "exits", "max_occupancy")
        ]
        header = ["interval_start", "interval_end"] + [f"{name}.{k}" for _, name, k in self._columns]
        self._counts.lines([_csv_line(header)])
        self._index: int | None = None  # the interval being counted
        self._row: dict[tuple[str, str, str], int] = {}
        self._state = "open"

    # -- the stream -----------------------------------------------------------------------

    def write(self, result: FrameResult) -> None:
        if self._state != "open":
            raise SamtrackError(f"cannot write to {self.paths[0]}: the sink is {self._state}")
        if math.isfinite(result.time):
            index = math.floor(result.time / self.interval)
            if self._index is None:
                self._start_interval(index)
            while index > self._index:  # type: ignore[operator]
                self._end_interval()
                self._start_interval(self._index + 1)  # type: ignore[operator]
        elif self._index is None:
            self._start_interval(0)
        stamp = now_utc() if self.wall_clock else None  # before the work: when it arrived
        self._record([e.at(stamp) for e in self.analytics.update(result)])
        for zone in self.analytics.zones:
            key = ("zone", zone.name, "max_occupancy")
            self._row[key] = max(self._row[key], len(zone.occupants))

    def _record(self, events: list[Event]) -> None:
        for e in events:
            if e.kind == "line_crossed":
                self._row[("line", e.name, e.direction)] += 1  # type: ignore[index]
            elif e.kind in ("zone_entered", "zone_exited"):
                key = "entries" if e.kind == "zone_entered" else "exits"
                self._row[("zone", e.name, key)] += 1  # type: ignore[index]
        self._events.lines([json.dumps(e.to_dict()) + "\n" for e in events])
        if self.on_event is not None:
            for e in events:
                self.on_event(e)

    def _start_interval(self, index: int) -> None:
        self._index = index
        self._row = dict.fromkeys(self._columns, 0)
        for zone in self.analytics.zones:  # who is inside carries over
            self._row[("zone", zone.name, "max_occupancy")] = len(zone.occupants)

    def _end_interval(self) -> None:
        start = self._index * self.interval  # type: ignore[operator]
        values = [_cell(start), _cell(start + self.interval)] + [self._row[c] for c in self._columns]
        self._counts.lines([_csv_line(values)])

    def _complete(self) -> None:
        """The end of the stream: open visits closed, the last interval and the
        measurements written."""
        stamp = now_utc() if self.wall_clock else None
        self._record([e.at(stamp) for e in self.analytics.flush()])
        if self._index is not None:
            self._end_interval()
        measurements = self.analytics.measurements
        rows = measurements.summary() if measurements is not None else []
        columns = list(rows[0]) if rows else MEASUREMENT_COLUMNS
        lines = [_csv_line(columns)] + [_csv_line([_cell(r[c]) for c in columns]) for r in rows]
        self._measurements.lines(lines)

    # -- finishing ------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._state != "open"

    def close(self) -> None:
        """Completes the three files and moves them to their final names. Idempotent."""
        if self._state != "open":
            return
        try:
            self._complete()
            for f in self._files:
                f.close()
        except BaseException:
            self.abort()
            raise
        self._state = "closed"

    def abort(self) -> None:
        """Stops early: the ``.partial`` files are completed as far as they can be and
        kept; no final name is created. Idempotent."""
        if self._state != "open":
            return
        self._state = "aborted"
        with contextlib.suppress(Exception):  # already failing: keep the first error
            self._complete()
        for f in self._files:
            f.abort()

