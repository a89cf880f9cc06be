"""The tracker's configuration: one dataclass, one CLI flag per field."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..errors import InputError
from ..types import describe

MAX_OBJECTS = 200
"""The default cap on live tracks: MOT17's busiest ground-truth frame (MOT17-04) holds 42
pedestrians (99 annotated boxes of any class, static people and vehicles included), so
200 leaves ample room while bounding memory (1,000 box prompts on one 720p frame peaked
at 3 GB; memory grows with the tracks held and the prompts decoded per frame)."""


@dataclass(frozen=True)
class TrackerConfig:
    """How tracks are prompted, associated and aged. Every field is a CLI flag.

    Prompting: ``use_kalman`` (prompt with the Kalman-predicted box; otherwise the last
    box), ``use_logits`` (feed back the last mask logits), ``positive_points`` /
    ``negative_points`` (points inside the track's last mask / inside neighbours'),
    ``multimask`` (decode three candidates and choose by ``motion_weight`` *
    IoU(candidate box, predicted box) + (1 - ``motion_weight``) * predicted IoU).
    Acceptance: ``min_score`` (predicted IoU), ``box_gate`` (IoU with the predicted box),
    ``max_area_change`` (largest ratio to the track's growth reference, its recent
    full-view areas carried forward by their trend, and by no more than this ratio a
    frame from the last full view: a larger mask is a sudden step, a
    merge with another object or a jump to the background; at the frame's edge only
    for a track once seen whole or now lost, as one seen there on the last frame may be a
    part of anything).
    Association: ``associate_by`` "mask" (IoU of a mask with the track's motion-shifted
    last mask) or "box" (IoU of the mask's box with the predicted box), ``match_iou``
    (the least IoU that matches),
    ``duplicate_iou`` (masks this similar are one object). Lifecycle: ``n_init`` hits to
    confirm, ``max_age`` frames coasting while lost. Kalman: updated with a mask's box
    when its score is at least ``kalman_min_score`` and either its area is at least
    ``occlusion_area_ratio`` of the track's recent full-view area (or, where smaller, of
    its last 15 views taken with no other track beside it: an object that turned or
    receded to a smaller size for good is seen whole again) or it reaches beyond its
    prompt box into no other track's place (the prediction lagged); a smaller view
    within its prompt is an occluded one, and the filter coasts.
    Discovery (``discover_every`` 0: never) prompts single points where something new
    may be, at most ``discover_max_points`` a frame (its cost is bounded): with
    ``discover_on_change``, one point inside each region of at least ``min_new_area``
    pixels outside every track that differs from the learnt background (registered to the
    camera's motion; a change over most of the free area is a cut or the light, and
    resets it); and a sweep of an n x n grid (``discover_points_per_side``) outside the
    tracks, the whole grid on the first frame, then at most every ``discover_every``
    frames the cells whose view changed since the last visit (an unchanged view gives the
    same answer), taking what the change points leave of the frame's budget (4 points:
    on the generated suite, 10 seeds, HOTA as with 8; each point costs a decoder pass). It keeps masks
    of predicted IoU and stability at least ``discover_min_score`` / ``discover_min_stability`` (lower than SAM's
    generator defaults: a false find only starts a tentative track); its masks covered by tracks less than
    ``max_new_coverage``, with ``min_new_area`` <= area <= ``max_new_area`` * frame area,
    re-acquire a lost track (same id) when their centre lies within
    ``reacquire_distance`` of its predicted centre, in diagonals of the smaller of the
    track's last full view and the mask, widened by 5% per frame lost, and otherwise start
    tentative tracks (not those lying mostly inside a lost track's predicted box: likely
    that object, merged or half hidden). Association is a
    cascade: tracks seen in the last frame choose first, lost ones take what is left, and
    a lost one only a whole view or one reaching into no seen track's place (a piece of
    another object is not its object coming back), and none lying within a mask a seen
    track took as much as ``duplicate_iou`` unless its colours are nearer its own than that
    track's (what a seen track took is its object).
    A track last seen cut by an occluder (its view's area and box extent below
    ``occlusion_area_ratio`` of its full view's), with no other track's predicted box
    touching its own, that association and the search missed, takes the answer to its
    own prompt when that is larger than the cut view and lies in its predicted box (IoU
    at least ``match_iou``): its object coming out from behind the occluder.
    Speed: ``segment_every`` k > 1 runs the segmenter on every k-th frame only (and on any
    frame with prompts or detections); in between, each shown track's last mask moves by
    its Kalman-predicted displacement, and ``max_age`` counts segmented frames.
    The growth gate's reference is the largest of: the 75th percentile of a track's last 15
    full-view areas (a few merged or bloated masks do not raise it, partial views do not
    lower it), carried forward to the frame by their Theil-Sen trend when they grow, so it
    keeps moving while the track is lost; and, for a track with no other track's predicted
    box touching its own, its last clear view (full, reaching into no other track's place),
    so an object that speeds up its growth is followed. A contested view (one reaching into
    another track's place: a merge, or two objects overlapping) moves neither the Kalman
    filter nor that clear view; a view that reaches beyond its prompt moves the filter with
    the side it reached past kept at least at the prompt's size (the segmenter stopped
    looking there, not the object). Appearance search: a track whose
    prompt missed it, within ``search_frames`` frames of its last hit (0: never), is looked
    for by its last full view within ``search_radius`` track diagonals of its predicted
    centre, away from pixels other tracks hold; a place whose RMS colour difference is at
    most ``search_max_rms`` (0-255) is prompted with a box. Re-identification: a track that
    discovery or a detector started takes, when it is confirmed, the id of the ended track
    (removed after being confirmed; the latest ``max_objects`` are remembered) or lost one
    whose colour signature (hue x saturation histogram of its last clear view) is nearest
    to its own, if within ``reid_max_distance`` (Bhattacharyya; 0: never): an object that
    was lost longer than ``max_age``, left the frame and came back, or came back away from
    where its lost track predicts it, keeps its id (the lost track is dropped). While it
    is on, a track predicted out of the frame after it was last seen at the frame's edge is
    held there, lost, for up to ``max_age`` frames, and takes back only a mask whose
    signature is that close to its own (one that stops at the edge or turns back keeps its
    track; the background at the edge is not taken for one that left).
    Capacity: at most ``max_objects`` live tracks (default 200: MOT17's busiest annotated
    frame has 42 pedestrians, 99 boxes of any class). Prompts for one frame beyond it are
    refused before the run; discovery and detections stop starting tracks at the cap.

    Every field is checked on construction: a value out of its range raises
    :class:`~samtrack.errors.SamtrackError` (also a ``ValueError``) naming the field and its
    CLI flag. Fractions and scores lie in [0, 1], counts are whole numbers >= 0 (>= 1 for
    ``discover_points_per_side``, ``max_objects`` and ``segment_every``), ``max_area_change`` >= 1, and
    distances >= 0; every number is finite.
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
    reid_max_distance: float = 0.35
    discover_points_per_side: int = 16
    discover_max_points: int = 4
    discover_min_score: float = 0.7
    discover_min_stability: float = 0.8
    max_new_coverage: float = 0.2
    min_new_area: int = 100
    max_new_area: float = 0.3
    reacquire_distance: float = 1.0
    kalman_min_score: float = 0.3
    occlusion_area_ratio: float = 0.7
    max_objects: int = MAX_OBJECTS
    segment_every: int = 1

    def __post_init__(self) -> None:
        for f in fields(self):
            rule = _RULES[f.name]
            value = getattr(self, f.name)
            object.__setattr__(self, f.name, rule(f.name, value))


def _name(field: str) -> str:
    return f"{field} (--{field.replace('_', '-')})"


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise InputError(f"{_name(field)} must be True or False, not {describe(value)}")


def _number(low: float, high: float = math.inf, whole: bool = False) -> Any:
    """A check for a finite number (a whole one if ``whole``) from ``low`` to ``high``."""

    def check(field: str, value: Any) -> float | int:
        kind = numbers.Integral if whole else numbers.Real
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if ok and (not math.isfinite(value) or not low <= value <= high):
            ok = False
        if not ok:
            what = "a whole number" if whole else "a number"
            bounds = f"of {low:g} or more" if high == math.inf else f"from {low:g} to {high:g}"
            raise InputError(f"{_name(field)} must be {what} {bounds}, not {describe(value)}")
        return int(value) if whole else float(value)

    return check


def _choice(*options: str) -> Any:
    def check(field: str, value: Any) -> str:
        if value not in options or not isinstance(value, str):
            listed = " or ".join(repr(o) for o in options)
            raise InputError(f"{_name(field)} must be {listed}, not {describe(value)}")
        return value

    return check


_FRACTION = _number(0.0, 1.0)
_COUNT = _number(0, whole=True)

_RULES = {
    "discover_max_points": _number(1, whole=True),
    "use_kalman": _flag,
    "use_logits": _flag,
    "positive_points": _COUNT,
    "negative_points": _flag,
    "multimask": _flag,
    "motion_weight": _FRACTION,
    "min_score": _FRACTION,
    "box_gate": _FRACTION,
    "max_area_change": _number(1.0),
    "associate_by": _choice("mask", "box"),
    "match_iou": _FRACTION,
    "duplicate_iou": _FRACTION,
    "n_init": _COUNT,
    "max_age": _COUNT,
    "discover_every": _COUNT,
    "discover_on_change": _flag,
    "search_frames": _COUNT,
    "search_radius": _number(0.0),
    "search_max_rms": _number(0.0, 255.0),
    "reid_max_distance": _FRACTION,
    "discover_points_per_side": _number(1, 256, whole=True),
    "discover_min_score": _FRACTION,
    "discover_min_stability": _FRACTION,
    "max_new_coverage": _FRACTION,
    "min_new_area": _COUNT,
    "max_new_area": _FRACTION,
    "reacquire_distance": _number(0.0),
    "kalman_min_score": _FRACTION,
    "occlusion_area_ratio": _FRACTION,
    "max_objects": _number(1, whole=True),
    "segment_every": _number(1, whole=True),
}
