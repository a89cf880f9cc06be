"""COCO run-length encoding of masks (pycocotools), as JSON-friendly dicts.

An RLE here is ``{"size": [height, width], "counts": str}``: column-major runs, the
compressed string form pycocotools writes (``counts`` decoded from bytes to ASCII).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from samtrack.errors import SamtrackError
from samtrack.types import MaskCrops

__all__ = ["decode_masks", "encode_masks", "rle_pixel_count"]


def encode_masks(masks: Any) -> list[dict[str, Any]]:
    """RLEs of boolean masks N x H x W, dense or :class:`~samtrack.types.MaskCrops` (one
    dict per mask); the same strings as ``pycocotools.mask.encode``, computed from the
    columns each mask spans only (masks are usually small next to the frame, and the
    column-major transpose dominates the cost)."""
    if not isinstance(masks, MaskCrops):
        masks = np.asarray(masks)
        if masks.ndim != 3:
            raise ValueError(f"masks must be N x H x W, not of shape {masks.shape}")
    n, h, w = masks.shape
    if n == 0:
        return []
    if h == 0 or w == 0:
        return [{"size": [h, w], "counts": "0"} for _ in range(n)]  # as pycocotools writes
    crops = MaskCrops.from_dense(masks)
    uncompressed = [{"size": [h, w], "counts": _runs(crops, i)} for i in range(n)]
    return [
        {"size": [h, w], "counts": r["counts"].decode("ascii")}
        for r in mask_utils.frPyObjects(uncompressed, h, w)
    ]


def _runs(masks: MaskCrops, i: int) -> list[int]:
    """COCO run lengths of mask ``i``: alternating 0/1 runs in column-major order over the
    H x W frame, starting with a (possibly empty) run of zeros."""
    h, w = masks.frame_size
    crop = masks.crops[i]
    if not crop.size:
        return [h * w]
    x1, y1 = (int(v) for v in masks.origins[i])
    ch, cw = crop.shape
    x2 = x1 + cw
    # the crop's columns at full height, column-major
    strip = np.zeros((cw, h), dtype=bool)
    strip[:, y1 : y1 + ch] = crop.T
    strip = strip.reshape(-1)
    edges = np.flatnonzero(strip[1:] != strip[:-1]) + 1
    runs = np.diff(np.concatenate(([0], edges, [strip.size]))).tolist()
    if strip[0]:
        runs.insert(0, x1 * h)  # the strip starts with ones: zeros before it
    else:
        runs[0] += x1 * h
    tail = (w - x2) * h
    if tail:
        if strip[-1]:
            runs.append(tail)
        else:
            runs[-1] += tail
    return runs


def rle_pixel_count(counts: bytes | str) -> int:
    """Pixels a compressed COCO RLE string covers (the sum of its runs), without decoding it.

    The string holds one number per run, 5 bits per character (offset by 48; bit 0x20: more
    characters follow, bit 0x10 of the last one: negative), and from the fourth run on each
    number is the difference to the run two before it (pycocotools' ``rleFrString``).
    """
    data = counts.encode("ascii") if isinstance(counts, str) else counts
    runs: list[int] = []
    value = shift = 0
    for byte in data:
        c = byte - 48
        value |= (c & 0x1F) << shift
        shift += 5
        if c & 0x20:
            continue
        if c & 0x10:
            value -= 1 << shift  # sign-extend
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
        value = shift = 0
    return sum(runs)


def decode_masks(rles: list[dict[str, Any]], height: int, width: int) -> np.ndarray:
    """Boolean masks N x H x W from RLE dicts (``counts`` as str or bytes).

    Raises SamtrackError if an RLE's size is not (height, width), its runs do not cover
    height x width pixels, or pycocotools rejects it.
    """
    if not rles:
        return np.zeros((0, height, width), dtype=bool)
    coco = []
    for rle in rles:
        size = [int(v) for v in rle["size"]]
        if size != [height, width]:
            raise SamtrackError(f"a mask of {size[1]}x{size[0]} in a {width}x{height} frame")
        counts = rle["counts"]
        counts = counts.encode("ascii") if isinstance(counts, str) else bytes(counts)
        pixels = rle_pixel_count(counts)
        if pixels != height * width:
            # pycocotools would fill the missing pixels with whatever is in memory
            raise SamtrackError(
                f"a mask whose RLE holds {pixels} pixels in a {width}x{height} frame "
                f"({height * width} pixels)"
            )
        coco.append({"size": size, "counts": counts})
    try:
        with warnings.catch_warnings():
            # pycocotools (2.0.11 and earlier) trips NumPy 2's __array__ copy deprecation; harmless
            warnings.filterwarnings(
                "ignore", message="__array__ implementation", category=DeprecationWarning
            )
            decoded = mask_utils.decode(coco)
    except Exception as e:  # noqa: BLE001 - pycocotools raises bare exceptions
        raise SamtrackError(f"invalid RLE mask: {e}") from None
    return decoded.transpose(2, 0, 1).astype(bool)
