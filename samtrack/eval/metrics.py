"""Tracking metrics: HOTA (DetA, AssA), IDF1, MOTA, ID switches and J&F.

The metrics themselves come from TrackEval (the implementation behind the MOTChallenge,
KITTI and DAVIS leaderboards; ``pip install 'samtrack[eval]'``). This module only turns
samtrack's :class:`FrameResult` streams into TrackEval's per-sequence input: ids renumbered
per sequence, and per frame the similarity (mask IoU, or box IoU when either side has
boxes only) between every ground-truth object and every prediction. Sequences are fed a
frame at a time (:class:`SequenceAccumulator`), so scoring a long video keeps only RLE
masks, never dense arrays.

Ground-truth conventions: MOTChallenge box files keep the rows whose consider flag
(column 7) is 1 and, when a class column is present, whose class (column 8) is 1
(pedestrian). MOT17's extra step that drops predictions matched to distractor classes is
not applied, so a tracker that boxes static persons scores a little lower here than on
the official server.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from ..errors import SamtrackError, SamtrackWarning
from ..types import FrameResult, mask_to_box_xyxy

#: Metrics reported by :func:`score`, in table order, with how they print.
METRICS = ("HOTA", "DetA", "AssA", "LocA", "IDF1", "MOTA", "IDSW", "GT_IDs", "IDs", "J&F", "J", "F")
PERCENT = {"HOTA", "DetA", "AssA", "LocA", "IDF1", "MOTA", "J&F", "J", "F"}


def _trackeval() -> Any:
    try:
        import trackeval
    except ImportError:
        raise SamtrackError(
            "tracking metrics need TrackEval: pip install 'samtrack[eval]'"
        ) from None
    return trackeval


@dataclass
class SequenceAccumulator:
    """Collects one sequence, frame by frame, in TrackEval's input form.

    ``kind``: "mask" (mask IoU) or "box" (box IoU); ``name`` labels the sequence.
    """

    kind: str = "mask"
    name: str = "sequence"
    _gt_ids: dict[int, int] = field(default_factory=dict)
    _pred_ids: dict[int, int] = field(default_factory=dict)
    _frames: list[dict[str, Any]] = field(default_factory=list)
    _shape: tuple[int, int] | None = None
    _shape_from: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("mask", "box"):
            raise ValueError(f"kind must be 'mask' or 'box', not {self.kind!r}")

    def add(self, gt: FrameResult | None, pred: FrameResult | None) -> None:
        """Add the next frame: its ground truth and prediction (None: nothing there)."""
        gt_ids = self._ids(gt, self._gt_ids)
        pred_ids = self._ids(pred, self._pred_ids)
        frame: dict[str, Any] = {"gt_ids": gt_ids, "pred_ids": pred_ids}
        if self.kind == "mask":
            g = self._rles(gt, "ground truth")
            p = self._rles(pred, "prediction")
            if g and p:
                sim = mask_utils.iou(g, p, [False] * len(p))
            else:
                sim = np.zeros((len(g), len(p)))
            frame["gt_rles"], frame["pred_rles"] = g, p
        else:
            sim = _box_iou(_boxes(gt), _boxes(pred))
        frame["similarity"] = np.asarray(sim, dtype=np.float64).reshape(len(gt_ids), len(pred_ids))
        self._frames.append(frame)

    def _ids(self, result: FrameResult | None, table: dict[int, int]) -> np.ndarray:
        if result is None or len(result) == 0:
            return np.zeros(0, dtype=int)
        ids = [int(i) for i in result.track_ids]
        if len(set(ids)) != len(ids):
            raise SamtrackError(
                f"{self.name}: frame {result.frame_index} has the same id twice"
            )
        return np.array([table.setdefault(i, len(table)) for i in ids], dtype=int)

    def _rles(self, result: FrameResult | None, side: str) -> list[dict]:
        if result is None or len(result) == 0:
            return []
        if result.masks.shape[1:] == (0, 0):
            raise SamtrackError(
                f"{self.name}: masks are needed, but {side} frame {result.frame_index} has "
                f"boxes only"
            )
        shape = tuple(result.masks.shape[1:])
        if self._shape is None:
            self._shape, self._shape_from = shape, f"{side} frame {result.frame_index}"
        elif shape != self._shape:
            raise SamtrackError(
                f"{self.name}: {side} frame {result.frame_index} is {shape[1]}x{shape[0]} but "
                f"{self._shape_from} is {self._shape[1]}x{self._shape[0]}"
            )
        masks = np.asfortranarray(np.transpose(result.masks, (1, 2, 0)).astype(np.uint8))
        return mask_utils.encode(masks)

    @property
    def n_frames(self) -> int:
        return len(self._frames)

    def data(self) -> dict[str, Any]:
        """TrackEval's per-sequence dict (HOTA, CLEAR, Identity; and J&F for masks)."""
        frames = self._frames
        data: dict[str, Any] = {
            "seq": self.name,
            "num_timesteps": len(frames),
            "num_gt_ids": len(self._gt_ids),
            "num_tracker_ids": len(self._pred_ids),
            "num_gt_dets": int(sum(len(f["gt_ids"]) for f in frames)),
            "num_tracker_dets": int(sum(len(f["pred_ids"]) for f in frames)),
            "gt_ids": [f["gt_ids"] for f in frames],
            "tracker_ids": [f["pred_ids"] for f in frames],
            "similarity_scores": [f["similarity"] for f in frames],
        }
        if self.kind == "mask":
            # J&F pads these lists in place: hand it copies.
            data["gt_dets"] = [list(f["gt_rles"]) for f in frames]
            data["tracker_dets"] = [list(f["pred_rles"]) for f in frames]
        return data


