"""The streaming pipeline and its inputs: prompts files, detections, outputs on disk."""

import json

import numpy as np
import pytest

from samtrack.errors import SamtrackError
from samtrack.eval import synthetic_video as sv
from samtrack.eval.oracle import OracleSegmenter
from samtrack.io import read_jsonl, read_mots
from samtrack.io.detections import load_mot_detections
from samtrack.io.prompts import load_prompts
from samtrack.pipeline import track, track_to_files
from samtrack.types import Prompt, mask_to_box_xyxy


def oracle_for(spec):
    truth = {f.index: (g.ids, g.masks) for f, g in spec.frames()}
    return OracleSegmenter(lambda i: truth[i])


def frames_of(spec):
    return [f for f, _ in spec.frames()]


def first_boxes(spec):
    _, gt = next(spec.frames())
    return mask_to_box_xyxy(gt.masks)


def test_track_streams_one_result_per_frame():
    spec = sv.lookalikes_crossing(seed=0, n_frames=20)
    prompts = [Prompt(box=b, label="blob") for b in first_boxes(spec)]
    results = list(track(frames_of(spec), oracle_for(spec), prompts=prompts, discover_every=0))
    assert [r.frame_index for r in results] == list(range(20))
    assert all(r.track_ids.tolist() == [1, 2] for r in results)
    assert results[5].labels == ["blob", "blob"]


def test_prompts_at_later_frames_and_from_detections():
    spec = sv.entering(seed=1, n_frames=40, enter_at=5)
    frames = frames_of(spec)
    truth = {f.index: g for f, g in spec.frames()}
    late = {25: [Prompt(box=mask_to_box_xyxy(truth[25].masks[truth[25].ids == 2])[0])]}
    results = list(track(frames, oracle_for(spec), prompts=late, discover_every=0))
    assert all(len(r) == 0 for r in results[:25])
    assert results[25].track_ids.tolist() == [1] and results[39].track_ids.tolist() == [1]

    detections = {i: mask_to_box_xyxy(truth[i].masks) for i in range(0, 40, 4)}
    results = list(track(frames, oracle_for(spec), detections=detections, discover_every=0, n_init=2))
    assert {int(i) for r in results[-5:] for i in r.track_ids} == {1, 2}


def test_outputs_round_trip(tmp_path):
    spec = sv.lookalikes_crossing(seed=2, n_frames=12)
    prompts = [Prompt(box=b) for b in first_boxes(spec)]
    kwargs = dict(model=oracle_for(spec), prompts=prompts, discover_every=0)
    expected = list(track(frames_of(spec), **kwargs))
    kwargs["model"] = oracle_for(spec)
    summary = track_to_files(frames_of(spec), tmp_path, ["jsonl", "mots", "mot", "csv"], stem="x",
                             progress=False, **kwargs)
    assert summary.frames == 12 and summary.tracks == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl", "x.mot.txt", "x.mots.txt", "x_tracks.csv"]
    for ours, back in zip(expected, read_jsonl(tmp_path / "x.jsonl")):
        assert back.track_ids.tolist() == ours.track_ids.tolist()
        assert np.array_equal(back.masks, ours.masks)
        np.testing.assert_allclose(back.boxes, ours.boxes, atol=1e-3)
    mots = list(read_mots(tmp_path / "x.mots.txt"))
    assert len(mots) == 12
    for ours, back in zip(expected, mots):
        order = np.argsort(back.track_ids)
        assert back.track_ids[order].tolist() == ours.track_ids.tolist()
        assert np.array_equal(back.masks[order], ours.masks)


def test_prompt_outside_frame_fails_before_any_output(tmp_path):
    spec = sv.single_object(seed=0, n_frames=5)
    with pytest.raises(SamtrackError, match="outside the 256x192 frame"):
        track_to_files(frames_of(spec), tmp_path / "out", prompts=[Prompt(box=[10, 10, 300, 50])],
                       model=oracle_for(spec), progress=False)
    assert not (tmp_path / "out").exists()


