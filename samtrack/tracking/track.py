"""One object's state and its lifecycle: started (tentative or confirmed), hit by a mask,
missed (lost, then removed)."""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import theilslopes

from ..geometry import box_centre_xyxy
from ..types import Frame, MaskCrops, Masks
from .config import TrackerConfig
from .gates import at_border, censored, edge_anchored, partial_views, reach, spills
from .kalman import KalmanBoxPredictor
from .search import colour_signature, crop_template


class TrackState(enum.Enum):
    TENTATIVE = "tentative"
    CONFIRMED = "confirmed"
    LOST = "lost"
    REMOVED = "removed"


#: How many full-view areas a track keeps for its growth gate's reference.
RECENT_AREAS = 15


@dataclass
class Track:
    """One object's state. ``crop``/``logits`` are the last accepted mask (a one-mask
    :class:`~samtrack.types.MaskCrops`; :attr:`mask` is it as a bool H x W array) and its
    low-res logits; ``box`` that mask's xyxy box (kept while the track coasts);
    ``predicted_box`` this frame's prediction; ``full_box`` the box of its last full view
    (not a partial one); ``partial``: the last view was partial (much smaller than the
    full view: cut by an occluder or the frame's edge); ``seen_inside``: some view of it
    touched no edge of the frame, so its whole size is known; ``signature``: the colour
    signature of its last clear view (see
    :func:`~samtrack.tracking.search.colour_signature`); ``discovered``: started by
    discovery or a detector, not by a user's prompt; ``left``: its prediction ran out of
    the frame by the edge it was last seen at, and it is held there (see :meth:`miss`);
    ``alone``: no other live track's predicted box touches it this frame (see
    :meth:`growth_reference`); ``recent_views``: (area, width, height) of its last views
    taken alone and uncontested, partial ones included (see :attr:`view_size`)."""

    id: int
    state: TrackState
    kalman: KalmanBoxPredictor
    crop: MaskCrops
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
    recent_frames: deque = field(default_factory=lambda: deque(maxlen=RECENT_AREAS))
    recent_views: deque = field(default_factory=lambda: deque(maxlen=RECENT_AREAS))
    area_trend: tuple[float, float] = (0.0, 0.0)
    clear_area: float = 0.0
    alone: bool = True
    reach: np.ndarray | None = None
    full_box: np.ndarray = field(default_factory=lambda: np.zeros(4))
    seen_inside: bool = False
    partial: bool = False
    left: bool = False
    signature: np.ndarray | None = None
    discovered: bool = False

    @classmethod
    def start(cls, track_id: int, mask: Masks, label: str, frame: Frame, confirmed: bool) -> Track:
        """A new track from one mask (``mask[0]``) seen on ``frame``."""
        box = mask.boxes[0].astype(np.float64)
        crop = MaskCrops.from_dense(mask.masks[:1])
        return cls(
            id=track_id,
            state=TrackState.CONFIRMED if confirmed else TrackState.TENTATIVE,
            kalman=KalmanBoxPredictor(box),
            crop=crop,
            logits=mask.logits[0],
            box=box,
            score=float(mask.scores[0]),
            label=label,
            recent_areas=deque([float(mask.areas[0])], maxlen=RECENT_AREAS),
            recent_frames=deque([frame.index], maxlen=RECENT_AREAS),
            recent_views=deque([_view(mask)], maxlen=RECENT_AREAS),
            clear_area=float(mask.areas[0]),
            first_frame=frame.index,
            last_frame=frame.index,
            predicted_box=box.copy(),
            full_box=box.copy(),
            seen_inside=not at_border(box, frame.size),
            anchor=box_centre_xyxy(box),
            template=crop_template(frame.image, crop, box),
            signature=colour_signature(frame.image, crop),
        )

    @property
    def mask(self) -> np.ndarray:
        """The last accepted mask, bool H x W (a new array)."""
        return self.crop[0]

    @property
    def area(self) -> float:
        """The full-view area the growth gate compares with: the 75th percentile of the
        last full-view areas (a running mean ratchets down, as the gate turns away the
        larger of noisy masks of a small object, and follows a merge; a median is pulled
        down by partial views)."""
        return float(np.percentile(self.recent_areas, 75)) if self.recent_areas else 0.0

    @property
    def view_size(self) -> float:
        """What a view is judged partial against: :attr:`area`, or where it is smaller, the
        75th percentile of the last accepted views taken alone (partial ones included: see
        :meth:`hit`). An object that turns or recedes to a smaller size for good is seen
        whole again once most of its recent views are that small; a cut for a few frames
        does not lower it."""
        if not self.recent_views:
            return self.area
        return min(self.area, float(np.percentile([v[0] for v in self.recent_views], 75)))

    @property
    def view_extent(self) -> np.ndarray | None:
        """Once the object is seen to have become smaller for good (:attr:`view_size` below
        :attr:`area`), the 75th percentile of those recent views' widths and heights: what
        a view's box is judged cut against. None otherwise."""
        if not self.recent_views or self.view_size >= self.area:
            return None
        return np.percentile([v[1:] for v in self.recent_views], 75, axis=0)

    def growth_reference(self, step: float) -> float:
        """What an answer's area is judged against on the next frame: the largest of the
        last clear view (a full view that reached into no other track's place: a merge
        may not raise it), :attr:`area`, and the recent full-view areas carried forward to it
        by their own trend (a robust, Theil-Sen fit of log area over frames). An object
        coming closer or turning toward the camera grows along its trend, and the trend
        keeps moving while the track is lost; one that speeds up its growth is followed
        from its last view (a scooter coming closer grows 1.3x a frame, which a 15-frame
        trend lags); a merge with a neighbour or a jump to the background is a sudden
        step above all three.

        The trend carries the reference no further than the last full view grown by
        ``step`` (the gate's largest change a frame, ``max_area_change``) on every frame
        since it but one, as the gate applies that step itself: ``g`` frames after its
        last full view, an answer may be at most ``step ** g`` times it, unless the slow
        references allow more. A trend fitted over a growth that has since stopped (a dog
        that came closer, then turned away for four frames) would otherwise let in an
        answer twice the last view: the background around the object."""
        # Beside another track, growth may be a merge: only the slow references hold.
        reference = max(self.area, self.clear_area) if self.alone else self.area
        slope, intercept = self.area_trend
        if slope <= 0:
            return reference
        now = self.last_frame + self.misses + 1
        trend = float(np.exp(intercept + slope * now))
        # the last full view, grown at the largest step a frame over the frames between
        trend = min(trend, self.recent_areas[-1] * step ** (now - self.recent_frames[-1] - 1))
        return max(reference, trend)

    @property
    def displacement(self) -> np.ndarray:
        """How far the object is predicted to have moved since its last mask (dx, dy):
        predicted centre minus the estimated centre at that mask, frame pixels."""
        return box_centre_xyxy(self.predicted_box) - self.anchor

    def hit(self, mask: Masks, frame: Frame, config: TrackerConfig, contested: bool = False) -> None:
        """Take ``mask[0]`` as this frame's view of the object. ``contested``: the mask
        reaches into the place another track expects its object."""
        box = mask.boxes[0]
        area = float(mask.areas[0])
        partial = bool(partial_views(self, np.array([area]), config)[0])
        if self.alone and not contested:
            # Only a view with no other track beside it may teach that the object got
            # smaller: beside another, a small view may be the cut of an object behind it.
            self.recent_views.append(_view(mask))
        self.reach = None
        if float(mask.scores[0]) >= config.kalman_min_score:
            if not contested and spills(box, self.predicted_box):
                # The object reaches beyond the box it was asked with, into no other
                # track's place: the prediction lags (the object turned, grew or sped up).
                # Follow what is seen, even if it looks partial, but not the side the
                # segmenter stopped at.
                self.kalman.update(censored(box, self.predicted_box))
                self.reach = reach(box, self.predicted_box)
            elif not partial and not contested:
                self.kalman.update(edge_anchored(box, self.predicted_box, self.view_extent))
            # A partial view within its prompt (an occluder cuts the object) would drag
            # the velocity, a contested one (maybe merged with a neighbour) would widen the
            # box onto the neighbour: the filter coasts on its prediction instead.
        self.crop = MaskCrops.from_dense(mask.masks[:1])
        self.logits = mask.logits[0]
        self.box = box.astype(np.float64)
        self.anchor = box_centre_xyxy(self.kalman.box_xyxy if config.use_kalman else self.box)
        self.score = float(mask.scores[0])
        self.partial = partial
        if not partial:  # the full-view area and appearance, which partial views do not spoil
            self.recent_areas.append(area)
            self.recent_frames.append(frame.index)
            self.area_trend = _log_area_trend(self.recent_frames, self.recent_areas)
            self.template = crop_template(frame.image, self.crop, box) or self.template
            self.full_box = self.box.copy()
            if not contested:
                self.clear_area = area
                signature = colour_signature(frame.image, self.crop)
                if signature is not None:
                    self.signature = signature
        if not at_border(self.box, frame.size):
            self.seen_inside = True
        self.left = False
        self.hits += 1
        self.misses = 0
        self.last_frame = frame.index
        if self.state is TrackState.LOST or (self.state is TrackState.TENTATIVE and self.hits >= config.n_init):
            self.state = TrackState.CONFIRMED

    def miss(self, size: tuple[int, int], config: TrackerConfig) -> None:
        """No mask this frame: a tentative track is dropped, a confirmed one is lost, and
        removed after ``max_age`` misses. One predicted outside the frame is removed too,
        unless it was last seen at the frame's edge and re-identification is on: then it
        is held, lost, at rest where it left and at its full view's size, for what is
        left of ``max_age``, and takes only an answer that looks like it (its colour
        signature within ``reid_max_distance``). An object that stops at the edge, or turns
        back, keeps its track (the filter carried it out at its old speed); one that left
        for good is not replaced by the background at the edge."""
        height, width = size
        self.misses += 1
        if self.state is TrackState.TENTATIVE:
            self.state = TrackState.REMOVED
            return
        self.state = TrackState.LOST
        p = self.predicted_box
        outside = p[2] <= 0 or p[3] <= 0 or p[0] >= width or p[1] >= height
        if outside and not self.left and self.signature is not None and config.reid_max_distance > 0 \
                and at_border(self.box, size):
            self.left = True
            self.kalman = KalmanBoxPredictor(_inward(self.box, self.full_box, size))
            self.predicted_box = self.kalman.box_xyxy.copy()
            outside = False
        if self.misses > config.max_age or outside:
            self.state = TrackState.REMOVED


