"""Per-frame matching of tracker output to ground truth, for quick quality figures:
mean mask IoU per ground-truth object and identity switches (a ground-truth object
matched to a different track id than at its previous match). The full MOT metrics
(HOTA, IDF1, MOTA) come from a dedicated library in ``samtrack eval``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..geometry import mask_iou_batch
from ..tracking.association import associate


@dataclass
class MatchSummary:
    """mean_iou: mean over (frame, ground-truth object) pairs of the matched mask's IoU
    (0 when unmatched); id_switches; assignments: ground-truth id -> the track id matched
    in each frame it is visible (None when unmatched)."""

    mean_iou: float = 0.0
    id_switches: int = 0
    assignments: dict[int, list[int | None]] = field(default_factory=dict)

    def track_ids_of(self, gt_id: int) -> set[int]:
        return {t for t in self.assignments.get(gt_id, []) if t is not None}

    def first_match(self, gt_id: int) -> int | None:
        """Position (in the object's visible frames) of its first match, or None."""
        for i, t in enumerate(self.assignments.get(gt_id, [])):
            if t is not None:
                return i
        return None


def match_frames(
    pairs: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], min_iou: float = 0.5
) -> MatchSummary:
    """pairs: per frame (gt_ids, gt_masks N x H x W, track_ids, track_masks M x H x W).

    Ground truth and tracks are matched one-to-one by mask IoU (Hungarian, IoU >= min_iou).
    """
    ious: list[float] = []
    assignments: dict[int, list[int | None]] = {}
    for gt_ids, gt_masks, track_ids, track_masks in pairs:
        iou = mask_iou_batch(gt_masks, track_masks)
        matches, _, _ = associate(1.0 - iou, 1.0 - min_iou)
        matched = {int(r): int(c) for r, c in matches}
        for row, gid in enumerate(gt_ids):
            col = matched.get(row)
            ious.append(float(iou[row, col]) if col is not None else 0.0)
            assignments.setdefault(int(gid), []).append(int(track_ids[col]) if col is not None else None)
    switches = 0
    for seq in assignments.values():
        previous = None
        for t in seq:
            if t is None:
                continue
            switches += previous is not None and t != previous
            previous = t
    return MatchSummary(float(np.mean(ious)) if ious else 0.0, switches, assignments)
