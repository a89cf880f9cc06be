"""Analytics on generated tracks with known truth: line counts, zone dwell, sizes, events,
config errors; and FrameResult filtering. No model: FrameResults are built from numpy
discs and rectangles moving on known paths with 1-2 px of jitter."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import fields

import numpy as np
import pytest

from samtrack.analytics import (
    Event,
    LineCounter,
    TrackMeasurements,
    ZoneMonitor,
    anchor_points,
    build_analytics,
    load_config,
    parse_config,
)
from samtrack.errors import SamtrackError
from samtrack.types import FrameResult, mask_to_box_xyxy

FPS = 10.0
H, W = 240, 320
YY, XX = np.mgrid[0:H, 0:W]

Path = Callable[[int], "tuple[float, float] | None"]  # frame -> centre (x, y), None: unseen


def disc(x: float, y: float, r: float = 8.0) -> np.ndarray:
    return (XX - x) ** 2 + (YY - y) ** 2 <= r * r


def rotated_rect(x: float, y: float, length: float, width: float, degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    u = (XX - x) * math.cos(a) + (YY - y) * math.sin(a)
    v = -(XX - x) * math.sin(a) + (YY - y) * math.cos(a)
    return (np.abs(u) <= length / 2) & (np.abs(v) <= width / 2)


def make_result(index: int, objects: dict[int, np.ndarray], **lifecycle: tuple) -> FrameResult:
    ids = sorted(objects)
    masks = np.stack([objects[i] for i in ids]) if ids else np.zeros((0, H, W), bool)
    return FrameResult(
        index,
        index / FPS,
        H,
        W,
        np.array(ids, dtype=np.int64),
        masks,
        mask_to_box_xyxy(masks),
        np.ones(len(ids), np.float32),
        labels=["part"] * len(ids),
        **lifecycle,
    )


def scene(
    paths: dict[int, Path],
    frames: int,
    seed: int = 0,
    jitter: float = 1.5,
    shape: Callable[..., np.ndarray] = disc,
    lifecycle: bool = False,
) -> list[FrameResult]:
    """One FrameResult per frame; each path's centre moved by uniform jitter (px). With
    ``lifecycle``, started on a track's first frame, lost on the first frame it is unseen
    after being seen, ended one frame after its last sighting."""
    rng = np.random.default_rng(seed)
    seen_at = {i: [t for t in range(frames) if p(t) is not None] for i, p in paths.items()}
    results = []
    for t in range(frames):
        objects, started, lost, ended = {}, [], [], []
        for i, path in paths.items():
            centre = path(t)
            if centre is not None:
                dx, dy = rng.uniform(-jitter, jitter, 2)
                objects[i] = shape(centre[0] + dx, centre[1] + dy)
                started += [i] if t == seen_at[i][0] else []
            elif seen_at[i] and seen_at[i][0] < t:
                if t == seen_at[i][-1] + 1:
                    ended.append(i)
                elif t < seen_at[i][-1] and path(t - 1) is not None:
                    lost.append(i)
        life = {"started": tuple(started), "lost": tuple(lost), "ended": tuple(ended)}
        results.append(make_result(t, objects, **(life if lifecycle else {})))
    return results


def run(consumer, results: list[FrameResult]) -> list[Event]:
    return [e for r in results for e in consumer.update(r)]


def linear(x0: float, y0: float, x1: float, y1: float, t0: int, t1: int) -> Path:
    """From (x0, y0) at frame t0 to (x1, y1) at frame t1, unseen outside."""

    def at(t: int) -> tuple[float, float] | None:
        if not t0 <= t <= t1:
            return None
        f = (t - t0) / (t1 - t0)
        return x0 + f * (x1 - x0), y0 + f * (y1 - y0)

    return at


# ----------------------------------------------------------------------------- lines

# The door runs left to right at y = 120 from x = 60 to x = 260: "in" is downward.
DOOR = ((60, 120), (260, 120))


def door_paths() -> tuple[dict[int, Path], dict[int, list[str]]]:
    def hover(t: int) -> tuple[float, float]:
        return 200.0, 120.0 + 1.2 * math.sin(t / 2)  # within 1.2 + 1.5 jitter < 3 px

    def back_and_forth(t: int) -> tuple[float, float]:
        return 120.0, 100.0 + (40 - abs(40 - 2 * t)) * 1.0 if t <= 40 else 100.0

    crossing = linear(230, 80, 230, 170, 0, 30)

    def lost_midway(t: int) -> tuple[float, float] | None:
        centre = crossing(t)
        return None if centre is not None and 108 < centre[1] < 136 else centre

    paths: dict[int, Path] = {
        1: linear(100, 60, 100, 180, 0, 30),  # down: in
        2: linear(150, 180, 150, 60, 5, 35),  # up: out
        3: hover,  # hovers on the line: nothing
        4: back_and_forth,  # down to 140, back to 100: in, out
        5: lost_midway,  # unseen while crossing: in, once
        6: linear(290, 60, 290, 180, 0, 30),  # beyond the end at x = 260: nothing
        7: linear(254, 60, 254, 180, 10, 40),  # just inside the end: in
        8: linear(310, 60, 250, 180, 0, 40),  # meets y = 120 at x = 280: nothing
    }
    truth = {1: ["in"], 2: ["out"], 3: [], 4: ["in", "out"], 5: ["in"], 6: [], 7: ["in"], 8: []}
    return paths, truth


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_line_counts_equal_the_true_crossings(seed: int) -> None:
    paths, truth = door_paths()
    line = LineCounter("door", *DOOR)
    events = run(line, scene(paths, 45, seed=seed, lifecycle=True))
    got = {i: [e.direction for e in events if e.track_id == i] for i in paths}
    assert got == truth
    assert (line.in_count, line.out_count) == (4, 2)
    assert {e.kind for e in events} == {"line_crossed"} and {e.name for e in events} == {"door"}
    for e in events:  # the crossing point is on the segment, near the true path's x
        assert 60 <= e.extra["x"] <= 260 and abs(e.extra["y"] - 120) < 1e-6
    # Ended tracks are forgotten; the hovering one never settled on a side.
    assert line.sides == {4: "left"}


def test_hysteresis_is_what_stops_the_hovering_track() -> None:
    paths, _ = door_paths()
    jumpy = LineCounter("door", *DOOR, min_distance=0)
    events = run(jumpy, scene({3: paths[3]}, 45))
    assert len(events) > 4  # counted again and again without the 3 px band


def test_a_lost_track_is_remembered_until_it_ends() -> None:
    line = LineCounter("door", *DOOR)
    before = make_result(0, {5: disc(200, 100)})
    assert (
        run(line, [before, make_result(1, {}, ended=(5,)), make_result(2, {5: disc(200, 140)})])
        == []
    )
    assert (
        run(LineCounter("door", *DOOR), [before, make_result(9, {5: disc(200, 140)})])[0].direction
        == "in"
    )


def test_direction_follows_start_to_end() -> None:
    # A downward segment at x = 160: its right, seen from the start, is the image's left.
    line = LineCounter("vertical", (160, 20), (160, 220))
    results = scene({1: linear(100, 120, 220, 120, 0, 20), 2: linear(220, 60, 100, 60, 0, 20)}, 21)
    assert [(e.track_id, e.direction) for e in run(line, results)] == [(1, "out"), (2, "in")]


def test_bottom_anchor_counts_feet_not_centroid() -> None:
    def person(x: float, y: float) -> np.ndarray:
        return (np.abs(XX - x) <= 8) & (np.abs(YY - y) <= 30)  # 17 x 61 px, feet at y + 30

    results = scene({1: linear(150, 60, 150, 105, 0, 15)}, 16, jitter=1.0, shape=person)
    bottom = anchor_points(results[-1].masks, results[-1].boxes, "bottom")[0]
    assert abs(bottom[1] - (105 + 30)) <= 1.5 and abs(bottom[0] - 150) <= 1.5
    assert len(run(LineCounter("door", *DOOR, anchor="bottom"), results)) == 1
    assert run(LineCounter("door", *DOOR, anchor="centroid"), results) == []
    assert len(run(LineCounter("door", *DOOR, anchor="center_box"), results)) == 0


# ----------------------------------------------------------------------------- zones

BENCH = [(100, 60), (220, 60), (220, 180), (100, 180)]


def test_zone_dwell_within_one_frame_of_the_truth() -> None:
    paths: dict[int, Path] = {
        1: linear(40, 120, 280, 120, 0, 60),  # walks through: inside while 100 <= x <= 220
        2: lambda t: (160.0, 100.0) if 10 <= t < 50 else None,  # sits, then ends
        3: lambda t: (140.0, 150.0) if 5 <= t < 25 else None,  # sits, vanishes silently
        4: linear(40, 30, 280, 30, 0, 60),  # passes above the zone
        5: lambda t: (95.0, 120.0),  # box corner inside, but < 50% of its mask
    }
    results = scene(paths, 70, seed=3, lifecycle=True)
    for r in results:  # id 3 vanishes without a word from the tracker
        r.ended = tuple(i for i in r.ended if i != 3)
        r.lost = tuple(i for i in r.lost if i != 3)
    zone = ZoneMonitor("bench", BENCH, max_absent=5)
    events, occupancy = [], []
    for r in results:
        events += zone.update(r)
        occupancy.append(zone.occupants)
    truth_frames = {1: sum(100 <= 40 + 4 * t <= 220 for t in range(61)), 2: 40, 3: 20}
    dwell = zone.dwell()
    assert set(dwell) == {1, 2, 3}
    for i, frames in truth_frames.items():
        assert dwell[i].visits == 1 and abs(dwell[i].frames - frames) <= 1
        assert abs(dwell[i].seconds - frames / FPS) <= 1 / FPS + 1e-9
    exits = {e.track_id: e for e in events if e.kind == "zone_exited"}
    assert exits[1].extra["reason"] == "left"
    assert exits[2].extra["reason"] == "ended" and exits[2].frame_index == 50
    assert exits[3].extra["reason"] == "absent" and exits[3].frame_index == 24 + 5
    assert occupancy[30] == [1, 2] and occupancy[20] == [1, 2, 3] and occupancy[65] == []
    assert zone.overlap(results[0])[-1] < 0.5  # id 5's fraction


def test_zone_membership_uses_the_mask_fraction() -> None:
    r = make_result(0, {1: disc(100, 120, 10), 2: disc(104, 120, 10), 3: disc(60, 120, 10)})
    fractions = ZoneMonitor("bench", BENCH).overlap(r)
    assert fractions[0] == pytest.approx(0.5, abs=0.06)
    assert 0.6 < fractions[1] < 0.8 and fractions[2] == 0
    strict = ZoneMonitor("bench", BENCH, min_overlap=0.9)
    assert [e.track_id for e in strict.update(r)] == []
    assert [e.track_id for e in ZoneMonitor("bench", BENCH, min_overlap=0.6).update(r)] == [2]


def test_exit_overlap_stops_flicker_at_the_edge() -> None:
    results = scene({1: linear(100, 70, 100, 170, 0, 40)}, 41, seed=6)  # along the left edge
    flicker = run(ZoneMonitor("bench", BENCH), results)
    assert len(flicker) > 4  # each jitter across the edge enters or leaves
    steady = run(ZoneMonitor("bench", BENCH, exit_overlap=0.3), results)
    assert [e.kind for e in steady] == ["zone_entered"]


def test_zone_flush_and_exit_on_lost() -> None:
    zone = ZoneMonitor("bench", BENCH, exit_on_lost=True)
    zone.update(make_result(0, {1: disc(160, 120), 2: disc(150, 100)}))
    events = zone.update(make_result(1, {2: disc(150, 100)}, lost=(1,)))
    assert [(e.track_id, e.extra["reason"]) for e in events] == [(1, "lost")]
    assert [(e.track_id, e.extra["reason"]) for e in zone.flush()] == [(2, "stream_end")]


# ----------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("degrees", [0, 17, 33, 45, 71, 120])
@pytest.mark.parametrize("length, width", [(120, 40), (60, 24)])
def test_sizes_within_5_percent(degrees: float, length: float, width: float) -> None:
    def part(x: float, y: float) -> np.ndarray:
        return rotated_rect(x, y, length, width, degrees)

    speed = 5.0  # px per frame: 50 px/s at 10 fps
    results = scene(
        {1: linear(80.3, 120.6, 230.3, 120.6, 0, 30)}, 31, seed=4, jitter=1.0, shape=part
    )
    measure = TrackMeasurements(px_per_unit=2.0)
    run(measure, results)
    (row,) = measure.summary()
    assert row["length_px"] == pytest.approx(length, rel=0.05)
    assert row["width_px"] == pytest.approx(width, rel=0.05)
    assert row["length_mm"] == pytest.approx(row["length_px"] / 2.0)
    assert row["width_mm"] == pytest.approx(width / 2.0, rel=0.05)
    assert row["mean_area_px"] == pytest.approx(length * width, rel=0.05)
    assert row["mean_area_mm2"] == pytest.approx(row["mean_area_px"] / 4.0)
    assert row["mean_speed_px_s"] == pytest.approx(speed * FPS, rel=0.05)
    assert row["mean_speed_mm_s"] == pytest.approx(row["mean_speed_px_s"] / 2.0)
    assert row["path_length_px"] == pytest.approx(150, rel=0.05)
    assert (row["first_frame"], row["last_frame"], row["frames_visible"]) == (0, 30, 31)
    assert row["duration_s"] == pytest.approx(31 / FPS)
    assert row["label"] == "part" and row["track_id"] == 1


def test_measurements_without_a_scale_have_pixels_only() -> None:
    measure = TrackMeasurements(anchor="bottom")
    run(measure, scene({1: linear(80, 100, 200, 100, 0, 10)}, 11))
    (row,) = measure.summary()
    assert not any(key.endswith("_mm") for key in row) and row["frames_visible"] == 11


# ----------------------------------------------------------------------------- events


def test_events_complete_and_in_order() -> None:
    paths, truth = door_paths()
    config = parse_config(
        {
            "lines": [{"name": "door", "points": [list(DOOR[0]), list(DOOR[1])]}],
            "zones": [{"name": "bench", "polygon": [list(p) for p in BENCH]}],
        }
    )
    analytics = build_analytics(config)
    results = scene(paths, 50, seed=5, lifecycle=True)
    events = run(analytics, results) + analytics.flush()
    assert [e.frame_index for e in events] == sorted(e.frame_index for e in events)
    for i in paths:
        mine = [e for e in events if e.track_id == i]
        assert mine[0].kind == "track_started" and mine[-1].kind in ("track_ended", "zone_exited")
        assert [e.direction for e in mine if e.kind == "line_crossed"] == truth[i]
        zone_kinds = [e.kind for e in mine if e.name == "bench"]
        assert zone_kinds == ["zone_entered", "zone_exited"] * (len(zone_kinds) // 2)
        assert sum(e.kind == "track_ended" for e in mine) == (paths[i](49) is None)
    lost_5 = [e for e in events if e.track_id == 5 and e.kind == "track_lost"]
    assert len(lost_5) == 1
    order = {
        "track_started": 0,
        "line_crossed": 1,
        "zone_entered": 2,
        "zone_exited": 2,
        "track_lost": 3,
        "track_ended": 4,
    }
    for frame in {e.frame_index for e in events}:
        kinds = [order[e.kind] for e in events if e.frame_index == frame]
        assert kinds == sorted(kinds)
    assert analytics.counts()["lines"] == {"door": {"in": 4, "out": 2}}
    rows = [json.loads(json.dumps(e.to_dict(), allow_nan=False)) for e in events]
    crossing = next(r for r in rows if r["kind"] == "line_crossed")
    assert set(crossing) == {"kind", "frame", "time", "track_id", "name", "direction", "x", "y"}
    started = next(r for r in rows if r["kind"] == "track_started")
    assert set(started) == {"kind", "frame", "time", "track_id"}


def test_event_checks_its_fields_and_writes_nan_time_as_null() -> None:
    assert Event("track_lost", 3, math.nan, 2).to_dict() == {
        "kind": "track_lost",
        "frame": 3,
        "time": None,
        "track_id": 2,
    }
    with pytest.raises(SamtrackError):
        Event("line_crosed", 0, 0.0, 1)
    with pytest.raises(SamtrackError):
        Event("line_crossed", 0, 0.0, 1, "door", "up")


# ----------------------------------------------------------------------------- config


def test_config_file_builds_the_analytics(tmp_path) -> None:
    path = tmp_path / "analytics.json"
    path.write_text(
        json.dumps(
            {
                "lines": [
                    {
                        "name": "door",
                        "points": [[60, 120], [260, 120]],
                        "anchor": "bottom",
                        "min_distance": 2.5,
                    }
                ],
                "zones": [{"name": "bench", "polygon": BENCH, "min_overlap": 0.6, "max_absent": 4}],
                "scale": {"points": [[0, 0], [300, 400]], "length_mm": 250},
                "measure": {"anchor": "center_box"},
            }
        )
    )
    config = load_config(path)
    assert config.px_per_mm == pytest.approx(2.0) and config.anchor == "center_box"
    analytics = build_analytics(config)
    (line,), (zone,) = analytics.lines, analytics.zones
    assert (line.name, line.anchor, line.min_distance) == ("door", "bottom", 2.5)
    assert (zone.name, zone.min_overlap, zone.max_absent) == ("bench", 0.6, 4)
    assert analytics.measurements.px_per_unit == pytest.approx(2.0)
    assert build_analytics(config).lines[0] is not line  # fresh state for each stream
    assert parse_config({"scale": {"px_per_mm": 3}}).px_per_mm == 3.0
    assert parse_config({}).lines == [] and parse_config(None).zones == []


LINE = [[0, 0], [100, 0]]
SQUARE = [[0, 0], [10, 0], [10, 10], [0, 10]]


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"lines": [{"name": "door", "points": [[0, 0]]}]}, "line 'door': points must be 2 points"),
        (
            {"lines": [{"name": "door", "points": [["10", "20"], [30, 40]]}]},
            "line 'door': points: point 1",
        ),
        ({"lines": [{"name": "door", "points": [[0, 0], [0, 0]]}]}, "line 'door': start and end"),
        ({"lines": [{"points": [[0, 0], [1, True]]}]}, "line 'line 1': points: point 2"),
        ({"lines": [{"name": "door", "points": [[0, math.nan], [5, 5]]}]}, "finite"),
        ({"lines": [{"name": "door", "points": LINE, "anchor": "feet"}]}, "line 'door': anchor"),
        (
            {"lines": [{"name": "door", "points": LINE, "min_distance": -1}]},
            "line 'door': min_distance",
        ),
        (
            {"lines": [{"name": "a", "points": LINE}, {"name": "a", "points": LINE}]},
            "line 2: the name 'a'",
        ),
        ({"lines": [{"name": "door", "point": LINE}]}, "line 1: unknown setting 'point'"),
        ({"lines": {"name": "door"}}, "lines must be a list"),
        (
            {"zones": [{"name": "bench", "polygon": [[0, 0], [5, 5]]}]},
            "zone 'bench': polygon needs 3",
        ),
        (
            {"zones": [{"name": "bench", "polygon": [[0, 0], [10, 10], [10, 0], [0, 10]]}]},
            "zone 'bench': polygon crosses itself",
        ),
        ({"zones": [{"name": "bench", "polygon": [[0, 0], [5, 5], [10, 10]]}]}, "has no area"),
        ({"zones": [{"name": "bench", "polygon": "0,0 1,1 2,0"}]}, "zone 'bench': polygon"),
        ({"zones": [{"name": "bench"}]}, "zone 'bench' needs a polygon"),
        ({"zones": [{"name": "bench", "polygon": SQUARE, "min_overlap": "half"}]}, "min_overlap"),
        ({"zones": [{"name": "bench", "polygon": SQUARE, "min_overlap": 1.5}]}, "min_overlap"),
        ({"zones": [{"name": "bench", "polygon": SQUARE, "max_absent": 2.5}]}, "max_absent"),
        ({"zones": [{"name": 7, "polygon": SQUARE}]}, "zone 1: name"),
        ({"scale": {"px_per_mm": -2}}, "scale: px_per_mm must be a number > 0"),
        ({"scale": {"px_per_mm": 2, "length_mm": 5}}, "not both"),
        ({"scale": {"points": [[0, 0], [0, 0]], "length_mm": 5}}, "2 different points"),
        ({"scale": {"points": [[0, 0], [3, 4]]}}, "scale needs px_per_mm"),
        ({"measure": {"anchor": "top"}}, "measure: anchor"),
        ({"line": []}, "unknown setting 'line'"),
        ([1, 2], "the config must be a mapping"),
    ],
)
def test_config_errors_are_one_line(data, expected: str) -> None:
    with pytest.raises(SamtrackError) as error:
        parse_config(data, "site.json")
    message = str(error.value)
    assert "\n" not in message and message.startswith("site.json: ") and expected in message


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("bad.json", '{"lines": [', "is not valid JSON"),
        ("missing.json", None, "analytics config not found"),
    ],
)
def test_config_file_errors_are_one_line(
    tmp_path, name: str, text: str | None, expected: str
) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(SamtrackError) as error:
        load_config(path)
    assert "\n" not in str(error.value) and expected in str(error.value)


def test_yaml_config(tmp_path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("lines:\n  - name: door\n    points: [[0, 0], [100, 0]]\n")
    try:
        import yaml  # noqa: F401
    except ImportError:
        with pytest.raises(SamtrackError, match="PyYAML"):
            load_config(path)
        return
    assert load_config(path).lines[0]["name"] == "door"


# ----------------------------------------------------------------------------- FrameResult


def three_tracks() -> FrameResult:
    masks = np.stack([disc(50, 50), disc(150, 100), disc(250, 150)])
    return FrameResult(
        frame_index=7,
        time=0.7,
        height=H,
        width=W,
        track_ids=np.array([3, 5, 7]),
        masks=masks,
        boxes=mask_to_box_xyxy(masks),
        scores=np.array([0.9, 0.4, 0.8], np.float32),
        labels=["cat", "dog", "cow"],
        image=np.zeros((H, W, 3), np.uint8),
        started=(7,),
        lost={9},
        ended=np.array([11]),
    )


def test_frame_result_fields_are_all_classified() -> None:
    kinds = FrameResult.PER_OBJECT + FrameResult.LIFECYCLE + FrameResult.PER_FRAME
    assert sorted(kinds) == sorted(f.name for f in fields(FrameResult))


@pytest.mark.parametrize(
    "index, rows",
    [
        (np.array([True, False, True]), [0, 2]),
        ([2, 0], [2, 0]),
        (np.array([1], dtype=np.int32), [1]),
        (slice(1, None), [1, 2]),
        (1, [1]),
        ([], []),
    ],
)
def test_frame_result_filters_every_field(index, rows: list[int]) -> None:
    r = three_tracks()
    picked = r[index]
    assert picked.track_ids.tolist() == r.track_ids[rows].tolist()
    assert np.array_equal(picked.masks, r.masks[rows]) and picked.masks.shape[1:] == (H, W)
    assert np.array_equal(picked.boxes, r.boxes[rows])
    assert np.array_equal(picked.scores, r.scores[rows])
    assert picked.labels == [r.labels[i] for i in rows]
    for name in FrameResult.PER_FRAME + FrameResult.LIFECYCLE:
        assert getattr(picked, name) is getattr(r, name)
    assert len(picked) == len(rows)


def test_frame_result_score_filter_and_ids() -> None:
    r = three_tracks()
    assert (r.started, r.lost, r.ended) == ((7,), (9,), (11,))
    assert r[r.scores > 0.5].labels == ["cat", "cow"]
    chosen = r.with_ids([7, 3, 99])
    assert chosen.track_ids.tolist() == [3, 7] and chosen.labels == ["cat", "cow"]
    assert np.array_equal(chosen.masks, r.masks[[0, 2]])
    assert (chosen.started, chosen.lost, chosen.ended) == ((7,), (), ())
    assert r.with_ids(5).labels == ["dog"] and len(r.with_ids([])) == 0
    with pytest.raises(IndexError):
        r[np.array([True, False])]
    with pytest.raises(IndexError):
        r[np.array([0.5])]


def test_frame_result_old_constructors_still_work() -> None:
    masks = np.stack([disc(50, 50)])
    r = FrameResult(0, 0.0, H, W, np.array([1]), masks, mask_to_box_xyxy(masks), np.ones(1))
    assert r.labels == [""] and (r.started, r.lost, r.ended) == ((), (), ())
    empty = FrameResult.empty(4, 0.4, H, W)
    assert len(empty) == 0 and len(empty[empty.scores > 0.5]) == 0 and empty.started == ()
