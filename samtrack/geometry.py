"""Vectorised box and mask geometry shared by the models, tracking and evaluation.

Boxes are float ``xyxy`` arrays N x 4; ``*_batch`` functions return pairwise matrices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .types import MaskCrops


def box_area(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(boxes[:, 3] - boxes[:, 1], 0, None)


def box_iou_batch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (N x 4) with every box in ``b`` (M x 4): N x M."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def nms_xyxy(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy non-maximum suppression; indices of the kept boxes, best score first.

    Written here because torchvision, which has one, is not a dependency of samtrack.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores), kind="stable")
    iou = box_iou_batch(boxes, boxes)
    suppressed = np.zeros(len(boxes), dtype=bool)
    keep = []
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= iou[i] > iou_threshold
    return np.asarray(keep, dtype=np.int64)


def mask_intersections(a: Any, b: Any, within: np.ndarray | None = None) -> np.ndarray:
    """Pixels shared by every mask in ``a`` and every mask in ``b`` (N x H x W and M x H x W
    boolean stacks, dense or :class:`~samtrack.types.MaskCrops`), counted only inside
    ``within`` (bool H x W) when given: N x M int64.

    Counted only where two masks' boxes overlap, on that window of their crops. (Not a
    matrix product: numpy's BLAS threads and torch's compete for the cores, which made a
    20 x 20 product of frame-sized masks take most of a second.)
    """
    a, b = MaskCrops.from_dense(a), MaskCrops.from_dense(b)
    inter = np.zeros((len(a), len(b)), dtype=np.int64)
    if len(a) == 0 or len(b) == 0:
        return inter
    box_a, box_b = a.boxes.astype(np.int64), b.boxes.astype(np.int64)
    lo = np.maximum(box_a[:, None, :2], box_b[None, :, :2])
    hi = np.minimum(box_a[:, None, 2:], box_b[None, :, 2:])
    for i, j in zip(*np.nonzero((hi > lo).all(axis=2))):
        (x1, y1), (x2, y2) = lo[i, j], hi[i, j]
        (ax, ay), (bx, by) = a.origins[i], b.origins[j]
        both = a.crops[i][y1 - ay : y2 - ay, x1 - ax : x2 - ax] & b.crops[j][y1 - by : y2 - by, x1 - bx : x2 - bx]
        if within is not None:
            both &= within[y1:y2, x1:x2]
        inter[i, j] = np.count_nonzero(both)
    return inter


def mask_iou_batch(a: Any, b: Any) -> np.ndarray:
    """IoU of every mask in ``a`` (N x H x W bool, dense or MaskCrops) with every mask in
    ``b`` (M x H x W): N x M."""
    a, b = MaskCrops.from_dense(a), MaskCrops.from_dense(b)
    inter = mask_intersections(a, b)
    union = a.areas[:, None] + b.areas[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def shift_array(x: np.ndarray, dx: int, dy: int, fill: float | bool = 0) -> np.ndarray:
    """Translate the last two axes of ``x`` by (dx, dy) whole pixels, filling what enters."""
    out = np.full_like(x, fill)
    h, w = x.shape[-2:]
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[..., dst_y, dst_x] = x[..., src_y, src_x]
    return out


def box_xyxy_to_xyah(boxes: np.ndarray) -> np.ndarray:
    """xyxy -> (centre x, centre y, aspect w/h, height), N x 4."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    w = boxes[:, 2] - boxes[:, 0]
    h = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-6)
    return np.stack([boxes[:, 0] + w / 2, boxes[:, 1] + h / 2, w / h, h], axis=1)


def box_xyah_to_xyxy(state: np.ndarray) -> np.ndarray:
    """(centre x, centre y, aspect w/h, height) -> xyxy, N x 4."""
    state = np.asarray(state, dtype=np.float64).reshape(-1, 4)
    h = np.maximum(state[:, 3], 0.0)
    w = np.maximum(state[:, 2], 0.0) * h
    return np.stack(
        [state[:, 0] - w / 2, state[:, 1] - h / 2, state[:, 0] + w / 2, state[:, 1] + h / 2], axis=1
    )


def box_centre_xyxy(box: np.ndarray) -> np.ndarray:
    """Centre (x, y) of one xyxy box, float64."""
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2], dtype=np.float64)


def clip_box_xyxy(box: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """One xyxy box clipped to an H x W frame, at least one pixel wide and tall (float32)."""
    h, w = size
    x1, y1, x2, y2 = box
    x1, x2 = np.clip([x1, x2], 0, w)
    y1, y2 = np.clip([y1, y2], 0, h)
    return np.array([x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)], dtype=np.float32)
