"""What a run with analytics shows and hands over beyond its files: the lines and zones
drawn on the annotated video with their live counts, one best crop per track (format
``crops``), events passed to a callback as they happen, and wall-clock times for live
sources."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from stream_utils import live_stream, once_listening

from samtrack import cli
from samtrack.analytics import AnalyticsConfig, LineCounter, parse_config
from samtrack.errors import Interrupted, SamtrackError
from samtrack.eval import synthetic_video as sv
from samtrack.eval.oracle import OracleSegmenter
from samtrack.io import formats
from samtrack.io.crops import CROPS_FOLDER, CropSink
from samtrack.pipeline import track_to_files
from samtrack.render import LINE_COLOR, ZONE_ALPHA, ZONE_COLOR, render_analytics
from samtrack.types import FrameResult, Prompt, mask_to_box_xyxy

H, W = 192, 256
LINE_X = 128  # the counting line runs down the middle: (128, 0) -> (128, 192)
ZONE = [[150, 0], [256, 0], [256, 192], [150, 192]]  # the right part of the frame


@pytest.fixture(autouse=True)
def crops_format():
    """The ``crops`` format, registered for these tests if the registry does not have it
    (and removed again after)."""
    if "crops" in formats.FORMATS:
        yield
        return
    formats.register_format(
        formats.OutputFormat("crops", CROPS_FOLDER, lambda path, options: CropSink(path), "crops")
    )
    try:
        yield
    finally:
        formats.FORMATS.pop("crops", None)


@pytest.fixture
def crossing():
    """Two objects crossing the middle line in opposite directions (on rows ~75-120),
    a zone on the right."""
    spec = sv.lookalikes_crossing(seed=0, n_frames=20)
    config = parse_config(
        {
            "lines": [{"name": "middle", "points": [[LINE_X, 0], [LINE_X, H]]}],
            "zones": [{"name": "right", "polygon": ZONE}],
        }
    )
    return spec, config


def oracle(spec) -> OracleSegmenter:
    truth = {f.index: (g.ids, g.masks) for f, g in spec.frames()}
    return OracleSegmenter(lambda i: truth[i])


def first_prompts(spec) -> list[Prompt]:
    _, gt = next(spec.frames())
    return [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)]


def run(spec, out: Path, fmts, source=None, **kwargs):
    """track_to_files on the spec's frames (or ``source``) with the ground-truth oracle."""
    return track_to_files(
        [f for f, _ in spec.frames()] if source is None else source, out, fmts, stem="x",
        progress=False, model=oracle(spec), discover_every=0, prompts=first_prompts(spec),
        **kwargs,
    )


def decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def read_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@dataclass
class Zone:
    """A zone as render_analytics sees one, with its occupants set by hand."""

    name: str
    polygon: np.ndarray
    occupants: list[int] = field(default_factory=list)


def changed_box(a: np.ndarray, b: np.ndarray) -> tuple[int, int, int, int]:
    """The xyxy box (exclusive) of the pixels where two images differ."""
    ys, xs = np.nonzero((a != b).any(axis=2))
    assert ys.size, "the images are the same"
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


# -- drawing -------------------------------------------------------------------------------


