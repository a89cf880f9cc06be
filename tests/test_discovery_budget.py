"""Discovery within a budget: a hand-held camera does not make everything look new, an
entering object is still found at once, the points decoded per frame stay bounded, and
the state (background model, sweep) survives a round trip."""

from __future__ import annotations

import cv2
import numpy as np
from tracking_utils import run_tracker

from samtrack.eval import scenarios
from samtrack.eval import synthetic_video as sv
from samtrack.eval.oracle import OracleSegmenter
from samtrack.tracking.background import Background
from samtrack.tracking.discovery import Discovery
from samtrack.tracking.tracker import Tracker, TrackerConfig
from samtrack.types import Prompt, mask_to_box_xyxy


class Counting(OracleSegmenter):
    """The oracle, counting the points each segment-everything call is given."""

    def __init__(self, truth):  # type: ignore[no-untyped-def]
        super().__init__(truth)
        self.points: dict[int, int] = {}
        self.frame = -1

    def segment_everything(self, embedding, points_per_side=16, points=None, **thresholds):  # type: ignore[no-untyped-def]
        self.points[self.frame] = self.points.get(self.frame, 0) + (-1 if points is None else len(points))
        return super().segment_everything(embedding, points_per_side, points, **thresholds)


def _track(spec: sv.VideoSpec, config: TrackerConfig) -> Counting:
    frames = list(spec.frames())
    truth = {f.index: (g.ids, g.masks) for f, g in frames}
    segmenter = Counting(lambda i: truth[i])
    tracker = Tracker(segmenter, config)
    for frame, gt in frames:
        segmenter.frame = frame.index
        prompts = [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)] if frame.index == 0 else []
        tracker.update(frame, prompts)
    return segmenter


def test_a_shaking_camera_does_not_make_the_view_look_new() -> None:
    """Three tracked objects filmed by a camera shaking by 6 px (standard deviation) a
    frame: the background model finds something new outside the tracks on few frames
    (a background model that flags every frame of a hand-held clip runs discovery on
    every frame)."""
    for seed in range(3):
        spec = scenarios._lanes(seed, 3, camera_shake=6.0, name="hand_held")
        frames = list(spec.frames())
        discovery = Discovery(TrackerConfig())
        hits = 0
        for (_, before), (frame, gt) in zip(frames, frames[1:]):
            # where the objects were and are, as the tracker holds them
            held = np.concatenate([before.masks, gt.masks]).any(axis=0)
            hits += bool(discovery._changed(frame, held, budget=4))
        assert hits / (len(frames) - 1) < 0.25, (seed, hits)


def test_the_model_follows_a_panning_camera() -> None:
    """A textured view panned by 3 px a frame, a new object pasted in at frame 30:
    registered to the camera's motion, the model flags almost nothing until then and the
    object clearly; unregistered, it flags a fifth of the view a frame while it learns."""
    rng = np.random.default_rng(0)
    world = cv2.GaussianBlur(rng.integers(0, 255, (200, 600, 3), dtype=np.uint8), (5, 5), 0)
    flagged, caught = {}, {}
    for register in (True, False):
        background = Background()
        if not register:
            background._camera_motion = lambda grey, exclude: None  # type: ignore[method-assign]
        shares = []
        for i in range(31):
            view = np.ascontiguousarray(world[:, 3 * i : 3 * i + 256])
            if i == 30:
                view[80:120, 100:140] = (250, 40, 40)
            foreground = background.update(view)
            if foreground is not None and i < 30:
                shares.append(foreground.mean())
        flagged[register] = np.array(shares)
        h, w = foreground.shape
        caught[register] = foreground[int(h * 0.4) : int(h * 0.6), int(w * 0.39) : int(w * 0.55)].mean()
    assert flagged[True][4:].max() < 0.01 and caught[True] > 0.8, (flagged[True], caught[True])
    assert flagged[False][:8].mean() > 0.1, flagged[False]


def test_points_per_frame_stay_within_the_budget_and_entering_objects_are_found() -> None:
    config = TrackerConfig(discover_every=10)
    for seed in range(3):
        spec = sv.entering(seed=seed, enter_at=15)
        counting = _track(spec, config)
        later = [n for frame, n in counting.points.items() if frame > 0]
        assert counting.points[0] > config.discover_max_points  # the first look: the grid
        assert later and max(later) <= config.discover_max_points
        summary, _ = run_tracker(spec, config)
        first = summary.first_match(2)
        assert first is not None and first <= config.discover_every + 2, (seed, first)
        assert summary.id_switches == 0


def test_discovery_state_survives_a_round_trip() -> None:
    spec = scenarios.camera_shake(0)
    frames = list(spec.frames())
    a = Discovery(TrackerConfig())
    for frame, gt in frames[:12]:
        a.plan(frame, 0 if frame.index == 0 else frame.index, [], [])
    b = Discovery(TrackerConfig())
    b.load_state_dict(a.state_dict())
    for frame, _ in frames[12:20]:
        assert np.array_equal(a.plan(frame, frame.index, [], []), b.plan(frame, frame.index, [], []))
    fresh = Background()
    fresh.load_state_dict(a.background.state_dict())
    assert np.array_equal(fresh.mean, a.background.mean) and fresh.frames == a.background.frames
