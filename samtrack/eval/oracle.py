"""A ground-truth oracle segmenter: it answers each prompt with the noisy ground-truth
mask of the object the prompt points at, so the tracker's logic can be measured apart
from any model's quality.

The object under a prompt is the one that best fits its box (IoU of the object's mask
with the box region) and contains its positive points (and not its negative ones); its
previous mask logits count as a further region cue. A prompt that fits no object gets
the background inside its box with a low score. Noise: the boundary moves by up to
``boundary_noise`` pixels, and with probability ``miss_rate`` the answer is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..geometry import box_iou_batch
from ..types import Masks, Prompt, mask_to_box_xyxy

LOGIT = 10.0


@dataclass
class OracleFrame:
    """The oracle's "embedding": the frame's ground truth (ids, visible masks N x H x W)."""

    index: int
    ids: np.ndarray
    masks: np.ndarray

    @property
    def original_size(self) -> tuple[int, int]:
        return int(self.masks.shape[1]), int(self.masks.shape[2])


class OracleSegmenter:
    """A :class:`~samtrack.types.Segmenter` over known ground truth.

    ``ground_truth(frame_index) -> (ids, masks)``. Frames must be embedded in order, once
    each (as the tracker does): the n-th call to ``embed`` is frame n of the ground truth.
    """

    def __init__(
        self,
        ground_truth: Callable[[int], tuple[np.ndarray, np.ndarray]],
        boundary_noise: int = 1,
        miss_rate: float = 0.0,
        seed: int = 0,
        logit_size: int = 64,
        min_fit: float = 0.1,
    ) -> None:
        self.ground_truth = ground_truth
        self.boundary_noise = boundary_noise
        self.miss_rate = miss_rate
        self.rng = np.random.default_rng(seed)
        self.logit_size = logit_size
        self.min_fit = min_fit
        self._count = 0

    def embed(self, image: np.ndarray) -> OracleFrame:
        ids, masks = self.ground_truth(self._count)
        masks = np.asarray(masks, dtype=bool).reshape(-1, *image.shape[:2])
        frame = OracleFrame(self._count, np.asarray(ids), masks)
        self._count += 1
        return frame

    # -- helpers -------------------------------------------------------------------------

    def _to_logits(self, masks: np.ndarray) -> np.ndarray:
        """Masks N x H x W -> logits N x L x L over the padded square, as SAM lays them out."""
        n, h, w = masks.shape
        side = max(h, w)
        out = np.full((n, self.logit_size, self.logit_size), -LOGIT, dtype=np.float32)
        for i, m in enumerate(masks):
            square = np.zeros((side, side), np.float32)
            square[:h, :w] = m
            small = cv2.resize(square, (self.logit_size, self.logit_size), interpolation=cv2.INTER_AREA)
            out[i] = np.where(small > 0.5, LOGIT, -LOGIT)
        return out

    def _from_logits(self, logits: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        side = max(size)
        big = cv2.resize((logits > 0).astype(np.uint8), (side, side), interpolation=cv2.INTER_NEAREST)
        return big[: size[0], : size[1]].astype(bool)

    def noisy(self, mask: np.ndarray) -> np.ndarray:
        """The mask with its boundary moved by 0 to ``boundary_noise`` pixels, in or out."""
        if self.boundary_noise <= 0 or not mask.any():
            return mask
        r = int(self.rng.integers(0, self.boundary_noise + 1))
        if r == 0:
            return mask
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        op = cv2.dilate if self.rng.random() < 0.5 else cv2.erode
        out = op(mask.astype(np.uint8), kernel).astype(bool)
        return out if out.any() else mask

    def _target(self, frame: OracleFrame, prompt: Prompt) -> int:
        """Index of the object the prompt points at, or -1."""
        n, h, w = frame.masks.shape
        if n == 0:
            return -1
        fit = np.zeros(n)
        cues = 0
        areas = frame.masks.reshape(n, -1).sum(1).astype(float)
        if prompt.box is not None:
            x1, y1, x2, y2 = np.clip(np.round(prompt.box), 0, [w, h, w, h]).astype(int)
            inside = frame.masks[:, y1:y2, x1:x2].reshape(n, -1).sum(1)
            box_area = max((x2 - x1) * (y2 - y1), 1)
            fit += inside / np.maximum(areas + box_area - inside, 1)
            cues += 1
        if prompt.points is not None:
            xy = np.clip(np.floor(prompt.points).astype(int), 0, [w - 1, h - 1])
            hit = frame.masks[:, xy[:, 1], xy[:, 0]]  # n x K
            pos, neg = prompt.labels == 1, prompt.labels == 0
            if pos.any():
                fit += hit[:, pos].mean(1)
                cues += 1
            if neg.any():
                fit -= hit[:, neg].mean(1)
        if prompt.mask_logits is not None:
            region = self._from_logits(np.asarray(prompt.mask_logits), (h, w))
            inter = (frame.masks & region).reshape(n, -1).sum(1)
            fit += inter / np.maximum(areas + region.sum() - inter, 1)
            cues += 1
        fit /= max(cues, 1)
        best = int(np.argmax(fit))
        return best if fit[best] >= self.min_fit else -1

    # -- the Segmenter protocol ----------------------------------------------------------------

    def segment(self, embedding: OracleFrame, prompts: list[Prompt], multimask: bool = False) -> Masks:
        h, w = embedding.original_size
        per = 3 if multimask else 1
        masks, scores = [], []
        for prompt in prompts:
            target = self._target(embedding, prompt)
            if target < 0 or self.rng.random() < self.miss_rate:
                region = np.zeros((h, w), bool)
                if prompt.box is not None:
                    x1, y1, x2, y2 = np.clip(np.round(prompt.box), 0, [w, h, w, h]).astype(int)
                    region[y1:y2, x1:x2] = True
                    region &= ~embedding.masks.any(axis=0)
                masks += [region] * per
                scores += [0.2] * per
                continue
            truth = embedding.masks[target]
            masks += [self.noisy(truth) for _ in range(per)]
            scores += [0.95, 0.9, 0.85][:per]
        return self._answers(embedding, prompts, masks, scores, per)

    def _answers(
        self, embedding: OracleFrame, prompts: list[Prompt], masks: list[np.ndarray], scores: list[float], per: int
    ) -> Masks:
        """``per`` answers for each prompt, in order, as one Masks batch."""
        stacked = np.stack(masks) if masks else np.zeros((0, *embedding.original_size), bool)
        index = np.repeat(np.arange(len(prompts)), per)
        track_ids = np.array([-1 if p.track_id is None else p.track_id for p in prompts], dtype=np.int64)
        return Masks(
            masks=stacked,
            boxes=mask_to_box_xyxy(stacked),
            scores=np.array(scores, dtype=np.float32),
            logits=self._to_logits(stacked),
            prompt_index=index,
            track_id=track_ids[index] if len(prompts) else np.zeros(0, np.int64),
        )

    def segment_everything(
        self,
        embedding: OracleFrame,
        points_per_side: int = 16,
        points: np.ndarray | None = None,
        **thresholds: float,
    ) -> Masks:
        """Every visible object (noisy), or with ``points`` (N x 2 xy) every object one of
        them lands on; the grid's size and the thresholds are irrelevant to an oracle."""
        truth = _hit_by(embedding.masks, points)
        masks = np.stack([self.noisy(m) for m in truth]) if len(truth) else truth
        return Masks(
            masks=masks,
            boxes=mask_to_box_xyxy(masks),
            scores=np.full(len(masks), 0.95, dtype=np.float32),
            logits=self._to_logits(masks),
        )