def test_render_analytics_draws_lines_zones_and_their_counts() -> None:
    grey = np.full((H, W, 3), 80, np.uint8)
    line = LineCounter("door", (LINE_X, 0), (LINE_X, H))
    zone = Zone("bench", np.array(ZONE, float))
    before = render_analytics(grey, [line], [zone])
    assert (grey == 80).all()  # a new image; the input is untouched

    # the line's colour down the segment (below its label, away from the arrow at the middle)
    column = before[30:80, LINE_X]
    assert (column == LINE_COLOR).all()
    # the zone's light fill inside the polygon, away from its outline and label
    fill = np.round(0.8 * 80 + ZONE_ALPHA * np.array(ZONE_COLOR)).astype(int)
    assert np.abs(before[40:180, 160:250].astype(int) - fill).max() <= 1
    # nothing else changes: left of the line's arrow, and between the line and the zone
    assert (before[:, :90] == 80).all() and (before[30:, 133:147] == 80).all()

    # a crossing changes the line's label, and only that
    line.in_count = 3
    after = render_analytics(grey, [line], [zone])
    x1, _, x2, y2 = changed_box(before, after)
    assert LINE_X <= x1 and x2 < LINE_X + 100 and y2 < 20
    # a track entering the zone changes the zone's label, and only that
    zone.occupants = [4]
    entered = render_analytics(grey, [line], [zone])
    x1, _, x2, y2 = changed_box(after, entered)
    assert 150 <= x1 and y2 < 40  # below the line's label, which it would cover


def test_render_analytics_keeps_labels_inside_the_frame() -> None:
    black = np.zeros((60, 80, 3), np.uint8)
    # a line that leaves the frame, a zone mostly outside it: drawn where they fall in it
    line = LineCounter("a long name for a line", (70, 50), (300, -40))
    zone = Zone("z", np.array([[-50.0, -50.0], [40.0, -50.0], [40.0, 30.0], [-50.0, 30.0]]))
    out = render_analytics(black, [line], [zone])
    assert out.shape == black.shape and out.any()
    assert (out[:29, :39] != 0).any(axis=2).all()  # the zone's fill covers its visible part
    # the line's label was moved in from (70, 50) so that its box fits: it reaches the
    # bottom-right corner
    assert (out[-1, -1] == LINE_COLOR).all()


def test_annotated_video_shows_the_analytics_and_counts_as_they_change(tmp_path, crossing):
    spec, config = crossing
    source = [f.image for f, _ in spec.frames()]
    run(spec, tmp_path, ["video"], analytics=config)
    frames = decode(tmp_path / "x_annotated.mp4")
    assert len(frames) == len(source)
    crossed = min(e["frame"] for e in read_events(tmp_path / "x.events.jsonl")
                  if e["kind"] == "line_crossed")
    assert 5 < crossed < 15

    # where the counts are written: the pixels that a change of counts alters
    line = LineCounter("middle", (LINE_X, 0), (LINE_X, H))
    zone = Zone("right", np.array(ZONE, float))
    blank = np.zeros((H, W, 3), np.uint8)
    none = render_analytics(blank, [line], [zone])
    line.in_count = line.out_count = 1
    x1, y1, x2, y2 = changed_box(none, render_analytics(blank, [line], [zone]))

    zone_rows = np.r_[20:60, 140:185]  # rows of the zone the objects never reach
    for i, (drawn, image) in enumerate(zip(frames, source)):
        drawn, image = drawn.astype(float), image.astype(float)
        # the line's colour down the segment (video compression blurs it a little)
        column = drawn[np.r_[20:70, 130:185], LINE_X]
        assert np.abs(column - LINE_COLOR).max(axis=1).mean() < 20, i  # (measured: 5)
        # the zone filled lightly: the frame blended with the zone's colour
        fill = (1 - ZONE_ALPHA) * image + ZONE_ALPHA * np.array(ZONE_COLOR)
        inside = np.abs(drawn[zone_rows, 165:245] - fill[zone_rows, 165:245]).mean()
        plain = np.abs(drawn[zone_rows, 165:245] - image[zone_rows, 165:245]).mean()
        assert inside < 12 and plain > 3 * inside, i  # (measured: 8 and 40)
        # the counts: as on the first frame until the crossing, different from then on
        # (measured: 0, then 21)
        label = np.abs(drawn[y1:y2, x1:x2] - frames[0][y1:y2, x1:x2]).mean()
        assert (label < 3) if i < crossed else (label > 10), (i, label)


