"""MOT challenge text files (MOT16/17/20 results format): one line per box per frame.

Line layout, comma separated::

    <frame>,<id>,<x>,<y>,<w>,<h>,<conf>,-1,-1,-1

``frame`` is 1-based (``frame_index + 1``); ``x, y`` the box's top-left corner and ``w, h``
its size in pixels (``xywh``); ``conf`` the score. Numbers are written in the shortest form
that reads back to the same float32. Frames without objects have no line.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator

import numpy as np

from samtrack.errors import SamtrackError
from samtrack.io.base import TextFileSink
from samtrack.types import FrameResult

__all__ = ["MotSink", "read_mot"]


def _num(value: float) -> str:
    return np.format_float_positional(np.float32(value), trim="-")


class MotSink(TextFileSink):
    """Writes MOT challenge box lines (see the module docstring)."""

    def _write(self, result: FrameResult) -> None:
        boxes = np.asarray(result.boxes, dtype=np.float32).reshape(-1, 4)
        frame = int(result.frame_index) + 1
        lines = []
        for i in np.argsort(np.asarray(result.track_ids), kind="stable"):
            x1, y1, x2, y2 = boxes[i]
            lines.append(
                f"{frame},{int(result.track_ids[i])},{_num(x1)},{_num(y1)},{_num(x2 - x1)},"
                f"{_num(y2 - y1)},{_num(result.scores[i])},-1,-1,-1\n"
            )
        self._write_lines(lines)


def read_mot(
    path: str | os.PathLike[str], *, fps: float | None = None, ground_truth: bool = False
) -> Iterator[FrameResult]:
    """FrameResults (boxes only) from a MOT file, one per frame that has boxes, in frame order.

    boxes: xyxy float32 (x, y, x + w, y + h); scores: the conf column (1.0 if absent);
    labels: ""; height = width = 0 and masks of shape N x 0 x 0, since MOT files hold no
    masks or frame size; frame_index: file frame - 1; time: frame_index / fps (NaN without).
    ``ground_truth``: read a MOTChallenge ground-truth file: keep only the rows whose
    consider flag (column 7) is not 0 and whose class (column 8, when it holds one) is 1
    (pedestrian), with score 1.
    """
    name = os.fspath(path)
    frames: dict[int, list[tuple[int, float, float, float, float, float]]] = {}
    try:
        file = open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as e:
        raise SamtrackError(f"cannot read {name}: {e.strerror}") from None
    with file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            fields = [f.strip() for f in line.split(",")]
            try:
                if len(fields) < 6:
                    raise ValueError(f"{len(fields)} fields, not at least 6")
                frame, tid = int(float(fields[0])), int(float(fields[1]))
                x, y, w, h = (float(v) for v in fields[2:6])
                conf = float(fields[6]) if len(fields) > 6 else 1.0
                if ground_truth:
                    cls = int(float(fields[7])) if len(fields) > 7 else -1
                    if conf == 0 or cls > 1:  # -1: no class (MOT15 world coordinates)
                        continue
                    conf = 1.0
            except ValueError as e:
                raise SamtrackError(f"{name} line {number} is not a MOT line: {e}") from None
            frames.setdefault(frame, []).append((tid, x, y, w, h, conf))

    for frame in sorted(frames):
        rows = sorted(frames[frame])
        data = np.array([r[1:] for r in rows], dtype=np.float32).reshape(-1, 5)
        x, y, w, h = data[:, 0], data[:, 1], data[:, 2], data[:, 3]
        index = frame - 1
        yield FrameResult(
            frame_index=index,
            time=index / fps if fps else math.nan,
            height=0,
            width=0,
            track_ids=np.array([r[0] for r in rows], dtype=np.int64),
            masks=np.zeros((len(rows), 0, 0), dtype=bool),
            boxes=np.stack([x, y, x + w, y + h], axis=1).astype(np.float32),
            scores=data[:, 4].copy(),
        )