BAD_PROMPT_FILES = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must hold a JSON object"),
    ('{"x": []}', "not a frame index"),
    ('{"-1": []}', "not a frame index"),
    ('{"0": {"box": [1, 2, 3, 4]}}', "expected a list of objects"),
    ('{"0": [{"box": [1, 2, 3]}]}', "box must be a list of 4 numbers"),
    ('{"0": [{"box": [5, 5, 2, 9]}]}', "x2 > x1"),
    ('{"0": [{"points": [[1, 2]], "point_labels": [1, 0]}]}', "one per point"),
    ('{"0": [{"label": "dog"}]}', "needs a box or points"),
    ('{"0": [{"box": [1, 2, 3, 4], "colour": 1}]}', "unknown field"),
    ('{"3": [{"box": [1, "a", 3, 4]}]}', "frame 3, object 1: box must hold only numbers"),
]


@pytest.mark.parametrize("text, message", BAD_PROMPT_FILES)
def test_malformed_prompts_file(tmp_path, text, message):
    path = tmp_path / "prompts.json"
    path.write_text(text)
    with pytest.raises(SamtrackError, match=message):
        load_prompts(path)


def test_prompts_file_and_detections_file(tmp_path):
    path = tmp_path / "prompts.json"
    path.write_text(json.dumps({"0": [{"box": [1, 2, 30, 40], "label": "cup"}],
                                "7": [{"points": [[5, 6], [7, 8]], "point_labels": [1, 0]}]}))
    schedule = load_prompts(path)
    assert schedule[0][0].label == "cup" and schedule[0][0].box.tolist() == [1, 2, 30, 40]
    assert schedule[7][0].labels.tolist() == [1, 0]
    det = tmp_path / "det.txt"
    det.write_text("1,-1,10,20,30,40,0.9\n1,-1,0,0,5,5,0.1\n3,-1,1,2,3,4,0.8\n")
    boxes = load_mot_detections(det, min_score=0.5)
    assert sorted(boxes) == [0, 2]
    assert boxes[0].tolist() == [[10, 20, 40, 60]]
    with pytest.raises(SamtrackError, match="does not exist"):
        load_mot_detections(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    "text, message",
    [
        ("1,-1,10,20,30,40,0.9\n2,-1,nan,20,30,40,0.9\n", "row 2: a frame, box or score is not a number"),
        ("1,-1,10,20,inf,40,0.9\n", "row 1: a frame, box or score is not a number"),
        ("0,-1,10,20,30,40,0.9\n", "row 1: frame 0 is not a frame number"),
        ("1,-1,10,20,30,40,0.9\n-3,-1,10,20,30,40,0.9\n", "row 2: frame -3 is not a frame number"),
        ("1.5,-1,10,20,30,40,0.9\n", "row 1: frame 1.5 is not a frame number"),
        ("1,-1,10,20,0,40,0.9\n", "row 1: a box needs a width and height above 0"),
    ],
)
def test_detections_file_rows_that_cannot_be_boxes_are_refused_by_row(tmp_path, text, message):
    det = tmp_path / "det.txt"
    det.write_text(text)
    with pytest.raises(SamtrackError, match=message):
        load_mot_detections(det)


@pytest.mark.parametrize("progress", [True, False])
def test_progress_reaches_the_model_download(monkeypatch, tmp_path, progress):
    # --quiet (progress=False) also hides the bars of the weights' first download and
    # checksum: the flag reaches load_predictor.
    from samtrack.models import registry

    seen = {}

    def fake_load_predictor(name, **kwargs):
        seen.update(kwargs)
        raise SamtrackError("stop here")

    monkeypatch.setattr(registry, "load_predictor", fake_load_predictor)
    spec = sv.single_object(seed=0, n_frames=2)
    with pytest.raises(SamtrackError, match="stop here"):
        list(track(frames_of(spec), model="mobile_sam", progress=progress))
    assert seen["progress"] is progress
    with pytest.raises(SamtrackError, match="stop here"):
        track_to_files(frames_of(spec), tmp_path / "out", ["jsonl"], model="mobile_sam", progress=progress)
    assert seen["progress"] is progress
