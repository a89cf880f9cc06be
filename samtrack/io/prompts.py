"""User prompts for any frame, from a JSON file.

Prompts file, a JSON object from frame index (0-based) to a list of objects::

    {"0":  [{"box": [x1, y1, x2, y2], "label": "forklift"}],
     "40": [{"points": [[x, y], [x, y]], "point_labels": [1, 0], "label": "person"},
            {"box": [10, 20, 60, 90], "points": [[30, 50]]}]}

Coordinates are frame pixels; ``point_labels`` default to 1 (positive); ``label`` is
optional. Every problem is reported as one line naming the file and the entry.
Frame indices are those of the whole video (``start`` and ``stride`` do not renumber
them): ``track()`` refuses prompts for frames before the run's first or past the video's
last, and uses prompts for a frame the run skips on the next frame it processes.
"""

from __future__ import annotations

import json
import numbers
import os
from typing import Any

import numpy as np

from ..errors import SamtrackError
from ..types import Prompt, check_box_order

PromptSchedule = dict[int, list[Prompt]]


def _number_list(value: Any, n: int | None, what: str) -> list[float]:
    if not isinstance(value, (list, tuple)) or (n is not None and len(value) != n):
        raise ValueError(f"{what} must be a list of {n} numbers" if n else f"{what} must be a list")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) for v in value):
        raise ValueError(f"{what} must hold only numbers")
    return [float(v) for v in value]


def parse_prompt(entry: Any) -> Prompt:
    """One object of a prompts file -> a :class:`Prompt` (raises ValueError with the reason)."""
    if not isinstance(entry, dict):
        raise ValueError("each object must be a JSON object with a box and/or points")
    unknown = set(entry) - {"box", "points", "point_labels", "label"}
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    box = points = labels = None
    if "box" in entry:
        box = _number_list(entry["box"], 4, "box")
        if box[2] <= box[0] or box[3] <= box[1]:
            raise ValueError(f"box {box} needs x2 > x1 and y2 > y1")
    if "points" in entry:
        raw = entry["points"]
        if not isinstance(raw, list) or not raw:
            raise ValueError("points must be a non-empty list of [x, y]")
        points = [_number_list(p, 2, "each point") for p in raw]
        labels = entry.get("point_labels", [1] * len(points))
        if not isinstance(labels, list) or len(labels) != len(points) or any(v not in (0, 1) for v in labels):
            raise ValueError("point_labels must be a list of 0/1, one per point")
    if box is None and points is None:
        raise ValueError("each object needs a box or points")
    label = entry.get("label", "")
    if not isinstance(label, str):
        raise ValueError("label must be a string")
    return Prompt(box=box, points=points, labels=labels, label=label)


def load_prompts(path: str | os.PathLike) -> PromptSchedule:
    """Read a prompts file (see the module docstring) into frame index -> prompts."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise SamtrackError(f"prompts file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SamtrackError(f"cannot read prompts file {path}: {e}") from None
    except json.JSONDecodeError as e:
        raise SamtrackError(f"prompts file {path} is not valid JSON: {e.msg} at line {e.lineno}") from None
    if not isinstance(data, dict):
        raise SamtrackError(f"prompts file {path} must hold a JSON object: frame index -> list of objects")
    schedule: PromptSchedule = {}
    for key, entries in data.items():
        try:
            frame = int(key)
            if frame < 0 or str(frame) != key.strip():
                raise ValueError
        except ValueError:
            raise SamtrackError(f"prompts file {path}: {key!r} is not a frame index (0, 1, 2 ...)") from None
        if not isinstance(entries, list):
            raise SamtrackError(f"prompts file {path}, frame {frame}: expected a list of objects")
        for i, entry in enumerate(entries):
            try:
                schedule.setdefault(frame, []).append(parse_prompt(entry))
            except ValueError as e:
                raise SamtrackError(f"prompts file {path}, frame {frame}, object {i + 1}: {e}") from None
    return schedule


def check_prompts_in_frame(schedule: PromptSchedule, height: int, width: int) -> None:
    """Raise SamtrackError for the first box or point that lies outside an H x W frame."""
    for frame, prompts in sorted(schedule.items()):
        for i, p in enumerate(prompts):
            where = f"prompt {i + 1} for frame {frame}" if frame >= 0 else f"prompt {i + 1}"
            check_box_order(p, where)
            if p.box is not None:
                x1, y1, x2, y2 = p.box
                if x1 < 0 or y1 < 0 or x2 > width or y2 > height:
                    box = ",".join(f"{v:g}" for v in p.box)
                    raise SamtrackError(f"{where}: box {box} lies outside the {width}x{height} frame")
            if p.points is not None:
                bad = (p.points[:, 0] < 0) | (p.points[:, 0] >= width)
                bad |= (p.points[:, 1] < 0) | (p.points[:, 1] >= height)
                if bad.any():
                    x, y = p.points[int(np.argmax(bad))]
                    raise SamtrackError(f"{where}: point {x:g},{y:g} lies outside the {width}x{height} frame")


def check_prompt_count(schedule: PromptSchedule, max_objects: int) -> None:
    """Raise SamtrackError when any one frame has more prompts than ``max_objects`` (frame
    -1: the prompts for the first frame seen)."""
    for frame, prompts in sorted(schedule.items()):
        if len(prompts) > max_objects:
            where = f"frame {frame}" if frame >= 0 else "the first frame"
            raise SamtrackError(
                f"{len(prompts)} prompts for {where}, more than max_objects (--max-objects) "
                f"{max_objects}: give fewer or raise --max-objects"
            )


def frame_list(frames: list[int], limit: int = 5) -> str:
    """"frame 7" / "frames 3, 7 and 9" / "frames 3, 7, 9, 12, 15 ... (8 in all)"."""
    if len(frames) == 1:
        return f"frame {frames[0]}"
    if len(frames) > limit:
        return f"frames {', '.join(map(str, frames[:limit]))} ... ({len(frames)} in all)"
    return f"frames {', '.join(map(str, frames[:-1]))} and {frames[-1]}"


def frame_index(key: object, what: str) -> int:
    """A mapping's key as a frame index (a whole number >= 0, or its decimal string), or a
    SamtrackError naming ``what`` the mapping is."""
    if isinstance(key, str) and key.strip().isdigit():
        return int(key)
    if isinstance(key, numbers.Integral) and not isinstance(key, bool) and key >= 0:
        return int(key)
    raise SamtrackError(f"{what}: {key!r} is not a frame index (0, 1, 2 ...)")