def _boxes(result: FrameResult | None) -> np.ndarray:
    if result is None or len(result) == 0:
        return np.zeros((0, 4))
    return np.asarray(result.boxes, dtype=np.float64).reshape(-1, 4)


def _box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    # TrackEval's own box IoU (the one its MOTChallenge evaluation uses), on xyxy boxes.
    from trackeval.datasets._base_dataset import _BaseDataset

    return _BaseDataset._calculate_box_ious(a.copy(), b.copy(), box_format="x0y0x1y1")


def accumulate(
    gt: Iterable[FrameResult],
    pred: Iterable[FrameResult],
    *,
    kind: str = "mask",
    name: str = "sequence",
    n_frames: int | None = None,
) -> SequenceAccumulator:
    """One sequence from two FrameResult streams, aligned by ``frame_index`` (frames that
    one side lacks are empty there). The sequence spans frame 0 to the last frame of
    either side, or ``n_frames``."""
    gt_by = {r.frame_index: r for r in gt}
    pred_by = {r.frame_index: r for r in pred}
    last = max([*gt_by, *pred_by], default=-1) + 1
    acc = SequenceAccumulator(kind=kind, name=name)
    for t in range(n_frames if n_frames is not None else last):
        acc.add(gt_by.get(t), pred_by.get(t))
    return acc


def score(sequences: Iterable[SequenceAccumulator | dict[str, Any]], *, j_and_f: bool | None = None) -> dict[str, float]:
    """Metrics over one or several sequences (combined the way TrackEval combines a
    benchmark's sequences). Keys: :data:`METRICS` (J&F, J, F only for masks, and only
    when ``j_and_f`` is not False); percentages as fractions in [0, 1]."""
    te = _trackeval()
    datas = [s.data() if isinstance(s, SequenceAccumulator) else s for s in sequences]
    if not datas:
        raise ValueError("no sequences to score")
    masks = all("gt_dets" in d for d in datas)
    if j_and_f is None:
        j_and_f = masks
    metrics: list[Any] = [te.metrics.HOTA(), te.metrics.CLEAR({"PRINT_CONFIG": False}),
                          te.metrics.Identity({"PRINT_CONFIG": False})]
    if j_and_f and masks:
        metrics.append(te.metrics.JAndF())
    per_metric: dict[str, dict[str, Any]] = {type(m).__name__: {} for m in metrics}
    for i, d in enumerate(datas):
        for m in metrics:
            if isinstance(m, te.metrics.JAndF) and d["num_gt_ids"] == 0:
                continue  # J&F of a sequence without objects is undefined
            per_metric[type(m).__name__][f"{i}"] = m.eval_sequence(d)
    combined = {}
    for m in metrics:
        results = per_metric[type(m).__name__]
        if not results:
            continue
        combined[type(m).__name__] = m.combine_sequences(results) if len(results) > 1 else next(iter(results.values()))
    hota = combined["HOTA"]
    out = {
        "HOTA": float(np.mean(hota["HOTA"])),
        "DetA": float(np.mean(hota["DetA"])),
        "AssA": float(np.mean(hota["AssA"])),
        "LocA": float(np.mean(hota["LocA"])),
        "IDF1": float(combined["Identity"]["IDF1"]),
        "MOTA": float(combined["CLEAR"]["MOTA"]),
        "IDSW": int(combined["CLEAR"]["IDSW"]),
        "GT_IDs": int(sum(d["num_gt_ids"] for d in datas)),
        "IDs": int(sum(d["num_tracker_ids"] for d in datas)),
    }
    if "JAndF" in combined:
        jf = combined["JAndF"]
        out.update({"J&F": float(jf["J&F"]), "J": float(jf["J-Mean"]), "F": float(jf["F-Mean"])})
    return out


