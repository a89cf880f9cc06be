"""Acceptance of line counting end to end, as a user runs it: a generated video with known
truth, a line in an analytics config file, then ``samtrack track --analytics`` with the
bundled nano model, or ``track_to_files`` with the noisy ground-truth oracle, and the in/out
counts of ``<stem>.counts.csv`` and the line_crossed events of ``<stem>.events.jsonl``
(track ids, directions, frames, crossing points) compared with the crossings of the
ground-truth masks' anchor.

The expected crossings are worked out here from the ground truth alone, by the documented
rule and independently of ``samtrack.analytics``: an anchor seen at least 3 px on one side
of the line, then at least 3 px on the other, whose path (straight between consecutive
sightings) last met the line on the segment, not beyond an end. Each case also states its
crossings outright (on the segment, and on the infinite line), so a generator that drifted
fails on its own, before any tracking.

Cases: two objects crossing in opposite directions; a hover inside the 3 px band that never
crosses beside a hover that then crosses; a crossing and a return (a turn); a crossing
hidden behind a non-target occluder standing on the line (the track is lost and found
again); a crossing of the infinite line beyond the segment's end, beside one on it. Objects
are prompted with their true boxes on frame 0 (where they all appear); discovery keeps its
defaults.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from samtrack import cli
from samtrack.eval.oracle import OracleSegmenter
from samtrack.eval.synthetic import Background, SceneObject, Texture
from samtrack.eval.synthetic_video import Trajectory, VideoObject, VideoSpec
from samtrack.io.jsonl import read_jsonl
from samtrack.models.nano import CHECKPOINT
from samtrack.pipeline import track_to_files
from samtrack.types import FrameResult, Prompt, mask_to_box_xyxy

needs_nano = pytest.mark.skipif(not CHECKPOINT.is_file(), reason="nano.pt not built yet")

H, W = 192, 256
MIN_DISTANCE = 3.0  # the library's default band; the configs leave it at its default
LINE = "door"
Segment = tuple[tuple[float, float], tuple[float, float]]
Crossing = tuple[int, int, str, float]  # frame, ground-truth id, direction, px along the line

# A calm scene: a grey background with faint noise, flat saturated discs 34 px across.
BACKGROUND = Background(
    kind="noise", color=(120.0, 125.0, 120.0), color2=(135.0, 135.0, 125.0),
    noise_amplitude=3.0, seed=7,
)
RED, BLUE = (225.0, 40.0, 40.0), (40.0, 70.0, 225.0)
_ANGLES = np.linspace(0, 2 * np.pi, 48, endpoint=False)
CIRCLE = np.stack([np.cos(_ANGLES), np.sin(_ANGLES)], axis=1)


# --------------------------------------------------------------------------- generation


def along(start: float, *legs: tuple[float, ...]) -> np.ndarray:
    """One coordinate per frame, from ``start`` along straight legs: ``(to, step)`` moves
    to ``to`` by ``step`` px a frame; ``(frames,)`` stays put that many frames."""
    out = [float(start)]
    for leg in legs:
        if len(leg) == 1:
            out += [out[-1]] * int(leg[0])
            continue
        to, step = leg
        n = round(abs(to - out[-1]) / step)
        assert n >= 1 and math.isclose(abs(to - out[-1]), n * step), leg
        out += list(np.linspace(out[-1], to, n + 1)[1:])
    return np.array(out)


def path_trajectory(xs: np.ndarray, ys: np.ndarray) -> tuple[tuple[float, float], Trajectory]:
    """The start and a Trajectory (a velocity and its turns) that put the centre at
    (xs[t], ys[t]) on frame t."""
    points = np.stack([np.asarray(xs, float), np.asarray(ys, float)], axis=1)
    steps = np.diff(points, axis=0)  # steps[t - 1]: the move from frame t - 1 to frame t
    turns = tuple(
        (t, (float(steps[t - 1][0]), float(steps[t - 1][1])))
        for t in range(2, len(points))
        if not np.array_equal(steps[t - 1], steps[t - 2])
    )
    start = (float(points[0][0]), float(points[0][1]))
    return start, Trajectory(velocity=(float(steps[0][0]), float(steps[0][1])), turns=turns)


def disc(oid: int, xs: np.ndarray, ys: np.ndarray, color: tuple[float, float, float],
         n_frames: int) -> VideoObject:
    """A flat disc 34 px across centred at (xs[t], ys[t]) on frame t (held at its last
    position once the path ends)."""
    xs, ys = (np.concatenate([p, np.full(n_frames - len(p), p[-1])]) for p in (xs, ys))
    start, trajectory = path_trajectory(xs, ys)
    obj = SceneObject(id=oid, kind="ellipse", polygon=CIRCLE, texture=Texture("flat", color=color),
                      center=start, scale=17.0, z=1.0)
    return VideoObject(obj, trajectory)


def occluder(x: float, y: float, width: float, height: float) -> VideoObject:
    """A dark static rectangle in front of everything, not a target (as in
    ``synthetic_video.occluded``)."""
    half = np.array([width / 2, height / 2])
    radius = float(np.linalg.norm(half))
    obj = SceneObject(
        id=99, kind="rectangle",
        polygon=np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * half / radius,
        texture=Texture(kind="flat", color=(35.0, 35.0, 40.0)),
        center=(x, y), scale=radius, z=5.0,
    )
    return VideoObject(obj, Trajectory(), target=False)


def video(name: str, n_frames: int, *objects: VideoObject) -> VideoSpec:
    return VideoSpec(H, W, n_frames, BACKGROUND, objects, seed=1, name=name)


def two_ways() -> VideoSpec:
    """Red crosses the vertical line x = 128.5 left to right (top lane), blue right to
    left (bottom lane), 3.5 px a frame."""
    a, b = along(60, (200, 3.5)), along(200, (60, 3.5))
    n = len(a)
    return video("two_ways", n, disc(1, a, np.full(n, 60.0), RED, n),
                 disc(2, b, np.full(n, 135.0), BLUE, n))


def hover() -> VideoSpec:
    """Both discs come from the left and hover at the line x = 128.5: for 3 cycles their
    centres swing from x = 126.5 to 130.5 and back, 1 px a frame, so their centroids stay
    within about 2 px of the line (25 frames). Red then goes back left; blue goes on right."""
    hovering = [(126.5, 2.0)] + [leg for _ in range(3) for leg in ((130.5, 1.0), (126.5, 1.0))]
    a = along(100.5, *hovering, (96.5, 3.0))
    b = along(100.5, *hovering, (130.5, 1.0), (169.5, 3.0))
    n = max(len(a), len(b))
    return video("hover", n, disc(1, a, np.full(len(a), 60.0), RED, n),
                 disc(2, b, np.full(len(b), 135.0), BLUE, n))


def turn_back() -> VideoSpec:
    """Red goes down across the horizontal line y = 96.5, stops, and comes back up."""
    y = along(40, (150, 5.0), (2,), (40, 5.0))
    n = len(y)
    return video("turn_back", n, disc(1, np.full(n, 128.0), y, RED, n))


def behind_occluder() -> VideoSpec:
    """Red crosses the vertical line x = 128 behind a dark non-target rectangle 70 px
    wide that stands on the line: it is out of sight for about 10 frames."""
    x = along(40, (216, 4.0))
    n = len(x)
    return video("behind_occluder", n, disc(1, x, np.full(n, 96.0), RED, n),
                 occluder(128.0, 96.0, 70.0, 116.0))


def beyond_end() -> VideoSpec:
    """The line x = 128.5 covers only the top half of the frame. Blue crosses it right to
    left in the top half; red crosses the infinite line left to right in the bottom half,
    beyond the segment's end."""
    a, b = along(60, (200, 3.5)), along(200, (60, 3.5))
    n = len(a)
    return video("beyond_end", n, disc(1, a, np.full(n, 150.0), RED, n),
                 disc(2, b, np.full(n, 48.0), BLUE, n))


