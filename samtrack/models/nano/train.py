"""Train nano: a tiny SAM (same modules, small sizes) on freshly generated synthetic scenes.

    python -m samtrack.models.nano.train --out samtrack/models/nano/nano.pt [--seed 0]

Every step draws new scenes from :mod:`samtrack.eval.synthetic` (so nothing is seen twice)
and prompts every target the way SAM is trained: a jittered box, one positive point
(three candidate masks, loss on the best one), or a few positive/negative points; then
refinement rounds that add a corrective point from the error region and feed the previous
low-res logits back as mask input. Loss: 20 x focal + dice on the masks, plus the MSE of
the predicted IoU against the actual one. AdamW, linear warm-up, cosine decay.

The run is deterministic for a given seed and thread count: the input-size phases and the
learning-rate schedule follow the step count, never the clock. ``--minutes`` only stops a
run that overruns (reported as ``stopped_by: minutes``); the default schedule takes about
24 minutes on 2 CPU cores.
Training scenes come from ``numpy.random.default_rng([seed, 0])``; the held-out scenes of
:mod:`samtrack.models.nano.evaluate` from seeds that training never uses.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ...eval.synthetic import SceneConfig, random_scene
from ...types import mask_to_box_xyxy
from ..build import SamConfig, build_sam
from ..prompt_encoder import NEGATIVE, PAD, POSITIVE
from ..sam import Sam

# The bundled architecture: a 3-stage TinyViT at 256 px with stride 8 (32 x 32 embedding,
# 128 x 128 low-res masks) and a 96-wide, 2-layer two-way transformer decoder.
NANO_CONFIG = SamConfig(
    encoder="tiny_vit",
    encoder_kwargs=dict(
        img_size=256,
        num_classes=0,
        embed_dims=[32, 64, 96],
        depths=[1, 2, 3],
        num_heads=[1, 2, 3],
        window_sizes=[8, 8, 8],
        mlp_ratio=3.0,
        mbconv_expand_ratio=3.0,
        local_conv_size=3,
        out_chans=96,
        merge_strides=[2, 1],
    ),
    prompt_embed_dim=96,
    mask_in_chans=16,
    decoder_depth=2,
    decoder_mlp_dim=384,
    decoder_num_heads=4,
    iou_head_depth=3,
    iou_head_hidden_dim=96,
)

# A very small architecture for smoke tests of the training loop.
TINY_CONFIG = SamConfig(
    encoder="tiny_vit",
    encoder_kwargs=dict(
        img_size=64,
        num_classes=0,
        embed_dims=[8, 16],
        depths=[1, 1],
        num_heads=[1, 2],
        window_sizes=[4, 4],
        mlp_ratio=2.0,
        mbconv_expand_ratio=2.0,
        out_chans=16,
        merge_strides=[2],
    ),
    prompt_embed_dim=16,
    decoder_depth=1,
    decoder_mlp_dim=32,
    decoder_num_heads=2,
    iou_head_hidden_dim=16,
)

PRESETS: dict[str, SamConfig] = {"nano": NANO_CONFIG, "tiny": TINY_CONFIG}


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and data settings. ``minutes``: wall-clock budget of the loop."""

    # Progressive resizing: (input size, steps) run in order; small inputs are much cheaper.
    phases: tuple[tuple[int, int], ...] = ((128, 1600), (192, 600), (256, 1100))
    minutes: float = 29.0
    seed: int = 0
    images_per_step: int = 4
    scene_objects: tuple[int, int] = (1, 6)  # objects drawn per training scene
    max_objects_per_image: int = 4
    refine_rounds: int = 1
    refine_fraction: float = 0.4  # of the prompts that get each refinement round
    mask_only_probability: float = 0.25  # refinement without a new point, logits shifted
    mask_shift: int = 2  # at most this many low-res pixels, as an object moving between frames
    lr: float = 2e-3
    min_lr_fraction: float = 0.02
    warmup_steps: int = 50
    weight_decay: float = 0.05
    grad_clip: float = 1.0
    focal_weight: float = 20.0
    focal_alpha: float = 0.5
    iou_weight: float = 1.0
    box_probability: float = 0.5
    point_probability: float = 0.35  # the rest: 2-4 positive/negative points
    box_jitter: float = 0.1  # up to this fraction of the box side, per coordinate
    pe_scale: float = 0.5  # spatial frequency of the prompt encoder's random Fourier features
    threads: int = 2
    log_every: int = 50

    @property
    def steps(self) -> int:
        return sum(n for _, n in self.phases)