def test_without_analytics_the_video_shows_no_lines_or_zones(tmp_path, crossing):
    spec, _ = crossing
    source = [f.image for f, _ in spec.frames()]
    run(spec, tmp_path, ["video"])
    rows = np.r_[20:60, 140:185]  # where the objects, their tags and trails never go
    for drawn, image in zip(decode(tmp_path / "x_annotated.mp4"), source):
        drawn, image = drawn.astype(float)[rows], image.astype(float)[rows]
        assert np.abs(drawn[:, LINE_X] - image[:, LINE_X]).mean() < 6  # no line
        assert np.abs(drawn[:, 165:245] - image[:, 165:245]).mean() < 3  # no zone


# -- crops ---------------------------------------------------------------------------------


def best_views(results: list[FrameResult]) -> dict[int, tuple[FrameResult, int]]:
    """Per track, the result and row of its best view by the documented rule: a view not
    touching the border first, then the highest score x mask area (the earliest on a tie)."""
    best: dict[int, tuple[tuple[bool, float], FrameResult, int]] = {}
    for r in results:
        for i, tid in enumerate(r.track_ids.tolist()):
            x1, y1, x2, y2 = r.boxes[i]
            whole = x1 >= 1 and y1 >= 1 and x2 <= r.width - 1 and y2 <= r.height - 1
            rank = (bool(whole), float(r.scores[i]) * int(r.masks[i].sum()))
            if tid not in best or rank > best[tid][0]:
                best[tid] = (rank, r, i)
    return {tid: (r, i) for tid, (_, r, i) in best.items()}


def padded(box, height: int, width: int) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = (float(v) for v in box)
    px, py = 0.1 * (x2 - x1), 0.1 * (y2 - y1)
    return (max(0, int(np.floor(x1 - px))), max(0, int(np.floor(y1 - py))),
            min(width, int(np.ceil(x2 + px))), min(height, int(np.ceil(y2 + py))))


def test_crops_hold_one_png_per_track_cut_from_its_best_view(tmp_path, crossing):
    spec, _ = crossing
    results: list[FrameResult] = []
    summary = run(spec, tmp_path, ["jsonl", "crops"], on_result=results.append)
    folder = tmp_path / "x_crops"
    assert folder in summary.files
    assert sorted(p.name for p in folder.iterdir()) == ["1.png", "2.png"]
    for tid, (result, row) in best_views(results).items():
        crop = cv2.cvtColor(cv2.imread(str(folder / f"{tid}.png")), cv2.COLOR_BGR2RGB)
        x1, y1, x2, y2 = padded(result.boxes[row], H, W)
        assert crop.shape == (y2 - y1, x2 - x1, 3)
        assert crop.shape[0] > result.boxes[row][3] - result.boxes[row][1]  # padded
        assert np.array_equal(crop, result.image[y1:y2, x1:x2])  # the frame, no overlays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl", "x_crops"]


def square(box: tuple[int, int, int, int], h: int = 100, w: int = 100) -> np.ndarray:
    mask = np.zeros((h, w), bool)
    mask[box[1]:box[3], box[0]:box[2]] = True
    return mask


def result(index: int, rows: list[tuple[int, tuple[int, int, int, int], float]], ended=()):
    """A FrameResult of ``rows`` (track id, box, score) with box-shaped masks, on an image
    whose pixel values tell the frame."""
    masks = np.stack([square(b) for _, b, _ in rows]) if rows else np.zeros((0, 100, 100), bool)
    return FrameResult(
        frame_index=index, time=index / 10, height=100, width=100,
        track_ids=np.array([t for t, _, _ in rows], np.int64), masks=masks,
        boxes=np.array([b for _, b, _ in rows], np.float32).reshape(-1, 4),
        scores=np.array([s for _, _, s in rows], np.float32),
        image=np.full((100, 100, 3), 10 * index, np.uint8), ended=tuple(ended),
    )


