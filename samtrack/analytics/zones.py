"""Zone occupancy and dwell time, judged by how much of each mask lies inside a polygon."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import FrameResult, describe
from .clock import FrameClock
from .events import Event
from .geometry import as_polygon, check_frames, polygon_mask, tight_boxes


@dataclass
class Dwell:
    """A track's time in one zone, over all its visits: frames and seconds from each
    visit's first to its last frame seen inside, both ends included."""

    track_id: int
    visits: int = 0
    frames: int = 0
    seconds: float = 0.0


@dataclass
class _Visit:
    enter_frame: int
    enter_time: float
    last_frame: int  # last frame seen inside
    last_time: float
    seen_frame: int  # last frame seen at all


class ZoneMonitor:
    """Which tracks are inside ``polygon`` (K x 2 pixels), when they enter and leave, and
    how long they stay.

    A track enters when at least ``min_overlap`` of its mask's pixels lie inside the zone
    and leaves when that fraction drops below ``exit_overlap`` (default ``min_overlap``;
    set it lower against flicker at the edge). A track that is no longer seen leaves when
    the result says it ended (or became lost, with ``exit_on_lost``), or after
    ``max_absent`` frames unseen; until then it still counts as inside.
    """

    def __init__(
        self,
        name: str,
        polygon: Any,
        min_overlap: float = 0.5,
        exit_overlap: float | None = None,
        max_absent: int = 10,
        exit_on_lost: bool = False,
    ) -> None:
        what = f"zone {name!r}"
        self.name = name
        self.polygon = as_polygon(polygon, f"{what}: polygon")
        self.min_overlap = _fraction(min_overlap, f"{what}: min_overlap")
        self.exit_overlap = (
            self.min_overlap
            if exit_overlap is None
            else _fraction(exit_overlap, f"{what}: exit_overlap")
        )
        if self.exit_overlap > self.min_overlap:
            raise InputError(f"{what}: exit_overlap must not exceed min_overlap")
        self.max_absent = check_frames(max_absent, f"{what}: max_absent")
        if not isinstance(exit_on_lost, bool):
            raise InputError(
                f"{what}: exit_on_lost must be true or false, not {describe(exit_on_lost)}"
            )
        self.exit_on_lost = exit_on_lost
        self._clock = FrameClock()
        self._raster: tuple[tuple[int, int], np.ndarray, np.ndarray] | None = None
        self._visits: dict[int, _Visit] = {}
        self._dwell: dict[int, Dwell] = {}
        self._last: tuple[int, float] = (-1, math.nan)

    @property
    def occupants(self) -> list[int]:
        """Ids of the tracks inside now (a briefly unseen one included), ascending."""
        return sorted(self._visits)

    def overlap(self, result: FrameResult, tight: np.ndarray | None = None) -> np.ndarray:
        """Fraction of each row's mask inside the zone, float64 (N,); 0 for an empty mask.
        (Pixels on the polygon's edge count as inside.) ``tight``: the masks'
        :func:`~samtrack.analytics.geometry.tight_boxes`, when already known."""
        size = (int(result.height), int(result.width))
        if self._raster is None or self._raster[0] != size:
            inside = polygon_mask(self.polygon, *size)
            self._raster = (size, inside, tight_boxes(inside[None])[0])
        _, inside, (zx1, zy1, zx2, zy2) = self._raster
        boxes = tight_boxes(result.masks) if tight is None else tight
        fractions = np.zeros(len(result))
        for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
            ix1, iy1, ix2, iy2 = max(x1, zx1), max(y1, zy1), min(x2, zx2), min(y2, zy2)
            if ix2 > ix1 and iy2 > iy1:  # count only where the mask's and zone's boxes meet
                common = np.count_nonzero(result.masks[i, iy1:iy2, ix1:ix2] & inside[iy1:iy2, ix1:ix2])
                fractions[i] = common / np.count_nonzero(result.masks[i, y1:y2, x1:x2])
        return fractions

    def update(self, result: FrameResult) -> list[Event]:
        """Zone events of this frame: entries and exits of the visible tracks (row order),
        then exits of tracks gone (ascending id)."""
        return self._update(result, tight_boxes(result.masks))

    def _update(self, result: FrameResult, tight: np.ndarray) -> list[Event]:
        frame, time = result.frame_index, result.time
        self._clock.tick(frame, time)
        self._last = (frame, time)
        events = []
        for track_id, fraction in zip(
            result.track_ids.tolist(), self.overlap(result, tight).tolist()
        ):
            visit = self._visits.get(track_id)
            if visit is None:
                if fraction >= self.min_overlap:
                    self._visits[track_id] = _Visit(frame, time, frame, time, frame)
                    events.append(
                        Event(
                            "zone_entered",
                            frame,
                            time,
                            track_id,
                            self.name,
                            extra={"overlap": round(fraction, 3)},
                        )
                    )
            elif fraction >= self.exit_overlap:
                visit.last_frame, visit.last_time, visit.seen_frame = frame, time, frame
            else:
                events.append(self._exit(track_id, "left"))
        gone = set(result.ended) | (set(result.lost) if self.exit_on_lost else set())
        visible = set(result.track_ids.tolist())
        for track_id in sorted(set(self._visits) - visible):
            if track_id in gone:
                events.append(self._exit(track_id, "ended" if track_id in result.ended else "lost"))
            elif frame - self._visits[track_id].seen_frame >= self.max_absent:
                events.append(self._exit(track_id, "absent"))
        return events

    def flush(self) -> list[Event]:
        """Closes every visit still open (at the end of a stream): one zone_exited event
        each, reason "stream_end", on the last frame seen."""
        return [self._exit(i, "stream_end") for i in sorted(self._visits)]

    def _exit(self, track_id: int, reason: str) -> Event:
        visit = self._visits.pop(track_id)
        frames, seconds = self._add_dwell(track_id, visit)
        extra = {
            "reason": reason,
            "entered_frame": visit.enter_frame,
            "last_frame_inside": visit.last_frame,
            "dwell_frames": frames,
            "dwell_seconds": round(seconds, 6) if math.isfinite(seconds) else seconds,
        }
        return Event("zone_exited", self._last[0], self._last[1], track_id, self.name, extra=extra)

    def _add_dwell(self, track_id: int, visit: _Visit) -> tuple[int, float]:
        frames, seconds = self._visit_length(visit)
        dwell = self._dwell.setdefault(track_id, Dwell(track_id))
        dwell.visits += 1
        dwell.frames += frames
        dwell.seconds += seconds
        return frames, seconds

    def _visit_length(self, visit: _Visit) -> tuple[int, float]:
        return visit.last_frame - visit.enter_frame + 1, self._clock.span(
            visit.enter_time, visit.last_time
        )

    def dwell(self) -> dict[int, Dwell]:
        """Each track's dwell so far, open visits included (up to their last frame inside)."""
        totals = {i: Dwell(i, d.visits, d.frames, d.seconds) for i, d in self._dwell.items()}
        for track_id, visit in self._visits.items():
            frames, seconds = self._visit_length(visit)
            total = totals.setdefault(track_id, Dwell(track_id))
            total.visits += 1
            total.frames += frames
            total.seconds += seconds
        return dict(sorted(totals.items()))

    def summary(self) -> list[dict[str, Any]]:
        """One row per track that visited: zone, track_id, visits, frames, seconds."""
        return [
            {
                "zone": self.name,
                "track_id": d.track_id,
                "visits": d.visits,
                "frames": d.frames,
                "seconds": d.seconds,
            }
            for d in self.dwell().values()
        ]


def _fraction(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= 1:
        raise InputError(f"{what} must be a fraction in (0, 1], not {describe(value)}")
    return float(value)