# --------------------------------------------------------------------------- data


@dataclass
class Batch:
    """Images of one step and their targets, at model-input size S (padded).

    images: B x 3 x S x S normalised; input_sizes: (h, w) per image; masks: T x S x S
    bool targets (padded); image_index: (T,) the image of each target.
    """

    images: torch.Tensor
    input_sizes: list[tuple[int, int]]
    masks: torch.Tensor
    image_index: torch.Tensor


def _subset_batch(batch: Batch, index: np.ndarray) -> Batch:
    idx = torch.from_numpy(index)
    return Batch(batch.images, batch.input_sizes, batch.masks[idx], batch.image_index[idx])


def scene_size(rng: np.random.Generator, long_side: int) -> tuple[int, int]:
    """(height, width) of a training scene: square half the time, else up to 16:9."""
    if rng.uniform() < 0.5:
        return long_side, long_side
    short = int(round(long_side * rng.uniform(0.56, 1.0)))
    return (short, long_side) if rng.uniform() < 0.5 else (long_side, short)


def make_batch(
    sam: Sam, rng: np.random.Generator, config: TrainConfig, scene_config: SceneConfig | None = None
) -> Batch:
    """Fresh scenes (longest side = the model's input size, so no resize) with their targets."""
    s = sam.img_size
    base = scene_config or SceneConfig(n_objects=config.scene_objects)
    # Scenes are drawn for a 256-px frame; at another input size, sizes scale with it.
    r = s / 256
    base = replace(base, min_size=base.min_size * r, min_visible_area=max(int(base.min_visible_area * r * r), 1))
    images, sizes, masks, index = [], [], [], []
    while len(images) < config.images_per_step:
        h, w = scene_size(rng, s)
        scene = random_scene(rng, replace(base, height=h, width=w))
        if len(scene) == 0:
            continue
        keep = rng.permutation(len(scene))[: config.max_objects_per_image]
        x = torch.from_numpy(scene.image).permute(2, 0, 1).float()
        images.append(sam.preprocess(x[None])[0])
        sizes.append((h, w))
        m = torch.from_numpy(scene.masks[np.sort(keep)])
        masks.append(F.pad(m, (0, s - w, 0, s - h)))
        index += [len(images) - 1] * len(keep)
    return Batch(
        images=torch.stack(images),
        input_sizes=sizes,
        masks=torch.cat(masks),
        image_index=torch.tensor(index),
    )


# --------------------------------------------------------------------------- prompts


@dataclass
class Prompts:
    """T prompts as arrays: points T x K x 2 (xy, input pixels) with labels T x K (PAD
    where unused), boxes T x 4 xyxy with has_box (T,), multimask (T,) bool."""

    points: np.ndarray
    labels: np.ndarray
    boxes: np.ndarray
    has_box: np.ndarray
    multimask: np.ndarray


def _subset_prompts(prompts: Prompts, index: np.ndarray) -> Prompts:
    return Prompts(*(getattr(prompts, f)[index] for f in ("points", "labels", "boxes", "has_box", "multimask")))


def sample_point(rng: np.random.Generator, region: np.ndarray) -> np.ndarray | None:
    """A uniformly random pixel (xy) of a boolean H x W region, or None when it is empty."""
    ys, xs = np.nonzero(region)
    if len(xs) == 0:
        return None
    i = rng.integers(len(xs))
    return np.array([xs[i], ys[i]], dtype=np.float32)


def jitter_box(rng: np.random.Generator, box: np.ndarray, fraction: float, limit: tuple[int, int]) -> np.ndarray:
    """A box with each coordinate moved by noise of std fraction/2 of the side (clipped to
    +-fraction of the side and 20 px), kept inside the input image and non-empty."""
    w, h = box[2] - box[0], box[3] - box[1]
    side = np.array([w, h, w, h], dtype=np.float32)
    noise = np.clip(rng.normal(0, fraction / 2, size=4), -fraction, fraction) * side
    noise = np.clip(noise, -20, 20)
    out = box + noise
    out[[0, 2]] = np.clip(out[[0, 2]], 0, limit[1])
    out[[1, 3]] = np.clip(out[[1, 3]], 0, limit[0])
    out[2] = max(out[2], out[0] + 1)
    out[3] = max(out[3], out[1] + 1)
    return out.astype(np.float32)


