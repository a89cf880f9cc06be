"""What the analytics report: one :class:`Event` per thing that happened to a track.

Events carry the frame's 0-based index and its time in seconds (the video's time), and,
for a live source, the wall-clock time (:func:`wall_clock`, UTC) when the frame was
processed; ``to_dict()`` gives one JSON-ready object per event (a line of an events file).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..types import FrameResult

EVENT_KINDS: tuple[str, ...] = (
    "track_started",
    "track_lost",
    "track_ended",
    "line_crossed",
    "zone_entered",
    "zone_exited",
)
DIRECTIONS: tuple[str, ...] = ("in", "out")


@dataclass(frozen=True)
class Event:
    """One event: ``kind`` (one of EVENT_KINDS) of track ``track_id`` on frame
    ``frame_index`` at ``time`` seconds; ``name`` the line or zone (None for lifecycle
    events); ``direction`` "in"/"out" for a line crossing; ``extra`` more fields by kind
    (a crossing's point, a zone visit's dwell, ...); ``wall_time`` the UTC date and time
    (ISO 8601) when a live source's frame was processed, None otherwise."""

    kind: str
    frame_index: int
    time: float
    track_id: int
    name: str | None = None
    direction: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    wall_time: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise InputError(f"unknown event kind {self.kind!r}; one of {', '.join(EVENT_KINDS)}")
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise InputError(f"an event's direction is 'in' or 'out', not {self.direction!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: kind, frame, time (None when unknown), wall_time when known,
        track_id, then name, direction and the extra fields when present."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "frame": int(self.frame_index),
            "time": _json_number(self.time),
        }
        if self.wall_time is not None:
            data["wall_time"] = self.wall_time
        data["track_id"] = int(self.track_id)
        if self.name is not None:
            data["name"] = self.name
        if self.direction is not None:
            data["direction"] = self.direction
        for key, value in self.extra.items():
            data[key] = _json_number(value) if isinstance(value, float) else value
        return data

    def at(self, wall_time: str | None) -> Event:
        """This event with ``wall_time`` set (itself when None)."""
        return self if wall_time is None else replace(self, wall_time=wall_time)


def wall_clock() -> str:
    """Now, in UTC, as ISO 8601 with milliseconds: ``2024-05-01T12:00:00.123+00:00``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _json_number(value: float) -> float | None:
    """``value`` as a float, None when NaN or infinite (JSON has no such numbers)."""
    value = float(value)
    return value if math.isfinite(value) else None


class LifecycleEvents:
    """Turns a FrameResult's ``started`` / ``lost`` / ``ended`` ids into events, in that
    order (ids ascending within a kind)."""

    def update(self, result: FrameResult) -> list[Event]:
        events = []
        for kind, ids in (
            ("track_started", result.started),
            ("track_lost", result.lost),
            ("track_ended", result.ended),
        ):
            events += [Event(kind, result.frame_index, result.time, i) for i in sorted(ids)]
        return events
