"""The scenario suite: families of generated videos with ground truth, one builder per
family (``FAMILIES[name](seed) -> VideoSpec``), and :func:`run_scenario`, which tracks one
video with a segmenter and accumulates its metrics frame by frame.

Objects visible on frame 0 are prompted there with their ground-truth boxes (as a user or a
detector would); objects that appear later must be found by the tracker's discovery.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from ..tracking.tracker import Tracker, TrackerConfig
from ..types import FrameResult, Prompt, Segmenter, mask_to_box_xyxy
from .metrics import SequenceAccumulator
from .oracle import BoxOracle, OracleSegmenter
from .synthetic import SceneObject, random_texture
from .synthetic_video import (
    Trajectory,
    VideoObject,
    VideoSpec,
    _base,
    _object,
    lookalikes_crossing,
    occluded,
)

H, W, N_FRAMES = 192, 256, 60


def _lanes(
    seed: int,
    n: int,
    *,
    size: tuple[float, float] = (30, 40),
    speed: tuple[float, float] = (1.5, 3.0),
    turn_every: int = 0,
    scale_rates: tuple[float, ...] = (1.0,),
    camera_shake: float = 0.0,
    n_frames: int = N_FRAMES,
    name: str = "lanes",
) -> VideoSpec:
    """``n`` objects, each bouncing inside its own horizontal lane (they never meet);
    ``turn_every`` > 0 gives each a new random direction that often."""
    rng, config, bg = _base(seed, H, W)
    lane = H / n
    objects = []
    for i in range(n):
        s = rng.uniform(*size)
        bounds = (0.0, i * lane, float(W), (i + 1) * lane)
        centre = (rng.uniform(s, W - s), (i + 0.5) * lane)
        obj = _object(rng, config, i + 1, centre, s, z=float(i))
        v, a = rng.uniform(*speed), rng.uniform(-0.6, 0.6) + (math.pi if rng.random() < 0.5 else 0)
        turns = []
        if turn_every:
            for t in range(turn_every, n_frames, turn_every):
                b = rng.uniform(0, 2 * math.pi)
                turns.append((t, (v * math.cos(b), v * math.sin(b))))
        traj = Trajectory(velocity=(v * math.cos(a), v * math.sin(a)), turns=tuple(turns), bounce=True,
                          scale_rate=scale_rates[i % len(scale_rates)], bounds=bounds)
        objects.append(VideoObject(obj, traj))
    return VideoSpec(H, W, n_frames, bg, tuple(objects), seed=seed, name=name, camera_shake=camera_shake)


def constant_velocity(seed: int) -> VideoSpec:
    return _lanes(seed, 3, name="constant_velocity")


def turns_bounces(seed: int) -> VideoSpec:
    return _lanes(seed, 3, speed=(3.0, 5.0), turn_every=8, name="turns_bounces")


def fast_motion(seed: int) -> VideoSpec:
    """Two small objects moving farther than their own size every frame."""
    return _lanes(seed, 2, size=(20, 26), speed=(28.0, 34.0), name="fast_motion")


def scale_change(seed: int) -> VideoSpec:
    """Objects growing and shrinking by about 1.2% a frame (x2 / x0.5 over the video)."""
    return _lanes(seed, 2, size=(36, 40), speed=(1.0, 2.0), scale_rates=(1.012, 0.988), name="scale_change")


def camera_shake(seed: int) -> VideoSpec:
    """Constant-velocity objects filmed by a shaking camera (3 px standard deviation)."""
    return _lanes(seed, 3, camera_shake=3.0, name="camera_shake")


def _free(seed: int, n: int, size: tuple[float, float], speed: tuple[float, float], name: str) -> VideoSpec:
    """``n`` objects bouncing around the whole frame at depths 1..n: they occlude each other."""
    rng, config, bg = _base(seed, H, W)
    objects = []
    for i in range(n):
        s = rng.uniform(*size)
        centre = (rng.uniform(s, W - s), rng.uniform(s, H - s))
        obj = _object(rng, config, i + 1, centre, s, z=float(i + 1))
        v, a = rng.uniform(*speed), rng.uniform(0, 2 * math.pi)
        objects.append(VideoObject(obj, Trajectory(velocity=(v * math.cos(a), v * math.sin(a)), bounce=True)))
    return VideoSpec(H, W, N_FRAMES, bg, tuple(objects), seed=seed, name=name)


def mutual_occlusion(seed: int) -> VideoSpec:
    return _free(seed, 4, (34, 50), (1.5, 3.0), "mutual_occlusion")


def crowding(seed: int) -> VideoSpec:
    """Twenty small objects drifting slowly over one frame."""
    return _free(seed, 20, (20, 28), (0.5, 1.5), "crowding")


def full_occlusion(seed: int) -> VideoSpec:
    """An object hidden for 10 frames behind a static occluder."""
    return dataclasses.replace(occluded(seed, n_frames=N_FRAMES, hidden=10), name="full_occlusion")


def crossing(seed: int) -> VideoSpec:
    return dataclasses.replace(lookalikes_crossing(seed, n_frames=N_FRAMES), name="lookalikes_crossing")


def entries_exits(seed: int) -> VideoSpec:
    """Objects entering from the left at different frames and leaving on the right; one
    present from the start leaves early."""
    rng, config, bg = _base(seed, H, W)
    objects = [VideoObject(_object(rng, config, 1, (W * 0.6, H * 0.25), 36), Trajectory(velocity=(4.0, 0.0)))]
    for i, enter in enumerate((8, 20, 32)):
        obj = _object(rng, config, i + 2, (-14.0, H * (0.45 + 0.2 * (i % 2))), 34, z=float(i + 2))
        objects.append(VideoObject(obj, Trajectory(velocity=(float(rng.uniform(3.0, 5.0)), 0.0), enter=enter)))
    return VideoSpec(H, W, N_FRAMES, bg, tuple(objects), seed=seed, name="entries_exits")


def _drift(rng: np.random.Generator, speed: tuple[float, float]) -> tuple[float, float]:
    v, a = rng.uniform(*speed), rng.uniform(0, 2 * math.pi)
    return (v * math.cos(a), v * math.sin(a))


def _zoom(seed: int, size: tuple[float, float], factor: float, name: str) -> VideoSpec:
    """One object near the middle, drifting slowly, its diameter (pixels, from ``size``)
    multiplied by ``factor`` over the video."""
    rng, config, bg = _base(seed, H, W)
    centre = (W / 2 + rng.uniform(-30, 30), H / 2 + rng.uniform(-12, 12))
    obj = _object(rng, config, 1, centre, rng.uniform(*size))
    traj = Trajectory(velocity=_drift(rng, (0.2, 0.4)), scale_rate=factor ** (1 / (N_FRAMES - 1)))
    return VideoSpec(H, W, N_FRAMES, bg, (VideoObject(obj, traj),), seed=seed, name=name)


def approach(seed: int) -> VideoSpec:
    """An object coming toward the camera: about 28 px across growing 3x (area ~9x)."""
    return _zoom(seed, (26, 30), 3.0, "approach")


def recede(seed: int) -> VideoSpec:
    """An object moving away: about 80 px across shrinking to a third (area ~1/9)."""
    return _zoom(seed, (76, 84), 1 / 3, "recede")


def crouch_turn(seed: int) -> VideoSpec:
    """A tall object (~60 px) crouching and standing up again: over ~15 frames its height
    halves and its width grows ~1.4x, held, then back; its bottom stays put."""
    rng, config, bg = _base(seed, H, W)
    obj = _object(rng, config, 1, (W / 2 + rng.uniform(-40, 40), H / 2 + rng.uniform(-8, 8)),
                  rng.uniform(56, 64), kind=str(rng.choice(["ellipse", "rectangle", "blob"])))
    obj = dataclasses.replace(obj, polygon=obj.polygon[:, ::-1])  # upright: the long axis vertical
    sx, sy = rng.uniform(1.3, 1.5), rng.uniform(0.45, 0.55)
    down = int(rng.integers(3, 8))
    duration, hold = int(rng.integers(13, 17)), int(rng.integers(6, 11))
    low, up = down + duration, down + 2 * duration + hold
    vx = float(rng.uniform(-0.5, 0.5))
    # Sink the centre as the height shrinks so the bottom stays on the ground.
    vy = obj.scale * float(obj.polygon[:, 1].max()) * (1 - sy) / duration
    traj = Trajectory(
        velocity=(vx, 0.0),
        turns=((down + 1, (vx, vy)), (low + 1, (vx, 0.0)), (low + hold + 1, (vx, -vy)), (up + 1, (vx, 0.0))),
        stretch=((down, (1.0, 1.0)), (low, (sx, sy)), (low + hold, (sx, sy)), (up, (1.0, 1.0))),
    )
    return VideoSpec(H, W, N_FRAMES, bg, (VideoObject(obj, traj),), seed=seed, name="crouch_turn")


def thin_articulated(seed: int) -> VideoSpec:
    """A thin bar (4-7 px wide, 40-60 px long) swinging about one end like a limb
    (+-32-45 degrees, period 16-24 frames) while that end drifts slowly."""
    rng, _, bg = _base(seed, H, W)
    length, width = rng.uniform(40, 60), rng.uniform(4, 7)
    a = width / 2 / length
    # The pivot, at the object's centre, is one end of the bar.
    polygon = np.array([[0, -a], [1, -a], [1, a], [0, a]]) / math.hypot(1, a)
    bar = SceneObject(
        id=1,
        kind="rectangle",
        polygon=polygon,
        texture=random_texture(rng, "flat"),
        center=(W / 2 + rng.uniform(-30, 30), H / 2 + rng.uniform(-10, 10)),
        scale=math.hypot(length, width / 2),
        angle=float(rng.uniform(0, 2 * math.pi)),
    )
    # Bouncing keeps the pivot a bar's length from the border: the bar stays in view.
    traj = Trajectory(velocity=_drift(rng, (0.3, 0.7)), bounce=True,
                      swing=math.radians(rng.uniform(32, 45)), swing_period=float(rng.uniform(16, 24)))
    return VideoSpec(H, W, N_FRAMES, bg, (VideoObject(bar, traj),), seed=seed, name="thin_articulated")


FAMILIES: dict[str, Callable[[int], VideoSpec]] = {
    "constant_velocity": constant_velocity,
    "turns_bounces": turns_bounces,
    "fast_motion": fast_motion,
    "scale_change": scale_change,
    "camera_shake": camera_shake,
    "entries_exits": entries_exits,
    "mutual_occlusion": mutual_occlusion,
    "full_occlusion": full_occlusion,
    "lookalikes_crossing": crossing,
    "crowding": crowding,
    "approach": approach,
    "recede": recede,
    "crouch_turn": crouch_turn,
    "thin_articulated": thin_articulated,
}
#: Families whose objects hide each other or hide behind something.
OCCLUSION = frozenset({"mutual_occlusion", "full_occlusion", "lookalikes_crossing", "crowding"})


class _CurrentTruth:
    """Feeds an oracle the ground truth of the frame being tracked."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, np.int64)
        self.masks = np.zeros((0, 1, 1), bool)

    def __call__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.ids, self.masks