def test_a_crop_prefers_a_whole_view_then_score_times_area(tmp_path):
    folder = tmp_path / "x_crops"
    with CropSink(folder) as sink:
        # track 1: a large, confident view cut by the left border, then a small whole one
        sink.write(result(1, [(1, (0, 10, 60, 70), 0.99), (2, (20, 20, 40, 40), 0.9)]))
        # track 2: the larger view at a slightly lower score wins; then it ends
        sink.write(result(2, [(1, (50, 50, 70, 60), 0.5), (2, (20, 20, 50, 50), 0.8)]))
        sink.write(result(3, [(1, (50, 50, 60, 60), 0.9)], ended=[2]))
        # an ended track's crop is written at once (not kept in memory till the end)
        assert sorted(p.name for p in (tmp_path / "x_crops.partial").iterdir()) == ["2.png"]
        assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x_crops"]
    one = cv2.imread(str(folder / "1.png"))
    assert one.shape == (12, 24, 3) and (one == 20).all()  # frame 2: (48, 49, 72, 61)
    two = cv2.imread(str(folder / "2.png"))
    assert two.shape == (36, 36, 3) and (two == 20).all()  # frame 2: (17, 17, 53, 53)


def test_an_id_that_comes_back_keeps_its_better_picture(tmp_path):
    # Track 2 ends, then comes back (re-identified) with a smaller view: its picture stays
    # the first one; a better view later replaces it.
    folder = tmp_path / "x_crops"
    with CropSink(folder) as sink:
        sink.write(result(1, [(2, (20, 20, 50, 50), 0.9)]))
        sink.write(result(2, [], ended=[2]))
        sink.write(result(3, [(2, (20, 20, 30, 30), 0.9)]))
    assert cv2.imread(str(folder / "2.png")).shape == (36, 36, 3)
    with CropSink(folder) as sink:
        sink.write(result(1, [(2, (20, 20, 30, 30), 0.9)], ended=[2]))
        sink.write(result(4, [(2, (20, 20, 50, 50), 0.9)]))
    big = cv2.imread(str(folder / "2.png"))
    assert big.shape == (36, 36, 3) and (big == 40).all()


def test_an_interrupted_run_keeps_the_crops_of_the_tracks_so_far(tmp_path, crossing):
    spec, _ = crossing

    def stop(result: FrameResult) -> None:
        if result.frame_index == 8:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        run(spec, tmp_path, ["jsonl", "crops"], on_result=stop)
    partial = tmp_path / "x_crops.partial"
    assert partial in stopped.value.files
    assert not (tmp_path / "x_crops").exists()
    assert sorted(p.name for p in partial.iterdir()) == ["1.png", "2.png"]
    assert all(cv2.imread(str(p)).size for p in partial.iterdir())


def test_the_crops_folder_counts_as_earlier_results(tmp_path, crossing):
    spec, _ = crossing
    old = tmp_path / "x_crops"
    old.mkdir()
    (old / "7.png").write_bytes(b"an earlier run's crop")
    with pytest.raises(SamtrackError, match=r"earlier run .*x_crops"):
        run(spec, tmp_path, ["jsonl"])
    with pytest.raises(SamtrackError, match=r"earlier run .*x_crops"):
        run(spec, tmp_path, ["jsonl", "crops"])
    assert sorted(p.name for p in old.iterdir()) == ["7.png"]
    # --overwrite: the new crops replace the folder, stale ones included
    run(spec, tmp_path, ["jsonl", "crops"], overwrite=True)
    assert sorted(p.name for p in old.iterdir()) == ["1.png", "2.png"]
    # a run without crops removes an earlier run's crops folder, and a .partial one
    (tmp_path / "x_crops.partial").mkdir()
    summary = run(spec, tmp_path, ["jsonl"], overwrite=True)
    assert sorted(p.name for p in summary.removed) == ["x_crops", "x_crops.partial"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]