def initial_prompts(rng: np.random.Generator, batch: Batch, config: TrainConfig) -> Prompts:
    """Round-0 prompts: a jittered box, one positive point (multimask), or 2-4 points."""
    masks = batch.masks.numpy()
    t = len(masks)
    boxes = mask_to_box_xyxy(masks)
    points = np.zeros((t, 4, 2), dtype=np.float32)
    labels = np.full((t, 4), PAD, dtype=np.int64)
    has_box = np.zeros(t, dtype=bool)
    multimask = np.zeros(t, dtype=bool)
    for i in range(t):
        h, w = batch.input_sizes[int(batch.image_index[i])]
        u = rng.uniform()
        if u < config.box_probability:
            has_box[i] = True
            boxes[i] = jitter_box(rng, boxes[i], rng.uniform(0, config.box_jitter), (h, w))
        elif u < config.box_probability + config.point_probability:
            points[i, 0] = sample_point(rng, masks[i])
            labels[i, 0] = POSITIVE
            multimask[i] = True
        else:
            n_pos = int(rng.integers(1, 3))
            n_neg = int(rng.integers(1, 3))
            k = 0
            for _ in range(n_pos):
                points[i, k], labels[i, k] = sample_point(rng, masks[i]), POSITIVE
                k += 1
            # Negatives near the object: in its box grown by half its size, outside the mask.
            x0, y0, x1, y1 = boxes[i]
            gx, gy = (x1 - x0) / 2 + 4, (y1 - y0) / 2 + 4
            near = np.zeros_like(masks[i])
            near[max(int(y0 - gy), 0) : min(int(y1 + gy), h), max(int(x0 - gx), 0) : min(int(x1 + gx), w)] = True
            outside = near & ~masks[i]
            for _ in range(n_neg):
                p = sample_point(rng, outside)
                if p is not None:
                    points[i, k], labels[i, k] = p, NEGATIVE
                    k += 1
    return Prompts(points, labels, boxes, has_box, multimask)


def corrective_prompts(
    rng: np.random.Generator,
    prompts: Prompts,
    predicted: np.ndarray,
    batch: Batch,
    no_new_point: np.ndarray | None = None,
) -> Prompts:
    """The same prompts plus one point on the error of each prediction (bool T x S x S):
    positive on a missed pixel, negative on a false one; none where ``no_new_point``.
    Single-mask output from now on."""
    masks = batch.masks.numpy()
    t = len(masks)
    points = np.concatenate([prompts.points, np.zeros((t, 1, 2), np.float32)], axis=1)
    labels = np.concatenate([prompts.labels, np.full((t, 1), PAD, np.int64)], axis=1)
    for i in range(t):
        if no_new_point is not None and no_new_point[i]:
            continue
        h, w = batch.input_sizes[int(batch.image_index[i])]
        error = (predicted[i] != masks[i])[:h, :w]
        p = sample_point(rng, error)
        if p is None:
            p = sample_point(rng, masks[i])
        # Put it in the first free slot so that tokens stay packed.
        k = int((labels[i] != PAD).sum())
        points[i, k] = p
        labels[i, k] = POSITIVE if masks[i][int(p[1]), int(p[0])] else NEGATIVE
    return Prompts(points, labels, prompts.boxes, prompts.has_box, np.zeros(t, dtype=bool))


def shift_logits(logits: torch.Tensor, shifts: np.ndarray) -> torch.Tensor:
    """Move each of T x 1 x L x L logits by (dy, dx) pixels, filling with the minimum."""
    if not shifts.any():
        return logits
    out = torch.empty_like(logits)
    size = logits.shape[-1]
    for i, (dy, dx) in enumerate(shifts.tolist()):
        fill = logits[i].min()
        out[i] = fill
        ys, yd = slice(max(-dy, 0), size - max(dy, 0)), slice(max(dy, 0), size - max(-dy, 0))
        xs, xd = slice(max(-dx, 0), size - max(dx, 0)), slice(max(dx, 0), size - max(-dx, 0))
        out[i, :, yd, xd] = logits[i, :, ys, xs]
    return out