def _hit_by(masks: np.ndarray, points: np.ndarray | None) -> np.ndarray:
    """The masks (N x H x W) that contain at least one of ``points`` (M x 2 xy; all masks
    when None)."""
    if points is None or len(masks) == 0:
        return masks
    h, w = masks.shape[1:]
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    xs = np.clip(np.floor(xy[:, 0]).astype(int), 0, w - 1)
    ys = np.clip(np.floor(xy[:, 1]).astype(int), 0, h - 1)
    return masks[masks[:, ys, xs].any(axis=1)]


#: The behaviours of :class:`BoxOracle`, each less kind than :class:`OracleSegmenter`.
BEHAVIOURS = ("generous", "bounded", "leaky", "unreliable")


class BoxOracle(OracleSegmenter):
    """A ground-truth segmenter that answers a box prompt as SAM does, and no kinder.

    The object a prompt asks for is the visible object that best overlaps its box (mask
    IoU with the box's region; for a prompt without a box, its points and logits decide as
    in :class:`OracleSegmenter`). Behaviours:

    - ``bounded``: that object's pixels inside the prompt box widened by ``widen`` of its
      width and height on every side; when that is empty, or its box has IoU < 0.1 with
      the prompt (the box has drifted off the object), the background inside the widened
      box (the widened box minus every object). SAM does not know it is wrong: the score
      is always ``score``.
    - ``generous``: the whole object for any prompt whose box overlaps it.
    - ``leaky``: ``bounded``, plus on a third of the answers a band of whatever lies
      around the answer, of up to 20% of its area (a merge with a neighbour or the floor).
    - ``unreliable``: ``bounded``, and 5% of the answers are the background inside the
      widened box.

    Every answer then takes 0-2 seeded 3x3 erosions or dilations; ``multimask`` asks for
    three independent draws. Nothing tells the tracker of a wrong answer (no low score).
    """

    def __init__(
        self,
        ground_truth: Callable[[int], tuple[np.ndarray, np.ndarray]],
        behaviour: str = "bounded",
        seed: int = 0,
        widen: float = 0.15,
        score: float = 0.9,
        logit_size: int = 64,
    ) -> None:
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"behaviour must be one of {', '.join(BEHAVIOURS)}, not {behaviour!r}")
        super().__init__(ground_truth, boundary_noise=0, seed=seed, logit_size=logit_size, min_fit=1e-9)
        self.behaviour = behaviour
        self.widen = widen
        self.score = score

    def noisy(self, mask: np.ndarray) -> np.ndarray:
        """0, 1 or 2 iterations of a 3x3 erosion or dilation (an erosion that would empty
        the mask is not applied)."""
        steps = int(self.rng.integers(0, 3))
        if steps == 0 or not mask.any():
            return mask
        op = cv2.dilate if self.rng.random() < 0.5 else cv2.erode
        out = op(mask.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=steps).astype(bool)
        return out if out.any() else mask

    def _leak(self, mask: np.ndarray) -> np.ndarray:
        """The mask plus the ring around it, as wide as keeps the ring at most a random
        share (up to 20%) of the mask's area (one pixel at least)."""
        area = int(mask.sum())
        if area == 0:
            return mask
        budget = self.rng.uniform(0.0, 0.2) * area
        distance = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, 3)
        outside = distance[~mask]
        radii = np.unique(np.ceil(outside[outside <= 64]))
        counts = np.array([np.count_nonzero(outside <= r) for r in radii])
        fits = radii[counts <= budget]
        radius = fits[-1] if len(fits) else (radii[0] if len(radii) else 0)
        return mask | ((distance <= radius) & ~mask)

    def widened(self, box: np.ndarray, size: tuple[int, int], by: float | None = None) -> tuple[slice, slice]:
        """Where a box prompt is answered: the box widened by ``by`` (default ``widen``) of
        its width and height on every side, within an H x W frame, as (rows, columns)."""
        h, w = size
        by = self.widen if by is None else by
        x1, y1, x2, y2 = (float(v) for v in box)
        mx, my = by * (x2 - x1), by * (y2 - y1)
        c1, r1 = int(np.clip(np.floor(x1 - mx), 0, w)), int(np.clip(np.floor(y1 - my), 0, h))
        c2, r2 = int(np.clip(np.ceil(x2 + mx), 0, w)), int(np.clip(np.ceil(y2 + my), 0, h))
        return slice(r1, r2), slice(c1, c2)

    def _answer(self, frame: OracleFrame, prompt: Prompt) -> np.ndarray:
        n, h, w = frame.masks.shape
        if prompt.box is None:
            target = self._target(frame, prompt)
            return frame.masks[target] if target >= 0 else np.zeros((h, w), bool)
        widened = np.zeros((h, w), bool)
        widened[self.widened(prompt.box, (h, w))] = True
        background = widened & ~frame.masks.any(axis=0) if n else widened
        target = self._target(frame, Prompt(box=prompt.box))
        if target < 0:
            return background
        if self.behaviour == "unreliable" and self.rng.random() < 0.05:
            return background
        if self.behaviour == "generous":
            return frame.masks[target]
        answer = frame.masks[target] & widened
        if not answer.any():
            return background
        if box_iou_batch(mask_to_box_xyxy(answer[None]), prompt.box)[0, 0] < 0.1:
            return background
        if self.behaviour == "leaky" and self.rng.random() < 1 / 3:
            answer = self._leak(answer)
        return answer

    def segment(self, embedding: OracleFrame, prompts: list[Prompt], multimask: bool = False) -> Masks:
        per = 3 if multimask else 1
        masks = []
        for prompt in prompts:
            answer = self._answer(embedding, prompt)
            masks += [self.noisy(answer) for _ in range(per)]
        return self._answers(embedding, prompts, masks, [self.score] * len(masks), per)

    def segment_everything(
        self,
        embedding: OracleFrame,
        points_per_side: int = 16,
        points: np.ndarray | None = None,
        **thresholds: float,
    ) -> Masks:
        """Every visible object (with ``points``: every one they land on), each as the
        answer to its own exact box."""
        truth = _hit_by(embedding.masks, points)
        boxes = mask_to_box_xyxy(truth) if len(truth) else np.zeros((0, 4))
        found = self.segment(embedding, [Prompt(box=b) for b in boxes])
        return Masks(found.masks, found.boxes, found.scores, found.logits)
