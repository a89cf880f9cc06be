"""Counting tracks that cross a line segment, in each direction.

Sides and direction: stand at ``start`` and look towards ``end`` in the image as it is
displayed (x right, y down). "in" is a crossing from the LEFT of start -> end to its
RIGHT; "out" the reverse. A segment drawn left to right (start x < end x, same y) thus
counts a downward crossing as "in"; swap start and end to flip the directions.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import FrameResult, describe
from .events import Event
from .geometry import anchor_points, as_segment, check_anchor, check_frames

# Segmentation noise moves a mask's boundary by about 1-2 px from frame to frame; the
# centroid of a large mask moves less, the bottom point by that much. 3 px is beyond that
# jitter, yet small beside any real crossing (objects travel their own size).
DEFAULT_MIN_DISTANCE = 3.0


@dataclass
class _TrackSide:
    side: int = 0  # last confirmed side: -1 left, +1 right, 0 not yet confirmed
    point: np.ndarray | None = None  # last anchor seen (x, y)
    distance: float = 0.0  # its signed distance to the line (px, + right)
    crossed_at: float | None = None  # along the line (px from start) of the last sign change
    last_frame: int = -1


class LineCounter:
    """Counts tracks whose anchor crosses the segment ``start_xy`` -> ``end_xy``.

    A crossing counts when a track's anchor, last confirmed at least ``min_distance`` px
    on one side of the line, is confirmed at least ``min_distance`` px on the other side,
    and its path (straight between consecutive sightings, however many frames apart) last
    met the line ON the segment. So jitter inside the ``min_distance`` band never counts,
    crossing back counts once the other way, a track lost while crossing and seen again on
    the far side counts once, and passing beyond an end of the segment does not count.

    anchor: "centroid" (mask centroid), "bottom" (lowest mask pixels: people, vehicles) or
    "center_box". forget_after: frames unseen after which a track's side is dropped (None:
    only when the result says the track ended).
    """

    def __init__(
        self,
        name: str,
        start_xy: Any,
        end_xy: Any,
        anchor: str = "centroid",
        min_distance: float = DEFAULT_MIN_DISTANCE,
        forget_after: int | None = None,
    ) -> None:
        what = f"line {name!r}"
        self.name = name
        self.start, self.end = as_segment(start_xy, end_xy, what)
        self.anchor = check_anchor(anchor, what)
        if (
            isinstance(min_distance, bool)
            or not isinstance(min_distance, numbers.Real)
            or not (0 <= min_distance < math.inf)
        ):
            raise InputError(
                f"{what}: min_distance must be a number of pixels >= 0, "
                f"not {describe(min_distance)}"
            )
        self.min_distance = float(min_distance)
        self.forget_after = check_frames(forget_after, f"{what}: forget_after", optional=True)
        self.length = float(np.hypot(*(self.end - self.start)))
        self._unit = (self.end - self.start) / self.length
        self.in_count = 0
        self.out_count = 0
        self._tracks: dict[int, _TrackSide] = {}

    @property
    def sides(self) -> dict[int, str]:
        """Each track's last confirmed side: "left" or "right" of start -> end."""
        return {
            i: "right" if t.side > 0 else "left" for i, t in self._tracks.items() if t.side != 0
        }

    def signed_distance(self, points: np.ndarray) -> np.ndarray:
        """Distance (px) of points N x 2 to the infinite line; positive on the right."""
        d = np.asarray(points, dtype=np.float64).reshape(-1, 2) - self.start
        return d[:, 1] * self._unit[0] - d[:, 0] * self._unit[1]

    def update(self, result: FrameResult) -> list[Event]:
        """Counts this frame's crossings; one line_crossed event per crossing."""
        return self.update_points(result, anchor_points(result.masks, result.boxes, self.anchor))

    def update_points(self, result: FrameResult, points: np.ndarray) -> list[Event]:
        """As :meth:`update`, with this counter's anchor points (N x 2, NaN: not seen)
        already computed for ``result``'s rows."""
        events = []
        distances = self.signed_distance(points)
        for track_id, point, s in zip(result.track_ids.tolist(), points, distances):
            if not np.isfinite(s):
                continue
            state = self._tracks.setdefault(track_id, _TrackSide())
            crossing = self._step(state, point, float(s))
            state.last_frame = result.frame_index
            if crossing is not None:
                direction, along = crossing
                x, y = self.start + self._unit * along
                extra = {"x": round(float(x), 2), "y": round(float(y), 2)}
                events.append(
                    Event(
                        "line_crossed",
                        result.frame_index,
                        result.time,
                        track_id,
                        self.name,
                        direction,
                        extra,
                    )
                )
        self._forget(result)
        return events

    def _step(self, state: _TrackSide, point: np.ndarray, s: float) -> tuple[str, float] | None:
        """Moves one track to ``point`` (signed distance ``s``); for a counted crossing its
        direction and where it met the segment (px from start), else None."""
        if state.point is not None and (state.distance < 0) != (s < 0):
            t = state.distance / (state.distance - s)  # where the step meets the line
            crossing = state.point + t * (point - state.point)
            state.crossed_at = float(np.dot(crossing - self.start, self._unit))
        state.point, state.distance = point, s
        if abs(s) < self.min_distance or s == 0:
            return None  # inside the band: the side is not confirmed
        side = 1 if s > 0 else -1
        previous, state.side = state.side, side
        if previous == 0 or previous == side:
            return None
        crossed_at, state.crossed_at = state.crossed_at, None
        if crossed_at is None or not 0 <= crossed_at <= self.length:
            return None  # the path met the line beyond an end of the segment
        if side > 0:
            self.in_count += 1
        else:
            self.out_count += 1
        return "in" if side > 0 else "out", crossed_at

    def _forget(self, result: FrameResult) -> None:
        for track_id in result.ended:
            self._tracks.pop(track_id, None)
        if self.forget_after is not None:
            oldest = result.frame_index - self.forget_after
            for track_id in [i for i, t in self._tracks.items() if t.last_frame < oldest]:
                del self._tracks[track_id]

    def counts(self) -> dict[str, Any]:
        """{"name", "in", "out"}: the counts so far."""
        return {"name": self.name, "in": self.in_count, "out": self.out_count}
