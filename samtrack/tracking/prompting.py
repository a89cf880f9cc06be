"""Prompts for a track in the next frame, built from its own past: points inside its last
mask and its last mask logits, both moved by the Kalman-predicted displacement."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ..geometry import shift_array
from ..types import MaskCrops, Masks

# What a shifted-in region of mask logits is set to: confidently "not the object".
LOGIT_FILL = -20.0


def interior_points(mask: Any, k: int) -> np.ndarray:
    """Up to k well-spread points deep inside a boolean mask (one H x W mask, dense or a
    one-mask MaskCrops): k x 2 float32, xy.

    The first is the pixel farthest from the mask's border; each next one maximises its
    distance to the points already chosen among pixels at least half that deep
    (farthest-point sampling, a cheap stand-in for SAM-PT's K-medoids).
    """
    mask = MaskCrops.from_dense(mask)
    if k <= 0 or not mask.areas[0]:
        return np.zeros((0, 2), dtype=np.float32)
    x0, y0 = mask.origins[0]
    crop = np.pad(mask.crops[0].astype(np.uint8), 1)
    depth = cv2.distanceTransform(crop, cv2.DIST_L2, 3)[1:-1, 1:-1]
    cy, cx = np.nonzero(depth >= 0.5 * depth.max())
    candidates = np.stack([cx, cy], axis=1).astype(np.float64)
    first = np.unravel_index(np.argmax(depth), depth.shape)
    chosen = [np.array([first[1], first[0]], dtype=np.float64)]
    nearest = np.linalg.norm(candidates - chosen[0], axis=1)
    while len(chosen) < k and nearest.max() > 1.0:
        i = int(np.argmax(nearest))
        chosen.append(candidates[i])
        nearest = np.minimum(nearest, np.linalg.norm(candidates - candidates[i], axis=1))
    points = np.array(chosen) + np.array([x0 + 0.5, y0 + 0.5])
    return points.astype(np.float32)


def logit_scale(logits: np.ndarray, frame_size: tuple[int, int]) -> float:
    """Low-res logit cells per frame pixel: SAM's L x L logits cover the padded square of
    the frame's longest side."""
    return logits.shape[-1] / max(frame_size)


def shift_logits(logits: np.ndarray, dx: float, dy: float, frame_size: tuple[int, int]) -> np.ndarray:
    """Move low-res logits (L x L, see :func:`logit_scale`) by a displacement (dx, dy)
    given in frame pixels."""
    scale = logit_scale(logits, frame_size)
    sx, sy = int(round(dx * scale)), int(round(dy * scale))
    if sx == 0 and sy == 0:
        return logits
    return shift_array(logits, sx, sy, fill=LOGIT_FILL)


def cut_to_box(mask: Masks, box: np.ndarray) -> Masks:
    """One mask, and its low-res logits, cut to a prompt box widened by 5% of its sides and
    2 px: a box drawn by a user or a detector says where the object is, and what spills
    beyond it is a neighbour (a small model merges touching objects). The track starts
    from the cut mask, so its area, box and fed-back logits are the object's alone."""
    x1, y1, x2, y2 = np.asarray(box, dtype=np.float64)
    mx, my = 0.05 * (x2 - x1) + 2, 0.05 * (y2 - y1) + 2
    stack = MaskCrops.from_dense(mask.masks)
    h, w = stack.frame_size
    c1, r1 = max(int(np.floor(x1 - mx)), 0), max(int(np.floor(y1 - my)), 0)
    c2, r2 = min(int(np.ceil(x2 + mx)), w), min(int(np.ceil(y2 + my)), h)
    masks = MaskCrops([stack.window(i, c1, r1, c2, r2) for i in range(len(stack))], [(c1, r1)] * len(stack), (h, w))
    logits = mask.logits.copy()
    scale = logit_scale(logits, (h, w))
    outside = np.ones(logits.shape[-2:], dtype=bool)
    outside[int(r1 * scale) : int(np.ceil(r2 * scale)), int(c1 * scale) : int(np.ceil(c2 * scale))] = False
    logits[:, outside] = np.minimum(logits[:, outside], LOGIT_FILL)
    return Masks(masks, masks.boxes, mask.scores, logits, mask.prompt_index, mask.track_id)
