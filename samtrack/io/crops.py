"""One picture per track: the best view of each object, cut from the frame, as a PNG.

:class:`CropSink` writes ``<folder>/<track_id>.png`` for every track in the results (the
tracker reports confirmed tracks only). It is an output format to choose (``--format
...,crops``; the folder is ``<stem>_crops``), not something every run writes: a run over a
camera for days would leave a file per passer-by, and pictures of people are often what a
counting installation must not keep.

The best view, kept per track as the results stream (one candidate picture per live track
in memory, never a history of frames):

- a view whose box does not touch the frame's border beats one that does (an object cut
  off by the edge is a poor picture of it, however large);
- among views alike in that, the highest ``score x mask area`` wins (a confident and large
  view; the earlier one on a tie).

The picture is the frame (``FrameResult.image``, without overlays) under the track's box
padded by :data:`CROP_PADDING` of its width on the left and right and of its height above
and below, widened to whole pixels (floor of the left/top edge, ceiling of the right/bottom
one) and cut to the frame.

Files follow the sinks' rules (:mod:`samtrack.io.base`), for a folder: the pictures go to
``<folder>.partial/``, each written whole (:mod:`samtrack.io.atomic`); ``close()`` renames
the folder to its final name (replacing an earlier run's folder). A track's picture is
written when the track ends, so memory holds only live tracks' pictures; the rest are
written at ``close()``, or at ``abort()`` (an interrupted run), which keeps the
``.partial`` folder with a picture of every track seen so far.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from samtrack.errors import SamtrackError
from samtrack.io.atomic import write_bytes
from samtrack.io.base import ClosingSink, partial_path
from samtrack.io.images import encode_png
from samtrack.types import FrameResult, MaskCrops

__all__ = ["CROPS_FOLDER", "CROP_PADDING", "CropSink", "crop_box", "remove_crops_folder"]

CROPS_FOLDER = "{stem}_crops"
"""The folder's name pattern, beside the run's other results."""

CROP_PADDING = 0.10
"""Margin around the box on each side, as a fraction of the box's width (left and right)
and height (top and bottom): some context around the object."""


def crop_box(
    box_xyxy: np.ndarray, height: int, width: int, padding: float = CROP_PADDING
) -> tuple[int, int, int, int]:
    """The pixels a crop of ``box_xyxy`` covers: (x1, y1, x2, y2), right and bottom
    exclusive, the box padded as the module docstring says and cut to the frame."""
    x1, y1, x2, y2 = (float(v) for v in box_xyxy)
    pad_x, pad_y = padding * (x2 - x1), padding * (y2 - y1)
    return (
        max(0, math.floor(x1 - pad_x)),
        max(0, math.floor(y1 - pad_y)),
        min(width, math.ceil(x2 + pad_x)),
        min(height, math.ceil(y2 + pad_y)),
    )


@dataclass
class _Candidate:
    whole: bool  # the box does not touch the frame's border
    quality: float  # score x mask area
    image: np.ndarray  # the padded crop, RGB


def _ours(folder: Path) -> bool:
    """Whether ``folder`` holds only what a CropSink writes: PNG files (its own temporary
    files end in ``.png`` too)."""
    return all(p.is_file() and p.suffix.lower() == ".png" for p in folder.iterdir())


def remove_crops_folder(folder: str | os.PathLike[str]) -> bool:
    """Remove a crops folder of an earlier run: its PNG files, then the folder. A folder
    that holds anything else (not ours to delete) keeps it all and stays; returns whether
    the folder is gone."""
    folder = Path(folder)
    if not folder.is_dir() or not _ours(folder):
        return False
    shutil.rmtree(folder)
    return True


class CropSink(ClosingSink):
    """Writes one PNG per track, its best view, to the folder ``path`` (see the module
    docstring). A Sink: ``write``, ``close``, ``abort``, a context manager.

    padding: margin around each box (fraction of its size). ``FrameResult.image`` must hold
    the RGB frame. An existing ``path`` or ``<path>.partial`` (an earlier run's) is
    replaced, but only if it holds nothing but PNG files (a SamtrackError otherwise).
    """

    def __init__(self, path: str | os.PathLike[str], *, padding: float = CROP_PADDING) -> None:
        if (
            isinstance(padding, bool)
            or not isinstance(padding, (int, float))
            or not 0 <= padding < math.inf
        ):
            raise SamtrackError(f"the crops' padding must be a fraction >= 0, not {padding!r}")
        self.path = Path(path)
        self.partial_path = partial_path(self.path)
        self.padding = float(padding)
        for folder in (self.path, self.partial_path):
            if folder.exists() and not (folder.is_dir() and _ours(folder)):
                raise SamtrackError(
                    f"cannot write crops to {self.path}: {folder} exists and is not a folder of "
                    "PNG crops; move it away or choose another --out"
                )
        # an older partial folder is replaced, as a file sink replaces an older .partial file
        remove_crops_folder(self.partial_path)
        self._best: dict[int, _Candidate] = {}
        # how good each written picture was: an id that comes back (re-identified after it
        # ended) replaces its picture only with a better view
        self._written_rank: dict[int, tuple[bool, float]] = {}
        self._state = "open"  # open -> closed | aborted

    @property
    def written(self) -> set[int]:
        """Ids of the tracks whose picture is written so far."""
        return set(self._written_rank)

    @property
    def closed(self) -> bool:
        return self._state != "open"

    def write(self, result: FrameResult) -> None:
        """Keep each visible track's view if it beats the one kept; write the pictures of
        the tracks that ended on this frame."""
        if self._state != "open":
            raise SamtrackError(f"cannot write to {self.path}: the sink is {self._state}")
        if len(result):
            if result.image is None:
                raise SamtrackError(
                    "the crops need FrameResult.image (the RGB frame); "
                    "the producer did not attach it"
                )
            self._consider(result)
        for track_id in result.ended:
            if track_id in self._best:
                self._save(track_id)

    def _consider(self, result: FrameResult) -> None:
        h, w = int(result.height), int(result.width)
        boxes = np.asarray(result.boxes, dtype=np.float64).reshape(-1, 4)
        masks = MaskCrops.from_dense(result.masks)
        for i, track_id in enumerate(result.track_ids.tolist()):
            x1, y1, x2, y2 = boxes[i]
            if not (x2 > x1 and y2 > y1):
                continue  # no box: nothing to show
            # the mask's pixels within its box (the box is the mask's, so that is all of
            # them, counted without scanning the whole frame)
            ix1, iy1 = max(0, math.floor(x1)), max(0, math.floor(y1))
            ix2, iy2 = min(w, math.ceil(x2)), min(h, math.ceil(y2))
            area = int(np.count_nonzero(masks.window(i, ix1, iy1, ix2, iy2)))
            if area == 0:
                continue
            # within half a pixel of an edge counts as touching it (boxes are exclusive on
            # the right and bottom, so a mask in the last column has x2 == w)
            whole = x1 > 0.5 and y1 > 0.5 and x2 < w - 0.5 and y2 < h - 0.5
            quality = float(result.scores[i]) * area
            kept = self._best.get(track_id)
            rank = (kept.whole, kept.quality) if kept is not None else self._written_rank.get(track_id)
            if rank is not None and rank >= (whole, quality):
                continue
            cx1, cy1, cx2, cy2 = crop_box(boxes[i], h, w, self.padding)
            if cx2 <= cx1 or cy2 <= cy1:
                continue  # the box lies outside the frame
            crop = np.array(result.image[cy1:cy2, cx1:cx2], dtype=np.uint8, copy=True)
            self._best[track_id] = _Candidate(whole, quality, crop)

    def _save(self, track_id: int) -> None:
        """Write one track's picture (whole or not at all) and forget it."""
        try:
            self.partial_path.mkdir(parents=True, exist_ok=True)
            data = encode_png(self._best[track_id].image)
            write_bytes(self.partial_path / f"{track_id}.png", data)
        except OSError as e:
            reason = e.strerror or e
            raise SamtrackError(f"cannot write crops to {self.partial_path}: {reason}") from None
        best = self._best.pop(track_id)
        self._written_rank[track_id] = (best.whole, best.quality)

    def _save_all(self) -> None:
        for track_id in sorted(self._best):
            self._save(track_id)

    def close(self) -> None:
        """Write the pictures still held and give the folder its final name (an earlier
        run's folder there is replaced). Idempotent."""
        if self._state != "open":
            return
        try:
            self._save_all()
            self.partial_path.mkdir(parents=True, exist_ok=True)  # no tracks: an empty folder
            self._publish()
        except BaseException:
            self.abort()
            raise
        self._state = "closed"

    def _publish(self) -> None:
        if not self.path.exists():
            os.replace(self.partial_path, self.path)
            return
        # A folder cannot be renamed over a non-empty one: move the old one aside first,
        # then remove it once the new one is in place.
        aside = self.path.with_name(f".{self.path.name}.{os.getpid()}.old")
        remove_crops_folder(aside)
        os.replace(self.path, aside)
        try:
            os.replace(self.partial_path, self.path)
        except BaseException:
            os.replace(aside, self.path)  # put the earlier results back
            raise
        remove_crops_folder(aside)

    def abort(self, *, remove_partial: bool = False) -> None:
        """Stop early: write the pictures held so far into the ``.partial`` folder and keep
        it (``remove_partial``: remove it instead, as a sink that never got going does);
        the final folder is not created or touched. Idempotent."""
        if self._state != "open":
            return
        self._state = "aborted"
        if remove_partial:
            remove_crops_folder(self.partial_path)
            return
        with contextlib.suppress(Exception):  # already failing: keep the first error
            self._save_all()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {self._state})"
