"""Gates that follow gradual change and refuse sudden change: objects coming closer,
receding and crouching keep their id with a segmenter that answers a box as SAM does
(the box oracle), and the rules behind it."""

import numpy as np
import pytest

from samtrack.eval.metrics import score
from samtrack.eval.scenarios import FAMILIES, run_scenario
from samtrack.tracking.gates import acceptable, spills
from samtrack.tracking.track import Track, TrackState
from samtrack.tracking.tracker import TrackerConfig
from samtrack.types import Frame, Masks, mask_to_box_xyxy


def _run(family: str, seed: int) -> tuple[set[int], dict]:
    ids: set[int] = set()
    acc = run_scenario(FAMILIES[family](seed), TrackerConfig(), behaviour="bounded",
                       oracle_options={"seed": seed}, on_result=lambda r: ids.update(r.track_ids.tolist()))
    return ids, score([acc], j_and_f=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_object_coming_closer_keeps_its_id_and_its_mask(seed):
    # Its area grows about 8x in 60 frames; the box oracle only answers inside the prompt.
    ids, s = _run("approach", seed)
    assert ids == {1}
    assert s["J"] >= 0.85


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_receding_object_keeps_its_id(seed):
    ids, s = _run("recede", seed)
    assert ids == {1}
    assert s["J"] >= 0.8


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_crouching_object_keeps_its_id(seed):
    ids, s = _run("crouch_turn", seed)
    assert ids == {1}
    assert s["J"] >= 0.75


def _track(area_side: int = 20) -> Track:
    mask = np.zeros((1, 200, 200), bool)
    mask[0, 50 : 50 + area_side, 50 : 50 + area_side] = True
    m = Masks(mask, mask_to_box_xyxy(mask), np.array([0.9], np.float32), np.zeros((1, 8, 8), np.float32))
    return Track.start(1, m, "", Frame(0, 0.0, np.zeros((200, 200, 3), np.uint8)), confirmed=True)


def _square(x: int, y: int, side: int) -> Masks:
    mask = np.zeros((1, 200, 200), bool)
    mask[0, y : y + side, x : x + side] = True
    return Masks(mask, mask_to_box_xyxy(mask), np.array([0.9], np.float32), np.zeros((1, 8, 8), np.float32))


def _grow(track: Track, side: int, rate: float, config: TrackerConfig) -> None:
    """Eight full views whose side changes by ``rate`` a frame."""
    for t in range(1, 9):
        s = round(side * rate**t)
        track.predicted_box = np.array([50.0, 50.0, 50.0 + s, 50.0 + s])
        track.hit(_square(50, 50, s), Frame(t, t / 25, np.zeros((200, 200, 3), np.uint8)), config)


def test_the_growth_reference_follows_the_trend_while_lost():
    # Full views growing 5% a frame (20 px -> about 24 px a side over 8 frames), then lost.
    track = _track(20)
    config = TrackerConfig()
    _grow(track, 20, 1.025, config)
    last = float(track.recent_areas[-1])
    assert track.growth_reference == pytest.approx(last * 1.05, rel=0.03)
    for _ in range(6):
        track.miss((200, 200), config)
    assert track.state is TrackState.LOST
    # Six frames later the object is expected about 1.05**7 = 1.4x larger, not frozen.
    assert track.growth_reference == pytest.approx(last * 1.05**7, rel=0.05)
    grown = _square(48, 48, round(np.sqrt(1.4 * 1.3 * last)))  # 1.3x the expected area
    track.predicted_box = grown.boxes[0].astype(np.float64)
    assert acceptable(track, grown, (200, 200), config)[0]
    assert track.area <= last  # the old reference, frozen: it would have refused it
    assert grown.areas[0] > config.max_area_change * track.area
    # Twice the expected area is sudden: refused.
    merged = _square(40, 40, round(np.sqrt(2 * 1.4 * last)))
    assert not acceptable(track, merged, (200, 200), config)[0]


def test_a_shrinking_trend_never_lowers_the_reference_below_the_recent_views():
    track = _track(30)
    config = TrackerConfig()
    _grow(track, 30, 0.98, config)
    assert track.area_trend[0] < 0
    assert track.growth_reference == track.area


def test_spills_when_the_answer_reaches_beyond_its_prompt():
    prompt = np.array([50.0, 50.0, 70.0, 70.0])
    assert not spills(np.array([51.0, 50.0, 71.0, 69.0]), prompt)
    assert spills(np.array([50.0, 50.0, 75.0, 70.0]), prompt)
    assert spills(np.array([45.0, 50.0, 70.0, 70.0]), prompt)