def encode_prompts(
    sam: Sam, prompts: Prompts, mask_logits: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sparse tokens T x K' x C, token mask T x K' and dense T x C x E x E, each prompt
    getting exactly the tokens it would get alone (as the Predictor batches them)."""
    pe = sam.prompt_encoder
    t = len(prompts.labels)
    n_points = (prompts.labels != PAD).sum(axis=1)
    # Official rule: points without a box get one pad token.
    n_slots = n_points + ((n_points > 0) & ~prompts.has_box)
    width = max(int(n_slots.max()), 1)
    labels = np.full((t, width), PAD, dtype=np.int64)
    coords = np.zeros((t, width, 2), dtype=np.float32)
    k = min(width, prompts.labels.shape[1])
    labels[:, :k] = prompts.labels[:, :k]
    coords[:, :k] = prompts.points[:, :k]
    used = np.arange(width)[None, :] < n_slots[:, None]
    parts = [pe.embed_points(torch.from_numpy(coords), torch.from_numpy(labels))]
    token_mask = [torch.from_numpy(used)]
    if prompts.has_box.any():
        parts.append(pe.embed_boxes(torch.from_numpy(prompts.boxes)))
        token_mask.append(torch.from_numpy(np.repeat(prompts.has_box[:, None], 2, axis=1)))
    sparse = torch.cat(parts, dim=1)
    dense = pe.no_mask_dense(t) if mask_logits is None else pe.embed_masks(mask_logits)
    return sparse, torch.cat(token_mask, dim=1), dense


# --------------------------------------------------------------------------- loss


def focal_loss(logits: torch.Tensor, target: torch.Tensor, alpha: float = 0.25, gamma: float = 2.0) -> torch.Tensor:
    """Sigmoid focal loss averaged over pixels: ... x H x W -> ..."""
    p = logits.sigmoid()
    ce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p_t = p * target + (1 - p) * (1 - target)
    loss = ce * (1 - p_t) ** gamma
    loss = (alpha * target + (1 - alpha) * (1 - target)) * loss
    return loss.flatten(-2).mean(-1)


def dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - soft Dice: ... x H x W -> ..."""
    p = logits.sigmoid().flatten(-2)
    t = target.flatten(-2)
    return 1 - (2 * (p * t).sum(-1) + 1) / (p.sum(-1) + t.sum(-1) + 1)


def mask_iou(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """IoU of boolean masks ... x H x W -> ... (1 where both are empty)."""
    inter = (pred & target).flatten(-2).sum(-1).float()
    union = (pred | target).flatten(-2).sum(-1).float()
    return torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))


def decode_round(
    sam: Sam,
    embeddings: torch.Tensor,
    batch: Batch,
    prompts: Prompts,
    mask_logits: torch.Tensor | None,
    config: TrainConfig,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, dict[str, float]]:
    """One decoder pass over all prompts of the step.

    Returns (loss, chosen low-res logits T x 1 x L x L detached, chosen masks at input size
    T x S x S bool, stats).
    """
    sparse, token_mask, dense = encode_prompts(sam, prompts, mask_logits)
    low_res, iou_pred = sam.mask_decoder.predict_all(
        embeddings[batch.image_index],
        sam.prompt_encoder.get_dense_pe(),
        sparse,
        dense,
        token_mask,
    )
    s = sam.img_size
    # Loss at input size, on the logits upsampled as inference does, so that boundaries
    # are learnt to the pixel (small objects span few low-res cells).
    upsampled = F.interpolate(low_res, (s, s), mode="bilinear", align_corners=False)
    target = batch.masks[:, None].float().expand(-1, low_res.shape[1], -1, -1)
    multi = torch.from_numpy(prompts.multimask)
    focal = focal_loss(upsampled, target, alpha=config.focal_alpha)
    dice = dice_loss(upsampled, target)
    with torch.no_grad():
        actual_iou = mask_iou(upsampled > 0, target >= 0.5)
    mask_loss = config.focal_weight * focal + dice  # T x 4
    # Single-output prompts use mask token 0; multimask prompts the best of tokens 1..3.
    used = torch.zeros_like(mask_loss, dtype=torch.bool)
    used[multi, 1:] = True
    used[~multi, 0] = True
    best = mask_loss.detach().masked_fill(~used, float("inf")).argmin(dim=1)
    rows = torch.arange(len(best))
    loss_mask = mask_loss[rows, best].mean()
    loss_iou = ((iou_pred - actual_iou) ** 2)[used].mean()
    loss = loss_mask + config.iou_weight * loss_iou
    # What inference would pick: token 0, or the best predicted IoU among tokens 1..3.
    pick = torch.where(multi, iou_pred[:, 1:].argmax(dim=1).detach() + 1, torch.zeros_like(best))
    chosen_logits = low_res[rows, pick][:, None].detach()
    chosen = upsampled[rows, pick].detach() > 0
    stats = {
        "loss": float(loss.detach()),
        "iou": float(actual_iou[rows, pick].mean()),
    }
    return loss, chosen_logits, chosen, stats


