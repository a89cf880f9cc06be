"""Overlays for viewing results: translucent masks, box outlines, ids and labels, trails,
and the analytics (counting lines, zones, their live counts).

``render(image, result, trails)`` returns a new RGB image; :class:`Trails` keeps the last
few box centres of each track (bounded: a track unseen for ``length`` frames is dropped).
Colours are stable per track id (:func:`color_for_id`). ``render_analytics(image, lines,
zones)`` draws lines and zones with their counts as they stand (pure: the caller passes the
current state).
"""

from __future__ import annotations

import colorsys
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

import cv2
import numpy as np

from samtrack.types import FrameResult, MaskCrops

__all__ = [
    "LINE_COLOR",
    "ZONE_ALPHA",
    "ZONE_COLOR",
    "DrawnLine",
    "DrawnZone",
    "Trails",
    "color_for_id",
    "line_label",
    "render",
    "render_analytics",
    "render_masks",
    "zone_label",
]

_GOLDEN = 0.618033988749895


def color_for_id(track_id: int) -> tuple[int, int, int]:
    """A bright RGB colour for a track id; the same id always gets the same colour and
    consecutive ids get well-separated hues."""
    hue = (int(track_id) * _GOLDEN) % 1.0
    saturation = 0.65 + 0.3 * ((int(track_id) * 7) % 3) / 2
    r, g, b = colorsys.hsv_to_rgb(hue, saturation, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


class Trails(Mapping[int, Sequence[tuple[float, float]]]):
    """The last ``length`` box centres (x, y) of each track, updated once per frame.

    A track not seen for ``length`` frames is forgotten, so memory stays bounded.
    """

    def __init__(self, length: int = 30) -> None:
        if length < 1:
            raise ValueError("a trail holds at least one point")
        self.length = int(length)
        self._points: dict[int, deque[tuple[float, float]]] = {}
        self._seen: dict[int, int] = {}

    def update(self, result: FrameResult) -> None:
        boxes = np.asarray(result.boxes, dtype=np.float64).reshape(-1, 4)
        for tid, box in zip(result.track_ids, boxes, strict=True):
            if not (box[2] > box[0] and box[3] > box[1]):
                continue
            tid = int(tid)
            points = self._points.get(tid)
            if points is None:
                points = self._points[tid] = deque(maxlen=self.length)
            points.append((float(box[0] + box[2]) / 2, float(box[1] + box[3]) / 2))
            self._seen[tid] = int(result.frame_index)
        for tid in [
            t for t, seen in self._seen.items() if result.frame_index - seen >= self.length
        ]:
            del self._points[tid], self._seen[tid]

    def __getitem__(self, track_id: int) -> Sequence[tuple[float, float]]:
        return self._points[track_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self._points)

    def __len__(self) -> int:
        return len(self._points)


def render(
    image: np.ndarray,
    result: FrameResult,
    trails: Mapping[int, Sequence[tuple[float, float]]] | None = None,
    *,
    alpha: float = 0.45,
) -> np.ndarray:
    """A copy of ``image`` (RGB uint8 H x W x 3) with the result drawn over it.

    Masks are blended in their track's colour at ``alpha`` (where masks overlap, the tints
    stack) with a solid outline; boxes are outlined; the id (and label, if any) sits
    above each box; ``trails`` (track id -> centres, oldest first) are drawn as polylines.
    """
    out = np.array(image, dtype=np.uint8, copy=True)
    if out.ndim != 3 or out.shape[2] != 3:
        raise ValueError(f"render needs an RGB image H x W x 3, not of shape {out.shape}")
    h, w = out.shape[:2]
    if (h, w) != (result.height, result.width):
        raise ValueError(f"image is {w}x{h} but the result is {result.width}x{result.height}")
    n = len(result)
    colors = [color_for_id(int(t)) for t in result.track_ids]
    thickness = max(1, round(min(h, w) / 360))

    if n:
        masks = MaskCrops.from_dense(result.masks)
        for i in range(n):  # each mask is blended within its box
            inside = masks.crops[i]
            if inside.size == 0:
                continue
            ys, xs = masks.slices(i)
            region = out[ys, xs]
            tint = np.empty_like(region)
            tint[:] = colors[i]
            blended = cv2.addWeighted(region, 1 - alpha, tint, alpha, 0)
            np.copyto(region, blended, where=inside[..., None])
            contours, _ = cv2.findContours(
                inside.astype(np.uint8),
                cv2.RETR_EXTERNAL,
                cv2.CHAIN_APPROX_SIMPLE,
                offset=(int(xs.start), int(ys.start)),
            )
            cv2.drawContours(out, contours, -1, colors[i], 1, cv2.LINE_AA)

    if trails:
        for tid, points in trails.items():
            if len(points) >= 2:
                line = np.rint(np.asarray(points, dtype=np.float64)).astype(np.int32)
                cv2.polylines(
                    out, [line.reshape(-1, 1, 2)], False, color_for_id(tid), thickness, cv2.LINE_AA
                )

    font, scale = cv2.FONT_HERSHEY_SIMPLEX, max(0.35, min(h, w) / 1000)
    boxes = np.asarray(result.boxes, dtype=np.float64).reshape(-1, 4)
    for i in range(n):
        x1, y1, x2, y2 = boxes[i]
        if not (x2 > x1 and y2 > y1):
            continue
        p1 = (round(x1), round(y1))
        p2 = (max(p1[0], round(x2) - 1), max(p1[1], round(y2) - 1))
        cv2.rectangle(out, p1, p2, colors[i], thickness)
        text = f"{int(result.track_ids[i])} {result.labels[i]}".strip()
        (tw, th), base = cv2.getTextSize(text, font, scale, 1)
        top = p1[1] - th - base - 2
        if top < 0:  # no room above the box: put the tag inside it
            top = p1[1]
        cv2.rectangle(out, (p1[0], top), (p1[0] + tw + 4, top + th + base + 2), colors[i], -1)
        r, g, b = colors[i]
        ink = (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)
        cv2.putText(out, text, (p1[0] + 2, top + th + 1), font, scale, ink, 1, cv2.LINE_AA)
    return out


def render_masks(
    image: np.ndarray,
    masks: np.ndarray,
    points: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> np.ndarray:
    """``image`` with each mask k (1-based) drawn as :func:`render` draws track k, and the
    point prompts as dots (label 1 green, 0 red); RGB uint8 H x W x 3.

    masks: bool N x H x W; points: K x 2 (x, y) with K labels.
    """
    from samtrack.types import mask_to_box_xyxy

    n = len(masks)
    result = FrameResult(
        frame_index=0,
        time=0.0,
        height=image.shape[0],
        width=image.shape[1],
        track_ids=np.arange(1, n + 1),
        masks=masks,
        boxes=mask_to_box_xyxy(masks),
        scores=np.ones(n, dtype=np.float32),
    )
    out = render(image, result)
    if points is not None and labels is not None:
        for (x, y), label in zip(np.asarray(points), np.asarray(labels)):
            centre = (round(float(x)), round(float(y)))
            cv2.circle(out, centre, 5, (40, 220, 40) if label == 1 else (230, 40, 40), -1)
            cv2.circle(out, centre, 5, (255, 255, 255), 1)
    return out


# -- analytics overlays -------------------------------------------------------------------

LINE_COLOR = (255, 210, 0)
"""RGB of counting lines and their labels (amber: apart from most track hues' tints)."""
ZONE_COLOR = (0, 170, 255)
"""RGB of zone outlines, fills and labels (azure)."""
ZONE_ALPHA = 0.2
"""Opacity of a zone's fill: light enough that what happens inside stays visible."""


class DrawnLine(Protocol):
    """What :func:`render_analytics` needs of a counting line (a LineCounter has it):
    its name, its end points (x, y) in pixels and its counts so far."""

    name: str
    start: np.ndarray
    end: np.ndarray
    in_count: int
    out_count: int


class DrawnZone(Protocol):
    """What :func:`render_analytics` needs of a zone (a ZoneMonitor has it): its name,
    its polygon K x 2 (x, y) pixels and the ids of the tracks inside now."""

    name: str
    polygon: np.ndarray

    @property
    def occupants(self) -> Sequence[int]: ...


def line_label(line: DrawnLine) -> str:
    """The text drawn beside a line: its name and counts, e.g. ``"door  in 3  out 1"``."""
    return f"{line.name}  in {line.in_count}  out {line.out_count}"


def zone_label(zone: DrawnZone) -> str:
    """The text drawn on a zone: its name and how many tracks are inside now."""
    return f"{zone.name}  {len(zone.occupants)} inside"


def render_analytics(
    image: np.ndarray,
    lines: Sequence[DrawnLine] = (),
    zones: Sequence[DrawnZone] = (),
) -> np.ndarray:
    """A copy of ``image`` (RGB uint8 H x W x 3) with the analytics drawn over it, as they
    stand now: each zone filled lightly (:data:`ZONE_ALPHA`) and outlined in
    :data:`ZONE_COLOR`, with its name and occupancy at its top vertex; each line in
    :data:`LINE_COLOR` with a small arrow from its middle towards its "in" side (the right
    of start -> end) and its name and counts at its start. Labels are kept inside the
    frame, and one that would cover another moves down below it; geometry outside the
    frame is cut off.
    """
    out = np.array(image, dtype=np.uint8, copy=True)
    if out.ndim != 3 or out.shape[2] != 3:
        raise ValueError(f"render_analytics needs an RGB image H x W x 3, not of shape {out.shape}")
    h, w = out.shape[:2]
    # thicker than the tracks' outlines: the lines must stay visible on a busy scene and
    # through video compression (a 1 px line loses its colour to chroma subsampling)
    thickness = max(2, round(min(h, w) / 240))
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, max(0.35, min(h, w) / 1000)

    for zone in zones:
        points = _fixed_point(zone.polygon)
        _fill_polygon(out, points, ZONE_COLOR, ZONE_ALPHA)
        cv2.polylines(out, [points], True, ZONE_COLOR, thickness, cv2.LINE_AA, shift=_SHIFT)
    for line in lines:
        start, end = (np.asarray(p, dtype=np.float64) for p in (line.start, line.end))
        ends = _fixed_point(np.stack([start, end]))
        cv2.line(out, _pt(ends[0]), _pt(ends[1]), LINE_COLOR, thickness, cv2.LINE_AA, _SHIFT)
        length = float(np.hypot(*(end - start)))
        if length == 0:
            continue  # a point, not a line: no side to show
        # the "in" side: x right and y down, so the right of (dx, dy) is (-dy, dx)
        direction = (end - start) / length
        middle = (start + end) / 2
        tip = middle + np.array([-direction[1], direction[0]]) * (6 * thickness + 6)
        arrow = _fixed_point(np.stack([middle, tip]))
        cv2.arrowedLine(
            out, _pt(arrow[0]), _pt(arrow[1]), LINE_COLOR, thickness, cv2.LINE_AA, _SHIFT, 0.35
        )
    # labels last, so that no zone or line hides one; the lines' (the counts) first, and
    # each label moved down past those already placed that it would cover
    placed: list[tuple[int, int, int, int]] = []
    for line in lines:
        start = np.asarray(line.start, dtype=np.float64)
        xy = (start[0] + thickness, start[1] + thickness)
        placed.append(_tag(out, line_label(line), xy, LINE_COLOR, font, scale, placed))
    for zone in zones:
        polygon = np.asarray(zone.polygon, dtype=np.float64)
        top = polygon[np.lexsort((polygon[:, 0], polygon[:, 1]))[0]]  # highest, then leftmost
        xy = (top[0] + thickness, top[1] + thickness)
        placed.append(_tag(out, zone_label(zone), xy, ZONE_COLOR, font, scale, placed))
    return out


_SHIFT = 4  # fractional bits of the fixed-point coordinates given to OpenCV (1/16 px)


def _fixed_point(points: np.ndarray) -> np.ndarray:
    """Float (x, y) points K x 2 as int32 at 1/16 px, OpenCV's ``shift`` form, so that
    geometry given in fractional pixels is drawn where it lies."""
    return np.round(np.asarray(points, dtype=np.float64) * (1 << _SHIFT)).astype(np.int32)


def _pt(point: np.ndarray) -> tuple[int, int]:
    return int(point[0]), int(point[1])


def _fill_polygon(
    out: np.ndarray, points: np.ndarray, color: tuple[int, int, int], alpha: float
) -> None:
    """Blends ``color`` at ``alpha`` into the pixels of ``out`` inside ``points`` (fixed
    point), within the polygon's bounding box only (a small zone costs little at 1080p)."""
    h, w = out.shape[:2]
    x1, y1 = (int(v) for v in np.floor(points.min(axis=0) / (1 << _SHIFT)))
    x2, y2 = (int(v) + 1 for v in np.ceil(points.max(axis=0) / (1 << _SHIFT)))
    x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, w), min(y2, h)
    if x2 <= x1 or y2 <= y1:
        return  # entirely outside the frame
    region = out[y1:y2, x1:x2]
    # the polygon filled solid on a copy, then the copy blended in: outside the polygon
    # both are equal, so the blend leaves those pixels as they were
    solid = region.copy()
    cv2.fillPoly(solid, [points - np.array([x1, y1]) * (1 << _SHIFT)], color, cv2.LINE_8, _SHIFT)
    region[...] = cv2.addWeighted(region, 1 - alpha, solid, alpha, 0)


def _tag(
    out: np.ndarray,
    text: str,
    xy: tuple[float, float],
    color: tuple[int, int, int],
    font: int,
    scale: float,
    placed: Sequence[tuple[int, int, int, int]] = (),
) -> tuple[int, int, int, int]:
    """``text`` in dark or light ink on a box of ``color`` whose top-left corner is at
    ``xy``, moved as little as needed to lie wholly inside the frame, and then below any
    of the ``placed`` boxes (xyxy, exclusive) it would overlap while there is room;
    returns its box."""
    h, w = out.shape[:2]
    (tw, th), base = cv2.getTextSize(text, font, scale, 1)
    bw, bh = tw + 4, th + base + 2
    x = int(min(max(round(xy[0]), 0), max(w - bw, 0)))
    y = int(min(max(round(xy[1]), 0), max(h - bh, 0)))
    moved = True
    while moved:  # each move goes down past one box, so this ends
        moved = False
        for px1, py1, px2, py2 in placed:
            if x < px2 and px1 < x + bw and y < py2 and py1 < y + bh and py2 + bh <= h:
                y, moved = py2, True
    cv2.rectangle(out, (x, y), (x + bw - 1, y + bh - 1), color, -1)
    r, g, b = color
    ink = (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else (255, 255, 255)
    cv2.putText(out, text, (x + 2, y + th + 1), font, scale, ink, 1, cv2.LINE_AA)
    return x, y, x + bw, y + bh
