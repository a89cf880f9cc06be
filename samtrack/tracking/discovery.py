"""Discovery: new objects and lost tracks found by the segmenter's segment-everything,
every ``discover_every`` frames and whenever something new appears outside the tracks
(a background model of the frame, OpenCV's MOG2)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ..geometry import clip_box_xyxy
from ..types import Frame, Masks, Segmenter
from .association import associate
from .config import TrackerConfig
from .track import Track, TrackState


def iou_step(height: int, width: int, target: int = 256) -> int:
    """Subsampling step that brings the longest side to about ``target`` for mask work
    (IoUs, the background model)."""
    return max(1, int(np.ceil(max(height, width) / target)))


class Discovery:
    """Decides when to look for new objects, and looks. Holds the background model."""

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self._background: cv2.BackgroundSubtractorMOG2 | None = None

    def due(self, frame: Frame, frames_seen: int, previous_masks: list[np.ndarray], tracks: list[Track]) -> bool:
        """Whether to run on this frame: every ``discover_every`` frames, or when
        something new is in view (which also keeps the background model learning)."""
        cfg = self.config
        changed = self.changed_outside_tracks(frame, frames_seen, previous_masks, tracks)
        return cfg.discover_every > 0 and (frames_seen % cfg.discover_every == 0 or changed)

    def changed_outside_tracks(
        self, frame: Frame, frames_seen: int, previous_masks: list[np.ndarray], tracks: list[Track]
    ) -> bool:
        """Whether something new is in view: an area of at least ``min_new_area`` pixels,
        outside the tracks' masks of the previous frame and this one, that differs from
        the learnt background (OpenCV's MOG2 background subtraction), covering at most half
        of the area outside the tracks (more is the camera moving or the light changing)."""
        if not self.config.discover_on_change or self.config.discover_every <= 0:
            return False
        step = iou_step(*frame.size)
        small = np.ascontiguousarray(frame.image[::step, ::step])
        if self._background is None:
            # The last 100 frames make the background: what stays still that long is in it.
            self._background = cv2.createBackgroundSubtractorMOG2(history=100, detectShadows=False)
        foreground = self._background.apply(small) > 0
        if frames_seen == 0:
            return False
        masks = previous_masks + [t.mask for t in tracks if t.last_frame == frame.index]
        free = np.ones(small.shape[:2], dtype=np.uint8)
        if masks:
            held = np.logical_or.reduce([m[::step, ::step] for m in masks]).astype(np.uint8)
            # A couple of pixels around the tracks too: their boundaries flicker.
            free -= cv2.dilate(held, np.ones((5, 5), np.uint8))
        new = (foreground & free.astype(bool)).astype(np.uint8)
        new = cv2.morphologyEx(new, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # no speckle
        count = int(new.sum())
        return count * step * step >= self.config.min_new_area and count <= 0.5 * int(free.sum())

    def run(
        self,
        segmenter: Segmenter,
        embedding: object,
        frame: Frame,
        tracks: list[Track],
        hit: Callable[[Track, Masks], None],
        start: Callable[[Masks], bool],
    ) -> None:
        """Segment everything; masks no visible track covers re-acquire lost tracks
        (``hit``) or start new ones (``start``, False when the tracker holds
        ``max_objects`` tracks: then no more are started)."""
        cfg = self.config
        height, width = frame.size
        found = segmenter.segment_everything(
            embedding,
            points_per_side=cfg.discover_points_per_side,
            pred_iou_thresh=cfg.discover_min_score,
            stability_score_thresh=cfg.discover_min_stability,
        )
        if len(found) == 0:
            return
        areas = found.areas
        keep = (areas >= cfg.min_new_area) & (areas <= cfg.max_new_area * height * width)
        covered = np.zeros((height, width), dtype=bool)
        for t in tracks:
            if t.state is not TrackState.LOST and t.last_frame == frame.index:
                covered |= t.mask
        overlap = (found.masks & covered[None]).reshape(len(found), -1).sum(axis=1)
        keep &= overlap < cfg.max_new_coverage * np.maximum(areas, 1)
        found = found[keep]
        if len(found) == 0:
            return
        lost = [t for t in tracks if t.state is TrackState.LOST]
        unmatched = np.arange(len(found))
        if lost:
            matches, _, unmatched = associate(self._reacquire_cost(lost, found), cfg.reacquire_distance)
            for row, col in matches:
                hit(lost[row], found[int(col)])
                covered |= found.masks[col]
            # A mask that lies mostly where a lost track is predicted is likely that object
            # merged with a neighbour or half hidden: a new id there would be a switch.
            expected = np.zeros((height, width), dtype=bool)
            for t in lost:
                x1, y1, x2, y2 = np.round(clip_box_xyxy(t.predicted_box, (height, width))).astype(int)
                expected[y1:y2, x1:x2] = True
            inside = np.array([np.count_nonzero(found.masks[i] & expected) for i in unmatched], dtype=np.int64)
            unmatched = unmatched[inside < 0.5 * np.maximum(found.areas[unmatched], 1)]
        # Best-scored first; a mask mostly on one just started (the same object with a
        # neighbouring region, say) starts nothing.
        for col in sorted(unmatched.tolist(), key=lambda c: -found.scores[c]):
            mask = found.masks[col]
            if np.count_nonzero(mask & covered) >= cfg.max_new_coverage * max(found.areas[col], 1):
                continue
            if not start(found[col]):
                break  # at the cap on live tracks
            covered |= mask

    def _reacquire_cost(self, lost: list[Track], found: Masks) -> np.ndarray:
        """Distance from each lost track's predicted centre to each new mask's centre, in
        track diagonals that widen the longer the track has been lost (its prediction
        grows uncertain); inf where the areas are implausibly different."""
        pred = np.stack([t.predicted_box for t in lost])
        centre_pred = (pred[:, :2] + pred[:, 2:]) / 2
        centre_new = (found.boxes[:, :2] + found.boxes[:, 2:]) / 2
        dist = np.linalg.norm(centre_pred[:, None] - centre_new[None], axis=2)
        diag = np.array([np.hypot(*(t.box[2:] - t.box[:2])) for t in lost])
        misses = np.array([t.misses for t in lost])
        cost = dist / (np.maximum(diag, 1.0) * (1 + 0.05 * misses))[:, None]
        area = np.array([max(t.area, 1.0) for t in lost])[:, None]
        ratio = found.areas[None, :] / area
        return np.where(ratio <= self.config.max_area_change, cost, np.inf)
