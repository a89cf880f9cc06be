"""Geometry for the analytics: checked points and polygons, mask anchor points, polygon
rasters.

Coordinates are pixels with pixel (x, y) being ``mask[y, x]``; x grows to the right and
y downwards, as the image is displayed.
"""

from __future__ import annotations

import numbers
from typing import Any

import cv2
import numpy as np

from ..errors import InputError
from ..types import MaskCrops, describe, mask_to_box_xyxy

ANCHORS: tuple[str, ...] = ("centroid", "bottom", "center_box")


def as_point(value: Any, what: str) -> np.ndarray:
    """``value`` as a float64 (2,) point [x, y], or a one-line InputError naming ``what``."""
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") or len(value) != 2:
        raise InputError(f"{what} must be two numbers [x, y], not {describe(value)}")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise InputError(f"{what} must be two numbers [x, y], not {describe(value)}")
    point = np.asarray([float(value[0]), float(value[1])])
    if not np.isfinite(point).all():
        raise InputError(f"{what} must be finite numbers, not {describe(value)}")
    return point


def as_points(value: Any, what: str) -> np.ndarray:
    """A list of [x, y] points as float64 K x 2; InputError naming the first bad point."""
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[1] == 2:
        value = value.tolist()
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise InputError(f"{what} must be a list of [x, y] points, not {describe(value)}")
    points = [as_point(p, f"{what}: point {i + 1}") for i, p in enumerate(value)]
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


def as_segment(start: Any, end: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Two distinct points; InputError naming ``what`` otherwise."""
    a, b = as_point(start, f"{what}: start"), as_point(end, f"{what}: end")
    if np.array_equal(a, b):
        raise InputError(f"{what}: start and end are the same point {a.tolist()}")
    return a, b


def as_polygon(value: Any, what: str) -> np.ndarray:
    """A simple polygon of 3 or more [x, y] points as float64 K x 2 (the last point joins
    the first); InputError when it has fewer points, no area, or crosses itself."""
    points = as_points(value, what)
    if len(points) < 3:
        raise InputError(f"{what} needs 3 or more points [x, y], not {len(points)}")
    crossing = _self_crossing(points)
    if crossing is not None:
        raise InputError(f"{what} crosses itself (edges {crossing[0]} and {crossing[1]})")
    x, y = points[:, 0], points[:, 1]
    if abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) < 1e-9:
        raise InputError(f"{what} has no area (its points are on one line)")
    return points


def _self_crossing(points: np.ndarray) -> tuple[int, int] | None:
    """The 1-based numbers of the first two non-adjacent edges that touch, or None.
    Edge i joins point i to point i + 1 (the last edge joins the last point to the first)."""
    n = len(points)
    edges = [(points[i], points[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # the first and the last edge share point 1
            if _segments_touch(*edges[i], *edges[j]):
                return i + 1, j + 1
    return None


def _segments_touch(p1: np.ndarray, p2: np.ndarray, q1: np.ndarray, q2: np.ndarray) -> bool:
    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
        return float((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    def between(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> bool:
        return bool((np.minimum(a, b) <= c).all() and (c <= np.maximum(a, b)).all())

    d1, d2 = orient(q1, q2, p1), orient(q1, q2, p2)
    d3, d4 = orient(p1, p2, q1), orient(p1, p2, q2)
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (
        (d1 == 0 and between(q1, q2, p1))
        or (d2 == 0 and between(q1, q2, p2))
        or (d3 == 0 and between(p1, p2, q1))
        or (d4 == 0 and between(p1, p2, q2))
    )


def check_frames(value: Any, what: str, *, optional: bool = False) -> int | None:
    """``value`` as a whole number of frames >= 1 (or None when ``optional``), else an
    InputError naming ``what``."""
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        also = " or None" if optional else ""
        raise InputError(f"{what} must be a whole number of frames >= 1{also}, not {describe(value)}")
    return int(value)


def check_anchor(anchor: str, what: str) -> str:
    if anchor not in ANCHORS:
        raise InputError(
            f"{what}: anchor must be one of {', '.join(ANCHORS)}, not {describe(anchor)}"
        )
    return anchor


def tight_boxes(masks: np.ndarray) -> np.ndarray:
    """Tight xyxy boxes of bool N x H x W masks as int64 N x 4 (exclusive right and bottom
    edges; all zeros for an empty mask).

    The analytics work on these crops: numpy's per-axis reductions over whole frames are
    slow (counting 20 masks of 1080p along an axis took 14 ms, their boxes 4 ms, and the
    counts inside the boxes well under 1 ms). :class:`~samtrack.analytics.Analytics`
    finds them once per frame for all its consumers.
    """
    if not isinstance(masks, MaskCrops):
        masks = np.asarray(masks, dtype=bool)
    return mask_to_box_xyxy(masks).astype(np.int64)


def anchor_points(
    masks: np.ndarray, boxes: np.ndarray, anchor: str, tight: np.ndarray | None = None
) -> np.ndarray:
    """One point per object, float64 N x 2 (x, y) pixels; NaN rows for empty masks.

    centroid: the mean of the mask's pixels. bottom: the lowest row of the mask (max y)
    at the mean x of its pixels there (where a person or vehicle meets the ground).
    center_box: the centre of the object's xyxy ``boxes`` (N x 4). ``tight``: the masks'
    :func:`tight_boxes`, when already known.
    """
    if anchor not in ANCHORS:
        raise InputError(f"anchor must be one of {', '.join(ANCHORS)}, not {describe(anchor)}")
    n = len(masks)
    tight = tight_boxes(masks) if tight is None else tight
    points = np.full((n, 2), np.nan)
    has = tight[:, 2] > tight[:, 0]
    if anchor == "center_box":
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        points[has, 0] = (boxes[has, 0] + boxes[has, 2]) / 2
        points[has, 1] = (boxes[has, 1] + boxes[has, 3]) / 2
        return points
    for i in np.flatnonzero(has):
        x1, y1, x2, y2 = tight[i]
        crop = masks[i, y1:y2, x1:x2]
        if anchor == "centroid":
            rows, cols = np.count_nonzero(crop, axis=1), np.count_nonzero(crop, axis=0)
            area = rows.sum()
            points[i] = x1 + cols @ np.arange(x2 - x1) / area, y1 + rows @ np.arange(y2 - y1) / area
        else:  # the box's last row is the mask's lowest
            points[i] = x1 + np.flatnonzero(crop[-1]).mean(), y2 - 1
    return points


def polygon_mask(polygon: np.ndarray, height: int, width: int) -> np.ndarray:
    """The pixels inside ``polygon`` (K x 2, pixels; parts outside the frame are cut off)
    as bool H x W."""
    raster = np.zeros((height, width), dtype=np.uint8)
    scaled = np.round(np.asarray(polygon, dtype=np.float64) * 16).astype(np.int32)
    cv2.fillPoly(raster, [scaled], 1, lineType=cv2.LINE_8, shift=4)
    return raster.astype(bool)
