"""The multi-object tracker: every live track is re-prompted from its own past, all prompts
of a frame are decoded in one batched call, and the masks are associated with tracks by
mask IoU (Hungarian). Talks to models only through the ``Segmenter`` protocol.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..geometry import box_iou_batch, mask_iou_batch, shift_array
from ..types import Frame, FrameResult, Masks, Prompt, Segmenter, mask_to_box_xyxy
from .association import associate
from .kalman import KalmanBoxPredictor
from .prompting import LOGIT_FILL, interior_points, logit_scale, shift_logits
from .search import crop_template, find_by_appearance


class TrackState(enum.Enum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    LOST = "lost"
    REMOVED = "removed"


@dataclass(frozen=True)
class TrackerConfig:
    """How tracks are prompted, associated and aged. Every field is a CLI flag.

    Prompting: ``use_kalman`` (prompt with the Kalman-predicted box; otherwise the last
    box), ``use_logits`` (feed back the last mask logits), ``positive_points`` /
    ``negative_points`` (points inside the track's last mask / inside neighbours'),
    ``multimask`` (decode three candidates and choose by ``motion_weight`` *
    IoU(candidate box, predicted box) + (1 - ``motion_weight``) * predicted IoU).
    Acceptance: ``min_score`` (predicted IoU), ``box_gate`` (IoU with the predicted box),
    ``max_area_change`` (largest ratio to the track's full-view area: a larger mask has
    merged the object with another). Association: ``associate_by`` "mask" (IoU of a
    mask with the track's motion-shifted last mask) or "box" (IoU of the mask's box with
    the predicted box), ``match_iou`` (the least IoU that matches),
    ``duplicate_iou`` (masks this similar are one object). Lifecycle: ``n_init`` hits to
    confirm, ``max_age`` frames coasting while lost. Kalman: updated with a mask's box
    when its score is at least ``kalman_min_score`` and its area at least
    ``occlusion_area_ratio`` of the track's recent area (else it coasts).
    Discovery: every ``discover_every`` frames (0: never) segment-everything runs with an
    n x n grid (``discover_points_per_side``), and with ``discover_on_change`` also on any
    frame where at least ``min_new_area`` pixels outside every track differ from the
    learnt background (something new in view; a change over most of the free area is the
    camera or the light and triggers nothing), keeping masks of predicted IoU and stability
    at least ``discover_min_score`` / ``discover_min_stability`` (lower than SAM's
    generator defaults: a false find only starts a tentative track); its masks covered by tracks less than
    ``max_new_coverage``, with ``min_new_area`` <= area <= ``max_new_area`` * frame area,
    re-acquire a lost track (same id) when their centre lies within
    ``reacquire_distance`` of its predicted centre, in track diagonals widened by 5% per
    frame lost, and otherwise start tentative tracks (not those lying mostly inside a lost
    track's predicted box: likely that object, merged or half hidden). Association is a
    cascade: tracks seen in the last frame choose first, lost ones take what is left.
    The growth gate compares with the 75th percentile of a track's last 15 full-view areas
    (a few merged or bloated masks do not raise it, partial views do not lower it). Appearance search: a track whose
    prompt missed it, within ``search_frames`` frames of its last hit (0: never), is looked
    for by its last full view within ``search_radius`` track diagonals of its predicted
    centre, away from pixels other tracks hold; a place whose RMS colour difference is at
    most ``search_max_rms`` (0-255) is prompted with a box.
    """

    use_kalman: bool = True
    use_logits: bool = True
    positive_points: int = 0
    negative_points: bool = False
    multimask: bool = True
    motion_weight: float = 0.25
    min_score: float = 0.5
    box_gate: float = 0.1
    max_area_change: float = 1.4
    associate_by: str = "mask"
    match_iou: float = 0.1
    duplicate_iou: float = 0.7
    n_init: int = 2
    max_age: int = 30
    discover_every: int = 10
    discover_on_change: bool = True
    search_frames: int = 3
    search_radius: float = 3.0
    search_max_rms: float = 30.0
    discover_points_per_side: int = 16
    discover_min_score: float = 0.7
    discover_min_stability: float = 0.8
    max_new_coverage: float = 0.2
    min_new_area: int = 100
    max_new_area: float = 0.3
    reacquire_distance: float = 1.0
    kalman_min_score: float = 0.3
    occlusion_area_ratio: float = 0.7


#: How many full-view areas a track keeps for its growth gate's reference.
RECENT_AREAS = 15


@dataclass
class Track:
    """One object's state. ``mask``/``logits`` are the last accepted mask (bool H x W) and
    its low-res logits; ``box`` that mask's xyxy box (kept while the track coasts);
    ``predicted_box`` this frame's prediction."""

    id: int
    state: TrackState
    kalman: KalmanBoxPredictor
    mask: np.ndarray
    logits: np.ndarray | None
    box: np.ndarray
    score: float
    label: str = ""
    hits: int = 1
    misses: int = 0
    first_frame: int = 0
    last_frame: int = 0
    predicted_box: np.ndarray = field(default_factory=lambda: np.zeros(4))
    anchor: np.ndarray = field(default_factory=lambda: np.zeros(2))
    template: tuple[np.ndarray, np.ndarray] | None = None
    recent_areas: deque = field(default_factory=lambda: deque(maxlen=RECENT_AREAS))

    @property
    def area(self) -> float:
        """The full-view area the growth gate compares with: the 75th percentile of the
        last full-view areas (a running mean ratchets down, as the gate turns away the
        larger of noisy masks of a small object, and follows a merge; a median is pulled
        down by partial views)."""
        return float(np.percentile(self.recent_areas, 75)) if self.recent_areas else 0.0

    @property
    def displacement(self) -> np.ndarray:
        """How far the object is predicted to have moved since its last mask (dx, dy):
        predicted centre minus the estimated centre at that mask, frame pixels."""
        return _centre(self.predicted_box) - self.anchor


def _iou_scale(height: int, width: int, target: int = 256) -> int:
    """Subsampling step that brings the longest side to about ``target`` for mask IoUs."""
    return max(1, int(np.ceil(max(height, width) / target)))


class Tracker:
    """Tracks objects frame by frame: ``result = tracker.update(frame)``.

    New objects come from ``prompts`` (user prompts for this frame), ``detections``
    (detector boxes N x 4 for this frame) and, every ``discover_every`` frames, from the
    segmenter's segment-everything. Ids start at 1 for each Tracker.
    """

    def __init__(self, segmenter: Segmenter, config: TrackerConfig | None = None) -> None:
        self.segmenter = segmenter
        self.config = config or TrackerConfig()
        if self.config.associate_by not in ("mask", "box"):
            raise ValueError(f"associate_by must be 'mask' or 'box', not {self.config.associate_by!r}")
        self.tracks: list[Track] = []
        self._next_id = 1
        self.frames_seen = 0
        self._background: cv2.BackgroundSubtractorMOG2 | None = None

    @property
    def live_tracks(self) -> list[Track]:
        return [t for t in self.tracks if t.state is not TrackState.REMOVED]

    # -- the frame ------------------------------------------------------------------------

    def update(
        self,
        frame: Frame,
        prompts: Sequence[Prompt] = (),
        detections: np.ndarray | None = None,
    ) -> FrameResult:
        height, width = frame.size
        embedding = self.segmenter.embed(frame.image)
        live = self.live_tracks
        previous_masks = [t.mask for t in live]  # this frame replaces them, never edits them
        self._predict(live)
        # User prompts start confirmed tracks; detector boxes start tentative ones.
        new_prompts = list(prompts) + self._detection_prompts(detections, live)
        track_prompts = [self._prompt_for(track, live, (height, width)) for track in live]
        all_prompts = track_prompts + new_prompts
        chosen = self._segment(embedding, all_prompts, live, (height, width))
        track_masks = chosen[np.arange(len(live))]
        new_masks = chosen[np.arange(len(live), len(all_prompts))]
        matched = self._associate(live, track_masks, frame)
        matched |= self._search([t for t in live if t.id not in matched], matched, embedding, frame)
        unmatched = [t for t in live if t.id not in matched]
        self._age_unmatched(unmatched, frame)
        for i, prompt in enumerate(new_prompts):
            mask = new_masks[i] if prompt.box is None else _within_box(new_masks[i], prompt.box)
            if mask.masks[0].any():
                self._start_track(mask, prompt.label, frame, confirmed=i < len(prompts))
        cfg = self.config
        changed = self._changed_outside_tracks(frame, previous_masks)
        if cfg.discover_every > 0 and (self.frames_seen % cfg.discover_every == 0 or changed):
            self._discover(embedding, frame)
        self.frames_seen += 1
        self.tracks = self.live_tracks
        return self._result(frame)

    # -- stages ---------------------------------------------------------------------------

    def _changed_outside_tracks(self, frame: Frame, previous_masks: list[np.ndarray]) -> bool:
        """Whether something new is in view: an area of at least ``min_new_area`` pixels,
        outside the tracks' masks of the previous frame and this one, that differs from
        the learnt background (OpenCV's MOG2 background subtraction), covering at most half
        of the area outside the tracks (more is the camera moving or the light changing)."""
        if not self.config.discover_on_change or self.config.discover_every <= 0:
            return False
        step = _iou_scale(*frame.size)
        small = np.ascontiguousarray(frame.image[::step, ::step])
        if self._background is None:
            # The last 100 frames make the background: what stays still that long is in it.
            self._background = cv2.createBackgroundSubtractorMOG2(history=100, detectShadows=False)
        foreground = self._background.apply(small) > 0
        if self.frames_seen == 0:
            return False
        masks = previous_masks + [t.mask for t in self.tracks if t.last_frame == frame.index]
        free = np.ones(small.shape[:2], dtype=np.uint8)
        if masks:
            held = np.logical_or.reduce([m[::step, ::step] for m in masks]).astype(np.uint8)
            # A couple of pixels around the tracks too: their boundaries flicker.
            free -= cv2.dilate(held, np.ones((5, 5), np.uint8))
        new = (foreground & free.astype(bool)).astype(np.uint8)
        new = cv2.morphologyEx(new, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # no speckle
        count = int(new.sum())
        return count * step * step >= self.config.min_new_area and count <= 0.5 * int(free.sum())

    def _predict(self, live: list[Track]) -> None:
        for track in live:
            predicted = track.kalman.predict()
            track.predicted_box = predicted if self.config.use_kalman else track.box.copy()

    def _prompt_for(self, track: Track, live: list[Track], size: tuple[int, int]) -> Prompt:
        cfg = self.config
        if track.state is TrackState.LOST:
            # Its last mask is stale (points and logits would land on the occluder): the
            # predicted box alone asks for whatever is there now.
            return Prompt(box=_clip_box(track.predicted_box, size), track_id=track.id)
        dx, dy = track.displacement
        points = interior_points(track.mask, cfg.positive_points) + np.array([dx, dy], np.float32)
        labels = [1] * len(points)
        if cfg.negative_points:
            for other in live:
                if other is track or other.state is TrackState.LOST:
                    continue
                if box_iou_batch(track.predicted_box, other.predicted_box)[0, 0] > 0:
                    neg = interior_points(other.mask, 1) + other.displacement.astype(np.float32)
                    points = np.concatenate([points, neg])
                    labels += [0] * len(neg)
        box = _clip_box(track.predicted_box, size)
        logits = None
        if cfg.use_logits and track.logits is not None:
            logits = shift_logits(track.logits, dx, dy, size)
        return Prompt(
            box=box,
            points=points if len(points) else None,
            labels=np.array(labels) if len(points) else None,
            mask_logits=logits,
            track_id=track.id,
        )

    def _detection_prompts(self, detections: np.ndarray | None, live: list[Track]) -> list[Prompt]:
        """Detector boxes that no live track already covers become box prompts."""
        if detections is None or len(detections) == 0:
            return []
        boxes = np.asarray(detections, dtype=np.float32).reshape(-1, 4)
        if live:
            iou = box_iou_batch(boxes, np.stack([t.predicted_box for t in live]))
            boxes = boxes[iou.max(axis=1) < 0.5]
        return [Prompt(box=b) for b in boxes]

    def _segment(
        self,
        embedding: object,
        prompts: list[Prompt],
        live: list[Track],
        size: tuple[int, int],
        references: list[np.ndarray] | None = None,
    ) -> Masks:
        """Decode every prompt in one call and keep one mask per prompt. The first
        ``len(live)`` prompts are those tracks' (``references``: their expected boxes, by
        default the predicted ones)."""
        if not prompts:
            return Masks.empty(*size)
        cfg = self.config
        candidates = self.segmenter.segment(embedding, prompts, multimask=cfg.multimask)
        per = len(candidates) // len(prompts)
        scores = candidates.scores.reshape(len(prompts), per).astype(np.float64)
        if references is None:
            references = [t.predicted_box for t in live]
        reference = list(references) + [p.box for p in prompts[len(live):]]
        combined = scores.copy()
        for i, ref in enumerate(reference):
            if ref is None:
                continue
            rows = slice(i * per, (i + 1) * per)
            motion = box_iou_batch(candidates.boxes[rows], ref)[:, 0]
            combined[i] = cfg.motion_weight * motion + (1 - cfg.motion_weight) * scores[i]
            if i < len(live):
                # A candidate the track's gates would refuse (a merge, a bloated answer)
                # loses to any they accept.
                combined[i] += self._acceptable(live[i], candidates[rows], size, reference=ref)
        best = np.arange(len(prompts)) * per + combined.argmax(axis=1)
        return candidates[best]

    def _acceptable(
        self, track: Track, masks: Masks, size: tuple[int, int], reference: np.ndarray | None = None
    ) -> np.ndarray:
        """Which masks are plausible for this track: score, area change, box gate (against
        ``reference``, by default the predicted box)."""
        cfg = self.config
        areas = masks.areas.astype(np.float64)
        ok = (masks.scores >= cfg.min_score) & (areas > 0)
        h, w = size
        x1, y1, x2, y2 = track.box
        at_border = x1 <= 1 or y1 <= 1 or x2 >= w - 1 or y2 >= h - 1  # entering or leaving
        if track.area > 0 and not at_border:
            # Only growth is gated: an object is not suddenly larger than in full view, but
            # a mask that merged it with a look-alike is. Shrinking is normal (occluders).
            ok &= areas <= cfg.max_area_change * track.area
        reference = track.predicted_box if reference is None else reference
        ok &= box_iou_batch(masks.boxes, reference)[:, 0] >= cfg.box_gate
        return ok

    def _associate(self, live: list[Track], masks: Masks, frame: Frame) -> set[int]:
        """Match this frame's masks to tracks; returns the ids of matched tracks."""
        if not live:
            return set()
        cfg = self.config
        step = _iou_scale(*frame.size)
        small = masks.masks[:, ::step, ::step]
        # Duplicates (two prompts that found the same object): keep the best-scored one.
        distinct = _distinct(small, masks.scores, cfg.duplicate_iou)
        expected = np.stack(
            [
                shift_array(t.mask[::step, ::step], *np.round(t.displacement / step).astype(int))
                for t in live
            ]
        )
        iou = mask_iou_batch(expected, small)
        # A lost track's last mask is stale (often a sliver cut by the occluder): measure
        # it against its predicted box instead.
        for row, t in enumerate(live):
            if t.state is TrackState.LOST or cfg.associate_by == "box":
                iou[row] = box_iou_batch(masks.boxes, t.predicted_box)[:, 0]
        allowed = np.stack([self._acceptable(t, masks, frame.size) for t in live]) & distinct[None, :]
        cost = np.where(allowed, 1.0 - iou, np.inf)
        # Tracks seen last frame choose first, lost ones take what is left (DeepSORT's
        # matching cascade): a mask both want is far more likely the visible one's, and
        # the two costs (mask IoU, box IoU) are not on one scale.
        lost = np.array([t.state is TrackState.LOST for t in live])
        matched = set()
        free = np.arange(len(masks))
        for rows in (np.flatnonzero(~lost), np.flatnonzero(lost)):
            matches, _, unmatched = associate(cost[np.ix_(rows, free)], 1.0 - cfg.match_iou)
            for row, col in matches:
                self._hit(live[rows[row]], masks[int(free[col])], frame)
                matched.add(live[rows[row]].id)
            free = free[unmatched]
        return matched

    def _search(self, missed: list[Track], matched: set[int], embedding: object, frame: Frame) -> set[int]:
        """Look for recently missed tracks by appearance and prompt where they are found;
        returns the ids of tracks found again."""
        cfg = self.config
        missed = [t for t in missed if t.template is not None and t.misses < cfg.search_frames]
        if not missed:
            return set()
        held = np.zeros(frame.size, dtype=bool)
        for t in self.tracks:
            if t.id in matched:
                held |= t.mask
        searched, boxes = [], []
        for t in missed:
            # Around the predicted centre and the last seen one: after a bounce or turn
            # the filter's velocity points the wrong way for a while.
            predicted, last = _centre(t.predicted_box), _centre(t.box)
            radius = cfg.search_radius * float(np.hypot(*(t.box[2:] - t.box[:2])))
            radius += float(np.linalg.norm(predicted - last)) / 2
            found = find_by_appearance(frame.image, t.template, (predicted + last) / 2, radius, exclude=held)
            if found is not None and found[1] <= cfg.search_max_rms:
                searched.append(t)
                boxes.append(_clip_box(found[0], frame.size))
        if not searched:
            return set()
        prompts = [Prompt(box=b, track_id=t.id) for t, b in zip(searched, boxes)]
        masks = self._segment(embedding, prompts, searched, frame.size, references=boxes)
        found_ids = set()
        for i, (t, box) in enumerate(zip(searched, boxes)):
            mask = masks[i : i + 1]
            if not self._acceptable(t, mask, frame.size, reference=box)[0]:
                continue
            if (mask.masks[0] & held).sum() > 0.5 * mask.areas[0]:
                continue  # it found an object another track holds
            t.predicted_box = box.astype(np.float64)
            self._hit(t, mask, frame)
            held |= t.mask
            found_ids.add(t.id)
        return found_ids

    def _hit(self, track: Track, mask: Masks, frame: Frame) -> None:
        cfg = self.config
        box = mask.boxes[0]
        area = float(mask.areas[0])
        # A mask much smaller than usual is likely cut by an occluder: its box would
        # corrupt the velocity, so the filter coasts on its prediction instead.
        occluded = track.area > 0 and area < cfg.occlusion_area_ratio * track.area
        if float(mask.scores[0]) >= cfg.kalman_min_score and not occluded:
            track.kalman.update(_edge_anchored(box, track.predicted_box))
        track.mask = mask.masks[0]
        track.logits = mask.logits[0]
        track.box = box.astype(np.float64)
        track.anchor = _centre(track.kalman.box_xyxy if cfg.use_kalman else track.box)
        track.score = float(mask.scores[0])
        if not occluded:  # the full-view area and appearance, which partial views do not spoil
            track.recent_areas.append(area)
            track.template = crop_template(frame.image, track.mask, box) or track.template
        track.hits += 1
        track.misses = 0
        track.last_frame = frame.index
        if track.state is TrackState.LOST or (
            track.state is TrackState.TENTATIVE and track.hits >= cfg.n_init
        ):
            track.state = TrackState.CONFIRMED

    def _age_unmatched(self, tracks: list[Track], frame: Frame) -> None:
        height, width = frame.size
        for track in tracks:
            track.misses += 1
            if track.state is TrackState.TENTATIVE:
                track.state = TrackState.REMOVED
                continue
            track.state = TrackState.LOST
            p = track.predicted_box
            outside = p[2] <= 0 or p[3] <= 0 or p[0] >= width or p[1] >= height
            if track.misses > self.config.max_age or outside:
                track.state = TrackState.REMOVED

    def _start_track(self, mask: Masks, label: str, frame: Frame, confirmed: bool) -> Track:
        box = mask.boxes[0].astype(np.float64)
        track = Track(
            id=self._next_id,
            state=TrackState.CONFIRMED if confirmed or self.config.n_init <= 1 else TrackState.TENTATIVE,
            kalman=KalmanBoxPredictor(box),
            mask=mask.masks[0],
            logits=mask.logits[0],
            box=box,
            score=float(mask.scores[0]),
            label=label,
            recent_areas=deque([float(mask.areas[0])], maxlen=RECENT_AREAS),
            first_frame=frame.index,
            last_frame=frame.index,
            predicted_box=box.copy(),
            anchor=_centre(box),
            template=crop_template(frame.image, mask.masks[0], box),
        )
        self._next_id += 1
        self.tracks.append(track)
        return track

    def _discover(self, embedding: object, frame: Frame) -> None:
        """Segment everything; masks no visible track covers re-acquire lost tracks or
        start new ones."""
        cfg = self.config
        height, width = frame.size
        found = self.segmenter.segment_everything(
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
        for t in self.tracks:
            if t.state is not TrackState.LOST and t.last_frame == frame.index:
                covered |= t.mask
        overlap = (found.masks & covered[None]).reshape(len(found), -1).sum(axis=1)
        keep &= overlap < cfg.max_new_coverage * np.maximum(areas, 1)
        found = found[keep]
        if len(found) == 0:
            return
        lost = [t for t in self.tracks if t.state is TrackState.LOST]
        unmatched = np.arange(len(found))
        if lost:
            matches, _, unmatched = associate(self._reacquire_cost(lost, found), cfg.reacquire_distance)
            for row, col in matches:
                self._hit(lost[row], found[int(col)], frame)
                covered |= found.masks[col]
            # A mask that lies mostly where a lost track is predicted is likely that object
            # merged with a neighbour or half hidden: a new id there would be a switch.
            expected = np.zeros((height, width), dtype=bool)
            for t in lost:
                x1, y1, x2, y2 = np.round(_clip_box(t.predicted_box, (height, width))).astype(int)
                expected[y1:y2, x1:x2] = True
            inside = np.array([np.count_nonzero(found.masks[i] & expected) for i in unmatched], dtype=np.int64)
            unmatched = unmatched[inside < 0.5 * np.maximum(found.areas[unmatched], 1)]
        # Best-scored first; a mask mostly on one just started (the same object with a
        # neighbouring region, say) starts nothing.
        for col in sorted(unmatched.tolist(), key=lambda c: -found.scores[c]):
            mask = found.masks[col]
            if np.count_nonzero(mask & covered) >= cfg.max_new_coverage * max(found.areas[col], 1):
                continue
            self._start_track(found[col], "", frame, confirmed=False)
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

    def _result(self, frame: Frame) -> FrameResult:
        height, width = frame.size
        shown = [
            t for t in self.tracks if t.state is TrackState.CONFIRMED and t.last_frame == frame.index
        ]
        if not shown:
            result = FrameResult.empty(frame.index, frame.time, height, width)
            result.image = frame.image
            return result
        masks = np.stack([t.mask for t in shown])
        scores = np.array([t.score for t in shown], dtype=np.float32)
        masks = _resolve_overlaps(masks, scores, [t.logits for t in shown])
        return FrameResult(
            frame_index=frame.index,
            time=frame.time,
            height=height,
            width=width,
            track_ids=np.array([t.id for t in shown], dtype=np.int64),
            masks=masks,
            boxes=np.stack([t.box for t in shown]).astype(np.float32),
            scores=scores,
            labels=[t.label for t in shown],
            image=frame.image,
        )


def _within_box(mask: Masks, box: np.ndarray) -> Masks:
    """One mask, and its low-res logits, cut to a prompt box widened by 5% of its sides and
    2 px: a box drawn by a user or a detector says where the object is, and what spills
    beyond it is a neighbour (a small model merges touching objects). The track starts
    from the cut mask, so its area, box and fed-back logits are the object's alone."""
    x1, y1, x2, y2 = np.asarray(box, dtype=np.float64)
    mx, my = 0.05 * (x2 - x1) + 2, 0.05 * (y2 - y1) + 2
    h, w = mask.masks.shape[1:]
    c1, r1 = max(int(np.floor(x1 - mx)), 0), max(int(np.floor(y1 - my)), 0)
    c2, r2 = min(int(np.ceil(x2 + mx)), w), min(int(np.ceil(y2 + my)), h)
    inside = np.zeros((h, w), dtype=bool)
    inside[r1:r2, c1:c2] = True
    masks = mask.masks & inside[None]
    logits = mask.logits.copy()
    scale = logit_scale(logits, (h, w))
    outside = np.ones(logits.shape[-2:], dtype=bool)
    outside[int(r1 * scale) : int(np.ceil(r2 * scale)), int(c1 * scale) : int(np.ceil(c2 * scale))] = False
    logits[:, outside] = np.minimum(logits[:, outside], LOGIT_FILL)
    return Masks(masks, mask_to_box_xyxy(masks), mask.scores, logits, mask.prompt_index, mask.track_id)


def _centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], dtype=np.float64)


def _clip_box(box: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    x1, y1, x2, y2 = box
    x1, x2 = np.clip([x1, x2], 0, w)
    y1, y2 = np.clip([y1, y2], 0, h)
    return np.array([x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)], dtype=np.float32)


def _edge_anchored(box: np.ndarray, predicted: np.ndarray, shrink: float = 0.8) -> np.ndarray:
    """The measured box, with a side that shrank abruptly below the predicted size (an
    occluder cutting the object) rebuilt at the predicted size from its edge that agrees
    best with the prediction, so a partial occlusion does not drag the velocity."""
    out = np.asarray(box, dtype=np.float64).copy()
    for lo, hi in ((0, 2), (1, 3)):
        size_pred = predicted[hi] - predicted[lo]
        if out[hi] - out[lo] < shrink * size_pred:
            if abs(out[lo] - predicted[lo]) <= abs(out[hi] - predicted[hi]):
                out[hi] = out[lo] + size_pred
            else:
                out[lo] = out[hi] - size_pred
    return out


def _distinct(masks: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """False for each mask that repeats a better-scored one (mask IoU above threshold)."""
    iou = mask_iou_batch(masks, masks)
    keep = np.ones(len(masks), dtype=bool)
    for i in np.argsort(-scores, kind="stable"):
        if keep[i]:
            dup = iou[i] > threshold
            dup[i] = False
            keep[dup] = False
    return keep


def _resolve_overlaps(
    masks: np.ndarray, scores: np.ndarray, logits: Sequence[np.ndarray | None] | None = None
) -> np.ndarray:
    """Give each pixel claimed by several masks to one of them: the one whose low-res
    logit (one L x L per mask, see :func:`logit_scale`) is highest there, as SAM 2 keeps
    the masks of several objects apart; the highest-scored one where logits are missing
    or tie."""
    claims = masks.sum(axis=0)
    if claims.max(initial=0) <= 1:
        return masks
    order = np.argsort(-scores, kind="stable")
    owner = np.full(masks.shape[1:], -1)
    for i in order[::-1]:
        owner[masks[i]] = i
    usable = logits is not None and len(logits) == len(masks)
    if usable and all(lg is not None and lg.ndim == 2 and lg.shape == logits[0].shape for lg in logits):
        ys, xs = np.nonzero(claims > 1)
        side = logits[0].shape[-1]
        scale = logit_scale(logits[0], masks.shape[1:])
        ly = np.minimum((ys * scale).astype(int), side - 1)
        lx = np.minimum((xs * scale).astype(int), side - 1)
        # Only the shared pixels are looked up: no full stack of every track's logits.
        value = np.where(masks[:, ys, xs], np.stack([lg[ly, lx] for lg in logits]), -np.inf)  # N x P
        rank = np.empty(len(scores))
        rank[order] = -np.arange(len(scores))  # higher is better
        tied = value == value.max(axis=0)[None]
        owner[ys, xs] = np.argmax(np.where(tied, rank[:, None], -np.inf), axis=0)
    return masks & (owner[None] == np.arange(len(masks))[:, None, None])
