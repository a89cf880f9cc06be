"""Association as a pure function: a cost matrix in, matches and leftovers out."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def associate(
    cost: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost one-to-one assignment (Hungarian) of rows to columns.

    Pairs costing more than ``threshold`` (or ``inf``: forbidden) are not matched. Returns (matches K x 2 of
    [row, column], unmatched rows, unmatched columns), each int64.
    """
    cost = np.asarray(cost, dtype=np.float64)
    rows, cols = cost.shape
    if rows == 0 or cols == 0:
        return np.zeros((0, 2), dtype=np.int64), np.arange(rows), np.arange(cols)
    # Forbidden pairs (inf) get a finite cost above the threshold so the solver always
    # finds a full assignment; the threshold then rejects them.
    finite = np.isfinite(cost)
    big = (np.abs(cost[finite]).max(initial=0.0) + abs(threshold) + 1.0) * max(rows, cols)
    r, c = linear_sum_assignment(np.where(finite, cost, big))
    ok = finite[r, c] & (cost[r, c] <= threshold)
    matches = np.stack([r[ok], c[ok]], axis=1).astype(np.int64)
    unmatched_rows = np.setdiff1d(np.arange(rows), matches[:, 0])
    unmatched_cols = np.setdiff1d(np.arange(cols), matches[:, 1])
    return matches, unmatched_rows, unmatched_cols