DEFAULT_ORACLE = {"boundary_noise": 1, "miss_rate": 0.02}


def run_scenario(
    spec: VideoSpec,
    config: TrackerConfig,
    segmenter: Segmenter | None = None,
    *,
    oracle_options: dict | None = None,
    behaviour: str | None = None,
    on_result: Callable[[FrameResult], None] | None = None,
) -> SequenceAccumulator:
    """Track ``spec`` and accumulate its metrics. ``segmenter`` None: the ground-truth
    oracle (``oracle_options``: boundary_noise, miss_rate, seed ...), or with
    ``behaviour`` the box oracle that answers as SAM does (:class:`BoxOracle`;
    ``oracle_options``: seed ...)."""
    truth = _CurrentTruth()
    if segmenter is None and behaviour is not None:
        segmenter = BoxOracle(truth, behaviour=behaviour, **(oracle_options or {}))
    elif segmenter is None:
        segmenter = OracleSegmenter(truth, **(oracle_options or DEFAULT_ORACLE))
    tracker = Tracker(segmenter, config)
    acc = SequenceAccumulator(kind="mask", name=f"{spec.name}-{spec.seed}")
    for frame, gt in spec.frames():
        truth.ids, truth.masks = gt.ids, gt.masks
        prompts = [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)] if frame.index == 0 else []
        result = tracker.update(frame, prompts)
        result.image = None
        acc.add(gt.as_result(frame.time), result)
        if on_result is not None:
            on_result(result)
    return acc


def perfect_association(
    spec: VideoSpec, segmenter: Segmenter | None = None, *, oracle_options: dict | None = None
) -> SequenceAccumulator:
    """What a tracker that prompts every visible object with its exact box on every frame,
    and never confuses ids, would score with ``segmenter`` (None: the oracle, without its
    misses, which a tracker can ask again): the segmenter's answers under ground-truth ids.
    The suite's reference for what the segmenter itself allows."""
    truth = _CurrentTruth()
    if segmenter is None:
        options = {**DEFAULT_ORACLE, **(oracle_options or {}), "miss_rate": 0.0}
        segmenter = OracleSegmenter(truth, **options)
    acc = SequenceAccumulator(kind="mask", name=f"{spec.name}-{spec.seed}")
    for frame, gt in spec.frames():
        truth.ids, truth.masks = gt.ids, gt.masks
        embedding = segmenter.embed(frame.image)
        expected = gt.as_result(frame.time)
        answers = expected.masks
        if len(expected):
            prompts = [Prompt(box=b) for b in expected.boxes]
            answers = segmenter.segment(embedding, prompts, multimask=False).masks
        acc.add(expected, dataclasses.replace(expected, masks=answers))
    return acc
