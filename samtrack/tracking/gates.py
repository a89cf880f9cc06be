"""Gates: which of a prompt's answers a track may take, and which of its views may move
its Kalman filter and its reference area."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..geometry import box_iou_batch, clip_box_xyxy
from ..types import Masks
from .config import TrackerConfig

if TYPE_CHECKING:
    from .track import Track


def acceptable(
    track: Track,
    masks: Masks,
    size: tuple[int, int],
    config: TrackerConfig,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Which masks are plausible for this track (bool per mask): score, area change, box
    gate (against ``reference``, by default the predicted box)."""
    areas = masks.areas.astype(np.float64)
    ok = (masks.scores >= config.min_score) & (areas > 0)
    largest = track.growth_reference(config.max_area_change)
    if largest > 0 and (track.seen_inside or track.misses > 0 or not at_border(track.box, size)):
        # Only growth is gated: an object is not suddenly larger than both its recent full
        # views and its prediction, but a mask that merged it with a neighbour or jumped to
        # the background is. Shrinking is normal (occluders). At the frame's edge only a
        # track seen whole somewhere, or a lost one, is gated: one seen at the edge until
        # the last frame (a bus driving in) shows a part of an object of unknown size, but
        # what a lost one takes back is its object coming back, not all that lies there.
        ok &= areas <= config.max_area_change * largest
    reference = clip_box_xyxy(track.predicted_box, size) if reference is None else reference
    ok &= box_iou_batch(masks.boxes, reference)[:, 0] >= config.box_gate
    return ok


def at_border(box: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether a box (xyxy) touches the edge of an H x W frame: its object may be entering
    or leaving, and only its part inside the frame is seen."""
    h, w = size
    x1, y1, x2, y2 = box
    return bool(x1 <= 1 or y1 <= 1 or x2 >= w - 1 or y2 >= h - 1)


def partial_views(track: Track, areas: np.ndarray, config: TrackerConfig) -> np.ndarray:
    """Which masks of these ``areas`` (pixels) are much smaller than the track's full view
    (its :attr:`~samtrack.tracking.track.Track.view_size`): likely cut by an occluder, so
    their boxes would corrupt the velocity and their areas the reference."""
    size = track.view_size
    return (size > 0) & (np.asarray(areas, dtype=np.float64) < config.occlusion_area_ratio * size)


def spills(box: np.ndarray, prompt_box: np.ndarray, margin: float = 2.0) -> bool:
    """Whether a mask's box (xyxy) reaches more than ``margin`` pixels beyond the box it
    was prompted with on any side: the object extends past where it was looked for."""
    return bool(np.any(box[:2] < prompt_box[:2] - margin) or np.any(box[2:] > prompt_box[2:] + margin))


def reach(box: np.ndarray, prompt_box: np.ndarray, margin: float = 2.0) -> np.ndarray:
    """The sides (xyxy) of a mask's box that reach more than ``margin`` pixels beyond its
    prompt box; NaN for the others."""
    box = np.asarray(box, dtype=np.float64)
    out = np.full(4, np.nan)
    beyond = np.concatenate([box[:2] < prompt_box[:2] - margin, box[2:] > prompt_box[2:] + margin])
    out[beyond] = box[beyond]
    return out


def censored(box: np.ndarray, prompt_box: np.ndarray, margin: float = 2.0) -> np.ndarray:
    """The measured box (xyxy), with a side that reaches more than ``margin`` pixels beyond
    the prompt box, while the opposite side does not, moved out so the box keeps at least
    the prompt's size on that axis. The segmenter answers within about its prompt box:
    where its answer reaches past the box, it stopped where it stopped looking, not where
    the object ends. Taken as the object's edge, that side shrinks the filter's box frame
    after frame until the prompt no longer covers the object (a ball that the box lagged
    was cut narrower on every frame until it was lost)."""
    out = np.asarray(box, dtype=np.float64).copy()
    for lo, hi in ((0, 2), (1, 3)):
        low, high = out[lo] < prompt_box[lo] - margin, out[hi] > prompt_box[hi] + margin
        size = prompt_box[hi] - prompt_box[lo]
        if low != high and out[hi] - out[lo] < size:
            if high:
                out[hi] = out[lo] + size
            else:
                out[lo] = out[hi] - size
    return out


def edge_anchored(
    box: np.ndarray, predicted: np.ndarray, recent: np.ndarray | None = None, shrink: float = 0.8
) -> np.ndarray:
    """The measured box, with a side that shrank abruptly below the predicted size (an
    occluder cutting the object) rebuilt at the predicted size from its edge that agrees
    best with the prediction, so a partial occlusion does not drag the velocity. With
    ``recent`` (width, height of the recent views), a shrink is judged against that where
    it is smaller than the prediction: an object that stays narrower is seen as it is."""
    out = np.asarray(box, dtype=np.float64).copy()
    for axis, (lo, hi) in enumerate(((0, 2), (1, 3))):
        size_pred = predicted[hi] - predicted[lo]
        size_ref = size_pred if recent is None else min(size_pred, float(recent[axis]))
        if out[hi] - out[lo] < shrink * size_ref:
            if abs(out[lo] - predicted[lo]) <= abs(out[hi] - predicted[hi]):
                out[hi] = out[lo] + size_pred
            else:
                out[lo] = out[hi] - size_pred
    return out
