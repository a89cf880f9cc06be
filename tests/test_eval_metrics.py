"""samtrack.eval.metrics and `samtrack eval`: TrackEval fed from samtrack's results."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

pytest.importorskip("trackeval")

from samtrack.cli import main
from samtrack.eval.metrics import accumulate, evaluate_files, load, score
from samtrack.eval.synthetic_video import RandomVideoConfig, random_video
from samtrack.io import MotSink, MotsSink
from samtrack.types import FrameResult


@pytest.fixture(scope="module")
def ground_truth() -> list[FrameResult]:
    spec = random_video(3, RandomVideoConfig(n_frames=30, n_objects=(3, 3)))
    return [gt.as_result() for _, gt in spec.frames()]


def _relabel(frames, fn):
    return [dataclasses.replace(r, track_ids=np.array([fn(r.frame_index, int(i)) for i in r.track_ids],
                                                      dtype=np.int64)) for r in frames]


@pytest.mark.parametrize("kind", ["mask", "box"])
def test_ground_truth_against_itself_is_perfect(ground_truth, kind):
    s = score([accumulate(ground_truth, ground_truth, kind=kind)])
    for m in ("HOTA", "DetA", "AssA", "IDF1", "MOTA"):
        assert s[m] == pytest.approx(1.0)
    assert s["IDSW"] == 0 and s["GT_IDs"] == s["IDs"] == 3
    assert ("J&F" in s) == (kind == "mask")
    if kind == "mask":
        assert s["J&F"] == pytest.approx(1.0)


def test_identity_swap_halfway(ground_truth):
    # Every object changes id at frame 15 of 30: perfect detection, half the association.
    pred = _relabel(ground_truth, lambda t, i: i + 100 if t >= 15 else i)
    s = score([accumulate(ground_truth, pred)])
    assert s["DetA"] == pytest.approx(1.0)
    assert s["AssA"] == pytest.approx(0.5, abs=0.01)
    assert s["HOTA"] == pytest.approx(np.sqrt(0.5), abs=0.01)
    assert s["IDSW"] == 3
    assert s["IDF1"] == pytest.approx(0.5, abs=0.01)


def test_missing_frames_cost_detection(ground_truth):
    pred = [r for r in ground_truth if r.frame_index % 2 == 0]  # every other frame lost
    s = score([accumulate(ground_truth, pred)])
    assert s["DetA"] == pytest.approx(0.5, abs=0.02)
    assert s["MOTA"] == pytest.approx(0.5, abs=0.02)
    assert s["IDSW"] == 0


def test_masks_beyond_boxes(ground_truth):
    # Eroding every predicted mask keeps boxes nearly equal but lowers mask IoU: the mask
    # score must drop further than the box score.
    import cv2

    eroded = [
        dataclasses.replace(r, masks=np.stack([cv2.erode(m.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
                                               for m in r.masks]) if len(r) else r.masks)
        for r in ground_truth
    ]
    masks = score([accumulate(ground_truth, eroded)])
    assert masks["LocA"] < 0.9
    assert masks["J"] < 0.9 and masks["F"] < 1.0


def test_sequences_combine(ground_truth):
    a = accumulate(ground_truth, ground_truth, name="a")
    b = accumulate(ground_truth, _relabel(ground_truth, lambda t, i: i + 100 if t >= 15 else i), name="b")
    both = score([a, b])
    assert score([a])["HOTA"] > both["HOTA"] > score([b])["HOTA"]
    assert both["IDSW"] == 3 and both["GT_IDs"] == 6


def _write(sink_cls, path, frames):
    sink = sink_cls(path)
    for r in frames:
        sink.write(r)
    sink.close()


def test_files_and_cli(tmp_path, ground_truth, capsys):
    gt_path = tmp_path / "gt.txt"
    _write(MotsSink, gt_path, ground_truth)
    swapped = _relabel(ground_truth, lambda t, i: i + 100 if t >= 15 else i)
    _write(MotsSink, tmp_path / "pred.mots.txt", swapped)
    _write(MotSink, tmp_path / "pred.mot.txt", swapped)

    kind, frames = load(gt_path, ground_truth=True)
    assert kind == "mask" and len(frames) == len([r for r in ground_truth if len(r)])

    masks = evaluate_files(tmp_path / "pred.mots.txt", gt_path)
    boxes = evaluate_files(tmp_path / "pred.mot.txt", gt_path)  # MOT pred: compared by box
    assert masks["IDSW"] == boxes["IDSW"] == 3
    assert "J&F" in masks and "J&F" not in boxes

    assert main(["eval", str(tmp_path / "pred.mots.txt"), str(gt_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["IDSW"] == 3 and out["HOTA"] == pytest.approx(masks["HOTA"])

    assert main(["eval", str(tmp_path / "pred.mots.txt"), str(gt_path), "--no-j-and-f"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["HOTA", "DetA", "AssA"] and "J&F" not in table[0]
    assert table[1].split()[0] == "pred.mots.txt"


def test_mot_ground_truth_filters_like_motchallenge(tmp_path):
    gt = tmp_path / "gt.txt"
    gt.write_text(
        "1,1,10,10,20,40,1,1,1.0\n"   # pedestrian, considered
        "1,2,50,10,20,40,0,1,1.0\n"   # pedestrian, not considered
        "1,3,90,10,20,40,0,7,1.0\n"   # static person
        "2,1,12,10,20,40,1,1,1.0\n"
    )
    kind, frames = load(gt, ground_truth=True)
    assert kind == "box"
    assert [list(r.track_ids) for r in frames] == [[1], [1]]
    _, as_pred = load(gt)  # as a prediction every row counts
    assert [len(r) for r in as_pred] == [3, 1]


def test_davis_folders(tmp_path, ground_truth):
    from PIL import Image

    palette = tmp_path / "palette"
    binary = tmp_path / "binary"
    palette.mkdir()
    binary.mkdir()
    for r in ground_truth:
        label = np.zeros((r.height, r.width), np.uint8)
        for tid, m in zip(r.track_ids, r.masks):
            label[m] = tid
        im = Image.fromarray(label, mode="P")
        im.putpalette([0, 0, 0, 200, 0, 0, 0, 200, 0, 0, 0, 200] + [0] * 756)
        im.save(palette / f"{r.frame_index:05d}.png")
        Image.fromarray(np.where(label == 1, 255, 0).astype(np.uint8)).save(binary / f"{r.frame_index:05d}.png")
    kind, frames = load(palette)
    assert kind == "mask" and len(frames) == len(ground_truth)
    for got, want in zip(frames, ground_truth):
        assert sorted(got.track_ids) == sorted(want.track_ids)
    assert evaluate_files(palette, palette)["J&F"] == pytest.approx(1.0)
    _, single = load(binary)
    assert {int(i) for r in single for i in r.track_ids} == {1}
    # The palette folder scored against the binary one: object 1 found, 2 and 3 extra.
    s = evaluate_files(palette, binary)
    assert s["GT_IDs"] == 1 and s["IDs"] == 3 and s["J&F"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_bytes(b"\x00\x91\xff" * 10), "not a text file"),
        (lambda p: p.write_text("hello world\n"), "not a samtrack JSONL, MOTS or MOT file"),
        (lambda p: p.write_text("1,1,a,b\n"), "is not a MOT line"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, ground_truth, setup, message):
    gt = tmp_path / "gt.txt"
    _write(MotsSink, gt, ground_truth)
    bad = tmp_path / "bad.txt"
    setup(bad)
    assert main(["eval", str(bad), str(gt)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