def _view(mask: Masks) -> tuple[float, float, float]:
    """(area, width, height) of ``mask[0]``."""
    x1, y1, x2, y2 = (float(v) for v in mask.boxes[0])
    return float(mask.areas[0]), x2 - x1, y2 - y1


def _inward(box: np.ndarray, full_box: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``box`` (xyxy) that touches the frame's edge, reaching from that edge into the
    frame as far as ``full_box`` is wide or tall: where an object that left by that edge
    shows when it comes back."""
    height, width = size
    out = np.asarray(box, dtype=np.float64).copy()
    for (lo, hi), limit in (((0, 2), width), ((1, 3), height)):
        extent = full_box[hi] - full_box[lo]
        if out[lo] <= 1:
            out[hi] = max(out[hi], out[lo] + extent)
        elif out[hi] >= limit - 1:
            out[lo] = min(out[lo], out[hi] - extent)
    return out


def _log_area_trend(frames: deque, areas: deque) -> tuple[float, float]:
    """(slope, intercept) of log area against frame index, by Theil-Sen (the median of
    pairwise slopes: a few merged or cut masks do not tilt it); (0, 0) under three views."""
    if len(areas) < 3:
        return 0.0, 0.0
    log_areas = np.log(np.maximum(np.asarray(areas, float), 1.0))
    slope, intercept, _, _ = theilslopes(log_areas, np.asarray(frames, float))
    return float(slope), float(intercept)