def train_step(
    sam: Sam, rng: np.random.Generator, config: TrainConfig, scene_config: SceneConfig | None = None
) -> tuple[torch.Tensor, dict[str, float]]:
    """Loss of one step (initial round plus refinement rounds) and per-round IoU stats."""
    batch = make_batch(sam, rng, config, scene_config)
    embeddings = sam.image_encoder(batch.images)
    prompts = initial_prompts(rng, batch, config)
    total, logits, stats = None, None, {}
    for r in range(config.refine_rounds + 1):
        loss, logits, chosen, round_stats = decode_round(sam, embeddings, batch, prompts, logits, config)
        total = loss if total is None else total + loss
        stats[f"iou{r}"] = round_stats["iou"]
        if r < config.refine_rounds:
            # Refine a random part of the prompts (each round costs a full decoder pass).
            n = len(batch.masks)
            keep = np.sort(rng.permutation(n)[: max(1, int(round(config.refine_fraction * n)))])
            batch = _subset_batch(batch, keep)
            prompts = _subset_prompts(prompts, keep)
            logits, chosen = logits[torch.from_numpy(keep)], chosen[torch.from_numpy(keep)]
            # Some get no new point but their logits moved, as a tracker feeds the last
            # frame's mask to an object that has moved since.
            mask_only = rng.uniform(size=len(keep)) < config.mask_only_probability
            shifts = rng.integers(-config.mask_shift, config.mask_shift + 1, size=(len(keep), 2))
            logits = shift_logits(logits, np.where(mask_only[:, None], shifts, 0))
            prompts = corrective_prompts(rng, prompts, chosen.numpy(), batch, mask_only)
    assert total is not None
    total = total / (config.refine_rounds + 1)
    stats["loss"] = float(total.detach())
    return total, stats


# --------------------------------------------------------------------------- loop


_NO_DECAY_NAMES = ("pos_embed", "rel_pos", "attention_biases", "point_embeddings", "not_a_point_embed", "no_mask_embed", "iou_token", "mask_tokens")


def _no_weight_decay(name: str, p: torch.Tensor) -> bool:
    """Biases, norms, position tables and learnt embeddings are not decayed."""
    return p.ndim <= 1 or any(key in name for key in _NO_DECAY_NAMES)


