"""What the analytics report: one :class:`Event` per thing that happened to a track.

Events carry the frame's 0-based index and its time in seconds; ``to_dict()`` gives one
JSON-ready object per event (a line of an events file).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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
    (a crossing's point, a zone visit's dwell, ...)."""

    kind: str
    frame_index: int
    time: float
    track_id: int
    name: str | None = None
    direction: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise InputError(f"unknown event kind {self.kind!r}; one of {', '.join(EVENT_KINDS)}")
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise InputError(f"an event's direction is 'in' or 'out', not {self.direction!r}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: kind, frame, time (None when unknown), track_id, then name,
        direction and the extra fields when present."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "frame": int(self.frame_index),
            "time": _json_number(self.time),
            "track_id": int(self.track_id),
        }
        if self.name is not None:
            data["name"] = self.name
        if self.direction is not None:
            data["direction"] = self.direction
        for key, value in self.extra.items():
            data[key] = _json_number(value) if isinstance(value, float) else value
        return data


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