@dataclass(frozen=True)
class Case:
    """A video, its line and anchor, and the crossings it is built to have (ground-truth
    id -> directions in order): ``crossings`` of the segment, ``infinite`` of the line
    through it (None: the same). ``lost``: ids hidden while they cross, whose track must be
    lost then found again. ``late``: frames the tracker may take, after the truth, to
    report a crossing (finding a hidden object again takes a few)."""

    name: str
    build: Callable[[], VideoSpec]
    line: Segment
    anchor: str
    crossings: dict[int, list[str]]
    infinite: dict[int, list[str]] | None = None
    lost: tuple[int, ...] = ()
    late: int = 2


# Segments drawn top to bottom: moving right (x growing) goes from the right of start -> end
# to its left, an "out"; moving left is "in". Drawn left to right: moving down is "in".
CASES = [
    Case("two_ways", two_ways, ((128.5, 8.0), (128.5, 184.0)), "centroid",
         {1: ["out"], 2: ["in"]}),
    Case("hover", hover, ((128.5, 8.0), (128.5, 184.0)), "centroid", {1: [], 2: ["out"]}),
    Case("turn_back", turn_back, ((8.0, 96.5), (248.0, 96.5)), "bottom", {1: ["in", "out"]}),
    Case("behind_occluder", behind_occluder, ((128.0, 30.0), (128.0, 162.0)), "centroid",
         {1: ["out"]}, lost=(1,), late=6),
    Case("beyond_end", beyond_end, ((128.5, 0.0), (128.5, 96.0)), "center_box",
         {1: [], 2: ["in"]}, infinite={1: ["out"], 2: ["in"]}),
]