# --------------------------------------------------------------------------- files


def load(path: str | os.PathLike[str], *, ground_truth: bool = False) -> tuple[str, list[FrameResult]]:
    """Read a results or ground-truth file: ("mask" | "box", frames).

    Recognised: samtrack JSONL, MOTS txt (``frame id class h w rle``), MOT txt (comma
    separated boxes; for ``ground_truth`` the MOTChallenge consider/class columns are
    honoured) and DAVIS folders (one PNG per frame: palette indices or grey levels are
    object ids; a 0/255 binary mask is object 1).
    """
    p = Path(path)
    if p.is_dir():
        return "mask", _read_davis(p)
    if not p.exists():
        raise SamtrackError(f"{p} does not exist")
    from ..io import read_jsonl, read_mot, read_mots

    kind = _sniff(p)
    if kind == "jsonl":
        return "mask", list(read_jsonl(p))
    if kind == "mots":
        return "mask", list(read_mots(p))
    return "box", list(read_mot(p, ground_truth=ground_truth))


def _sniff(path: Path) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                if line.startswith("{"):
                    return "jsonl"
                if "," in line:
                    return "mot"
                if len(line.split()) == 6:
                    return "mots"
                break
    except UnicodeDecodeError:
        raise SamtrackError(f"{path} is not a text file (expected JSONL, MOTS or MOT)") from None
    except OSError as e:
        raise SamtrackError(f"cannot read {path}: {e.strerror}") from None
    raise SamtrackError(f"{path} is not a samtrack JSONL, MOTS or MOT file")


def _read_davis(folder: Path) -> list[FrameResult]:
    try:
        from PIL import Image
    except ImportError:
        raise SamtrackError("reading DAVIS folders needs Pillow: pip install 'samtrack[eval]'") from None
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() == ".png")
    if not files:
        raise SamtrackError(f"{folder} holds no PNG masks")
    frames = []
    for index, f in enumerate(files):
        try:
            with Image.open(f) as im:
                label = np.array(im if im.mode in ("P", "L", "I", "1") else im.convert("L"))
        except OSError as e:
            raise SamtrackError(f"cannot read {f}: {e}") from None
        if label.ndim != 2:
            raise SamtrackError(f"{f} is not a one-channel mask")
        if label.dtype == bool or set(np.unique(label).tolist()) <= {0, 255}:
            label = (label > 0).astype(np.int64)  # a binary mask: object 1
        ids = [int(v) for v in np.unique(label) if v not in (0, 255)]  # 255: DAVIS "void"
        masks = np.stack([label == i for i in ids]) if ids else np.zeros((0, *label.shape), bool)
        frames.append(
            FrameResult(
                frame_index=index,
                time=math.nan,
                height=label.shape[0],
                width=label.shape[1],
                track_ids=np.array(ids, dtype=np.int64),
                masks=masks,
                boxes=mask_to_box_xyxy(masks) if ids else np.zeros((0, 4), np.float32),
                scores=np.ones(len(ids), np.float32),
            )
        )
    return frames


