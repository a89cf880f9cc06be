"""The tracker's configuration: one dataclass, one CLI flag per field."""

from __future__ import annotations

from dataclasses import dataclass


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
    full-view areas carried forward by their trend: a larger mask is a sudden step, a
    merge with another object or a jump to the background). Association: ``associate_by`` "mask" (IoU of a
    mask with the track's motion-shifted last mask) or "box" (IoU of the mask's box with
    the predicted box), ``match_iou`` (the least IoU that matches),
    ``duplicate_iou`` (masks this similar are one object). Lifecycle: ``n_init`` hits to
    confirm, ``max_age`` frames coasting while lost. Kalman: updated with a mask's box
    when its score is at least ``kalman_min_score`` and either its area is at least
    ``occlusion_area_ratio`` of the track's recent full-view area or it reaches beyond
    its prompt box into no other track's place (the prediction lagged); a smaller view
    within its prompt is an occluded one, and the filter coasts.
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
    The growth gate's reference is the 75th percentile of a track's last 15 full-view
    areas (a few merged or bloated masks do not raise it, partial views do not lower it),
    carried forward to the frame by the Theil-Sen trend of those areas when they grow, so
    it keeps moving while the track is lost. Appearance search: a track whose
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