def learning_rate(progress: float, config: TrainConfig, step: int) -> float:
    """Linear warm-up over ``warmup_steps``, then cosine decay to ``min_lr_fraction``."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    floor = config.min_lr_fraction
    return config.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def train(
    model_config: SamConfig = NANO_CONFIG,
    config: TrainConfig = TrainConfig(),
    scene_config: SceneConfig | None = None,
    log: Callable[[str], None] | None = print,
) -> tuple[Sam, dict[str, Any]]:
    """Train a fresh model; returns it (eval mode) and a summary of the run."""
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng([config.seed, 0])
    sam = build_sam(model_config).train()
    # The random frequencies are a buffer: scaled here, they are saved with the weights.
    with torch.no_grad():
        sam.prompt_encoder.pe_layer.positional_encoding_gaussian_matrix.mul_(config.pe_scale)
    decay, no_decay = [], []
    for name, p in sam.named_parameters():
        (no_decay if _no_weight_decay(name, p) else decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.lr,
        betas=(0.9, 0.999),
    )
    budget = config.minutes * 60
    full_size = sam.img_size
    # The schedule follows work done, not the clock, so that a run is reproducible by seed
    # on any machine; the clock only stops a run that overruns its budget. A step at input
    # size s costs about 0.25 + 0.75 (s / full size)^2 of a full-size step.
    sizes = [size for size, n in config.phases for _ in range(n)]
    costs = np.array([0.25 + 0.75 * (size / full_size) ** 2 for size in sizes])
    total_work = float(costs.sum())
    start = time.perf_counter()
    running: dict[str, float] = {}
    step, work = 0, 0.0
    try:
        while step < config.steps:
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                break
            progress = work / total_work
            size = sizes[step]
            sam.set_input_size(size)
            lr = learning_rate(progress, config, step)
            for group in opt.param_groups:
                group["lr"] = lr
            loss, stats = train_step(sam, rng, config, scene_config)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(sam.parameters(), config.grad_clip)
            opt.step()
            step += 1
            work += costs[step - 1]
            for k, v in stats.items():
                running[k] = 0.95 * running.get(k, v) + 0.05 * v
            if log is not None and (step % config.log_every == 0 or step == config.steps):
                text = " ".join(f"{k} {v:.3f}" for k, v in running.items())
                log(f"step {step}/{config.steps} {elapsed / 60:5.1f} min {size}px lr {lr:.2e} {text}")
    finally:
        sam.set_input_size(full_size)
    summary = {
        "steps": step,
        "seconds": round(time.perf_counter() - start, 1),
        "stopped_by": "steps" if step >= config.steps else "minutes",
        "train_config": asdict(config),
        "torch": str(torch.__version__),
    }
    return sam.eval(), summary


def save_checkpoint(sam: Sam, model_config: SamConfig, path: str | os.PathLike[str], extra: dict[str, Any] | None = None) -> int:
    """Write ``{"config", "state_dict", **extra}`` atomically; returns the size in bytes."""
    from ...io import atomic

    state = {k: v.detach().clone().contiguous() for k, v in sam.state_dict().items()}
    data = {"config": model_config.to_dict(), "state_dict": state, **(extra or {})}
    with atomic.atomic_path(path) as tmp:
        torch.save(data, tmp)
    return Path(path).stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="checkpoint file to write")
    parser.add_argument("--seed", type=int, default=0, help="training seed (below 1000000)")
    parser.add_argument("--minutes", type=float, default=TrainConfig.minutes, help="wall-clock budget of the training loop")
    parser.add_argument("--step-scale", type=float, default=1.0, help="multiply every phase's steps (for trials)")
    parser.add_argument("--lr", type=float, default=TrainConfig.lr)
    parser.add_argument("--preset", choices=sorted(PRESETS), default="nano")
    parser.add_argument("--eval-objects", type=int, default=300, help="held-out objects to evaluate after training (0: skip)")
    args = parser.parse_args(argv)
    from .evaluate import EVAL_SEED, evaluate_sets, format_metrics

    if not 0 <= args.seed < EVAL_SEED:
        print(f"error: --seed must be in [0, {EVAL_SEED})", file=sys.stderr)
        return 2
    phases = tuple((size, max(1, round(n * args.step_scale))) for size, n in TrainConfig.phases)
    config = TrainConfig(phases=phases, minutes=args.minutes, seed=args.seed, lr=args.lr)
    model_config = PRESETS[args.preset]
    sam, summary = train(model_config, config)
    print(f"trained {summary['steps']} steps in {summary['seconds'] / 60:.1f} min (stopped by {summary['stopped_by']})")
    extra: dict[str, Any] = {"training": summary}
    if args.eval_objects > 0:
        metrics = evaluate_sets(sam, n_objects=args.eval_objects)
        print(format_metrics(metrics))
        extra["metrics"] = metrics
    size = save_checkpoint(sam, model_config, args.out, extra)
    from ..registry import sha256_file

    print(f"wrote {args.out} ({size} bytes, SHA-256 {sha256_file(Path(args.out), False)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
