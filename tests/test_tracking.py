"""The tracker's logic on an oracle segmenter (noisy ground truth): no model, no torch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tracking_utils import run_tracker

from samtrack.eval import synthetic_video as sv
from samtrack.geometry import box_iou_batch, mask_iou_batch, shift_array
from samtrack.tracking.association import associate
from samtrack.tracking.kalman import KalmanBoxPredictor
from samtrack.tracking.prompting import interior_points, shift_logits
from samtrack.tracking.tracker import Tracker, TrackerConfig, TrackState
from samtrack.types import Frame, Prompt

# -- pure parts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cost, threshold, matches, rows, cols",
    [
        ([[0.1, 0.9], [0.8, 0.2]], 0.5, [[0, 0], [1, 1]], [], []),
        ([[0.9, 0.1], [0.2, 0.8]], 0.5, [[0, 1], [1, 0]], [], []),
        ([[0.1, 0.9], [0.8, 0.7]], 0.5, [[0, 0]], [1], [1]),
        ([[np.inf, 0.3]], 0.5, [[0, 1]], [], [0]),
        ([[np.inf, np.inf]], 0.5, [], [0], [0, 1]),
        (np.zeros((0, 3)), 0.5, [], [], [0, 1, 2]),
    ],
)
def test_associate(cost, threshold, matches, rows, cols):
    m, r, c = associate(np.array(cost, dtype=float), threshold)
    assert m.tolist() == matches and r.tolist() == rows and c.tolist() == cols


def test_associate_pairs_above_threshold_cannot_displace_a_match():
    # Three tracks, four masks, match threshold 0.9. Track 1 fits only mask 1; track 2
    # fits mask 1 better (0.6) and mask 2 too (0.85). Solved with the infeasible pairs
    # (1.0) in the matrix, track 2 takes mask 1 and track 1 is handed an infeasible pair
    # (0.6 + 1.0 < 0.85 + 0.85), then dropped: a correct match lost. Feasible pairs only:
    # both tracks keep a mask.
    cost = np.array(
        [
            [0.2, 1.0, 1.0, 1.0],
            [1.0, 0.85, 1.0, 1.0],
            [1.0, 0.6, 0.85, 1.0],
        ]
    )
    matches, rows, cols = associate(cost, 0.9)
    assert sorted(matches.tolist()) == [[0, 0], [1, 1], [2, 2]]
    assert rows.tolist() == [] and cols.tolist() == [3]


def test_kalman_learns_constant_velocity():
    kf = KalmanBoxPredictor(np.array([10, 10, 30, 40.0]))
    for t in range(1, 20):
        kf.predict()
        kf.update(np.array([10 + 3 * t, 10 + t, 30 + 3 * t, 40 + t], dtype=float))
    predicted = kf.predict()
    np.testing.assert_allclose(predicted, [70, 30, 90, 60], atol=1.0)
    np.testing.assert_allclose(kf.velocity, [3, 1], atol=0.2)


def test_interior_points_are_inside_and_spread():
    yy, xx = np.mgrid[:60, :80]
    mask = (xx - 40) ** 2 + (yy - 30) ** 2 <= 20**2
    mask[28:32, 40:78] = True  # a thin arm: never deep enough to hold a point
    points = interior_points(mask, 3)
    assert points.shape == (3, 2)
    assert mask[points[:, 1].astype(int), points[:, 0].astype(int)].all()
    assert np.linalg.norm(points[0] - [40, 30]) < 3  # deepest point first
    assert min(np.linalg.norm(points[i] - points[j]) for i in range(3) for j in range(i)) > 10
    assert (points[:, 0] < 61).all()
    assert len(interior_points(np.zeros((5, 5), bool), 3)) == 0


def test_shift_logits_moves_in_frame_pixels():
    logits = np.full((64, 64), -5.0, np.float32)
    logits[10, 10] = 5.0
    moved = shift_logits(logits, dx=40, dy=20, frame_size=(128, 256))  # 256 px -> 64 cells
    assert moved[15, 20] == 5.0 and moved[10, 10] < 0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 4), st.integers(1, 4))
def test_mask_iou_batch_symmetric_and_bounded(seed, n, m):
    rng = np.random.default_rng(seed)
    a, b = rng.random((n, 12, 9)) > 0.6, rng.random((m, 12, 9)) > 0.6
    ab, ba = mask_iou_batch(a, b), mask_iou_batch(b, a)
    np.testing.assert_allclose(ab, ba.T)
    assert ((ab >= 0) & (ab <= 1)).all()
    np.testing.assert_allclose(np.diag(mask_iou_batch(a, a))[a.reshape(n, -1).any(1)], 1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[st.floats(0, 50)] * 2, *[st.floats(1, 30)] * 2), min_size=1, max_size=5))
def test_box_iou_batch_symmetric(raw):
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in raw])
    iou = box_iou_batch(boxes, boxes)
    np.testing.assert_allclose(iou, iou.T)
    np.testing.assert_allclose(np.diag(iou), 1.0)


def test_shift_array_fills_what_enters():
    x = np.arange(12).reshape(3, 4)
    assert shift_array(x, 1, 0, fill=-1).tolist() == [[-1, 0, 1, 2], [-1, 4, 5, 6], [-1, 8, 9, 10]]
    assert (shift_array(x, 0, -5, fill=0) == 0).all()


# -- the tracker on synthetic ground-truth videos ---------------------------------------------

NO_DISCOVERY = TrackerConfig(discover_every=0)


def test_single_object_one_id_high_iou():
    summary, _ = run_tracker(sv.single_object(seed=3, n_frames=100), NO_DISCOVERY)
    assert summary.mean_iou >= 0.9
    assert summary.track_ids_of(1) == {1}


def test_lookalikes_crossing_keep_identities():
    for seed in range(3):
        summary, _ = run_tracker(sv.lookalikes_crossing(seed=seed), NO_DISCOVERY)
        assert summary.id_switches == 0, seed
        assert summary.track_ids_of(1) == {1} and summary.track_ids_of(2) == {2}


def test_fully_hidden_object_comes_back_with_its_id():
    spec = sv.occluded(seed=1, hidden=10)
    hidden = [i for i, (_, gt) in enumerate(spec.frames()) if len(gt.ids) == 0]
    assert len(hidden) >= 10
    summary, results = run_tracker(spec, TrackerConfig(discover_every=5))
    assert summary.id_switches == 0
    after = [r for r in results if r.frame_index > hidden[-1] + 8]
    assert all(list(r.track_ids) == [1] for r in after)


def test_entering_object_found_by_discovery_within_k_frames():
    k, enter = 10, 15
    spec = sv.entering(seed=2, enter_at=enter)
    summary, results = run_tracker(spec, TrackerConfig(discover_every=k))
    first = summary.first_match(2)
    assert first is not None and first <= k
    assert summary.id_switches == 0


def test_change_outside_tracks_triggers_discovery_of_an_entering_object():
    """The grid swept only at frame 0 and from frame 30: the object entering at 15 is
    found within two frames of being large enough to start a track when something new
    moving outside the tracks is looked at, not before frame 30 without that."""
    for seed in range(3):
        spec = sv.entering(seed=seed, enter_at=15)
        areas = [(f.index, gt.masks[list(gt.ids).index(2)].sum()) for f, gt in spec.frames() if 2 in gt.ids]
        first = areas[0][0]  # first_match counts frames from here
        large_enough = next(i for i, area in areas if area >= TrackerConfig().min_new_area)
        on, _ = run_tracker(spec, TrackerConfig(discover_every=30))
        off, _ = run_tracker(spec, TrackerConfig(discover_every=30, discover_on_change=False))
        assert on.first_match(2) is not None and first + on.first_match(2) <= large_enough + 2, seed
        # without it, only the grid's sweep (from frame 30, a few points a frame) finds it
        assert off.first_match(2) is None or first + off.first_match(2) >= 30, seed
        assert on.id_switches == 0, seed


class CountingEverything:
    """A segmenter that finds nothing and counts its segment-everything calls."""

    def __init__(self):
        self.everything = 0

    def embed(self, image):
        return image

    def segment(self, embedding, prompts, multimask=False):
        from samtrack.types import Masks

        return Masks.empty(*embedding.shape[:2])

    def segment_everything(self, embedding, points_per_side=16, **thresholds):
        self.everything += 1
        return self.segment(embedding, [])


def test_change_trigger_ignores_a_still_scene_and_a_global_change():
    rng = np.random.default_rng(0)
    background = rng.integers(60, 120, (96, 128, 3), dtype=np.uint8)
    segmenter = CountingEverything()
    tracker = Tracker(segmenter, TrackerConfig(discover_every=100))
    calls = []
    for i in range(8):
        image = background.copy()
        if i in (3, 4):
            image = np.clip(image.astype(int) + 60, 0, 255).astype(np.uint8)  # the light changes
        if i >= 6:
            image[40:60, 50:75] = 230  # something new: 500 px
        tracker.update(Frame(i, i / 25, image))
        calls.append(segmenter.everything)
    # Frame 0: the periodic discovery; then nothing until the new object at frame 6.
    assert calls == [1, 1, 1, 1, 1, 1, 2, 2]


def test_kalman_prediction_helps_through_occlusion():
    # Re-identification off: by the object's colours it also gives a lost track's id back
    # when discovery finds the object away from the lost track, with or without the filter.
    def switches(use_kalman):
        total = 0
        for seed in range(4):
            spec = sv.occluded(seed=seed, speed=2.0 + 0.5 * seed, n_frames=70)
            config = TrackerConfig(use_kalman=use_kalman, discover_every=5, reid_max_distance=0.0)
            summary, _ = run_tracker(spec, config)
            total += summary.id_switches
        return total

    with_kalman, without = switches(True), switches(False)
    assert with_kalman < without
    assert with_kalman == 0


def test_outputs_are_disjoint_and_ids_unique():
    spec = sv.random_video(5, sv.RandomVideoConfig(n_frames=40, n_objects=(4, 6)))
    _, results = run_tracker(spec, TrackerConfig(discover_every=10), oracle_options={"boundary_noise": 3})
    for r in results:
        assert len(set(r.track_ids.tolist())) == len(r)
        if len(r):
            assert r.masks.sum(axis=0).max() <= 1


def test_ids_restart_at_one_for_each_tracker():
    spec = sv.single_object(seed=0, n_frames=5)
    for _ in range(2):
        _, results = run_tracker(spec, NO_DISCOVERY)
        assert results[0].track_ids.tolist() == [1]


class Blind:
    """A segmenter that never finds anything after the first frame."""

    def __init__(self, mask):
        self.mask, self.calls = mask, 0

    def embed(self, image):
        self.calls += 1
        return self.calls

    def segment(self, embedding, prompts, multimask=False):
        from samtrack.types import Masks, mask_to_box_xyxy

        per = 3 if multimask else 1
        m = np.repeat((self.mask if embedding == 1 else np.zeros_like(self.mask))[None], per * len(prompts), 0)
        return Masks(m, mask_to_box_xyxy(m), np.full(len(m), 0.9, np.float32), np.zeros((len(m), 8, 8), np.float32))

    def segment_everything(self, embedding, points_per_side=16, **thresholds):
        return self.segment(embedding, [])


@pytest.mark.parametrize("max_age", [0, 3])
def test_lost_track_removed_after_max_age(max_age):
    mask = np.zeros((40, 40), bool)
    mask[10:20, 10:20] = True
    tracker = Tracker(Blind(mask), TrackerConfig(max_age=max_age, discover_every=0))
    image = np.zeros((40, 40, 3), np.uint8)
    tracker.update(Frame(0, 0.0, image), [Prompt(box=[10, 10, 20, 20])])
    states = []
    for i in range(1, 6):
        tracker.update(Frame(i, i / 25, image))
        states.append(tracker.tracks[0].state if tracker.tracks else TrackState.REMOVED)
    assert states[:max_age] == [TrackState.LOST] * max_age
    assert states[max_age] == TrackState.REMOVED


def test_overlaps_go_to_the_higher_logit_then_the_higher_score():
    from samtrack.tracking.tracker import _resolve_overlaps

    masks = np.zeros((2, 8, 8), bool)
    masks[0, :, :6] = True
    masks[1, :, 2:] = True
    logits = np.full((2, 4, 4), -5.0, np.float32)
    logits[0, :, :3] = 2.0
    logits[1, :, 1:] = 1.0  # lower than the first mask's over columns 2-5 (low-res 1-2)
    logits[1, :, 3] = 3.0
    scores = np.array([0.5, 0.9], np.float32)
    by_logit = _resolve_overlaps(masks.copy(), scores, logits)
    assert by_logit[0, :, :6].all() and by_logit[1, :, 6:].all() and not by_logit[1, :, :6].any()
    by_score = _resolve_overlaps(masks.copy(), scores)
    assert by_score[1, :, 2:].all() and not by_score[0, :, 2:].any()


class Spilling:
    """Answers every prompt with two squares: the one the box is on and a neighbour to its
    right (a merge), logits 16 x 16 over the 64-px frame."""

    def embed(self, image):
        return image

    def segment(self, embedding, prompts, multimask=False):
        from samtrack.types import Masks, mask_to_box_xyxy

        m = np.zeros((64, 64), bool)
        m[8:24, 8:24] = m[8:24, 40:56] = True
        lg = np.where(m[::4, ::4], 4.0, -10.0).astype(np.float32)
        n = len(prompts) * (3 if multimask else 1)
        masks = np.repeat(m[None], n, 0)
        return Masks(masks, mask_to_box_xyxy(masks), np.full(n, 0.9, np.float32), np.repeat(lg[None], n, 0))

    def segment_everything(self, embedding, points_per_side=16, **thresholds):
        return self.segment(embedding, [])


def test_a_track_starts_from_what_lies_in_its_prompt_box():
    tracker = Tracker(Spilling(), TrackerConfig(discover_every=0))
    result = tracker.update(Frame(0, 0.0, np.zeros((64, 64, 3), np.uint8)), [Prompt(box=[8, 8, 24, 24])])
    (track,) = tracker.tracks
    assert track.mask.sum() == 256 and track.mask[8:24, 8:24].all()
    assert track.box.tolist() == [8, 8, 24, 24]
    assert (track.logits[2:6, 10:14] <= -20).all() and (track.logits[2:6, 2:6] > 0).all()
    assert result.masks[0].sum() == 256


# -- lifecycle: started / lost / ended ----------------------------------------------------


def check_lifecycle(results):
    """Every id shown is started once, on or before its first frame; lost ids were shown
    and are not shown on that frame; ended ids were started, end once and never show
    again. Returns {id: (started frame, ended frame or None)}."""
    started, ended, lost_now = {}, {}, set()
    for r in results:
        for i in r.started:
            assert i not in started, (r.frame_index, i)
            started[i] = r.frame_index
        shown = set(r.track_ids.tolist())
        assert shown <= set(started), (r.frame_index, shown, started)
        assert not shown & set(ended), r.frame_index
        for i in r.lost:
            assert i in started and i not in shown and i not in lost_now, (r.frame_index, i)
            lost_now.add(i)
        lost_now -= shown
        for i in r.ended:
            assert i in started and i not in ended and i not in shown, (r.frame_index, i)
            ended[i] = r.frame_index
            lost_now.discard(i)
    return {i: (f, ended.get(i)) for i, f in started.items()}


def test_lifecycle_of_a_hidden_object():
    spec = sv.occluded(seed=1, hidden=10)
    _, results = run_tracker(spec, TrackerConfig(discover_every=5))
    life = check_lifecycle(results)
    assert life[1] == (0, None)  # prompted on frame 0, back after the occluder
    assert results[0].started == (1,)
    lost = [r.frame_index for r in results if 1 in r.lost]
    assert lost and all(1 not in r.track_ids for r in results if r.frame_index in lost)


def test_lifecycle_of_an_entering_object():
    spec = sv.entering(seed=2, enter_at=15)
    _, results = run_tracker(spec, TrackerConfig(discover_every=10, n_init=2))
    life = check_lifecycle(results)
    assert life[1] == (0, None)
    others = [i for i in life if i != 1]
    assert others, life
    # a discovered track starts tentative: it is reported when confirmed, where it shows
    first = life[others[0]][0]
    assert others[0] in results[first].track_ids and first > 15


def test_object_leaving_the_frame_ends_within_max_age():
    import dataclasses

    base = sv.single_object(seed=3, n_frames=70)
    obj = base.objects[0]
    moving = dataclasses.replace(obj, trajectory=dataclasses.replace(obj.trajectory, velocity=(6.0, 0.0), bounce=False))
    spec = dataclasses.replace(base, objects=(moving,))
    gone = next(f.index for f, gt in spec.frames() if len(gt.ids) == 0)
    max_age = 5
    _, results = run_tracker(spec, TrackerConfig(discover_every=0, max_age=max_age))
    life = check_lifecycle(results)
    assert life[1][0] == 0
    end = life[1][1]
    assert end is not None and gone <= end <= gone + max_age + 1
    assert all(r.track_ids.size == 0 for r in results[end:])
