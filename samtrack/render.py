"""Overlays for viewing results: translucent masks, box outlines, ids and labels, trails.

``render(image, result, trails)`` returns a new RGB image; :class:`Trails` keeps the last
few box centres of each track (bounded: a track unseen for ``length`` frames is dropped).
Colours are stable per track id (:func:`color_for_id`).
"""

from __future__ import annotations

import colorsys
from collections import deque
from collections.abc import Iterator, Mapping, Sequence

import cv2
import numpy as np

from samtrack.types import FrameResult

__all__ = ["Trails", "color_for_id", "render", "render_masks"]

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
        masks = np.asarray(result.masks, dtype=bool)
        for i in range(n):  # each mask is blended within the rows and columns it spans
            rows = np.flatnonzero(masks[i].any(axis=1))
            if rows.size == 0:
                continue
            cols = np.flatnonzero(masks[i].any(axis=0))
            ys, xs = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
            region, inside = out[ys, xs], masks[i][ys, xs]
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
