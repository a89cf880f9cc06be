"""The plain data types that flow between samtrack's modules.

Coordinates are pixels of the original frame; boxes are ``xyxy`` (x1, y1, x2, y2)
with x2 > x1 and y2 > y1; points are ``xy``. Point labels: 1 positive, 0 negative.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import numpy as np


@dataclass
class Frame:
    """One decoded frame: 0-based index, time in seconds, RGB uint8 array H x W x 3."""

    index: int
    time: float
    image: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        return int(self.image.shape[0]), int(self.image.shape[1])


@dataclass
class Prompt:
    """The prompt for one object.

    box: (4,) xyxy, or None. points: (K, 2) xy with labels (K,) of 1/0, or None.
    mask_logits: low-resolution logits (L x L, as returned in ``Masks.logits``), or None.
    track_id: the track this prompt serves (None for a new object).
    label: the object's class name ("" if none), carried into the results.
    """

    box: np.ndarray | None = None
    points: np.ndarray | None = None
    labels: np.ndarray | None = None
    mask_logits: np.ndarray | None = None
    track_id: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.box is not None:
            self.box = np.asarray(self.box, dtype=np.float32).reshape(4)
        if self.points is not None:
            self.points = np.asarray(self.points, dtype=np.float32).reshape(-1, 2)
            if self.labels is None:
                self.labels = np.ones(len(self.points), dtype=np.int64)
            self.labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
            if len(self.labels) != len(self.points):
                raise ValueError("a prompt needs one label per point")
        if self.box is None and self.points is None and self.mask_logits is None:
            raise ValueError("a prompt needs a box, points or mask logits")


@dataclass
class Masks:
    """A batch of N masks as parallel arrays; ``m[m.scores > 0.5]`` filters every field.

    masks: bool N x H x W at frame size; boxes: float32 N x 4 xyxy (tight box of each
    mask, zeros for an empty mask); scores: float32 (N,) predicted IoU; logits: float32
    N x L x L low-resolution logits (feed back as ``Prompt.mask_logits``);
    prompt_index: int64 (N,) index of the prompt each mask answers (-1: none);
    track_id: int64 (N,) the prompt's track id (-1: none).
    """

    masks: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    logits: np.ndarray
    prompt_index: np.ndarray = field(default=None)  # type: ignore[assignment]
    track_id: np.ndarray = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        n = len(self.masks)
        if self.prompt_index is None:
            self.prompt_index = np.full(n, -1, dtype=np.int64)
        if self.track_id is None:
            self.track_id = np.full(n, -1, dtype=np.int64)
        for f in fields(self):
            if len(getattr(self, f.name)) != n:
                raise ValueError(f"Masks.{f.name} has {len(getattr(self, f.name))} rows, not {n}")

    def __len__(self) -> int:
        return len(self.masks)

    def __getitem__(self, index: Any) -> Masks:
        if isinstance(index, (int, np.integer)):
            index = [int(index)]
        return Masks(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def areas(self) -> np.ndarray:
        """Pixel count of each mask, int64 (N,)."""
        return self.masks.sum(axis=(1, 2), dtype=np.int64)

    @staticmethod
    def empty(height: int, width: int, logit_size: int = 256) -> Masks:
        return Masks(
            masks=np.zeros((0, height, width), dtype=bool),
            boxes=np.zeros((0, 4), dtype=np.float32),
            scores=np.zeros(0, dtype=np.float32),
            logits=np.zeros((0, logit_size, logit_size), dtype=np.float32),
        )

    @staticmethod
    def concatenate(items: list[Masks]) -> Masks:
        if not items:
            raise ValueError("nothing to concatenate")
        return Masks(
            **{f.name: np.concatenate([getattr(m, f.name) for m in items]) for f in fields(Masks)}
        )


def mask_to_box_xyxy(masks: np.ndarray) -> np.ndarray:
    """Tight xyxy boxes (float32 N x 4, exclusive right/bottom edge) of boolean masks N x H x W.

    An empty mask gets an all-zero box.
    """
    masks = np.asarray(masks, dtype=bool)
    n = masks.shape[0]
    boxes = np.zeros((n, 4), dtype=np.float32)
    if n == 0:
        return boxes
    rows = masks.any(axis=2)
    cols = masks.any(axis=1)
    has = rows.any(axis=1)
    h, w = masks.shape[1:]
    y1 = rows.argmax(axis=1)
    y2 = h - rows[:, ::-1].argmax(axis=1)
    x1 = cols.argmax(axis=1)
    x2 = w - cols[:, ::-1].argmax(axis=1)
    boxes[has] = np.stack([x1, y1, x2, y2], axis=1)[has]
    return boxes


@dataclass
class FrameResult:
    """What the tracker reports for one frame: every visible track, as parallel arrays.

    track_ids int64 (N,) (ids start at 1); masks bool N x H x W; boxes float32 N x 4 xyxy;
    scores float32 (N,); labels: a class name or "" per track; image: the RGB frame
    (H x W x 3 uint8) when the producer attaches it (renderers need it), else None.
    """

    frame_index: int
    time: float
    height: int
    width: int
    track_ids: np.ndarray
    masks: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    labels: list[str] = field(default_factory=list)
    image: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.track_ids)
        if not self.labels:
            self.labels = [""] * n
        for name in ("masks", "boxes", "scores", "labels"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"FrameResult.{name} has {len(getattr(self, name))} rows, not {n}")

    def __len__(self) -> int:
        return len(self.track_ids)

    @staticmethod
    def empty(frame_index: int, time: float, height: int, width: int) -> FrameResult:
        return FrameResult(
            frame_index=frame_index,
            time=time,
            height=height,
            width=width,
            track_ids=np.zeros(0, dtype=np.int64),
            masks=np.zeros((0, height, width), dtype=bool),
            boxes=np.zeros((0, 4), dtype=np.float32),
            scores=np.zeros(0, dtype=np.float32),
        )


class Segmenter(Protocol):
    """What the tracker needs from a model: embed a frame once, then decode prompts."""

    def embed(self, image: np.ndarray) -> Any: ...

    def segment(self, embedding: Any, prompts: list[Prompt], multimask: bool = False) -> Masks: ...

    def segment_everything(
        self,
        embedding: Any,
        points_per_side: int = 16,
        pred_iou_thresh: float = 0.88,
        stability_score_thresh: float = 0.95,
    ) -> Masks: ...
