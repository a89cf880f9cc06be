"""Baselines the tracker must beat, with the same ``update(frame, prompts)`` as
:class:`~samtrack.tracking.tracker.Tracker` so one evaluation loop runs them all.

- :class:`LastBoxTracker`: each object prompted with its previous mask's box, every frame
  (with ``velocity``: that box moved by the object's last displacement). No gates, no
  association, no lifecycle: an object is never dropped, its id never changes.
- :class:`ExactBoxReference`: every visible object prompted with its true box on every
  frame and reported under its true id; what the segmenter itself allows. It reads the
  truth from an oracle's embedding (:class:`~samtrack.eval.oracle.OracleFrame`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import Frame, FrameResult, Masks, Prompt, Segmenter, mask_to_box_xyxy


def _result(frame: Frame, ids: list[int], masks: Masks) -> FrameResult:
    """The non-empty masks of ``masks`` under ``ids`` as the frame's result."""
    height, width = frame.size
    keep = masks.areas > 0
    return FrameResult(
        frame_index=frame.index,
        time=frame.time,
        height=height,
        width=width,
        track_ids=np.asarray(ids, dtype=np.int64)[keep],
        masks=masks.masks[keep],
        boxes=masks.boxes[keep],
        scores=masks.scores[keep],
    )


class LastBoxTracker:
    """Prompts each object with the box of its last non-empty mask (ids from 1, in the
    order their prompts arrive); ``velocity``: shifted by that box's last displacement."""

    def __init__(self, segmenter: Segmenter, velocity: bool = False) -> None:
        self.segmenter = segmenter
        self.velocity = velocity
        self.boxes: list[np.ndarray] = []  # the last non-empty mask's box of each object
        self.steps: list[np.ndarray] = []  # its last displacement (dx, dy)

    def update(self, frame: Frame, prompts: Sequence[Prompt] = ()) -> FrameResult:
        embedding = self.segmenter.embed(frame.image)
        height, width = frame.size
        asks = []
        for box, step in zip(self.boxes, self.steps):
            moved = box + np.tile(step, 2) if self.velocity else box
            moved = np.clip(moved, 0, [width, height, width, height])
            if moved[2] - moved[0] < 1 or moved[3] - moved[1] < 1:
                moved = box
            asks.append(Prompt(box=moved))
        asks += list(prompts)
        n_old = len(self.boxes)
        if not asks:
            return FrameResult.empty(frame.index, frame.time, height, width)
        masks = self.segmenter.segment(embedding, asks, multimask=False)
        for i in range(len(asks)):
            box = masks.boxes[i].astype(np.float64)
            if i >= n_old:  # a new object starts from its prompt's box if its mask is empty
                start = box if masks.areas[i] > 0 else np.asarray(asks[i].box, dtype=np.float64)
                self.boxes.append(start)
                self.steps.append(np.zeros(2))
            elif masks.areas[i] > 0:
                old = self.boxes[i]
                self.steps[i] = (box[:2] + box[2:]) / 2 - (old[:2] + old[2:]) / 2
                self.boxes[i] = box
        return _result(frame, list(range(1, len(asks) + 1)), masks)


class ExactBoxReference:
    """Every visible object of an oracle's ground truth, prompted with its exact box,
    reported under its true id."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def update(self, frame: Frame, prompts: Sequence[Prompt] = ()) -> FrameResult:
        embedding = self.segmenter.embed(frame.image)
        ids, truth = np.asarray(embedding.ids), np.asarray(embedding.masks)
        visible = truth.reshape(len(truth), -1).any(axis=1) if len(truth) else np.zeros(0, bool)
        ids, truth = ids[visible], truth[visible]
        if not len(ids):
            return FrameResult.empty(frame.index, frame.time, *frame.size)
        asks = [Prompt(box=b) for b in mask_to_box_xyxy(truth)]
        return _result(frame, [int(i) for i in ids], self.segmenter.segment(embedding, asks, multimask=False))