# --------------------------------------------------------------------------- the truth


def anchor_of(mask: np.ndarray, anchor: str) -> np.ndarray:
    """The anchor (x, y) of a non-empty mask, as documented: the centroid of its pixels;
    the lowest row's mean x, on that row; or the centre of its tight xyxy box (exclusive
    right and bottom edges)."""
    ys, xs = np.nonzero(mask)
    if anchor == "centroid":
        return np.array([xs.mean(), ys.mean()])
    if anchor == "bottom":
        low = ys.max()
        return np.array([xs[ys == low].mean(), float(low)])
    assert anchor == "center_box"
    return np.array([(xs.min() + xs.max() + 1) / 2, (ys.min() + ys.max() + 1) / 2])


def side_distance(point: np.ndarray, segment: Segment) -> float:
    """Signed distance of ``point`` to the line through start -> end: positive on its
    right as displayed (x right, y down)."""
    start, end = (np.asarray(p, float) for p in segment)
    d, p = end - start, np.asarray(point) - start
    return float((d[0] * p[1] - d[1] * p[0]) / np.hypot(*d))


def reference_crossings(
    sightings: dict[int, list[tuple[int, np.ndarray]]], segment: Segment
) -> list[Crossing]:
    """Every counted crossing (frame, id, direction, px along the segment from its start),
    in frame order, from each id's anchor sightings (frame, point) in frame order. A point
    exactly on the line counts as on its right."""
    start, end = (np.asarray(p, float) for p in segment)
    length = float(np.hypot(*(end - start)))
    found = []
    for oid, seen in sightings.items():
        dist = [side_distance(p, segment) for _, p in seen]
        confirmed: tuple[int, int] | None = None  # (index into seen, side)
        for k, d in enumerate(dist):
            if abs(d) < MIN_DISTANCE:
                continue
            side = 1 if d > 0 else -1
            if confirmed is not None and side != confirmed[1]:
                # where the path since the last confirmed sighting last met the line
                i = next(i for i in range(k - 1, confirmed[0] - 1, -1)
                         if (dist[i] < 0) != (dist[i + 1] < 0))
                t = dist[i] / (dist[i] - dist[i + 1])
                meet = seen[i][1] + t * (seen[i + 1][1] - seen[i][1])
                at = float(np.dot(meet - start, (end - start) / length))
                if 0 <= at <= length:
                    found.append((seen[k][0], oid, "in" if side > 0 else "out", at))
            confirmed = (k, side)
    return sorted(found)


def infinite(segment: Segment) -> Segment:
    """The segment stretched far beyond both ends (the line through it, for the frame)."""
    start, end = (np.asarray(p, float) for p in segment)
    far = (end - start) / np.hypot(*(end - start)) * 1e4
    return tuple((start - far).tolist()), tuple((end + far).tolist())  # type: ignore[return-value]


def directions(crossings: list[Crossing], ids: list[int]) -> dict[int, list[str]]:
    return {oid: [d for _, o, d, _ in crossings if o == oid] for oid in ids}


