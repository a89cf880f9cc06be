"""Single images: read one as RGB, write masks as an index PNG.

An index image is single channel: 0 = background, k = object k (1-based, in the order
given); where masks overlap the later one wins; 8-bit for up to 255 objects, else 16-bit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from samtrack.errors import SamtrackError

__all__ = ["encode_png", "index_mask", "read_image"]


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """An image file as RGB uint8 H x W x 3; a SamtrackError when missing or unreadable."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise SamtrackError(f"image not found: {path}")
    data = np.fromfile(path, dtype=np.uint8) if path.stat().st_size else None
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data is not None else None
    if bgr is None:
        raise SamtrackError(f"cannot read image {path}: not an image format OpenCV can decode")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def index_mask(masks: np.ndarray) -> np.ndarray:
    """bool N x H x W -> H x W index image: 0 background, k where mask k-1 is (later wins)."""
    n, h, w = masks.shape
    out = np.zeros((h, w), dtype=np.uint8 if n <= 255 else np.uint16)
    for k, mask in enumerate(masks, start=1):
        out[mask] = k
    return out


def encode_png(array: np.ndarray) -> bytes:
    """PNG bytes of a single-channel index image or an RGB uint8 image."""
    import cv2

    if array.ndim == 3:
        array = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".png", array)
    if not ok:
        raise SamtrackError("cannot encode a PNG image")
    return buf.tobytes()
