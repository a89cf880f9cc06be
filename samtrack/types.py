"""The plain data types that flow between samtrack's modules.

Coordinates are pixels of the original frame; boxes are ``xyxy`` (x1, y1, x2, y2)
with x2 > x1 and y2 > y1; points are ``xy``. Point labels: 1 positive, 0 negative.
"""

from __future__ import annotations

import numbers
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Protocol

import numpy as np

from .errors import InputError, SamtrackError


def describe(value: Any, limit: int = 40) -> str:
    """A short form of ``value`` for an error message: arrays by shape and dtype, other
    values by their repr, cut to ``limit`` characters."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, separator=", ") if value.size <= 8 else ""
        if text and len(text) <= limit:
            return text
        return f"a {' x '.join(map(str, value.shape))} {value.dtype} array"
    text = f"{value:g}" if isinstance(value, float) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_image(image: Any, what: str = "a Frame's image") -> None:
    """Raise InputError unless ``image`` is an RGB uint8 H x W x 3 array with H, W >= 1
    (shape and dtype only: no per-pixel work)."""
    if not isinstance(image, np.ndarray):
        raise InputError(
            f"{what} must be an RGB uint8 H x W x 3 numpy array, not {type(image).__name__}"
        )
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        shape = " x ".join(map(str, image.shape)) or "scalar"
        raise InputError(f"{what} must be RGB uint8 H x W x 3, not {image.dtype} {shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InputError(f"{what} is empty ({image.shape[1]}x{image.shape[0]} pixels)")


def as_boxes(value: Any) -> np.ndarray | None:
    """``value`` (N x 4, or 4N numbers) as float64 N x 4 xyxy boxes; None when it is not
    numbers of that shape. Values are not checked."""
    try:
        boxes = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if boxes.size % 4 or boxes.ndim not in (1, 2) or (boxes.ndim == 2 and boxes.shape[1] != 4):
        return None
    return boxes.reshape(-1, 4)


@dataclass
class Frame:
    """One decoded frame: 0-based index, time in seconds, RGB uint8 array H x W x 3."""

    index: int
    time: float
    image: np.ndarray

    def __post_init__(self) -> None:
        if (
            not isinstance(self.index, numbers.Integral)
            or isinstance(self.index, bool)
            or self.index < 0
        ):
            raise InputError(
                f"a Frame's index must be a whole number of 0 or more, not {describe(self.index)}"
            )
        self.index = int(self.index)
        if not isinstance(self.time, numbers.Real) or isinstance(self.time, bool):
            raise InputError(
                f"a Frame's time must be a number of seconds, not {describe(self.time)}"
            )
        check_image(self.image)

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
        # Shapes and finiteness only (a box's x2 > x1 and a prompt inside the frame are
        # checked where user prompts enter: track() and Tracker.update).
        if self.box is not None:
            box = _coordinates(self.box, "box", "4 numbers x1, y1, x2, y2")
            if box.size != 4:
                raise InputError(f"a Prompt's box must be 4 numbers x1, y1, x2, y2, not {box.size}")
            self.box = box.reshape(4)
        if self.points is not None:
            points = _coordinates(self.points, "points", "x, y pairs (K x 2)")
            if points.size == 0 or points.ndim > 2 or points.shape[-1] != 2:
                raise InputError(
                    "a Prompt's points must be one or more x, y pairs (K x 2), "
                    f"not shape {points.shape}"
                )
            self.points = points.reshape(-1, 2)
            if self.labels is None:
                self.labels = np.ones(len(self.points), dtype=np.int64)
            self.labels = _point_labels(self.labels, len(self.points))
        elif self.labels is not None:
            raise InputError("a Prompt has point labels but no points")
        if self.mask_logits is not None:
            shape = np.shape(self.mask_logits)
            if len(shape) != 2 or 0 in shape:
                raise InputError(
                    f"a Prompt's mask_logits must be one L x L array, not shape {shape}"
                )
        if self.box is None and self.points is None and self.mask_logits is None:
            raise InputError("a prompt needs a box, points or mask logits")
        if self.track_id is not None and (
            not isinstance(self.track_id, numbers.Integral) or isinstance(self.track_id, bool)
        ):
            raise InputError(
                f"a Prompt's track_id must be a whole number or None, not {describe(self.track_id)}"
            )
        if not isinstance(self.label, str):
            raise InputError(f"a Prompt's label must be a string, not {describe(self.label)}")


def _coordinates(value: Any, name: str, form: str) -> np.ndarray:
    """``value`` as a float32 array of finite pixel coordinates, or InputError."""
    if isinstance(value, (str, bytes)):
        raise InputError(f"a Prompt's {name} must be {form}, not {describe(value)}")
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise InputError(f"a Prompt's {name} must be {form}, not {describe(value)}") from None
    if not np.isfinite(array).all():
        raise InputError(f"a Prompt's {name} must be finite numbers, not {describe(array)}")
    return array


def _point_labels(value: Any, count: int) -> np.ndarray:
    """Point labels as int64 (count,) of 1 (positive) / 0 (negative), or InputError."""
    if isinstance(value, (str, bytes)):
        raise InputError(f"a Prompt's labels must be 1 or 0 per point, not {describe(value)}")
    try:
        labels = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(
            f"a Prompt's labels must be 1 or 0 per point, not {describe(value)}"
        ) from None
    if len(labels) != count:
        raise InputError(
            f"a prompt needs one label per point: {count} points, {len(labels)} labels"
        )
    if not np.isin(labels, (0, 1)).all():
        raise InputError(
            f"a Prompt's labels must be 1 (positive) or 0 (negative), not {describe(labels)}"
        )
    return labels.astype(np.int64)


def _on_dense(name: str) -> Any:
    """A MaskCrops method that runs ndarray's ``name`` on the dense stack (and on the
    dense form of a MaskCrops operand)."""

    def method(self: MaskCrops, *other: Any) -> Any:
        args = (np.asarray(o) if isinstance(o, MaskCrops) else o for o in other)
        return getattr(np.asarray(self), name)(*args)

    method.__name__ = name
    return method


class MaskCrops:
    """N boolean masks of one H x W frame, each held as the crop under its own tight box.

    It means an N x H x W boolean stack: ``np.asarray(m)`` is that stack, ``m[i]`` one
    H x W mask, ``len(m)``, ``m.shape`` and ``m.dtype`` are the stack's, and any other
    ndarray attribute (``m.sum(axis=0)``) is the dense stack's. It costs one byte per pixel
    of each mask's box: a thousand 720p masks are 0.9 GB dense, a few MB as crops, so
    masks travel in this form from the segmenter through the tracker to the sinks.
    ``m[[0, 2]]``, ``m[1:]`` and ``m[bool (N,)]`` select masks. ``crops``: bool h x w
    per mask (0 x 0 for an empty one); ``origins``: int64 N x 2, each crop's (x, y) in the
    frame.
    """

    __slots__ = ("crops", "frame_size", "origins")

    def __init__(self, crops: Iterable[np.ndarray], origins: Any, size: tuple[int, int]) -> None:
        """Crops placed at ``origins`` (x, y) in an H x W frame (``size``, kept as
        ``frame_size``); each is cut here to its tight box inside the frame."""
        self.frame_size = (int(size[0]), int(size[1]))
        height, width = self.frame_size
        tight, corners = [], []
        for crop, (x, y) in zip(crops, np.asarray(origins, dtype=np.int64).reshape(-1, 2)):
            crop = np.asarray(crop, dtype=bool)
            # the part inside the frame
            top, left = max(0, -y), max(0, -x)
            crop = crop[top : max(top, height - y), left : max(left, width - x)]
            x, y = x + left, y + top
            rows, cols = np.flatnonzero(crop.any(axis=1)), np.flatnonzero(crop.any(axis=0))
            if len(rows):
                crop = crop[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
                x, y = x + cols[0], y + rows[0]
            else:
                crop, x, y = np.zeros((0, 0), dtype=bool), 0, 0
            tight.append(crop)
            corners.append((x, y))
        self.crops = tight
        self.origins = np.asarray(corners, dtype=np.int64).reshape(-1, 2)

    @classmethod
    def _of(cls, crops: list[np.ndarray], origins: np.ndarray, size: tuple[int, int]) -> MaskCrops:
        """Crops known to be tight and inside the frame, without checking them again."""
        made = cls.__new__(cls)
        made.crops, made.origins, made.frame_size = crops, origins, size
        return made

    @classmethod
    def from_dense(cls, masks: Any) -> MaskCrops:
        """The crops of a dense N x H x W (or one H x W) boolean stack; a MaskCrops is
        returned as it is."""
        if isinstance(masks, MaskCrops):
            return masks
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim == 2:
            masks = masks[None]
        boxes = mask_to_box_xyxy(masks).astype(np.int64)
        crops = [m[y1:y2, x1:x2].copy() for m, (x1, y1, x2, y2) in zip(masks, boxes)]
        return cls._of(crops, boxes[:, :2].copy(), (int(masks.shape[1]), int(masks.shape[2])))

    @staticmethod
    def concatenate(items: Sequence[MaskCrops]) -> MaskCrops:
        sizes = {m.frame_size for m in items}
        if len(sizes) != 1:
            raise ValueError(f"masks of different frame sizes: {sorted(sizes)}")
        return MaskCrops._of(
            [c for m in items for c in m.crops],
            np.concatenate([m.origins for m in items]),
            sizes.pop(),
        )

    # -- the stack it stands for ------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.crops), *self.frame_size)

    ndim = 3
    dtype = np.dtype(bool)

    def __len__(self) -> int:
        return len(self.crops)

    def __repr__(self) -> str:
        n, h, w = self.shape
        return f"MaskCrops({n} masks of {w}x{h}, {self.nbytes} bytes)"

    def dense(self, i: int) -> np.ndarray:
        """Mask ``i`` as a new H x W array."""
        out = np.zeros(self.frame_size, dtype=bool)
        self.paint(out, i)
        return out

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            return self.dense(int(np.arange(len(self))[index]))
        if isinstance(index, tuple):
            if index and isinstance(index[0], (int, np.integer)):
                i = int(np.arange(len(self))[index[0]])
                if len(index) == 3 and all(isinstance(s, slice) and s.step in (None, 1) for s in index[1:]):
                    # a window of one mask (m[i, y1:y2, x1:x2]), read from its crop
                    (y1, y2, _), (x1, x2, _) = (s.indices(n) for s, n in zip(index[1:], self.frame_size))
                    return self.window(i, x1, y1, max(x1, x2), max(y1, y2))
                return self.dense(i)[index[1:]]
            return np.asarray(self)[index]
        picked = np.arange(len(self))[index]
        return MaskCrops._of([self.crops[i] for i in picked], self.origins[picked], self.frame_size)

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self.dense(i) for i in range(len(self)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.zeros(self.shape, dtype=bool)
        for i in range(len(self)):
            self.paint(out[i], i)
        return out if dtype is None else out.astype(dtype, copy=False)

    def __getattr__(self, name: str) -> Any:
        # any other ndarray attribute, on the dense stack (dunder lookups are not ours)
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(np.asarray(self), name)

    # operators work as on the dense stack (``m != other``, ``m & region``)
    __eq__ = _on_dense("__eq__")
    __ne__ = _on_dense("__ne__")
    __and__ = _on_dense("__and__")
    __rand__ = _on_dense("__rand__")
    __or__ = _on_dense("__or__")
    __ror__ = _on_dense("__ror__")
    __xor__ = _on_dense("__xor__")
    __rxor__ = _on_dense("__rxor__")
    __invert__ = _on_dense("__invert__")
    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> tuple:
        return self.crops, self.origins, self.frame_size

    def __setstate__(self, state: tuple) -> None:
        self.crops, self.origins, self.frame_size = state

    # -- work on the crops --------------------------------------------------------------------

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self.crops) + self.origins.nbytes

    @property
    def areas(self) -> np.ndarray:
        """Pixel count of each mask, int64 (N,)."""
        return np.array([np.count_nonzero(c) for c in self.crops], dtype=np.int64)

    @property
    def boxes(self) -> np.ndarray:
        """Tight xyxy boxes, float32 N x 4 (exclusive right and bottom; zeros when empty)."""
        sides = np.array([c.shape[::-1] for c in self.crops], dtype=np.int64).reshape(-1, 2)
        return np.concatenate([self.origins, self.origins + sides], axis=1).astype(np.float32) * (
            sides.min(axis=1, keepdims=True) > 0
        )

    def slices(self, i: int) -> tuple[slice, slice]:
        """Where crop ``i`` lies in the frame: (rows, columns), so ``frame[m.slices(i)]``
        is the frame under it."""
        (x, y), (h, w) = self.origins[i], self.crops[i].shape
        return slice(int(y), int(y) + h), slice(int(x), int(x) + w)

    def window(self, i: int, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
        """Mask ``i`` under the frame window [y1:y2, x1:x2] (within the frame), a new array."""
        out = np.zeros((max(y2 - y1, 0), max(x2 - x1, 0)), dtype=bool)
        crop = self.crops[i]
        (x, y), (h, w) = self.origins[i], crop.shape
        ox1, oy1 = max(x, x1), max(y, y1)
        ox2, oy2 = min(x + w, x2), min(y + h, y2)
        if ox2 > ox1 and oy2 > oy1:
            out[oy1 - y1 : oy2 - y1, ox1 - x1 : ox2 - x1] = crop[oy1 - y : oy2 - y, ox1 - x : ox2 - x]
        return out

    def paint(self, canvas: np.ndarray, i: int | None = None) -> np.ndarray:
        """OR mask ``i`` (None: every mask) into ``canvas`` (bool H x W), in place."""
        for k in range(len(self)) if i is None else (i,):
            canvas[self.slices(k)] |= self.crops[k]
        return canvas

    def union(self) -> np.ndarray:
        """The pixels any mask holds, bool H x W."""
        return self.paint(np.zeros(self.frame_size, dtype=bool))

    def coverage(self) -> np.ndarray:
        """How many masks hold each pixel, int32 H x W."""
        counts = np.zeros(self.frame_size, dtype=np.int32)
        for k, crop in enumerate(self.crops):
            counts[self.slices(k)] += crop
        return counts

    def count_in(self, region: np.ndarray) -> np.ndarray:
        """How many pixels of each mask lie in ``region`` (bool H x W): int64 (N,)."""
        return np.array(
            [np.count_nonzero(crop & region[self.slices(k)]) for k, crop in enumerate(self.crops)], dtype=np.int64
        )

    def shifted(self, dx: int, dy: int) -> MaskCrops:
        """Every mask moved by (dx, dy) whole pixels; what leaves the frame is dropped."""
        return MaskCrops(self.crops, self.origins + np.array([dx, dy], dtype=np.int64), self.frame_size)

    def downsampled(self, step: int) -> MaskCrops:
        """The stack at every ``step``-th row and column, as ``np.asarray(m)[:, ::step,
        ::step]`` is."""
        if step == 1:
            return self
        crops, origins = [], []
        for crop, (x, y) in zip(self.crops, self.origins):
            r0, c0 = -y % step, -x % step
            crops.append(crop[r0::step, c0::step])
            origins.append(((x + c0) // step, (y + r0) // step))
        h, w = self.frame_size
        return MaskCrops(crops, origins, (-(-h // step), -(-w // step)))


@dataclass
class Masks:
    """A batch of N masks as parallel arrays; ``m[m.scores > 0.5]`` filters every field.

    masks: bool N x H x W at frame size, a dense array or (as the segmenters return them)
    :class:`MaskCrops`; boxes: float32 N x 4 xyxy (tight box of each
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
        return mask_areas(self.masks)

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
        joined = {f.name: np.concatenate([getattr(m, f.name) for m in items]) for f in fields(Masks) if f.name != "masks"}
        stacks = [m.masks for m in items]
        if any(isinstance(m, MaskCrops) for m in stacks):
            masks = MaskCrops.concatenate([MaskCrops.from_dense(m) for m in stacks])
        else:
            masks = np.concatenate(stacks)
        return Masks(masks=masks, **joined)


def mask_areas(masks: Any) -> np.ndarray:
    """Pixel count of each mask of an N x H x W stack (dense or MaskCrops), int64 (N,)."""
    if isinstance(masks, MaskCrops):
        return masks.areas
    masks = np.asarray(masks, dtype=bool)
    return masks.sum(axis=tuple(range(1, masks.ndim)), dtype=np.int64)


def mask_to_box_xyxy(masks: np.ndarray) -> np.ndarray:
    """Tight xyxy boxes (float32 N x 4, exclusive right/bottom edge) of boolean masks N x H x W.

    An empty mask gets an all-zero box.
    """
    if isinstance(masks, MaskCrops):
        return masks.boxes
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
    started / lost / ended: ids of the tracks whose track started, became lost, or ended
    on this frame (tuples of int, empty when the producer does not say); a lost or ended
    track is usually not among the visible rows.

    ``r[r.scores > 0.5]``, ``r[[0, 2]]``, ``r[1:]`` select rows of every per-object field
    together; ``r.with_ids([3, 7])`` selects by track id.
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
    started: tuple[int, ...] = ()
    lost: tuple[int, ...] = ()
    ended: tuple[int, ...] = ()

    # Every field is one of these three kinds (a test keeps the lists complete).
    PER_OBJECT: ClassVar[tuple[str, ...]] = ("track_ids", "masks", "boxes", "scores", "labels")
    LIFECYCLE: ClassVar[tuple[str, ...]] = ("started", "lost", "ended")
    PER_FRAME: ClassVar[tuple[str, ...]] = ("frame_index", "time", "height", "width", "image")

    def __post_init__(self) -> None:
        n = len(self.track_ids)
        if self.labels is None or len(self.labels) == 0:
            self.labels = [""] * n
        elif not isinstance(self.labels, list):
            self.labels = list(self.labels)
        for name in self.PER_OBJECT[1:]:
            if len(getattr(self, name)) != n:
                raise ValueError(f"FrameResult.{name} has {len(getattr(self, name))} rows, not {n}")
        for name in self.LIFECYCLE:
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(type(i) is int for i in value):
                items = value.reshape(-1) if isinstance(value, np.ndarray) else value
                setattr(self, name, tuple(int(i) for i in items))

    def __len__(self) -> int:
        return len(self.track_ids)

    def __getitem__(self, index: Any) -> FrameResult:
        """The rows picked by a boolean mask (N,), integer indices, a slice or one integer,
        of every per-object field; frame fields and the lifecycle tuples are kept as they
        are (they describe the frame, not the rows)."""
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            index = np.array([int(index)], dtype=np.int64)
        elif not isinstance(index, slice):
            index = np.asarray(index)
            if index.size == 0:
                index = np.zeros(0, dtype=np.int64)
            elif index.dtype == bool:
                if index.shape != (len(self),):
                    raise IndexError(
                        f"a boolean index for a FrameResult of {len(self)} rows must have "
                        f"shape ({len(self)},), not {index.shape}"
                    )
            elif not np.issubdtype(index.dtype, np.integer):
                raise IndexError(
                    "a FrameResult is indexed by a boolean mask, integer indices or a slice, "
                    f"not {index.dtype} values"
                )
        rows = {name: getattr(self, name)[index] for name in self.PER_OBJECT if name != "labels"}
        labels = np.asarray(self.labels, dtype=object).reshape(-1)[index]
        return FrameResult(
            **{name: getattr(self, name) for name in self.PER_FRAME + self.LIFECYCLE},
            **rows,
            labels=[str(label) for label in labels],
        )

    def with_ids(self, track_ids: Iterable[int] | int) -> FrameResult:
        """The rows of the given track ids (in this result's order; ids not visible are
        skipped), with the lifecycle tuples cut to those ids as well."""
        if isinstance(track_ids, (int, np.integer)):
            track_ids = [int(track_ids)]
        wanted = np.asarray(list(track_ids), dtype=np.int64).reshape(-1)
        picked = self[np.isin(self.track_ids, wanted)]
        keep = set(wanted.tolist())
        for name in self.LIFECYCLE:
            setattr(picked, name, tuple(i for i in getattr(self, name) if i in keep))
        return picked

    def to_supervision(self) -> Any:
        """These rows as a ``supervision.Detections`` (needs the optional ``supervision``
        package), so its annotators, zones and line counters take samtrack's tracks.

        xyxy float32 N x 4; mask bool N x H x W (this result's array, not a copy);
        confidence float32 (N,); tracker_id int64 (N,); data["class_name"]: the labels
        (str array, "" when none); class_id int64 (N,): one stable number per label (its
        CRC-32; 0 for ""), there because supervision's annotators colour by class unless
        told otherwise, and stable so a label keeps its colour from frame to frame.
        """
        try:
            import supervision as sv
        except ImportError as e:
            if e.name == "supervision":
                raise SamtrackError(
                    "FrameResult.to_supervision needs the supervision package: "
                    "pip install 'samtrack[supervision]'"
                ) from None
            # installed, but something it imports is missing or broken
            raise SamtrackError(f"supervision is installed but cannot be imported: {e}") from None
        n = len(self)
        labels = np.asarray([str(label) for label in self.labels], dtype=str).reshape(n)
        return sv.Detections(
            xyxy=np.asarray(self.boxes, dtype=np.float32).reshape(n, 4),
            mask=np.asarray(self.masks, dtype=bool).reshape(n, self.height, self.width),
            confidence=np.asarray(self.scores, dtype=np.float32).reshape(n),
            class_id=np.array([zlib.crc32(label.encode()) for label in labels], dtype=np.int64),
            tracker_id=np.asarray(self.track_ids, dtype=np.int64).reshape(n),
            data={"class_name": labels},
        )

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
        points: np.ndarray | None = None,
    ) -> Masks: ...


def prompt_list(value: Any, where: str) -> list[Prompt]:
    """``value`` as a list of Prompts, or a InputError naming the first that is not one."""
    if isinstance(value, (Prompt, str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InputError(
            f"{where} must be a list of samtrack.Prompt (e.g. [Prompt(box=[x1, y1, x2, y2])]), "
            f"not {describe(value)}"
        )
    prompts = list(value)
    for i, p in enumerate(prompts):
        if not isinstance(p, Prompt):
            raise InputError(
                f"{where}: item {i + 1} is {describe(p)}, not a samtrack.Prompt "
                "(e.g. Prompt(box=[x1, y1, x2, y2]))"
            )
    return prompts


def check_box_order(prompt: Prompt, where: str) -> None:
    """SamtrackError unless ``prompt``'s box (if it has one) has x2 > x1 and y2 > y1;
    ``where`` names the prompt in the message (e.g. "prompt 2 for frame 10")."""
    if prompt.box is not None:
        x1, y1, x2, y2 = prompt.box
        if x2 <= x1 or y2 <= y1:
            box = ",".join(f"{v:g}" for v in prompt.box)
            raise SamtrackError(f"{where}: box {box} needs x2 > x1 and y2 > y1")