@dataclass
class Prepared:
    """A case written out: the video, its analytics config, its truth per frame (ids,
    masks), each object's first frame and true box there, and the expected crossings."""

    case: Case
    video: Path
    config: Path
    truth: list[tuple[np.ndarray, np.ndarray]]
    first: dict[int, int]
    boxes: dict[int, np.ndarray]
    sightings: dict[int, list[tuple[int, np.ndarray]]]
    expected: list[Crossing]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Prepared]:
    """Every case's video and config, written once for both runs."""
    folder = tmp_path_factory.mktemp("cases")
    out = {}
    for case in CASES:
        spec = case.build()
        path = folder / f"{case.name}.mp4"
        spec.write(path)
        truth, first, boxes, sightings = [], {}, {}, {}
        for frame, gt in spec.frames():
            truth.append((gt.ids, gt.masks))
            for oid, mask, box in zip(gt.ids.tolist(), gt.masks, mask_to_box_xyxy(gt.masks)):
                first.setdefault(oid, frame.index)
                boxes.setdefault(oid, box)
                sightings.setdefault(oid, []).append((frame.index, anchor_of(mask, case.anchor)))
        config = folder / f"{case.name}.json"
        points = [list(case.line[0]), list(case.line[1])]
        config.write_text(json.dumps({"lines": [{"name": LINE, "points": points,
                                                 "anchor": case.anchor}]}))
        expected = reference_crossings(sightings, case.line)
        out[case.name] = Prepared(case, path, config, truth, first, boxes, sightings, expected)
    return out


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_the_truth_is_as_built(name: str, prepared: dict[str, Prepared]) -> None:
    """The generated truth has the crossings the case is about, and no others."""
    p = prepared[name]
    case, ids = p.case, sorted(p.first)
    assert ids == sorted(case.crossings) and set(p.first.values()) == {0}
    assert directions(p.expected, ids) == case.crossings
    line = reference_crossings(p.sightings, infinite(case.line))
    assert directions(line, ids) == (case.infinite or case.crossings)
    for oid in ids:
        seen = [f for f, _ in p.sightings[oid]]
        gaps = np.diff(seen).tolist()
        if oid in case.lost:  # out of sight while it crosses
            (frame,) = [f for f, o, _, _ in p.expected if o == oid]
            hidden = seen[seen.index(frame) - 1]
            assert frame - hidden >= 8 and max(gaps) == frame - hidden
            before, after = (side_distance(p.sightings[oid][seen.index(f)][1], case.line)
                             for f in (hidden, frame))
            assert before * after < 0 and min(abs(before), abs(after)) > 30
        else:
            assert gaps == [1] * len(gaps) and seen[-1] == len(p.truth) - 1
    if name == "hover":  # 24 frames or more within 2.5 px of the line, on both sides of it
        for oid in ids:
            near = [side_distance(q, case.line) for _, q in p.sightings[oid]]
            band = [d for d in near if abs(d) <= 2.5]
            assert len(band) >= 24 and min(band) < -1.5 and max(band) > 1.5


# --------------------------------------------------------------------------- the runs


