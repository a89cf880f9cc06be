"""MOT metric plumbing on real MOTChallenge files (../shared/data/mot17-mini; skipped when
absent): `samtrack eval` against TrackEval's own MOTChallenge evaluation of the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("trackeval")

from samtrack.eval.metrics import evaluate_files

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mot17-mini"
SEQUENCES = sorted(p.name for p in DATA.glob("MOT17-*")) if DATA.is_dir() else []
pytestmark = pytest.mark.skipif(not SEQUENCES, reason="../shared/data/mot17-mini is absent")


def naive_tracker(seq: Path, out: Path) -> int:
    """The public detections as a tracker: every detection its own track. Returns frames."""
    n = len(list((seq / "img1").iterdir()))
    rows = [line.split(",") for line in (seq / "det" / "det.txt").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if int(float(r[0])) <= n]
    out.write_text("".join(f"{r[0]},{i},{','.join(r[2:6])},1,-1,-1,-1\n" for i, r in enumerate(rows, 1)))
    return n


def trackeval_direct(tmp: Path, seq: str, n_frames: int, gt: Path, pred: Path) -> dict[str, float]:
    """TrackEval's MOTChallenge pipeline (its loader, preprocessing and metrics) on the files."""
    import trackeval

    (tmp / "gt" / seq / "gt").mkdir(parents=True)
    shutil.copy(gt, tmp / "gt" / seq / "gt" / "gt.txt")
    (tmp / "trackers" / "naive" / "data").mkdir(parents=True)
    shutil.copy(pred, tmp / "trackers" / "naive" / "data" / f"{seq}.txt")
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(tmp / "gt"), "TRACKERS_FOLDER": str(tmp / "trackers"),
        "SEQ_INFO": {seq: n_frames}, "SKIP_SPLIT_FOL": True, "TRACKERS_TO_EVAL": ["naive"],
        "PRINT_CONFIG": False,
    })
    evaluator = trackeval.Evaluator({"PRINT_RESULTS": False, "PRINT_CONFIG": False, "OUTPUT_SUMMARY": False,
                                     "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "TIME_PROGRESS": False,
                                     "DISPLAY_LESS_PROGRESS": True})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    res, _ = evaluator.evaluate([dataset], metrics)
    r = res["MotChallenge2DBox"]["naive"][seq]["pedestrian"]
    return {"HOTA": float(np.mean(r["HOTA"]["HOTA"])), "DetA": float(np.mean(r["HOTA"]["DetA"])),
            "AssA": float(np.mean(r["HOTA"]["AssA"])), "MOTA": float(r["CLEAR"]["MOTA"]),
            "IDF1": float(r["Identity"]["IDF1"]), "IDSW": int(r["CLEAR"]["IDSW"])}


def considered_rows(gt: Path, out: Path) -> set[int]:
    """The ground-truth rows MOTChallenge scores (consider flag 1, pedestrian); their ids."""
    lines = [line for line in gt.read_text().splitlines()
             if line.split(",")[6] == "1" and line.split(",")[7] == "1"]
    out.write_text("".join(line + "\n" for line in lines))
    return {int(line.split(",")[1]) for line in lines}


@pytest.mark.parametrize("seq", SEQUENCES)
def test_ground_truth_against_itself(tmp_path, seq):
    gt = DATA / seq / "gt" / "gt.txt"
    ids = considered_rows(gt, tmp_path / "considered.txt")
    s = evaluate_files(tmp_path / "considered.txt", gt)  # as a tracker: what is scored
    assert s["HOTA"] == pytest.approx(1.0) and s["MOTA"] == pytest.approx(1.0)
    assert s["IDSW"] == 0 and s["GT_IDs"] == s["IDs"] == len(ids)
    # Every row of the file as a tracker: ignored rows are false positives.
    everything = evaluate_files(gt, gt)
    assert everything["DetA"] < 1  # every sequence here has ignored rows


@pytest.mark.parametrize("seq", SEQUENCES)
def test_public_detections_match_trackeval(tmp_path, seq):
    gt = DATA / seq / "gt" / "gt.txt"
    pred = tmp_path / "pred.txt"
    n = naive_tracker(DATA / seq, pred)
    ours = evaluate_files(pred, gt)
    # TrackEval on ground truth reduced to the considered pedestrians: its MOT17
    # distractor step then has nothing to drop, and the two must agree exactly.
    considered = tmp_path / "considered.txt"
    considered_rows(gt, considered)
    theirs = trackeval_direct(tmp_path / "te", seq, n, considered, pred)
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, abs=1e-9), key
    assert 0 < ours["DetA"] < 1
