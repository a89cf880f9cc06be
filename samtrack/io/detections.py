"""Detector boxes from outside the tracker: a MOTChallenge det.txt, a mapping from frame
index to boxes, or a callable ``frame -> N x 4 xyxy``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Union

import numpy as np

from ..errors import SamtrackError
from ..types import Frame

Detector = Callable[[Frame], np.ndarray]
DetectionsLike = Union[str, os.PathLike, Mapping[int, np.ndarray], Detector, None]


def load_mot_detections(path: str | os.PathLike, min_score: float = 0.0) -> dict[int, np.ndarray]:
    """Boxes of a MOTChallenge det.txt (``frame,id,x,y,w,h,conf,...``, 1-based frames)
    as 0-based frame index -> N x 4 xyxy, keeping rows with conf >= min_score."""
    try:
        rows = np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
    except FileNotFoundError:
        raise SamtrackError(f"detections file {path} does not exist") from None
    except (OSError, ValueError) as e:
        raise SamtrackError(f"detections file {path} is not MOT det.txt (frame,id,x,y,w,h,conf,...): {e}") from None
    if rows.size == 0:
        return {}
    if rows.shape[1] < 7:
        raise SamtrackError(f"detections file {path} needs at least 7 columns: frame,id,x,y,w,h,conf")
    bad = ~np.isfinite(rows[:, [0, 2, 3, 4, 5, 6]]).all(axis=1)
    if bad.any():
        raise SamtrackError(f"detections file {path}, row {int(np.argmax(bad)) + 1}: a frame, box or score is not a number")
    bad = (rows[:, 0] < 1) | (rows[:, 0] != np.round(rows[:, 0]))
    if bad.any():
        row = int(np.argmax(bad))
        raise SamtrackError(f"detections file {path}, row {row + 1}: frame {rows[row, 0]:g} is not a frame "
                            "number (MOTChallenge frames start at 1)")
    bad = (rows[:, 4] <= 0) | (rows[:, 5] <= 0)
    if bad.any():
        raise SamtrackError(f"detections file {path}, row {int(np.argmax(bad)) + 1}: a box needs a width and height above 0")
    rows = rows[rows[:, 6] >= min_score]
    out: dict[int, np.ndarray] = {}
    for frame in np.unique(rows[:, 0]).astype(int):
        r = rows[rows[:, 0] == frame]
        out[int(frame) - 1] = np.stack([r[:, 2], r[:, 3], r[:, 2] + r[:, 4], r[:, 3] + r[:, 5]], 1)
    return out


def detections_for(detections: DetectionsLike, min_score: float = 0.0) -> Detector | None:
    """Normalise detections (a det.txt path, frame index -> boxes, or a callable) into a
    callable ``frame -> N x 4 xyxy boxes``."""
    if detections is None:
        return None
    if callable(detections):
        return detections
    table = (
        load_mot_detections(detections, min_score)
        if isinstance(detections, (str, os.PathLike))
        else {int(k): np.asarray(v, dtype=np.float64).reshape(-1, 4) for k, v in detections.items()}
    )
    return lambda frame: table.get(frame.index, np.zeros((0, 4)))
