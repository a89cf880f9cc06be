"""MOT metric plumbing on real MOTChallenge files (../shared/data/mot17-mini): the public
detections as a naive tracker (every detection its own track), scored by `samtrack eval`
and by TrackEval's own MOTChallenge pipeline on the same files.

    python benchmarks/quality/mot17_plumbing.py

Columns: samtrack eval; TrackEval on the ground truth reduced to the scored rows (must be
equal); TrackEval's official MOT17 protocol on the full file (it also drops predictions
matched to distractor classes, which `samtrack eval` does not).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from samtrack.eval.metrics import evaluate_files

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "mot17-mini"


def trackeval_direct(tmp: Path, seq: str, n_frames: int, gt: Path, pred: Path) -> dict[str, float]:
    import trackeval

    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "gt" / seq / "gt").mkdir(parents=True)
    shutil.copy(gt, tmp / "gt" / seq / "gt" / "gt.txt")
    (tmp / "trackers" / "naive" / "data").mkdir(parents=True)
    shutil.copy(pred, tmp / "trackers" / "naive" / "data" / f"{seq}.txt")
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(tmp / "gt"), "TRACKERS_FOLDER": str(tmp / "trackers"), "SEQ_INFO": {seq: n_frames},
        "SKIP_SPLIT_FOL": True, "TRACKERS_TO_EVAL": ["naive"], "PRINT_CONFIG": False})
    evaluator = trackeval.Evaluator({"PRINT_RESULTS": False, "PRINT_CONFIG": False, "OUTPUT_SUMMARY": False,
                                     "OUTPUT_DETAILED": False, "PLOT_CURVES": False, "TIME_PROGRESS": False})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR({"PRINT_CONFIG": False}),
               trackeval.metrics.Identity({"PRINT_CONFIG": False})]
    r = evaluator.evaluate([dataset], metrics)[0]["MotChallenge2DBox"]["naive"][seq]["pedestrian"]
    return {"HOTA": float(np.mean(r["HOTA"]["HOTA"])), "MOTA": float(r["CLEAR"]["MOTA"]),
            "IDF1": float(r["Identity"]["IDF1"])}


def main() -> None:
    if not DATA.is_dir():
        print(f"no data at {DATA}", file=sys.stderr)
        return
    print("| sequence | frames | samtrack eval HOTA / MOTA / IDF1 | TrackEval, same rows | TrackEval, MOT17 protocol |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for seq_dir in sorted(DATA.glob("MOT17-*")):
            seq = seq_dir.name
            n = len(list((seq_dir / "img1").iterdir()))
            rows = [r.split(",") for r in (seq_dir / "det" / "det.txt").read_text().splitlines() if r.strip()]
            rows = [r for r in rows if int(float(r[0])) <= n]
            pred = tmp / "pred.txt"
            pred.write_text("".join(f"{r[0]},{i},{','.join(r[2:6])},1,-1,-1,-1\n" for i, r in enumerate(rows, 1)))
            gt = seq_dir / "gt" / "gt.txt"
            scored = tmp / "scored.txt"
            scored.write_text("".join(line + "\n" for line in gt.read_text().splitlines()
                                      if line.split(",")[6] == "1" and line.split(",")[7] == "1"))
            ours = evaluate_files(pred, gt)
            same = trackeval_direct(tmp / "a", seq, n, scored, pred)
            official = trackeval_direct(tmp / "b", seq, n, gt, pred)

            def fmt(d):
                return " / ".join(f"{100 * d[k]:.1f}" for k in ("HOTA", "MOTA", "IDF1"))

            print(f"| {seq} | {n} | {fmt(ours)} | {fmt(same)} | {fmt(official)} |")


if __name__ == "__main__":
    main()
