"""Association as a pure function: a cost matrix in, matches and leftovers out."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..geometry import mask_iou_batch
from ..types import mask_areas


def associate(
    cost: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost one-to-one assignment (Hungarian) of rows to columns.

    Pairs costing more than ``threshold`` (or ``inf``) are infeasible: they take no part in
    the solve, so they can never displace a feasible pair. The assignment has the most
    feasible pairs, and among those the least cost. Returns (matches K x 2 of [row,
    column], unmatched rows, unmatched columns), each int64.
    """
    cost = np.asarray(cost, dtype=np.float64)
    rows, cols = cost.shape
    if rows == 0 or cols == 0:
        return np.zeros((0, 2), dtype=np.int64), np.arange(rows), np.arange(cols)
    # Infeasible pairs get one cost above the sum of all feasible ones, so the solver,
    # which must assign min(rows, cols) pairs, uses as few of them as it can; they are
    # dropped after it.
    feasible = np.isfinite(cost) & (cost <= threshold)
    big = (np.abs(cost[feasible]).sum() + 1.0) * max(rows, cols)
    r, c = linear_sum_assignment(np.where(feasible, cost, big))
    ok = feasible[r, c]
    matches = np.stack([r[ok], c[ok]], axis=1).astype(np.int64)
    unmatched_rows = np.setdiff1d(np.arange(rows), matches[:, 0])
    unmatched_cols = np.setdiff1d(np.arange(cols), matches[:, 1])
    return matches, unmatched_rows, unmatched_cols


def distinct(masks: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """False for each mask that repeats a better one (mask IoU above threshold): better is
    a higher score, then (on equal scores) larger, the more complete view of the object."""
    iou = mask_iou_batch(masks, masks)
    keep = np.ones(len(masks), dtype=bool)
    areas = mask_areas(masks)
    for i in np.lexsort((-areas, -np.asarray(scores, np.float64))):
        if keep[i]:
            dup = iou[i] > threshold
            dup[i] = False
            keep[dup] = False
    return keep