def evaluate_files(
    pred: str | os.PathLike[str], gt: str | os.PathLike[str], *, j_and_f: bool | None = None
) -> dict[str, float]:
    """Score a results file or folder against ground truth (see :func:`load`). Masks are
    compared when both sides have them, boxes otherwise.

    Masks of another size than the other file's (or than the file's other frames) are a
    SamtrackError naming the file at fault; a prediction that covers only part of the
    ground truth's frames is a :class:`SamtrackWarning` (the missing frames count as misses).
    """
    gt_kind, gt_frames = load(gt, ground_truth=True)
    pred_kind, pred_frames = load(pred)
    kind = "mask" if gt_kind == pred_kind == "mask" else "box"
    if kind == "mask":
        gt_size, pred_size = _frame_size(gt, gt_frames), _frame_size(pred, pred_frames)
        if gt_size and pred_size and gt_size != pred_size:
            raise SamtrackError(
                f"{os.fspath(pred)} is {_wxh(pred_size)} but {os.fspath(gt)} is "
                f"{_wxh(gt_size)}: results and ground truth must be of one video at one size"
            )
    _check_coverage(pred, pred_frames, gt, gt_frames)
    return score([accumulate(gt_frames, pred_frames, kind=kind, name=Path(gt).name)], j_and_f=j_and_f)


def _wxh(size: tuple[int, int]) -> str:
    return f"{size[1]}x{size[0]}"


def _frame_size(path: str | os.PathLike[str], frames: list[FrameResult]) -> tuple[int, int] | None:
    """The (height, width) that every frame of a mask file states (None: no frame does); a
    SamtrackError naming the file and both frames when two disagree."""
    size: tuple[int, int] | None = None
    first = 0
    for r in frames:
        this = (int(r.height), int(r.width))
        if size is None:
            size, first = this, r.frame_index
        elif this != size:
            raise SamtrackError(
                f"{os.fspath(path)}: frame {r.frame_index} is {_wxh(this)} but frame {first} is "
                f"{_wxh(size)}; every frame of a file must have one size"
            )
    return size


def _lists_every_frame(path: str | os.PathLike[str]) -> bool:
    """Whether a file has an entry for every frame, empty or not (JSONL, DAVIS folders);
    MOT and MOTS files have lines only for frames with objects."""
    p = Path(path)
    return p.is_dir() or _sniff(p) == "jsonl"


COVERAGE_WARNING = 0.9
"""For MOT/MOTS predictions (no lines for empty frames) a warning comes only when they end
before this fraction of the ground truth's frames: after their last line, they may be empty
rather than missing."""


def _check_coverage(
    pred: str | os.PathLike[str],
    pred_frames: list[FrameResult],
    gt: str | os.PathLike[str],
    gt_frames: list[FrameResult],
) -> None:
    """Warn when the prediction covers only part of the ground truth's frames."""
    if not gt_frames:
        return
    if _lists_every_frame(gt):
        truth = {r.frame_index for r in gt_frames}
    else:
        truth = set(range(max(r.frame_index for r in gt_frames) + 1))
    if _lists_every_frame(pred):
        covered = len(truth & {r.frame_index for r in pred_frames})
        enough = len(truth)
    else:
        last = max((r.frame_index for r in pred_frames), default=-1)
        covered = sum(1 for t in truth if t <= last)
        enough = COVERAGE_WARNING * len(truth)
    if covered < enough:
        warnings.warn(
            f"{os.fspath(pred)} covers {covered} of {os.fspath(gt)}'s {len(truth)} frames; "
            f"missing frames count as misses",
            SamtrackWarning,
            stacklevel=3,
        )


def format_table(rows: dict[str, dict[str, float]]) -> str:
    """A fixed-width table: one row per name, one column per metric present."""
    columns = [m for m in METRICS if any(m in r for r in rows.values())]
    width = max([len(n) for n in rows] + [8])
    lines = [f"{'':<{width}}  " + "  ".join(f"{c:>6}" for c in columns)]
    for name, r in rows.items():
        cells = []
        for c in columns:
            v = r.get(c)
            if v is None:
                cells.append(f"{'-':>6}")
            elif c in PERCENT:
                cells.append(f"{100 * v:6.1f}")
            else:
                cells.append(f"{int(v):6d}")
        lines.append(f"{name:<{width}}  " + "  ".join(cells))
    return "\n".join(lines)
