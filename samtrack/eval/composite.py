"""Composite videos: objects cut out of some videos (their pixels under their true masks)
pasted into the frames of another, so that real objects can be tracked many at once with
exact ground truth.

Each pasted object is a :class:`Layer`: its source (frames and masks, anything indexable
by source frame), its id, and its placement in composite frame ``t``: source frame
``start + t``, scaled by ``scale`` and moved by ``offset + t * velocity`` pixels. Layers
are pasted in order: a later layer lies in front of the earlier ones. The ground truth of
a frame is each object's *visible* mask: its placed mask minus the placed masks of every
layer in front of it; the visible masks are therefore disjoint. An object the frame does
not show (out of frame, or wholly hidden) is not in that frame's ground truth.

The background video's own object can be a target too: give it a layer with its own
frames and masks, no offset and scale 1 (pasting it changes no pixel), first in the list
(depth 0).

Coordinates are pixels, ``x`` to the right, ``y`` down. Pure numpy and OpenCV; reading
the data is the caller's business.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import cv2
import numpy as np


@dataclass
class Layer:
    """One pasted object.

    frames: source frames, ``frames[k]`` an RGB uint8 array Hs x Ws x 3; masks: its masks,
    ``masks[k]`` Hs x Ws (bool, or nonzero = object); object_id: its id in the ground
    truth. In composite frame ``t`` the layer shows source frame ``start + t``; a source
    pixel at (x, y) lands at ``(scale * x + dx, scale * y + dy)`` with
    ``(dx, dy) = offset + t * velocity`` (pixels, pixels per frame).
    """

    frames: Sequence[Any]
    masks: Sequence[Any]
    object_id: int
    offset: tuple[float, float] = (0.0, 0.0)
    velocity: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0
    start: int = 0

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError(f"scale must be positive, not {self.scale}")
        if self.start < 0:
            raise ValueError(f"start must be >= 0, not {self.start}")

    def __len__(self) -> int:
        """The number of composite frames this layer can fill (its source from ``start``)."""
        return max(min(len(self.frames), len(self.masks)) - self.start, 0)

    def shift(self, t: int) -> tuple[float, float]:
        """(dx, dy) in pixels at composite frame ``t``."""
        return (self.offset[0] + t * self.velocity[0], self.offset[1] + t * self.velocity[1])


class Composed(NamedTuple):
    """One composite frame.

    image: RGB uint8 H x W x 3; ids: int64 (N,) the objects visible in it, back to front;
    masks: bool N x H x W their visible masks (disjoint, none empty); full: bool N x H x W
    their whole placed masks inside the frame, as if nothing were in front (``masks`` is
    ``full`` minus the layers in front).
    """

    image: np.ndarray
    ids: np.ndarray
    masks: np.ndarray
    full: np.ndarray


def place(layer: Layer, t: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The layer at composite frame ``t`` on an H x W canvas: (mask bool H x W, image uint8
    H x W x 3 holding the source's pixels where the mask is set, zeros elsewhere).

    Only the source mask's bounding box is resampled: INTER_AREA for the image (INTER_LINEAR
    when enlarging), the mask as a float resampled the same way and thresholded at 0.5.
    """
    k = layer.start + t
    source_mask = np.asarray(layer.masks[k]).astype(bool)
    mask = np.zeros((height, width), bool)
    image = np.zeros((height, width, 3), np.uint8)
    rows, cols = np.any(source_mask, axis=1), np.any(source_mask, axis=0)
    if not rows.any():
        return mask, image
    y1, y2 = int(rows.argmax()), len(rows) - int(rows[::-1].argmax())
    x1, x2 = int(cols.argmax()), len(cols) - int(cols[::-1].argmax())
    crop_mask = source_mask[y1:y2, x1:x2]
    crop_image = np.asarray(layer.frames[k])[y1:y2, x1:x2]
    dx, dy = layer.shift(t)
    s = layer.scale
    if s != 1.0:
        size = (max(1, round((x2 - x1) * s)), max(1, round((y2 - y1) * s)))  # (w, h) for cv2
        interpolation = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        crop_image = cv2.resize(np.ascontiguousarray(crop_image), size, interpolation=interpolation)
        crop_mask = cv2.resize(crop_mask.astype(np.float32), size, interpolation=interpolation) >= 0.5
    # Top-left corner of the (scaled) crop on the canvas, and its visible part.
    left, top = round(s * x1 + dx), round(s * y1 + dy)
    h, w = crop_mask.shape
    c1, r1 = max(left, 0), max(top, 0)
    c2, r2 = min(left + w, width), min(top + h, height)
    if c2 <= c1 or r2 <= r1:
        return mask, image
    sub_mask = crop_mask[r1 - top : r2 - top, c1 - left : c2 - left]
    mask[r1:r2, c1:c2] = sub_mask
    image[r1:r2, c1:c2][sub_mask] = crop_image[r1 - top : r2 - top, c1 - left : c2 - left][sub_mask]
    return mask, image


def compose(background: np.ndarray, layers: Sequence[Layer], t: int) -> Composed:
    """Composite frame ``t``: ``background`` (RGB uint8 H x W x 3, the background video's
    frame ``t``) with ``layers`` pasted back to front. See :class:`Composed`."""
    background = np.asarray(background)
    height, width = background.shape[:2]
    ids = np.array([layer.object_id for layer in layers], dtype=np.int64)
    if len(set(ids.tolist())) != len(ids):
        raise ValueError(f"layers need distinct object ids, not {ids.tolist()}")
    image = background.copy()
    placed = []
    for layer in layers:
        mask, pixels = place(layer, t, height, width)
        image[mask] = pixels[mask]
        placed.append(mask)
    full = np.stack(placed) if placed else np.zeros((0, height, width), bool)
    visible = full.copy()
    in_front = np.zeros((height, width), bool)
    for i in range(len(layers) - 1, -1, -1):
        visible[i] &= ~in_front
        in_front |= full[i]
    keep = visible.reshape(len(visible), -1).any(axis=1)
    return Composed(image, ids[keep], visible[keep], full[keep])


def composite_length(background_frames: int, layers: Sequence[Layer]) -> int:
    """The number of frames that every source can fill: the background's and each layer's."""
    return min([background_frames, *(len(layer) for layer in layers)])
