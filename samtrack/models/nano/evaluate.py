"""Measure a SAM model on held-out synthetic objects: box-prompt and single-point mIoU.

    python -m samtrack.models.nano.evaluate [--checkpoint samtrack/models/nano/nano.pt] [--dtype bfloat16]

The held-out scenes are ``random_scene(numpy.random.default_rng([EVAL_SEED, i]),
SceneConfig())`` for i = 0, 1, ...; their targets are taken in order until ``n_objects``.
A second set draws its scenes from ``CROWD_SCENE`` (12-24 small objects that touch and
hide one another), reported with the prefix ``crowd_``.
Training seeds are kept below ``EVAL_SEED``, so no held-out scene is ever trained on.
Prompts go through the :class:`~samtrack.models.predictor.Predictor` (the inference path)
and masks are compared at the scene's size:

- box: the tight box of the visible mask, single-mask output;
- point: one positive point at the mask's interior-most pixel (maximum of the distance
  transform), three candidates, the one with the highest predicted IoU kept;
- point_random: as point, with a uniformly random pixel of the mask instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
import torch

from ...eval.synthetic import SceneConfig, random_scene
from ...types import Prompt, mask_to_box_xyxy
from ..predictor import Predictor
from ..sam import Sam

EVAL_SEED = 1_000_000
#: Crowds: 12-24 objects of 15-41 px on a 256-px frame (a crowd, parts on a conveyor).
CROWD_SCENE = SceneConfig(n_objects=(12, 24), max_size_fraction=0.16)


def interior_point(mask: np.ndarray) -> np.ndarray:
    """The pixel (xy, float32) of a boolean mask farthest from its boundary and the frame edge."""
    padded = np.pad(mask.astype(np.uint8), 1)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return np.array([x, y], dtype=np.float32)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


@torch.inference_mode()
def evaluate(
    sam: Sam,
    n_objects: int = 300,
    seed: int = EVAL_SEED,
    scene_config: SceneConfig | None = None,
    threads: int | None = 2,
    dtype: str = "float32",
) -> dict[str, float | int]:
    """Mean IoU of box and single-point prompts over ``n_objects`` held-out objects
    (``dtype``: the image encoder's precision, as in :class:`Predictor`)."""
    if threads is not None:
        torch.set_num_threads(threads)
    predictor = Predictor(sam.eval(), device="cpu", dtype=dtype)
    config = scene_config or SceneConfig()
    box_iou: list[float] = []
    point_iou: list[float] = []
    random_iou: list[float] = []
    i = 0
    while len(box_iou) < n_objects:
        rng = np.random.default_rng([seed, i])
        i += 1
        scene = random_scene(rng, config)
        masks = scene.masks[: n_objects - len(box_iou)]
        if len(masks) == 0:
            continue
        emb = predictor.embed(scene.image)
        boxes = mask_to_box_xyxy(masks)
        out = predictor.segment(emb, [Prompt(box=b) for b in boxes], multimask=False)
        box_iou += [_iou(m, gt) for m, gt in zip(out.masks, masks)]
        for points, ious in (
            ([interior_point(m) for m in masks], point_iou),
            ([_random_point(rng, m) for m in masks], random_iou),
        ):
            out = predictor.segment(emb, [Prompt(points=p[None], labels=np.ones(1)) for p in points], multimask=True)
            scores = out.scores.reshape(len(masks), 3)
            best = out.masks.reshape(len(masks), 3, *masks.shape[1:])[np.arange(len(masks)), scores.argmax(axis=1)]
            ious += [_iou(m, gt) for m, gt in zip(best, masks)]
    return {
        "box_miou": float(np.mean(box_iou)),
        "point_miou": float(np.mean(point_iou)),
        "point_random_miou": float(np.mean(random_iou)),
        "n_objects": len(box_iou),
        "n_scenes": i,
    }


def evaluate_sets(
    sam: Sam, n_objects: int = 300, threads: int | None = 2, dtype: str = "float32"
) -> dict[str, float | int]:
    """:func:`evaluate` on the default scenes and, prefixed ``crowd_``, on ``CROWD_SCENE``."""
    metrics = evaluate(sam, n_objects=n_objects, threads=threads, dtype=dtype)
    crowd = evaluate(sam, n_objects=n_objects, scene_config=CROWD_SCENE, threads=threads, dtype=dtype)
    return {**metrics, **{f"crowd_{k}": v for k, v in crowd.items()}}


def format_metrics(metrics: dict[str, float | int]) -> str:
    return " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in metrics.items())


def _random_point(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    j = rng.integers(len(xs))
    return np.array([xs[j], ys[j]], dtype=np.float32)


def main(argv: list[str] | None = None) -> int:
    from . import CHECKPOINT

    parser = argparse.ArgumentParser(description="mIoU of a SAM checkpoint on held-out synthetic objects")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    parser.add_argument("--objects", type=int, default=300)
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"),
                        help="the image encoder's precision (default float32)")
    args = parser.parse_args(argv)
    from ...errors import SamtrackError
    from ..registry import build_from_checkpoint

    try:
        sam = build_from_checkpoint(args.checkpoint)
    except SamtrackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(format_metrics(evaluate_sets(sam, n_objects=args.objects, dtype=args.dtype)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
