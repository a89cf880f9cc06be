"""Per-track measurements over a stream: when and how long it was seen, how far and how
fast its anchor moved, and its size from its masks (area, length and width of the
minimum-area rectangle), in pixels and, given a scale, in physical units."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ..errors import InputError
from ..types import FrameResult, describe, mask_to_box_xyxy
from .clock import FrameClock
from .events import Event
from .geometry import anchor_points, check_anchor, tight_boxes


def rect_size(mask: np.ndarray, box: np.ndarray | None = None) -> tuple[float, float]:
    """(length, width) in pixels of the minimum-area rectangle around a bool H x W mask,
    length >= width; (0, 0) for an empty mask. ``box``: the mask's tight xyxy box, when
    known (saves a scan of the frame).

    The rectangle is fitted to the boundary pixels' centres. Along an edge parallel to the
    pixel grid those centres lie half a pixel inside the object, so 1 px is added to each
    dimension; along an oblique edge the pixels sample every offset between 0 and about
    half a pixel, so 0.5 px (the middle) is added. Error: about 0.5 px or less."""
    if box is None:
        box = mask_to_box_xyxy(mask[None])[0]
    x1, y1, x2, y2 = (int(v) for v in box)
    crop = np.ascontiguousarray(mask[y1:y2, x1:x2], dtype=np.uint8)
    if not crop.any():
        return 0.0, 0.0
    contours, _ = cv2.findContours(crop, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    (_, _), (w, h), angle = cv2.minAreaRect(np.concatenate(contours).reshape(-1, 2))
    pad = 1.0 if min(angle % 90, 90 - angle % 90) < 1.0 else 0.5
    return max(w, h) + pad, min(w, h) + pad


class _Sample:
    """Up to ``size`` evenly spaced rows of a stream: when full, every other row is dropped
    and only every (2 x stride)-th new row kept, so a median stays fair in bounded memory."""

    def __init__(self, size: int) -> None:
        self.size, self.stride, self.seen = size, 1, 0
        self.rows: list[tuple[float, float]] = []

    def add(self, row: tuple[float, float]) -> None:
        if self.seen % self.stride == 0:
            self.rows.append(row)
            if len(self.rows) >= self.size:
                self.rows = self.rows[::2]
                self.stride *= 2
        self.seen += 1

    def median(self) -> tuple[float, float]:
        if not self.rows:
            return math.nan, math.nan
        length, width = np.median(np.asarray(self.rows), axis=0)
        return float(length), float(width)


@dataclass
class _Track:
    first_frame: int
    first_time: float
    last_frame: int = 0
    last_time: float = math.nan
    frames: int = 0
    label: str = ""
    path: float = 0.0
    point: np.ndarray | None = None
    area_sum: float = 0.0
    area_max: float = 0.0
    sizes: _Sample = field(default_factory=lambda: _Sample(256))


class TrackMeasurements:
    """Accumulates per-track measurements from every FrameResult (``update``); ``summary()``
    gives one row per track.

    anchor: the point whose path is measured ("centroid", "bottom", "center_box").
    px_per_unit: pixels per physical unit (e.g. per mm) for the ``*_<unit>`` columns; None
    for pixels only. Sizes are medians over the frames (bounded sample of 256 per track).
    """

    def __init__(
        self, anchor: str = "centroid", px_per_unit: float | None = None, unit: str = "mm"
    ) -> None:
        self.anchor = check_anchor(anchor, "measurements")
        if px_per_unit is not None and (
            isinstance(px_per_unit, bool)
            or not isinstance(px_per_unit, numbers.Real)
            or not 0 < px_per_unit < math.inf
        ):
            raise InputError(f"px_per_unit must be a number > 0, not {describe(px_per_unit)}")
        self.px_per_unit = None if px_per_unit is None else float(px_per_unit)
        self.unit = unit
        self._clock = FrameClock()
        self._tracks: dict[int, _Track] = {}

    def update(self, result: FrameResult) -> list[Event]:
        """Adds this frame's rows; returns no events (a consumer like the others)."""
        return self._update(result, tight_boxes(result.masks))

    def _update(self, result: FrameResult, boxes: np.ndarray) -> list[Event]:
        self._clock.tick(result.frame_index, result.time)
        if len(result) == 0:
            return []
        masks = result.masks
        points = anchor_points(masks, result.boxes, self.anchor, boxes)
        for i, track_id in enumerate(result.track_ids.tolist()):
            x1, y1, x2, y2 = boxes[i]
            area = np.count_nonzero(masks[i, y1:y2, x1:x2])
            if area == 0:
                continue
            t = self._tracks.get(track_id)
            if t is None:
                t = self._tracks[track_id] = _Track(result.frame_index, result.time)
            t.last_frame, t.last_time = result.frame_index, result.time
            t.frames += 1
            t.label = result.labels[i] or t.label
            if t.point is not None and np.isfinite(points[i]).all():
                t.path += float(np.hypot(*(points[i] - t.point)))
            if np.isfinite(points[i]).all():
                t.point = points[i]
            t.area_sum += float(area)
            t.area_max = max(t.area_max, float(area))
            t.sizes.add(rect_size(masks[i, y1:y2, x1:x2]))
        return []

    def summary(self) -> list[dict[str, Any]]:
        """One row per track (ascending id): track_id, label, first/last frame and time,
        duration_s (first to last frame, both included), frames_visible, path_length_px,
        mean_speed_px_s, mean_area_px, max_area_px, length_px, width_px; with a scale also
        path_length_<unit>, mean_speed_<unit>_s, mean_area_<unit>2, max_area_<unit>2,
        length_<unit>, width_<unit>."""
        rows = []
        for track_id, t in sorted(self._tracks.items()):
            length, width = t.sizes.median()
            elapsed = t.last_time - t.first_time
            speed = t.path / elapsed if elapsed > 0 else math.nan
            row: dict[str, Any] = {
                "track_id": track_id,
                "label": t.label,
                "first_frame": t.first_frame,
                "last_frame": t.last_frame,
                "first_time": t.first_time,
                "last_time": t.last_time,
                "duration_s": self._clock.span(t.first_time, t.last_time),
                "frames_visible": t.frames,
                "path_length_px": t.path,
                "mean_speed_px_s": speed,
                "mean_area_px": t.area_sum / t.frames,
                "max_area_px": t.area_max,
                "length_px": length,
                "width_px": width,
            }
            if self.px_per_unit is not None:
                k, u = self.px_per_unit, self.unit
                row |= {
                    f"path_length_{u}": t.path / k,
                    f"mean_speed_{u}_s": speed / k,
                    f"mean_area_{u}2": t.area_sum / t.frames / k**2,
                    f"max_area_{u}2": t.area_max / k**2,
                    f"length_{u}": length / k,
                    f"width_{u}": width / k,
                }
            rows.append(row)
        return rows