def test_a_crops_folder_holding_other_files_is_left_alone(tmp_path, crossing):
    spec, _ = crossing
    mine = tmp_path / "x_crops"
    mine.mkdir()
    (mine / "notes.txt").write_text("not a crop")
    with pytest.raises(SamtrackError, match="not a folder of PNG crops"):
        run(spec, tmp_path, ["jsonl", "crops"], overwrite=True)
    summary = run(spec, tmp_path, ["jsonl"], overwrite=True)
    assert summary.removed == [] and (mine / "notes.txt").read_text() == "not a crop"


def test_cli_refuses_an_earlier_crops_folder_in_one_line(tmp_path, capsys):
    video = tmp_path / "clip.mp4"
    sv.single_object(seed=1, n_frames=3).write(video)
    out = tmp_path / "out"
    (out / "clip_crops").mkdir(parents=True)
    code = cli.main(["track", str(video), "--format", "jsonl", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "earlier run" in err and "clip_crops" in err
    assert sorted(p.name for p in out.iterdir()) == ["clip_crops"]


# -- events: callbacks and wall-clock time ------------------------------------------------


def test_on_event_gets_the_events_of_the_file_in_order(tmp_path, crossing):
    spec, config = crossing
    got = []
    run(spec, tmp_path, ["jsonl"], analytics=config, on_event=got.append)
    written = read_events(tmp_path / "x.events.jsonl")
    assert [e.to_dict() for e in got] == written
    kinds = {e["kind"] for e in written}
    assert {"track_started", "line_crossed", "zone_entered", "zone_exited"} <= kinds
    assert all("wall_time" not in e for e in written) and all(e.wall_time is None for e in got)


def test_on_event_without_analytics_gets_the_lifecycle_events(tmp_path, crossing):
    spec, _ = crossing
    got = []
    run(spec, tmp_path / "a", ["jsonl"], on_event=got.append)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["x.jsonl"]  # no more files
    # the same as the lifecycle events of a run with analytics that count nothing
    run(spec, tmp_path / "b", ["jsonl"], analytics=AnalyticsConfig())
    written = read_events(tmp_path / "b" / "x.events.jsonl")
    assert [e.to_dict() for e in got] == written
    assert [(e["kind"], e["frame"]) for e in written[:2]] == [("track_started", 0)] * 2


def test_a_bad_on_event_is_refused_before_anything(tmp_path, crossing):
    spec, config = crossing
    with pytest.raises(SamtrackError, match="on_event must be a callable"):
        run(spec, tmp_path / "out", ["jsonl"], analytics=config, on_event="print")
    assert not (tmp_path / "out").exists()


def test_events_of_a_file_have_no_wall_time(tmp_path, crossing):
    spec, config = crossing
    video = tmp_path / "clip.mp4"
    spec.write(video)
    run(spec, tmp_path / "out", ["jsonl"], source=str(video), analytics=config)
    events = read_events(tmp_path / "out" / "x.events.jsonl")
    assert events and all("wall_time" not in e for e in events)


def test_events_of_a_live_stream_carry_the_wall_time(tmp_path, crossing):
    """A live MPEG-TS stream over TCP (as a camera gateway sends one); the oracle answers
    with the crossing's ground truth by frame index, whatever the pictures."""
    spec, config = crossing
    began = datetime.now(timezone.utc)
    got = []
    with live_stream(256, 192, 20, 6) as url:
        once_listening(
            lambda: run(spec, tmp_path, ["jsonl"], source=url, analytics=config, on_event=got.append),
            fatal=lambda e: "earlier run" in str(e),
        )
    ended = datetime.now(timezone.utc)
    events = read_events(tmp_path / "x.events.jsonl")
    assert len(events) > 4 and [e.to_dict() for e in got] == events
    stamps = [datetime.fromisoformat(e["wall_time"]) for e in events]
    assert all(s.utcoffset() == timedelta(0) for s in stamps)  # UTC
    assert began <= stamps[0] and stamps == sorted(stamps) and stamps[-1] <= ended
