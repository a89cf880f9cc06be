"""Detector boxes from outside the tracker: a MOTChallenge det.txt, a mapping from frame
index to boxes, or a callable ``frame -> N x 4 xyxy``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Mapping
from typing import Union

import numpy as np

from ..errors import SamtrackError
from ..types import Frame, as_boxes
from .prompts import frame_index

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
    callable ``frame -> N x 4 xyxy boxes``; a SamtrackError for anything else, for a
    mapping entry that is not N x 4 finite numbers, or a ``min_score`` that is not a number."""
    number = isinstance(min_score, numbers.Real) and not isinstance(min_score, bool)
    if not number or not math.isfinite(min_score):
        raise SamtrackError(f"detection_min_score must be a number, not {min_score!r}")
    if detections is None:
        return None
    if isinstance(detections, (str, os.PathLike)):
        table = load_mot_detections(detections, min_score)
    elif isinstance(detections, Mapping):
        table = {frame_index(k, "detections"): _boxes(k, v) for k, v in detections.items()}
    elif callable(detections):
        return detections
    else:
        raise SamtrackError(
            "detections must be a MOT det.txt path, a mapping frame index -> N x 4 xyxy boxes "
            f"or a callable frame -> boxes, not {type(detections).__name__}"
        )
    return lambda frame: table.get(frame.index, np.zeros((0, 4)))


def _boxes(key: object, value: object) -> np.ndarray:
    boxes = as_boxes(value)
    if boxes is None:
        raise SamtrackError(f"detections for frame {key}: expected N x 4 xyxy boxes")
    if not np.isfinite(boxes).all():
        raise SamtrackError(
            f"detections for frame {key}: a box holds a value that is not a finite number"
        )
    return boxes
