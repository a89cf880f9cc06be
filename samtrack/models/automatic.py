"""Segment everything: a grid of single-point prompts decoded in batches, masks kept by
predicted IoU and stability, duplicates removed by box NMS.

The official generator filters full-resolution masks. Here the filtering runs on the
low-resolution logits (the same numbers before upsampling) and only the survivors are
upsampled to frame size, which keeps the cost independent of the frame size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..geometry import nms_xyxy
from ..types import Masks, Prompt, mask_to_box_xyxy

if TYPE_CHECKING:
    from .predictor import Embedding, Predictor


@dataclass(frozen=True)
class GeneratorConfig:
    """points_per_side: grid of n x n points over the frame; points_per_batch: prompts per
    decoder call (16: each call's activations are a short memory spike, 4x smaller than
    with 64 prompts, and on CPU the whole grid is faster too); pred_iou_thresh / stability_score_thresh: minimum predicted IoU and
    stability (IoU of the mask thresholded at +offset and -offset); box_nms_thresh: box IoU
    above which the lower-scored mask is dropped; min_mask_area: in frame pixels."""

    points_per_side: int = 32
    points_per_batch: int = 16
    pred_iou_thresh: float = 0.88
    stability_score_thresh: float = 0.95
    stability_score_offset: float = 1.0
    box_nms_thresh: float = 0.7
    min_mask_area: int = 0


def point_grid(n: int, height: int, width: int) -> np.ndarray:
    """n x n cell centres over a frame, as N x 2 xy pixel coordinates."""
    side = (np.arange(n) + 0.5) / n
    xs, ys = np.meshgrid(side * width, side * height)
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def stability_score(logits: torch.Tensor, threshold: float, offset: float) -> torch.Tensor:
    """IoU between the mask at threshold+offset and at threshold-offset, per mask (N x h x w)."""
    inner = (logits > threshold + offset).flatten(1).sum(1)
    outer = (logits > threshold - offset).flatten(1).sum(1)
    return inner.float() / outer.clamp(min=1).float()


class AutomaticMaskGenerator:
    def __init__(self, predictor: Predictor, config: GeneratorConfig | None = None) -> None:
        self.predictor = predictor
        self.config = config or GeneratorConfig()

    def generate(self, embedding: Embedding, points: np.ndarray | None = None) -> Masks:
        """Every object found in the frame, best predicted IoU first; ``points`` (N x 2 xy
        pixels) prompt instead of the n x n grid (e.g. only where something may be new)."""
        cfg = self.config
        h, w = embedding.original_size
        size = self.predictor.logit_size
        # The part of the low-res logits that covers the frame (the rest is padding).
        img = self.predictor.model.img_size
        valid_h = max(1, round(embedding.input_size[0] * size / img))
        valid_w = max(1, round(embedding.input_size[1] * size / img))
        if points is None:
            points = point_grid(cfg.points_per_side, h, w)
        points = np.asarray(points, dtype=np.float32).reshape(-1, 2)
        kept_logits, kept_scores, kept_boxes = [], [], []
        for start in range(0, len(points), cfg.points_per_batch):
            batch = points[start : start + cfg.points_per_batch]
            prompts = [Prompt(points=p[None]) for p in batch]
            logits, iou = self.predictor.decode(embedding, prompts, multimask=True)
            logits = logits.flatten(0, 1)
            iou = iou.flatten()
            threshold = self.predictor.model.mask_threshold
            keep = iou > cfg.pred_iou_thresh
            stable = stability_score(
                logits[..., :valid_h, :valid_w], threshold, cfg.stability_score_offset
            )
            keep &= stable >= cfg.stability_score_thresh
            if not keep.any():
                continue
            logits, iou = logits[keep], iou[keep]
            low = (logits[:, :valid_h, :valid_w] > threshold).cpu().numpy()
            boxes = mask_to_box_xyxy(low) * np.array(
                [w / valid_w, h / valid_h, w / valid_w, h / valid_h], dtype=np.float32
            )
            nonempty = low.reshape(len(low), -1).any(axis=1)
            kept_logits.append(logits.cpu()[torch.from_numpy(nonempty)])
            kept_scores.append(iou.cpu().numpy()[nonempty])
            kept_boxes.append(boxes[nonempty])
        if not kept_logits:
            return Masks.empty(h, w, logit_size=size)
        logits = torch.cat(kept_logits)
        scores = np.concatenate(kept_scores)
        order = nms_xyxy(np.concatenate(kept_boxes), scores, cfg.box_nms_thresh)
        logits, scores = logits[torch.from_numpy(order)], scores[order]
        masks = self.predictor.upscale(embedding, logits.to(self.predictor.device))
        result = Masks(
            masks=masks,
            boxes=mask_to_box_xyxy(masks),
            scores=scores.astype(np.float32),
            logits=logits.float().numpy(),
        )
        return result[result.areas > max(cfg.min_mask_area, 0)]
