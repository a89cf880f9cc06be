"""Finding a track again by its appearance when its prompt missed it: the object moved
farther than predicted (fast motion, a bounce, a new track whose velocity is not yet
known). The track's last full view, under its mask, is matched against the frame around
the predicted position by masked sum of squared differences (OpenCV's ``matchTemplate``);
the best place becomes a box prompt for the segmenter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from ..geometry import box_centre_xyxy, clip_box_xyxy
from ..types import MaskCrops, Masks
from .config import TrackerConfig

if TYPE_CHECKING:
    from .track import Track


def crop_template(image: np.ndarray, mask: Any, box: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The image and mask (one H x W mask, dense or a one-mask MaskCrops) under a box
    (xyxy, frame pixels): the track's appearance."""
    x1, y1 = np.floor(box[:2]).astype(int)
    x2, y2 = np.ceil(box[2:]).astype(int)
    x1, y1 = max(x1, 0), max(y1, 0)
    x2, y2 = min(x2, image.shape[1]), min(y2, image.shape[0])
    if x2 - x1 < 2 or y2 - y1 < 2:
        return None
    under = MaskCrops.from_dense(mask).window(0, x1, y1, x2, y2)
    if not under.any():
        return None
    return image[y1:y2, x1:x2].copy(), under


#: Hue x saturation bins of a colour signature. On the 30 DAVIS-2016 train objects (true
#: masks), Bhattacharyya distances between views of one object 10+ frames apart and
#: between two objects' views: 16 x 8 bins keep 92% of one object's pairs within 0.35
#: and let 1.0% of two objects' pairs in; at 0.35, 8 x 4 bins keep 95% and let 6.1% in,
#: 30 x 32 keep 82% (benchmarks/quality/signature_threshold.py; BENCHMARKS.md, "Real
#: motion, part 7").
SIGNATURE_BINS = (16, 8)


def colour_signature(image: np.ndarray, crop: MaskCrops) -> np.ndarray | None:
    """A view's colour signature: the hue x saturation histogram of the pixels under a
    one-mask crop, summing to one (brightness left out: light changes, and the histogram
    ignores pose and size, which a template does not); None for an empty mask."""
    window = crop.slices(0)
    under = crop.crops[0]
    if not under.any():
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(image[window]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], under.astype(np.uint8), list(SIGNATURE_BINS), [0, 180, 0, 256])
    return (hist / max(float(hist.sum()), 1.0)).astype(np.float32)


def signature_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya distance between two colour signatures: 0 alike, 1 disjoint."""
    return float(cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA))


def looks_alike(track: Track, image: np.ndarray, masks: Masks, limit: float) -> np.ndarray:
    """Which masks' colour signatures lie within ``limit`` of the track's (bool per mask;
    all False for a track without a signature)."""
    out = np.zeros(len(masks), dtype=bool)
    if track.signature is None:
        return out
    crops = MaskCrops.from_dense(masks.masks)
    for i in range(len(masks)):
        signature = colour_signature(image, crops[[i]])
        out[i] = signature is not None and signature_distance(track.signature, signature) <= limit
    return out


def find_by_appearance(
    image: np.ndarray,
    template: tuple[np.ndarray, np.ndarray],
    centre: np.ndarray,
    radius: float,
    exclude: np.ndarray | None = None,
    max_side: int = 32,
) -> tuple[np.ndarray, float] | None:
    """Where the template's object is most likely within ``radius`` pixels of ``centre``.

    Returns (box xyxy in frame pixels, RMS colour difference per pixel under the template's
    mask, 0-255), or None when the window cannot hold the template. Places whose box lies
    mostly (> half) on ``exclude`` (bool H x W: pixels other tracks hold this frame) are
    not considered: a look-alike that is already tracked is not this object. The search
    runs on a copy scaled so the template's longer side is at most ``max_side`` pixels.
    """
    patch, pmask = template
    th, tw = pmask.shape
    height, width = image.shape[:2]
    cx, cy = centre
    x1 = int(max(0, np.floor(cx - radius - tw / 2)))
    y1 = int(max(0, np.floor(cy - radius - th / 2)))
    x2 = int(min(width, np.ceil(cx + radius + tw / 2)))
    y2 = int(min(height, np.ceil(cy + radius + th / 2)))
    if x2 - x1 < tw or y2 - y1 < th:
        return None
    scale = min(1.0, max_side / max(th, tw))
    window = image[y1:y2, x1:x2].astype(np.float32)
    patch = patch.astype(np.float32)
    # Only the object's inside: the mask's boundary pixels are often background.
    inner = cv2.erode(pmask.astype(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0)
    weight = (inner if inner.sum() >= 0.25 * pmask.sum() else pmask).astype(np.float32)
    if scale < 1.0:
        window, patch, weight = (
            cv2.resize(a, (max(1, round(a.shape[1] * scale)), max(1, round(a.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA)
            for a in (window, patch, weight)
        )
    if window.shape[0] < patch.shape[0] or window.shape[1] < patch.shape[1] or weight.sum() < 1:
        return None
    weight3 = np.repeat(weight[:, :, None], 3, axis=2)
    ssd = cv2.matchTemplate(window, patch, cv2.TM_SQDIFF, mask=weight3)
    rms = np.sqrt(np.maximum(ssd, 0) / (3 * weight.sum()))
    if exclude is not None:
        taken = exclude[y1:y2, x1:x2].astype(np.float32)
        if scale < 1.0:
            taken = cv2.resize(taken, (window.shape[1], window.shape[0]), interpolation=cv2.INTER_AREA)
        ph, pw = patch.shape[:2]
        share = cv2.boxFilter(taken, -1, (pw, ph), anchor=(0, 0), normalize=True, borderType=cv2.BORDER_CONSTANT)
        rms[share[: rms.shape[0], : rms.shape[1]] > 0.5] = np.inf
    best = np.unravel_index(int(np.argmin(rms)), rms.shape)
    if not np.isfinite(rms[best]):
        return None
    bx = x1 + best[1] / scale
    by = y1 + best[0] / scale
    return np.array([bx, by, bx + tw, by + th], dtype=np.float64), float(rms[best])


def looks_like(track: Track, image: np.ndarray, box: np.ndarray, config: TrackerConfig) -> bool:
    """Whether the track's last full view matches the image at ``box`` (xyxy) within a
    quarter of the track's diagonal, as closely as :func:`search_boxes` asks."""
    if track.template is None:
        return False
    radius = 0.25 * float(np.hypot(*(track.box[2:] - track.box[:2])))
    place = find_by_appearance(image, track.template, box_centre_xyxy(box), radius)
    return place is not None and place[1] <= config.search_max_rms


def search_boxes(
    missed: list[Track], image: np.ndarray, held: np.ndarray, config: TrackerConfig
) -> list[tuple[Track, np.ndarray]]:
    """Where each missed track (one with a template) looks to be, away from the pixels
    other tracks hold (``held``, bool H x W): (track, box xyxy float32) for those found
    close enough in colour."""
    found = []
    for t in missed:
        # Around the predicted centre and the last seen one: after a bounce or turn
        # the filter's velocity points the wrong way for a while.
        predicted, last = box_centre_xyxy(t.predicted_box), box_centre_xyxy(t.box)
        radius = config.search_radius * float(np.hypot(*(t.box[2:] - t.box[:2])))
        radius += float(np.linalg.norm(predicted - last)) / 2
        place = find_by_appearance(image, t.template, (predicted + last) / 2, radius, exclude=held)
        if place is not None and place[1] <= config.search_max_rms:
            found.append((t, clip_box_xyxy(place[0], image.shape[:2])))
    return found
