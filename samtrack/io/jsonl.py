"""JSON Lines results: one line per frame, masks as COCO RLE; and a reader that inverts it.

Line layout (one JSON object per line, frames in the order written, every frame written even
when it has no objects)::

    {"frame": 0, "time": 0.0, "height": 96, "width": 128,
     "objects": [{"id": 1, "label": "", "score": 0.95, "box": [x1, y1, x2, y2],
                  "area": 256, "rle": {"size": [96, 128], "counts": "..."}}]}

``frame`` is the 0-based frame index, ``time`` seconds (null when unknown); ``box`` is
xyxy in pixels; ``area`` the mask's pixel count; ``rle`` the mask in COCO compressed RLE
(pycocotools). Floats are written in full (float32 values exactly), so :func:`read_jsonl`
gives back exactly what was written (the image is not stored).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator

import numpy as np

from samtrack.errors import SamtrackError
from samtrack.io.base import TextFileSink, check_result
from samtrack.io.rle import decode_masks, encode_masks
from samtrack.types import FrameResult, mask_areas

__all__ = ["JsonlSink", "frame_to_json", "read_jsonl"]


def frame_to_json(result: FrameResult) -> dict:
    """The JSON object of one frame (see the module docstring)."""
    check_result(result)
    rles = encode_masks(result.masks)
    areas = mask_areas(result.masks)
    boxes = np.asarray(result.boxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(result.scores, dtype=np.float32).reshape(-1)
    objects = [
        {
            "id": int(result.track_ids[i]),
            "label": str(result.labels[i]),
            "score": float(scores[i]),
            "box": [float(v) for v in boxes[i]],
            "area": int(areas[i]),
            "rle": rles[i],
        }
        for i in range(len(result))
    ]
    return {
        "frame": int(result.frame_index),
        "time": None if math.isnan(result.time) else float(result.time),
        "height": int(result.height),
        "width": int(result.width),
        "objects": objects,
    }


class JsonlSink(TextFileSink):
    """Writes one JSON line per frame to ``path`` (see the module docstring)."""

    def _write(self, result: FrameResult) -> None:
        line = json.dumps(frame_to_json(result), separators=(",", ":"))
        self._write_lines([line, "\n"])


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[FrameResult]:
    """FrameResults read back from a JSONL file, one per line, lazily (masks decoded)."""
    try:
        file = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as e:
        raise SamtrackError(f"cannot read {os.fspath(path)}: {e.strerror}") from None
    with file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            data = None
            try:
                data = json.loads(line)
                yield _from_json(data)
            except SamtrackError as e:
                frame = data.get("frame") if isinstance(data, dict) else None
                where = f"line {number}" + (f" (frame {frame})" if frame is not None else "")
                raise SamtrackError(f"{os.fspath(path)} {where}: {e}") from None
            except (ValueError, KeyError, TypeError, IndexError) as e:
                raise SamtrackError(
                    f"{os.fspath(path)} line {number} is not a samtrack JSONL frame: {e!r}"
                ) from None


def _from_json(data: dict) -> FrameResult:
    height, width = int(data["height"]), int(data["width"])
    objects = data["objects"]
    return FrameResult(
        frame_index=int(data["frame"]),
        time=float("nan") if data["time"] is None else float(data["time"]),
        height=height,
        width=width,
        track_ids=np.array([o["id"] for o in objects], dtype=np.int64),
        masks=decode_masks([o["rle"] for o in objects], height, width),
        boxes=np.array([o["box"] for o in objects], dtype=np.float32).reshape(-1, 4),
        scores=np.array([o["score"] for o in objects], dtype=np.float32),
        labels=[str(o.get("label", "")) for o in objects],
    )