def read_events(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def read_counts(path: Path) -> tuple[int, int]:
    """The line's (in, out), summed over the counts file's rows."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and f"{LINE}.in" in rows[0] and f"{LINE}.out" in rows[0], rows
    return sum(int(r[f"{LINE}.in"]) for r in rows), sum(int(r[f"{LINE}.out"]) for r in rows)


def expected_counts(p: Prepared) -> tuple[int, int]:
    n_in = sum(d == "in" for _, _, d, _ in p.expected)
    return n_in, len(p.expected) - n_in


def run_cli_nano(p: Prepared, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``samtrack track VIDEO --model nano --box ... --analytics CFG --out DIR --quiet``;
    its standard output."""
    argv = ["track", str(p.video), "--model", "nano", "--device", "cpu", "--format", "jsonl",
            "--analytics", str(p.config), "--out", str(out), "--quiet"]
    for oid in sorted(p.boxes):  # every object appears on frame 0: --box prompts it there
        argv += ["--box", ",".join(f"{v:g}" for v in p.boxes[oid])]
    code = cli.main(argv)
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert f"tracked {len(p.truth)} frames" in stdout
    return stdout


def run_oracle(p: Prepared, out: Path) -> None:
    """track_to_files on the video file with the noisy oracle, which takes frame n's truth
    on its n-th embed (the tracker embeds each frame of the file once, in order)."""
    segmenter = OracleSegmenter(lambda i: p.truth[i], boundary_noise=1, miss_rate=0.02, seed=0)
    prompts: dict[int, list[Prompt]] = {}
    for oid in sorted(p.boxes):
        prompts.setdefault(p.first[oid], []).append(Prompt(box=p.boxes[oid]))
    summary = track_to_files(str(p.video), out, ["jsonl"], model=segmenter, prompts=prompts,
                             analytics=str(p.config), progress=False)
    assert summary.frames == len(p.truth)
    assert summary.analytics.lines[0].counts() == dict(
        zip(("name", "in", "out"), (LINE, *expected_counts(p)))
    )


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def held_by(result: FrameResult, truth: np.ndarray) -> int | None:
    """The track id whose mask in ``result`` best overlaps ``truth`` (IoU >= 0.5), if any."""
    scores = [iou(m, truth) for m in result.masks]
    if not scores or max(scores) < 0.5:
        return None
    return int(result.track_ids[int(np.argmax(scores))])


def check_run(p: Prepared, out: Path) -> None:
    """The run's events and counts against the truth: the same crossings (object, direction,
    in order), each reported on time at about the true crossing point, and the counts file
    summing to them; every object held by one track from its first frame to its last."""
    case, stem = p.case, p.case.name
    results = {r.frame_index: r for r in read_jsonl(out / f"{stem}.jsonl")}
    assert sorted(results) == list(range(len(p.truth)))
    tracks = {}
    for oid, first in p.first.items():
        ids, masks = p.truth[first]
        tracks[oid] = held_by(results[first], masks[ids.tolist().index(oid)])
        assert tracks[oid] is not None, f"object {oid} not tracked on its first frame"
        last = p.sightings[oid][-1][0]  # the same track still holds it at the end
        ids, masks = p.truth[last]
        assert held_by(results[last], masks[ids.tolist().index(oid)]) == tracks[oid], (oid, last)
    assert len(set(tracks.values())) == len(tracks)
    objects = {t: o for o, t in tracks.items()}

    events = read_events(out / f"{stem}.events.jsonl")
    crossed = [e for e in events if e["kind"] == "line_crossed"]
    got = [(objects.get(e["track_id"], f"track {e['track_id']}"), e["direction"]) for e in crossed]
    assert got == [(oid, d) for _, oid, d, _ in p.expected]
    start, end = (np.asarray(q, float) for q in case.line)
    length = float(np.hypot(*(end - start)))
    for e, (frame, _, _, at) in zip(crossed, p.expected):
        assert e["name"] == LINE
        assert frame - 1 <= e["frame"] <= frame + case.late, (e, frame)
        point = np.array([e["x"], e["y"]])
        assert abs(side_distance(point, case.line)) < 0.01  # on the line ...
        reported = float(np.dot(point - start, (end - start) / length))
        assert 0 <= reported <= length and abs(reported - at) <= 4, (e, at)  # ... where it was
    for oid in case.lost:  # lost while hidden, then found again under the same id
        frame = next(f for f, o, _, _ in p.expected if o == oid)
        lost = [e["frame"] for e in events
                if e["kind"] == "track_lost" and e["track_id"] == tracks[oid]]
        assert lost and lost[0] < frame
    assert not [e for e in events if e["kind"] == "track_ended" and e["track_id"] in objects]
    assert read_counts(out / f"{stem}.counts.csv") == expected_counts(p)


@pytest.fixture
def one_torch_thread():  # type: ignore[no-untyped-def]
    """nano on one torch thread for the test, the setting restored after. The model is so
    small that one thread runs it at about 0.05 s a frame; with two on this 2-core machine
    a run stalls whenever another process holds a core (OpenMP threads wait on each
    other): 19 frames took 76 s instead of 0.9 s."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


NANO_XFAIL: dict[str, str] = {}  # case -> the measured reason nano fails it


def _nano_case(case: Case):  # type: ignore[no-untyped-def]
    marks = [needs_nano]
    if case.name in NANO_XFAIL:
        marks.append(pytest.mark.xfail(strict=True, reason=NANO_XFAIL[case.name]))
    return pytest.param(case.name, marks=marks, id=case.name)


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("name", [_nano_case(c) for c in CASES])
def test_cli_with_nano_counts_the_true_crossings(
    name: str, prepared: dict[str, Prepared], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = prepared[name]
    stdout = run_cli_nano(p, tmp_path, capsys)
    n_in, n_out = expected_counts(p)
    assert f"line {LINE!r}: {n_in} in, {n_out} out" in stdout
    check_run(p, tmp_path)


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_track_to_files_with_the_oracle_counts_the_true_crossings(
    name: str, prepared: dict[str, Prepared], tmp_path: Path
) -> None:
    p = prepared[name]
    run_oracle(p, tmp_path)
    check_run(p, tmp_path)


# --------------------------------------------------------------------------- zone dwell

ZONE = (90, 40, 160, 150)  # x1, y1, x2, y2 in pixels, edges inside


def _zone_case(folder: Path) -> tuple[Path, Path, list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """A disc crossing a rectangular zone left to right at 3.5 px a frame; its video, the
    zone config (membership: half the mask inside), the truth, and its first box."""
    xs = along(30, (226, 3.5))
    n = len(xs)
    spec = video("zone", n, disc(1, xs, np.full(n, 96.0), RED, n))
    path = folder / "zone.mp4"
    spec.write(path)
    truth = [(gt.ids, gt.masks) for _, gt in spec.frames()]
    x1, y1, x2, y2 = ZONE
    config = folder / "zone.json"
    config.write_text(json.dumps({"zones": [{"name": "bench", "min_overlap": 0.5,
                                             "polygon": [[x1, y1], [x2, y1], [x2, y2], [x1, y2]]}]}))
    return path, config, truth, mask_to_box_xyxy(truth[0][1])[0]


def _true_visit(truth: list[tuple[np.ndarray, np.ndarray]]) -> tuple[int, int]:
    """The first and last frame with at least half of the true mask inside the zone,
    counted with plain slicing (independent of the library's polygon raster)."""
    x1, y1, x2, y2 = ZONE
    inside = [
        t for t, (_, masks) in enumerate(truth)
        if len(masks) and masks[0][y1 : y2 + 1, x1 : x2 + 1].sum() >= 0.5 * masks[0].sum()
    ]
    assert inside == list(range(inside[0], inside[-1] + 1))  # one visit, as built
    return inside[0], inside[-1]


def _check_size(measurements: Path, truth: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """The track's length and width within 5% of the true disc's: the median over frames
    of its mask's extent along x and y (a disc's minimum-area rectangle is its box)."""
    import csv

    with measurements.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    extents = [
        (np.ptp(np.nonzero(m[0])[1]) + 1, np.ptp(np.nonzero(m[0])[0]) + 1) for _, m in truth if len(m)
    ]
    true_size = float(np.median(np.asarray(extents, float)))
    for key in ("length_px", "width_px"):
        assert abs(float(rows[0][key]) - true_size) <= 0.05 * true_size, (key, rows[0][key], true_size)


def _check_dwell(events: list[dict], first: int, last: int) -> None:
    entered = [e for e in events if e["kind"] == "zone_entered"]
    exited = [e for e in events if e["kind"] == "zone_exited"]
    assert len(entered) == 1 and len(exited) == 1
    assert entered[0]["track_id"] == exited[0]["track_id"]
    assert abs(entered[0]["frame"] - first) <= 1
    assert abs(exited[0]["dwell_frames"] - (last - first + 1)) <= 1  # within one frame


def test_zone_dwell_and_size_through_track_to_files_with_the_oracle(tmp_path: Path) -> None:
    path, config, truth, box = _zone_case(tmp_path)
    first, last = _true_visit(truth)
    assert last - first + 1 >= 15
    segmenter = OracleSegmenter(lambda i: truth[i], boundary_noise=1, miss_rate=0.02, seed=0)
    track_to_files(str(path), tmp_path / "out", ["jsonl"], model=segmenter,
                   prompts={0: [Prompt(box=box)]}, analytics=str(config), progress=False)
    _check_dwell(read_events(tmp_path / "out" / "zone.events.jsonl"), first, last)
    _check_size(tmp_path / "out" / "zone.measurements.csv", truth)


@needs_nano
@pytest.mark.usefixtures("one_torch_thread")
def test_zone_dwell_and_size_through_samtrack_track_with_nano(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, config, truth, box = _zone_case(tmp_path)
    first, last = _true_visit(truth)
    argv = ["track", str(path), "--model", "nano", "--device", "cpu", "--format", "jsonl",
            "--analytics", str(config), "--out", str(tmp_path / "out"), "--quiet",
            "--box", ",".join(f"{v:g}" for v in box)]
    assert cli.main(argv) == 0, capsys.readouterr().err
    _check_dwell(read_events(tmp_path / "out" / "zone.events.jsonl"), first, last)
    _check_size(tmp_path / "out" / "zone.measurements.csv", truth)
