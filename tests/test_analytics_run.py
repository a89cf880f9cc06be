"""Analytics in a run: track_to_files and ``samtrack track --analytics`` write the events,
counts and measurements files; the expected crossings come from the ground truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from samtrack import cli
from samtrack.analytics import AnalyticsConfig, LineCounter, parse_config
from samtrack.eval import synthetic_video as sv
from samtrack.eval.oracle import OracleSegmenter
from samtrack.io.analytics_files import AnalyticsSink
from samtrack.models.nano import CHECKPOINT
from samtrack.pipeline import track_to_files
from samtrack.types import Prompt, mask_to_box_xyxy

needs_nano = pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")


def centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()])


def expected_crossings(spec, line: LineCounter) -> dict[int, str]:
    """Ground-truth object id -> the direction its centroid crosses ``line`` (first and
    last frame on opposite sides)."""
    frames = [gt for _, gt in spec.frames()]
    found = {}
    for oid in frames[0].ids.tolist():
        first = centroid(frames[0].masks[list(frames[0].ids).index(oid)])
        last = centroid(frames[-1].masks[list(frames[-1].ids).index(oid)])
        before, after = line.signed_distance(np.stack([first, last]))
        if np.sign(before) != np.sign(after):
            found[oid] = "in" if after > 0 else "out"
    return found


def read_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture
def crossing():
    """Two objects crossing the frame's middle in opposite directions, a line down the
    middle, a zone on the right half."""
    spec = sv.lookalikes_crossing(seed=0, n_frames=20)
    config = parse_config(
        {
            "lines": [{"name": "middle", "points": [[128, 0], [128, 192]]}],
            "zones": [{"name": "right", "polygon": [[150, 0], [256, 0], [256, 192], [150, 192]]}],
            "scale": {"px_per_mm": 2.0},
        }
    )
    return spec, config


def run(spec, tmp_path: Path, **kwargs):
    truth = {f.index: (g.ids, g.masks) for f, g in spec.frames()}
    _, gt = next(spec.frames())
    return track_to_files(
        [f for f, _ in spec.frames()], tmp_path, ["jsonl"], stem="x", progress=False,
        model=OracleSegmenter(lambda i: truth[i]), discover_every=0,
        prompts=[Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)], **kwargs,
    )


def test_track_to_files_writes_events_counts_and_measurements(tmp_path, crossing):
    spec, config = crossing
    expected = expected_crossings(spec, LineCounter("middle", (128, 0), (128, 192)))
    assert sorted(expected.values()) == ["in", "out"]
    summary = run(spec, tmp_path, analytics=config, interval=0.2)  # 5 frames at 25 fps

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["x.counts.csv", "x.events.jsonl", "x.jsonl", "x.measurements.csv"]
    assert sorted(p.name for p in summary.files) == names
    events = read_events(tmp_path / "x.events.jsonl")
    started = [e for e in events if e["kind"] == "track_started"]
    assert sorted(e["track_id"] for e in started) == [1, 2] and {e["frame"] for e in started} == {0}
    crossed = {e["track_id"]: e["direction"] for e in events if e["kind"] == "line_crossed"}
    assert crossed == expected  # the prompts give the objects' ids in order
    assert all(e["name"] == "middle" for e in events if e["kind"] == "line_crossed")
    kinds = [e["kind"] for e in events]
    assert "zone_entered" in kinds and kinds[-1] == "zone_exited"  # closed at the stream's end

    rows = read_csv(tmp_path / "x.counts.csv")
    assert list(rows[0]) == [
        "interval_start", "interval_end", "middle.in", "middle.out",
        "right.entries", "right.exits", "right.max_occupancy",
    ]
    assert [float(r["interval_start"]) for r in rows] == pytest.approx([0, 0.2, 0.4, 0.6])
    assert sum(int(r["middle.in"]) for r in rows) == 1
    assert sum(int(r["middle.out"]) for r in rows) == 1
    entries = sum(int(r["right.entries"]) for r in rows)
    assert entries == sum(int(r["right.exits"]) for r in rows) == kinds.count("zone_entered")
    assert max(int(r["right.max_occupancy"]) for r in rows) >= 1

    measured = read_csv(tmp_path / "x.measurements.csv")
    assert [r["track_id"] for r in measured] == ["1", "2"]
    assert float(measured[0]["path_length_px"]) > 100 and "path_length_mm" in measured[0]
    assert summary.analytics.lines[0].in_count == 1


def test_analytics_files_count_as_earlier_results(tmp_path, crossing):
    from samtrack.errors import SamtrackError

    spec, config = crossing
    (tmp_path / "x.events.jsonl.partial").write_text("")
    with pytest.raises(SamtrackError, match="earlier run"):
        run(spec, tmp_path, analytics=config)
    run(spec, tmp_path, analytics=config, overwrite=True)
    assert not (tmp_path / "x.events.jsonl.partial").exists()  # replaced, then published
    assert (tmp_path / "x.events.jsonl").stat().st_size > 0
    # a run without analytics removes an earlier run's analytics files with --overwrite
    summary = run(spec, tmp_path, overwrite=True)
    assert sorted(p.name for p in summary.removed) == [
        "x.counts.csv", "x.events.jsonl", "x.measurements.csv",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.jsonl"]


def test_bad_analytics_is_refused_before_anything(tmp_path, crossing):
    from samtrack.errors import SamtrackError

    spec, _ = crossing
    bad = tmp_path / "bad.json"
    bad.write_text('{"lines": [{"points": [[1, 2]]}]}')
    out = tmp_path / "out"
    with pytest.raises(SamtrackError, match="points must be 2 points"):
        run(spec, out, analytics=bad)
    with pytest.raises(SamtrackError, match="analytics must be"):
        run(spec, out, analytics={"lines": []})
    with pytest.raises(SamtrackError, match="interval"):
        run(spec, out, analytics=AnalyticsConfig(), interval=0)
    assert not out.exists()


def test_a_stopped_run_leaves_valid_partial_analytics_files(tmp_path, crossing):
    from samtrack.analytics import build_analytics
    from samtrack.pipeline import track

    spec, config = crossing
    truth = {f.index: (g.ids, g.masks) for f, g in spec.frames()}
    _, gt = next(spec.frames())
    results = track([f for f, _ in spec.frames()], OracleSegmenter(lambda i: truth[i]),
                    prompts=[Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)], discover_every=0)
    with pytest.raises(KeyboardInterrupt), AnalyticsSink(build_analytics(config), tmp_path, "x", 0.2) as sink:
        for result in results:
            sink.write(result)
            if result.frame_index == 12:
                raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "x.counts.csv.partial", "x.events.jsonl.partial", "x.measurements.csv.partial",
    ]
    events = read_events(tmp_path / "x.events.jsonl.partial")
    assert events[0]["kind"] == "track_started" and max(e["frame"] for e in events) == 12
    rows = read_csv(tmp_path / "x.counts.csv.partial")
    assert [float(r["interval_start"]) for r in rows] == pytest.approx([0, 0.2, 0.4])
    assert [r["track_id"] for r in read_csv(tmp_path / "x.measurements.csv.partial")] == ["1", "2"]


@needs_nano
def test_cli_track_with_analytics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = sv.single_object(seed=3, n_frames=12)
    video = tmp_path / "clip.mp4"
    spec.write(video)
    frames = [gt for _, gt in spec.frames()]
    first, last = centroid(frames[0].masks[0]), centroid(frames[-1].masks[0])
    # a line across the path, halfway, 200 px long
    middle, step = (first + last) / 2, last - first
    normal = np.array([-step[1], step[0]]) / np.linalg.norm(step)
    ends = [(middle - 100 * normal).tolist(), (middle + 100 * normal).tolist()]
    line = LineCounter("path", *ends, min_distance=1)
    (direction,) = expected_crossings(spec, line).values()
    cfg = tmp_path / "analytics.json"
    cfg.write_text(json.dumps({"lines": [{"name": "path", "points": ends, "min_distance": 1}]}))
    box = ",".join(f"{v:g}" for v in mask_to_box_xyxy(frames[0].masks)[0])
    out_dir = tmp_path / "out"
    code = cli.main(["track", str(video), "--box", box, "--model", "nano", "--device", "cpu",
                     "--discover-every", "0", "--quiet", "--format", "jsonl", "--out", str(out_dir),
                     "--analytics", str(cfg), "--interval", "0.2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    count = "1 in, 0 out" if direction == "in" else "0 in, 1 out"
    assert f"line 'path': {count}" in out
    events = read_events(out_dir / "clip.events.jsonl")
    assert events[0]["kind"] == "track_started" and events[0]["track_id"] == 1
    assert [e["direction"] for e in events if e["kind"] == "line_crossed"] == [direction]
    rows = read_csv(out_dir / "clip.counts.csv")
    assert sum(int(r[f"path.{direction}"]) for r in rows) == 1
    assert "wrote " + str(out_dir / "clip.measurements.csv") in out
