"""MOTS challenge text files (KITTI MOTS / MOTSChallenge): one line per object per frame.

Line layout, space separated::

    <frame> <object_id> <class_id> <img_height> <img_width> <rle>

``frame`` is 1-based (``frame_index + 1``); ``object_id = class_id * 1000 + track_id``
(so a track id must lie in 0..999 and a class id be 1 or more); ``rle`` is the mask in COCO
compressed RLE (the pycocotools string). Frames without objects have no line. Masks in one
frame must not overlap: the writer gives each contested pixel to the highest-scoring object
(ties: the first) and leaves out objects whose mask ends up empty.

Class ids: ``class_ids`` maps labels to class ids; a label that is a whole number (what
:func:`read_mots` returns without ``class_names``) is that class id; anything else gets
``default_class_id`` (1).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from samtrack.errors import SamtrackError
from samtrack.io.base import TextFileSink, check_result
from samtrack.io.rle import decode_masks, encode_masks
from samtrack.types import FrameResult, MaskCrops, mask_to_box_xyxy

__all__ = ["MotsSink", "disjoint_masks", "read_mots"]

MAX_TRACK_ID = 999


def disjoint_masks(masks: Any, scores: np.ndarray) -> MaskCrops:
    """Masks N x H x W (dense or MaskCrops) made disjoint: each pixel stays only in the
    highest-scoring mask that has it (ties go to the lower index). Returns new crops."""
    masks = MaskCrops.from_dense(masks)
    if len(masks) < 2:
        return masks
    taken = np.zeros(masks.frame_size, dtype=bool)
    crops = list(masks.crops)
    for i in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable"):
        window = masks.slices(i)
        crops[i] = crops[i] & ~taken[window]
        taken[window] |= crops[i]
    return MaskCrops(crops, masks.origins, masks.frame_size)


class MotsSink(TextFileSink):
    """Writes MOTS challenge lines (see the module docstring)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        class_ids: Mapping[str, int] | None = None,
        default_class_id: int = 1,
    ) -> None:
        self.class_ids = dict(class_ids or {})
        self.default_class_id = int(default_class_id)
        for label, cid in [*self.class_ids.items(), ("default", self.default_class_id)]:
            if int(cid) < 1:
                raise SamtrackError(f"MOTS class ids are 1 or more, not {cid} (for {label!r})")
        super().__init__(path)

    def class_id(self, label: str) -> int:
        """The MOTS class id written for ``label``."""
        if label in self.class_ids:
            return int(self.class_ids[label])
        if label.isdigit() and int(label) >= 1:
            return int(label)
        return self.default_class_id

    def _write(self, result: FrameResult) -> None:
        check_result(result)
        for tid in result.track_ids:
            if not 0 <= int(tid) <= MAX_TRACK_ID:
                raise SamtrackError(
                    f"MOTS files hold track ids 0..{MAX_TRACK_ID}; track {int(tid)} does not fit "
                    f"(use the jsonl format for longer runs)"
                )
        masks = disjoint_masks(result.masks, result.scores)
        keep = np.flatnonzero(masks.areas).tolist()
        rles = encode_masks(masks[keep]) if keep else []
        frame = int(result.frame_index) + 1
        rows = sorted(
            (self.class_id(str(result.labels[i])) * 1000 + int(result.track_ids[i]), rle)
            for i, rle in zip(keep, rles, strict=True)
        )
        self._write_lines(
            [
                f"{frame} {obj} {obj // 1000} {result.height} {result.width} {rle['counts']}\n"
                for obj, rle in rows
            ]
        )


def read_mots(
    path: str | os.PathLike[str],
    *,
    class_names: Mapping[int, str] | None = None,
    fps: float | None = None,
) -> Iterator[FrameResult]:
    """FrameResults from a MOTS file, one per frame that has objects, in frame order.

    track_ids: ``object_id % 1000``; labels: ``class_names[class_id]``, or the class id as
    a string ("1") for a class not in ``class_names``; masks decoded; boxes: the masks'
    tight boxes; scores: 1.0; frame_index: file frame - 1; time: frame_index / fps (NaN
    without fps).
    """
    name = os.fspath(path)
    names = dict(class_names or {})
    frames: dict[int, list[tuple[int, int, int, int, str]]] = {}
    try:
        file = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as e:
        raise SamtrackError(f"cannot read {name}: {e.strerror}") from None
    with file:
        for number, line in enumerate(file, 1):
            fields = line.split()
            if not fields:
                continue
            try:
                if len(fields) != 6:
                    raise ValueError(f"{len(fields)} fields, not 6")
                frame, obj, cid, h, w = (int(v) for v in fields[:5])
            except ValueError as e:
                raise SamtrackError(f"{name} line {number} is not a MOTS line: {e}") from None
            frames.setdefault(frame, []).append((obj, cid, h, w, fields[5]))

    for frame in sorted(frames):
        rows = sorted(frames[frame])
        h, w = rows[0][2], rows[0][3]
        if any((r[2], r[3]) != (h, w) for r in rows):
            raise SamtrackError(f"{name}: frame {frame} has masks of different sizes")
        try:
            masks = decode_masks([{"size": [h, w], "counts": r[4]} for r in rows], h, w)
        except SamtrackError as e:
            raise SamtrackError(f"{name} frame {frame}: {e}") from None
        index = frame - 1
        yield FrameResult(
            frame_index=index,
            time=index / fps if fps else math.nan,
            height=h,
            width=w,
            track_ids=np.array([r[0] % 1000 for r in rows], dtype=np.int64),
            masks=masks,
            boxes=mask_to_box_xyxy(masks),
            scores=np.ones(len(rows), dtype=np.float32),
            labels=[names.get(r[1], str(r[1])) for r in rows],
        )
