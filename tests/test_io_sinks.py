"""Sinks: every format reads back what was written; files appear only when complete."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pycocotools import mask as mask_utils

from samtrack.errors import SamtrackError
from samtrack.io import (
    FileSink,
    JsonlSink,
    MotSink,
    MotsSink,
    MultiSink,
    Sink,
    TrackSummary,
    TrackSummaryCsvSink,
    VideoSink,
    open_sinks,
    open_source,
    read_jsonl,
    read_mot,
    read_mots,
    read_track_summary_csv,
)
from samtrack.io.base import partial_path
from samtrack.io.jsonl import _from_json, frame_to_json
from samtrack.io.mots import disjoint_masks
from samtrack.io.rle import decode_masks, encode_masks
from samtrack.render import Trails, color_for_id, render
from samtrack.types import FrameResult, mask_to_box_xyxy

H, W, FPS = 48, 64, 25


def rect(h: int, w: int, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    mask = np.zeros((h, w), dtype=bool)
    mask[y1:y2, x1:x2] = True
    return mask


def scene_result(i: int, *, image: bool = False, h: int = H, w: int = W) -> FrameResult:
    """Frame i of a little scene: track 1 (a 'car') moves right, track 2 sits still, track 3
    appears in frames 5..9; masks are disjoint rectangles; frame 7 has no objects."""
    if i == 7:
        result = FrameResult.empty(i, i / FPS, h, w)
    else:
        masks = [rect(h, w, 2 + 2 * i, 4, 14 + 2 * i, 16), rect(h, w, 40, 30, 56, 44)]
        ids, labels, scores = [1, 2], ["car", ""], [0.9, 0.61]
        if 5 <= i <= 9:
            masks.append(rect(h, w, 5, 30, 9, 40))
            ids.append(3)
            labels.append("person")
            scores.append(0.3 + i / 100)
        m = np.stack(masks)
        result = FrameResult(
            frame_index=i,
            time=i / FPS,
            height=h,
            width=w,
            track_ids=np.array(ids, dtype=np.int64),
            masks=m,
            boxes=mask_to_box_xyxy(m),
            scores=np.array(scores, dtype=np.float32),
            labels=labels,
        )
    if image:
        result.image = np.full((h, w, 3), 40 + i, dtype=np.uint8)
    return result


def random_result(rng: np.random.Generator, i: int, n: int, h: int = H, w: int = W) -> FrameResult:
    masks = rng.random((n, h, w)) < rng.random((n, 1, 1))
    return FrameResult(
        frame_index=i,
        time=float(rng.random() * 100),
        height=h,
        width=w,
        track_ids=rng.permutation(np.arange(1, 50))[:n].astype(np.int64),
        masks=masks,
        boxes=(rng.random((n, 4)) * 40).astype(np.float32),
        scores=rng.random(n).astype(np.float32),
        labels=[rng.choice(["", "dog", "ünïcödé label", 'q"uote']) for _ in range(n)],
    )


def assert_same(a: FrameResult, b: FrameResult, *, boxes: bool = True, scores: bool = True) -> None:
    assert a.frame_index == b.frame_index
    assert (a.height, a.width) == (b.height, b.width)
    np.testing.assert_array_equal(a.track_ids, b.track_ids)
    np.testing.assert_array_equal(a.masks, b.masks)
    assert a.masks.dtype == b.masks.dtype == bool
    if boxes:
        np.testing.assert_array_equal(a.boxes, b.boxes)
        assert b.boxes.dtype == np.float32
    if scores:
        np.testing.assert_array_equal(a.scores, b.scores)


# -- JSONL --------------------------------------------------------------------------------


def test_jsonl_round_trip_is_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    written = [scene_result(i) for i in range(12)] + [
        random_result(rng, 12 + k, n) for k, n in enumerate([0, 1, 4, 7])
    ]
    path = tmp_path / "out.jsonl"
    with JsonlSink(path) as sink:
        for r in written:
            sink.write(r)
    assert path.exists() and not partial_path(path).exists()
    read = list(read_jsonl(path))
    assert len(read) == len(written)
    for a, b in zip(written, read, strict=True):
        assert_same(a, b)
        assert a.time == b.time and a.labels == b.labels
        assert b.image is None


def test_jsonl_line_layout(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    with JsonlSink(path) as sink:
        sink.write(scene_result(0))
        sink.write(scene_result(7))
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == ["frame", "time", "height", "width", "objects"]
    assert (first["frame"], first["time"], first["height"], first["width"]) == (0, 0.0, H, W)
    obj = first["objects"][0]
    assert list(obj) == ["id", "label", "score", "box", "area", "rle"]
    assert obj["id"] == 1 and obj["label"] == "car" and obj["box"] == [2.0, 4.0, 14.0, 16.0]
    assert obj["area"] == 12 * 12 and np.float32(obj["score"]) == np.float32(0.9)
    assert obj["rle"]["size"] == [H, W] and isinstance(obj["rle"]["counts"], str)
    assert json.loads(lines[1])["objects"] == []


def test_jsonl_unknown_time_is_null(tmp_path: Path) -> None:
    result = scene_result(1)
    result.time = math.nan
    path = tmp_path / "out.jsonl"
    with JsonlSink(path) as sink:
        sink.write(result)
    assert json.loads(path.read_text())["time"] is None
    assert math.isnan(next(read_jsonl(path)).time)


@settings(max_examples=40, deadline=None)
@given(
    masks=st.integers(0, 4).flatmap(
        lambda n: st.tuples(st.integers(1, 24), st.integers(1, 24)).flatmap(
            lambda hw: hnp.arrays(bool, (n, *hw))
        )
    ),
    data=st.data(),
)
def test_rle_and_json_round_trip_random_masks(masks: np.ndarray, data: st.DataObject) -> None:
    n, h, w = masks.shape
    np.testing.assert_array_equal(decode_masks(encode_masks(masks), h, w), masks)
    floats = st.floats(width=32, allow_nan=False, allow_infinity=False)
    result = FrameResult(
        frame_index=data.draw(st.integers(0, 10**9)),
        time=data.draw(st.floats(0, 1e6)),
        height=h,
        width=w,
        track_ids=np.array(
            data.draw(st.lists(st.integers(1, 10**6), min_size=n, max_size=n)), dtype=np.int64
        ),
        masks=masks,
        boxes=np.array(
            data.draw(st.lists(floats, min_size=4 * n, max_size=4 * n)), dtype=np.float32
        ).reshape(n, 4),
        scores=np.array(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype=np.float32),
        labels=data.draw(st.lists(st.text(max_size=8), min_size=n, max_size=n)),
    )
    back = _from_json(json.loads(json.dumps(frame_to_json(result))))
    assert_same(result, back)
    assert back.time == result.time and back.labels == result.labels


@settings(max_examples=100, deadline=None)
@given(
    masks=st.tuples(st.integers(1, 3), st.integers(0, 12), st.integers(0, 12)).flatmap(
        lambda shape: hnp.arrays(bool, shape)
    )
)
def test_rle_strings_equal_pycocotools(masks: np.ndarray) -> None:
    fortran = np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8))
    expected = [r["counts"].decode() for r in mask_utils.encode(fortran)]
    assert [r["counts"] for r in encode_masks(masks)] == expected


def test_jsonl_reader_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    with JsonlSink(path) as sink:
        sink.write(scene_result(0))
    path.write_text(path.read_text() + '{"frame": 1}\n')
    with pytest.raises(SamtrackError, match="line 2"):
        list(read_jsonl(path))
    with pytest.raises(SamtrackError, match="cannot read"):
        list(read_jsonl(tmp_path / "missing.jsonl"))


# -- MOTS ---------------------------------------------------------------------------------


def test_mots_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.mots.txt"
    written = [scene_result(i) for i in range(12)]
    with MotsSink(path, class_ids={"car": 1, "person": 2}) as sink:
        for r in written:
            sink.write(r)
    read = list(read_mots(path, class_names={1: "car", 2: "person"}, fps=FPS))
    expected = [r for r in written if len(r)]  # frames without objects have no lines
    assert [r.frame_index for r in read] == [r.frame_index for r in expected]
    for a, b in zip(expected, read, strict=True):
        assert_same(a, b, scores=False)  # masks, ids, and boxes (from the masks)
        assert b.time == pytest.approx(a.time)
        assert b.labels == [{"": "car"}.get(label, label) for label in a.labels]  # "" -> class 1


def test_mots_line_layout_and_ids(tmp_path: Path) -> None:
    path = tmp_path / "out.mots.txt"
    with MotsSink(path, class_ids={"person": 2}) as sink:
        sink.write(scene_result(5))
    lines = [line.split(" ") for line in path.read_text().splitlines()]
    assert [line[:5] for line in lines] == [
        ["6", "1001", "1", str(H), str(W)],  # frame 1-based; id = class * 1000 + track
        ["6", "1002", "1", str(H), str(W)],
        ["6", "2003", "2", str(H), str(W)],
    ]
    masks = decode_masks([{"size": [H, W], "counts": line[5]} for line in lines], H, W)
    np.testing.assert_array_equal(masks, scene_result(5).masks)
    # without class names the reader reports class ids as labels
    assert next(read_mots(path)).labels == ["1", "1", "2"]
    assert math.isnan(next(read_mots(path)).time)


def test_mots_resolves_overlaps_by_score(tmp_path: Path) -> None:
    a, b = rect(H, W, 0, 0, 20, 20), rect(H, W, 10, 10, 30, 30)
    inside = rect(H, W, 12, 12, 16, 16)  # wholly inside b
    masks = np.stack([a, b, inside])
    result = FrameResult(
        0,
        0.0,
        H,
        W,
        np.array([1, 2, 3]),
        masks,
        mask_to_box_xyxy(masks),
        np.array([0.5, 0.8, 0.2], np.float32),
    )
    path = tmp_path / "out.mots.txt"
    with MotsSink(path) as sink:
        sink.write(result)
    back = next(read_mots(path))
    np.testing.assert_array_equal(back.track_ids, [1, 2])  # track 3 lost every pixel: left out
    np.testing.assert_array_equal(back.masks[1], b)  # the better score keeps the overlap
    np.testing.assert_array_equal(back.masks[0], a & ~b)
    assert back.masks.sum(axis=0).max() == 1
    np.testing.assert_array_equal(disjoint_masks(masks[:2], [0.5, 0.5])[0], a)  # ties: first


def test_mots_rejects_ids_it_cannot_encode(tmp_path: Path) -> None:
    result = scene_result(0)
    result.track_ids = np.array([1, 1000])
    with pytest.raises(SamtrackError, match="0..999"):
        with MotsSink(tmp_path / "out.mots.txt") as sink:
            sink.write(result)
    with pytest.raises(SamtrackError, match="class ids"):
        MotsSink(tmp_path / "x.txt", class_ids={"car": 0})


# -- MOT ----------------------------------------------------------------------------------


def test_mot_round_trip_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "out.mot.txt"
    written = [scene_result(i) for i in range(12)]
    fractional = scene_result(3)
    fractional.boxes = np.array([[1.5, 2.25, 10.75, 20.5], [0.1, 0.2, 30.3, 40.4]], np.float32)
    written[3] = fractional
    with MotSink(path) as sink:
        for r in written:
            sink.write(r)
    lines = path.read_text().splitlines()
    assert lines[0] == "1,1,2,4,12,12,0.9,-1,-1,-1"  # 1-based frame, xywh, conf
    assert lines[1] == "1,2,40,30,16,14,0.61,-1,-1,-1"
    read = list(read_mot(path, fps=FPS))
    expected = [r for r in written if len(r)]
    assert [r.frame_index for r in read] == [r.frame_index for r in expected]
    for a, b in zip(expected, read, strict=True):
        np.testing.assert_array_equal(b.track_ids, a.track_ids)
        np.testing.assert_allclose(b.boxes, a.boxes, rtol=0, atol=1e-5)
        np.testing.assert_array_equal(b.scores, a.scores)
        assert b.masks.shape == (len(a), 0, 0) and b.time == pytest.approx(a.time)
    # integer boxes come back exactly
    np.testing.assert_array_equal(read[0].boxes, written[0].boxes)


def test_mot_reader_reads_ground_truth_style_lines(tmp_path: Path) -> None:
    path = tmp_path / "gt.txt"
    path.write_text("2,7,10,20,30,40,1,1,0.8\n1,3,1.5,2,3,4,-1,-1,-1,-1\n\n2,1,0,0,5,5,0,2,1\n")
    read = list(read_mot(path))
    assert [r.frame_index for r in read] == [0, 1]
    np.testing.assert_array_equal(read[1].track_ids, [1, 7])  # sorted by id within a frame
    np.testing.assert_array_equal(read[1].boxes[1], [10, 20, 40, 60])
    path.write_text("1,2,3\n")
    with pytest.raises(SamtrackError, match="line 1"):
        list(read_mot(path))


# -- CSV ----------------------------------------------------------------------------------


def test_track_summary_csv(tmp_path: Path) -> None:
    path = tmp_path / "out_tracks.csv"
    with TrackSummaryCsvSink(path) as sink:
        for i in range(12):
            sink.write(scene_result(i))
        assert not path.exists()  # written on close
    with path.open(newline="") as f:
        raw = list(csv.reader(f))
    assert raw[0] == [
        "id",
        "label",
        "first_frame",
        "last_frame",
        "first_time",
        "last_time",
        "frames_visible",
        "mean_area",
        "mean_score",
        "first_cx",
        "first_cy",
        "last_cx",
        "last_cy",
    ]
    rows = read_track_summary_csv(path)
    assert [r.id for r in rows] == [1, 2, 3]
    one, two, three = rows
    assert one == TrackSummary(
        id=1,
        label="car",
        first_frame=0,
        last_frame=11,
        first_time=0.0,
        last_time=11 / FPS,
        frames_visible=11,
        mean_area=144.0,
        mean_score=float(np.float32(0.9)),
        first_cx=8.0,
        first_cy=10.0,
        last_cx=30.0,
        last_cy=10.0,
    )
    assert (two.label, two.frames_visible, two.mean_area) == ("", 11, 16 * 14)
    assert (two.first_cx, two.first_cy) == (two.last_cx, two.last_cy) == (48.0, 37.0)
    assert (three.label, three.first_frame, three.last_frame, three.frames_visible) == (
        "person",
        5,
        9,
        4,
    )
    assert three.mean_score == pytest.approx(
        np.mean([np.float32(0.3 + i / 100) for i in (5, 6, 8, 9)])
    )


def test_track_summary_partial_holds_the_summary_so_far(tmp_path: Path) -> None:
    path = tmp_path / "out_tracks.csv"
    with pytest.raises(RuntimeError), TrackSummaryCsvSink(path) as sink:
        sink.write(scene_result(0))
        raise RuntimeError("boom")
    assert not path.exists()
    assert [r.id for r in read_track_summary_csv(partial_path(path))] == [1, 2]


# -- atomic finalisation ------------------------------------------------------------------

SINKS = {
    "jsonl": lambda p: JsonlSink(p / "a.jsonl"),
    "mots": lambda p: MotsSink(p / "a.mots.txt"),
    "mot": lambda p: MotSink(p / "a.mot.txt"),
    "csv": lambda p: TrackSummaryCsvSink(p / "a_tracks.csv"),
    "video": lambda p: VideoSink(p / "a.mp4", fps=FPS),
}


@pytest.mark.parametrize("kind", list(SINKS))
def test_failed_run_leaves_only_the_partial(tmp_path: Path, kind: str) -> None:
    sink = SINKS[kind](tmp_path / "deeper" / "dir")  # parent folders are created
    assert isinstance(sink, Sink) and isinstance(sink, FileSink)
    with pytest.raises(RuntimeError, match="tracker crashed"), sink:
        for i in range(3):
            sink.write(scene_result(i, image=True))
        raise RuntimeError("tracker crashed")
    assert not sink.path.exists()
    assert sink.partial_path.exists() and sink.partial_path.stat().st_size > 0
    assert sink.closed
    with pytest.raises(SamtrackError, match="aborted"):
        sink.write(scene_result(3, image=True))
    sink.close()  # closing an aborted sink does nothing
    assert not sink.path.exists()


@pytest.mark.parametrize("kind", list(SINKS))
def test_close_renames_atomically_and_is_idempotent(tmp_path: Path, kind: str) -> None:
    sink = SINKS[kind](tmp_path)
    sink.path.write_text("an older file")  # replaced only when the new one is complete
    sink.write(scene_result(0, image=True))
    assert sink.path.read_text() == "an older file"
    sink.close()
    sink.close()
    assert sink.path.exists() and not sink.partial_path.exists()
    assert sink.path.stat().st_size > len("an older file")
    with pytest.raises(SamtrackError, match="closed"):
        sink.write(scene_result(1, image=True))


def test_text_partials_are_flushed_every_frame(tmp_path: Path) -> None:
    """A crash (no close, no abort) loses nothing already written."""
    jsonl, mots, mot = (
        JsonlSink(tmp_path / "a.jsonl"),
        MotsSink(tmp_path / "a.mots"),
        MotSink(tmp_path / "a.mot"),
    )
    for i in range(4):
        for sink in (jsonl, mots, mot):
            sink.write(scene_result(i))
    assert [r.frame_index for r in read_jsonl(jsonl.partial_path)] == [0, 1, 2, 3]
    assert [r.frame_index for r in read_mots(mots.partial_path)] == [0, 1, 2, 3]
    assert [r.frame_index for r in read_mot(mot.partial_path)] == [0, 1, 2, 3]
    for sink in (jsonl, mots, mot):
        sink.abort(remove_partial=True)
        assert not sink.partial_path.exists() and not sink.path.exists()


def test_writers_check_mask_shapes(tmp_path: Path) -> None:
    result = scene_result(0)
    result.height = H + 1
    for sink in (JsonlSink(tmp_path / "a.jsonl"), MotsSink(tmp_path / "a.txt")):
        with pytest.raises(ValueError, match="masks of shape"):
            sink.write(result)
        sink.abort(remove_partial=True)


# -- video --------------------------------------------------------------------------------


def test_video_sink_writes_a_decodable_mp4(tmp_path: Path) -> None:
    path = tmp_path / "annotated.mp4"
    with VideoSink(path, fps=FPS) as sink:
        for i in range(40):
            sink.write(
                scene_result(i % 12, image=True)
                if i < 12
                else _shifted(scene_result(i % 12, image=True), i)
            )
    assert sink.codec in ("libx264", "mpeg4")
    with open_source(path) as video:
        assert video.size == (H, W) and video.fps == pytest.approx(FPS)
        frames = list(video)
    assert len(frames) == 40 and video.skipped == 0
    assert [f.index for f in frames] == list(range(40))
    # the overlay is there: track 2's mask (x 40..56, y 30..44) is tinted its colour
    inside = frames[0].image[33:41, 43:53].reshape(-1, 3).mean(axis=0)
    expected = 40 * 0.55 + np.array(color_for_id(2)) * 0.45
    assert np.abs(inside - expected).max() < 12
    # background far from every object stays the frame's grey
    assert np.abs(frames[0].image[44:, 20:36].astype(float) - 40).max() < 6


def _shifted(result: FrameResult, i: int) -> FrameResult:
    result.frame_index, result.time = i, i / FPS
    return result


def test_video_sink_keeps_real_time_with_strides(tmp_path: Path) -> None:
    path = tmp_path / "strided.mkv"
    with VideoSink(path, fps=FPS) as sink:
        for i in range(0, 30, 3):
            sink.write(_shifted(scene_result(0, image=True), i))
    frames = list(open_source(path))
    assert len(frames) == 10
    assert [f.time for f in frames] == pytest.approx([i / FPS for i in range(0, 30, 3)])


def test_video_sink_pads_odd_sizes_and_falls_back_to_mpeg4(tmp_path: Path) -> None:
    path = tmp_path / "odd.avi"
    with VideoSink(path, fps=10, codec="no-such-encoder") as sink:
        for i in range(5):
            sink.write(scene_result(i, image=True, h=H - 1, w=W - 3))
    assert sink.codec == "mpeg4"
    with open_source(path) as video:
        assert video.size == (H, W - 2)
        assert len(list(video)) == 5


def test_video_sink_errors(tmp_path: Path) -> None:
    with pytest.raises(SamtrackError, match="FrameResult.image"):
        with VideoSink(tmp_path / "a.mp4", fps=FPS) as sink:
            sink.write(scene_result(0))
    with pytest.raises(SamtrackError, match="use one of"):
        VideoSink(tmp_path / "a.gif", fps=FPS)
    with pytest.raises(SamtrackError, match="frame rate"):
        VideoSink(tmp_path / "a.mp4", fps=0)
    empty = VideoSink(tmp_path / "empty.mp4", fps=FPS)
    with pytest.raises(SamtrackError, match="no frames"):
        empty.close()
    assert not empty.path.exists() and not empty.partial_path.exists()


# -- rendering ----------------------------------------------------------------------------


def test_render_draws_masks_boxes_and_trails_without_touching_the_input() -> None:
    result = scene_result(6, image=True)
    image = result.image.copy()
    trails = Trails(length=4)
    for i in range(7):
        trails.update(scene_result(i))
    assert len(trails[1]) == 4 and trails[1][-1] == (20.0, 10.0)
    out = render(image, result, trails)
    np.testing.assert_array_equal(image, result.image)  # input untouched
    assert out.shape == image.shape and out.dtype == np.uint8
    # inside track 2, away from its outline, tag and trail: the blend of image and colour
    blend = image[0, 0] * 0.55 + np.array(color_for_id(2)) * 0.45
    assert np.abs(out[39:42, 42:46].astype(float) - blend).max() <= 1
    assert (out[44:, 20:36] == image[44:, 20:36]).all()  # far from everything: unchanged
    assert render(image, FrameResult.empty(0, 0.0, H, W)).tolist() == image.tolist()


def test_trails_forget_tracks_that_left() -> None:
    trails = Trails(length=3)
    for i in range(10):
        trails.update(scene_result(i))
    assert set(trails) == {1, 2, 3}
    trails.update(_shifted(scene_result(0), 11))
    assert set(trails) == {1, 2, 3}  # unseen for 2 frames: kept
    trails.update(_shifted(FrameResult.empty(0, 0.0, H, W), 12))
    assert set(trails) == {1, 2}  # track 3 unseen for 3 frames: forgotten
    trails.update(_shifted(FrameResult.empty(0, 0.0, H, W), 14))
    assert len(trails) == 0


def test_colours_are_stable_and_distinct() -> None:
    colours = [color_for_id(i) for i in range(1, 30)]
    assert colours == [color_for_id(i) for i in range(1, 30)]
    assert len(set(colours)) == len(colours)
    assert all(0 <= c <= 255 for rgb in colours for c in rgb)


# -- open_sinks ---------------------------------------------------------------------------


def test_open_sinks_names_and_multisink(tmp_path: Path) -> None:
    out = tmp_path / "results"
    sinks = open_sinks(out, ["jsonl", "mots", "mot", "csv", "video"], stem="clip", fps=FPS)
    assert [s.path.name for s in sinks] == [
        "clip.jsonl",
        "clip.mots.txt",
        "clip.mot.txt",
        "clip_tracks.csv",
        "clip_annotated.mp4",
    ]
    with MultiSink(sinks) as sink:
        for i in range(6):
            sink.write(scene_result(i, image=True))
    assert sorted(p.name for p in out.iterdir()) == sorted(s.path.name for s in sinks)
    assert len(list(read_jsonl(out / "clip.jsonl"))) == 6


def test_multisink_aborts_every_file_on_failure(tmp_path: Path) -> None:
    sinks = open_sinks(tmp_path, ["jsonl", "csv"], stem="clip")
    with pytest.raises(KeyboardInterrupt), MultiSink(sinks) as sink:
        sink.write(scene_result(0))
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "clip.jsonl.partial",
        "clip_tracks.csv.partial",
    ]


@pytest.mark.parametrize(
    ("formats", "stem", "message"),
    [
        (["jsonl", "gif"], "a", "unknown output format 'gif'"),
        (["mot", "mot"], "a", "repeated"),
        (["mot"], "", "stem"),
        (["mot"], "a/b", "stem"),
    ],
)
def test_open_sinks_rejects_bad_requests(
    tmp_path: Path, formats: list[str], stem: str, message: str
) -> None:
    with pytest.raises(SamtrackError, match=message):
        open_sinks(tmp_path, formats, stem=stem)
    assert list(tmp_path.iterdir()) == []  # nothing opened
