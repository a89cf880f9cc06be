"""Synthetic videos with ground truth, built on :mod:`samtrack.eval.synthetic`.

A :class:`VideoSpec` is a background plus objects, each with a :class:`Trajectory`
(constant velocity, turns at given frames, bounces off the frame border, scale change,
spin, swing, stretch, entry and exit frames). Frames are rendered one at a time, so a long
video costs no memory. Non-target objects (``target=False``, e.g. a static occluder) are
drawn but left out of the ground truth. Scenario builders return ready specs, deterministic
by seed.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..types import Frame, FrameResult, mask_to_box_xyxy
from .synthetic import (
    Background,
    SceneConfig,
    SceneObject,
    Texture,
    random_background,
    random_object,
    random_shape,
    render,
)


@dataclass(frozen=True)
class Trajectory:
    """Pose of an object over time. ``velocity`` in pixels per frame; ``turns`` maps a
    frame to a new velocity; ``bounce`` reflects the velocity when the centre leaves the
    frame (or ``bounds``, xyxy) shrunk by the object's radius; ``scale_rate`` multiplies
    the scale each frame; ``spin`` adds radians per frame; ``swing`` (radians) and
    ``swing_period`` (frames) add a sine oscillation to the angle; ``stretch`` holds
    keyframes ``(frame, (sx, sy))`` that multiply the shape's own x and y (before
    rotation), linear in between and held outside; the object exists in frames [``enter``,
    ``leave``)."""

    velocity: tuple[float, float] = (0.0, 0.0)
    turns: tuple[tuple[int, tuple[float, float]], ...] = ()
    bounce: bool = False
    scale_rate: float = 1.0
    spin: float = 0.0
    enter: int = 0
    leave: int | None = None
    bounds: tuple[float, float, float, float] | None = None
    swing: float = 0.0
    swing_period: float = 20.0
    stretch: tuple[tuple[int, tuple[float, float]], ...] = ()

    def pose(self, start: SceneObject, t: int, center, scale: float, angle: float) -> SceneObject:
        """``start`` at frame ``t`` with this centre, scale and angle, swung and stretched."""
        if self.swing:
            angle = angle + self.swing * math.sin(2 * math.pi * (t - self.enter) / self.swing_period)
        obj = dataclasses.replace(start, center=tuple(center), scale=scale, angle=angle)
        if not self.stretch:
            return obj
        frames = [f for f, _ in self.stretch]
        sx, sy = (float(np.interp(t, frames, [k[axis] for _, k in self.stretch])) for axis in (0, 1))
        polygon = obj.polygon * [sx, sy]
        radius = float(np.max(np.linalg.norm(polygon, axis=1)))
        # Keep SceneObject's convention: farthest vertex at 1, ``scale`` the radius.
        return dataclasses.replace(obj, polygon=polygon / radius, scale=scale * radius)


@dataclass(frozen=True)
class VideoObject:
    """An object's look and start pose (a :class:`SceneObject`), its motion, and whether
    it is a ground-truth target."""

    start: SceneObject
    trajectory: Trajectory = Trajectory()
    target: bool = True


@dataclass(frozen=True)
class GroundTruth:
    """The visible targets of one frame: ids int64 (N,), masks bool N x H x W (disjoint)."""

    frame_index: int
    ids: np.ndarray
    masks: np.ndarray

    def as_result(self, time: float = 0.0) -> FrameResult:
        """The ground truth as a FrameResult (ids as track ids, score 1), for the sinks."""
        n = len(self.ids)
        return FrameResult(
            frame_index=self.frame_index,
            time=time,
            height=int(self.masks.shape[1]),
            width=int(self.masks.shape[2]),
            track_ids=self.ids.astype(np.int64),
            masks=self.masks,
            boxes=mask_to_box_xyxy(self.masks) if n else np.zeros((0, 4), np.float32),
            scores=np.ones(n, np.float32),
        )


@dataclass(frozen=True)
class VideoSpec:
    height: int
    width: int
    n_frames: int
    background: Background
    objects: tuple[VideoObject, ...]
    fps: float = 25.0
    noise_sigma: float = 2.0
    seed: int = 0
    name: str = "video"
    camera_shake: float = 0.0
    min_visible_area: int = 30

    def poses(self) -> Iterator[list[SceneObject | None]]:
        """For each frame, every object's pose (None while it does not exist)."""
        state = [
            [np.array(o.start.center, float), np.array(o.trajectory.velocity, float), o.start.scale, o.start.angle]
            for o in self.objects
        ]
        for t in range(self.n_frames):
            frame: list[SceneObject | None] = []
            for obj, s in zip(self.objects, state):
                traj = obj.trajectory
                alive = t >= traj.enter and (traj.leave is None or t < traj.leave)
                frame.append(traj.pose(obj.start, t, s[0], s[2], s[3]) if alive else None)
            yield frame
            for obj, s in zip(self.objects, state):
                traj = obj.trajectory
                if t < traj.enter:
                    continue
                for turn_frame, velocity in traj.turns:
                    if turn_frame == t + 1:
                        s[1] = np.array(velocity, float)
                s[0] = s[0] + s[1]
                s[2] = s[2] * traj.scale_rate
                s[3] = s[3] + traj.spin
                if traj.bounce:
                    r = s[2]
                    x1, y1, x2, y2 = traj.bounds or (0, 0, self.width, self.height)
                    for axis, lo, hi in ((0, x1, x2), (1, y1, y2)):
                        if s[0][axis] < lo + r and s[1][axis] < 0 or s[0][axis] > hi - r and s[1][axis] > 0:
                            s[1][axis] = -s[1][axis]

    def frames(self) -> Iterator[tuple[Frame, GroundTruth]]:
        """Render every frame with its ground truth, lazily."""
        rng = np.random.default_rng(self.seed + 1)
        for t, poses in enumerate(self.poses()):
            present = [(o, p) for o, p in zip(self.objects, poses) if p is not None]
            shown = [p for _, p in present]
            image, visible, _ = render(self.background, shown, self.height, self.width)
            if self.camera_shake:
                # The whole view moves (background and objects): a shaking camera.
                dx, dy = rng.normal(0, self.camera_shake, 2)
                image, visible = _shift_view(image, visible, dx, dy)
            if self.noise_sigma:
                noisy = image.astype(np.float32) + rng.normal(0, self.noise_sigma, image.shape)
                image = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
            keep = [
                i for i, (o, _) in enumerate(present)
                if o.target and visible[i].sum() >= self.min_visible_area
            ]
            gt = GroundTruth(
                frame_index=t,
                ids=np.array([present[i][1].id for i in keep], dtype=np.int64),
                masks=visible[keep] if keep else np.zeros((0, self.height, self.width), bool),
            )
            yield Frame(index=t, time=t / self.fps, image=image), gt

    def write_mp4(self, path: str | os.PathLike[str]) -> None:
        """Encode the frames as an H.264 (or MPEG-4) video at ``fps``."""
        self.write(path)

    def write(self, video: str | os.PathLike[str], ground_truth: str | os.PathLike[str] | None = None) -> None:
        """Render once: the frames as an H.264 (or MPEG-4) video at ``fps`` and, when
        ``ground_truth`` names a file, every target's visible mask per frame as a MOTS
        text file (object id = 1000 + target id). Both files appear only when complete."""
        import av

        from ..io.atomic import atomic_path
        from ..io.mots import MotsSink

        video = Path(video)
        gt_sink = MotsSink(ground_truth) if ground_truth is not None else None
        try:
            with atomic_path(video) as tmp, av.open(str(tmp), "w") as container:
                try:
                    stream = container.add_stream("libx264", rate=round(self.fps))
                    stream.options = {"crf": "12", "preset": "veryfast"}
                except Exception:  # FFmpeg built without x264
                    stream = container.add_stream("mpeg4", rate=round(self.fps))
                stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
                for frame, gt in self.frames():
                    for packet in stream.encode(av.VideoFrame.from_ndarray(frame.image, format="rgb24")):
                        container.mux(packet)
                    if gt_sink is not None:
                        gt_sink.write(gt.as_result(frame.time))
                for packet in stream.encode():
                    container.mux(packet)
            if gt_sink is not None:
                gt_sink.close()
        except BaseException:
            if gt_sink is not None:
                gt_sink.abort(remove_partial=True)
            raise


def _shift_view(image: np.ndarray, visible: np.ndarray, dx: float, dy: float) -> tuple[np.ndarray, np.ndarray]:
    """Translate a rendered frame and its masks by (dx, dy) pixels (edges replicated)."""
    h, w = image.shape[:2]
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    masks = [cv2.warpAffine(v.astype(np.uint8), m, (w, h), flags=cv2.INTER_NEAREST) > 0 for v in visible]
    return moved, np.stack(masks) if masks else visible


# --------------------------------------------------------------------------- scenarios


def _object(rng: np.random.Generator, config: SceneConfig, oid: int, center, size: float, z: float = 0.0,
            kind: str | None = None) -> SceneObject:
    """A random-looking object of diameter ``size`` at ``center``, upright."""
    obj = random_object(rng, config, oid, z)
    if kind is not None:
        kind, polygon = random_shape(rng, kind)
        obj = dataclasses.replace(obj, kind=kind, polygon=polygon)
    return dataclasses.replace(obj, center=(float(center[0]), float(center[1])), scale=size / 2, angle=0.0)


def _base(seed: int, height: int, width: int) -> tuple[np.random.Generator, SceneConfig, Background]:
    rng = np.random.default_rng(seed)
    config = SceneConfig(height=height, width=width, low_contrast_probability=0.0)
    return rng, config, random_background(rng, config)


def single_object(seed: int = 0, n_frames: int = 100, height: int = 192, width: int = 256) -> VideoSpec:
    """One object moving at constant velocity, bouncing off the borders; no occlusion."""
    rng, config, bg = _base(seed, height, width)
    size = rng.uniform(40, 60)
    obj = _object(rng, config, 1, (rng.uniform(60, width - 60), rng.uniform(60, height - 60)), size)
    speed = rng.uniform(1.5, 3.0)
    angle = rng.uniform(0, 2 * math.pi)
    traj = Trajectory(velocity=(speed * math.cos(angle), speed * math.sin(angle)), bounce=True, spin=0.01)
    return VideoSpec(height, width, n_frames, bg, (VideoObject(obj, traj),), seed=seed, name="single")


def lookalikes_crossing(seed: int = 0, n_frames: int = 60, height: int = 192, width: int = 256) -> VideoSpec:
    """Two objects of identical look crossing each other (one passes in front)."""
    rng, config, bg = _base(seed, height, width)
    size = rng.uniform(36, 48)
    a = _object(rng, config, 1, (40, height / 2 - 6), size, z=1.0)
    b = dataclasses.replace(a, id=2, center=(width - 40, height / 2 + 6), z=0.0)
    speed = (width - 80) / (n_frames - 1)
    objects = (
        VideoObject(a, Trajectory(velocity=(speed, 0.0))),
        VideoObject(b, Trajectory(velocity=(-speed, 0.0))),
    )
    return VideoSpec(height, width, n_frames, bg, objects, seed=seed, name="lookalikes_crossing")


def occluded(
    seed: int = 0, n_frames: int = 60, hidden: int = 10, speed: float = 3.0, height: int = 192, width: int = 256
) -> VideoSpec:
    """An object passes behind a static occluder (not a target) and is fully hidden for
    about ``hidden`` frames in the middle of the video."""
    rng, config, bg = _base(seed, height, width)
    size = 32.0
    occluder_width = size + speed * hidden + 4
    # Centre crosses the occluder's centre at the middle frame.
    start_x = width / 2 - speed * (n_frames - 1) / 2
    obj = _object(rng, config, 1, (start_x, height / 2), size, kind="ellipse")
    half = np.array([occluder_width / 2, height * 0.3])
    radius = float(np.linalg.norm(half))
    occluder = SceneObject(
        id=99,
        kind="rectangle",
        polygon=np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float) * half / radius,
        texture=Texture(kind="flat", color=(35.0, 35.0, 40.0)),
        center=(width / 2, height / 2),
        scale=radius,
        z=5.0,
    )
    objects = (
        VideoObject(obj, Trajectory(velocity=(speed, 0.0))),
        VideoObject(occluder, Trajectory(), target=False),
    )
    return VideoSpec(height, width, n_frames, bg, objects, seed=seed, name="occluded")


def entering(seed: int = 0, n_frames: int = 60, enter_at: int = 15, height: int = 192, width: int = 256) -> VideoSpec:
    """One object present from the start; a second enters from the left at ``enter_at``."""
    rng, config, bg = _base(seed, height, width)
    a = _object(rng, config, 1, (width * 0.7, height * 0.3), 44)
    b = _object(rng, config, 2, (-10, height * 0.7), 40)
    objects = (
        VideoObject(a, Trajectory(velocity=(-0.5, 0.3))),
        VideoObject(b, Trajectory(velocity=(3.0, 0.0), enter=enter_at)),
    )
    return VideoSpec(height, width, n_frames, bg, objects, seed=seed, name="entering")


@dataclass
class RandomVideoConfig:
    """For :func:`random_video`: counts, sizes and speeds drawn per object."""

    height: int = 192
    width: int = 256
    n_frames: int = 100
    n_objects: tuple[int, int] = (2, 5)
    size: tuple[float, float] = (24.0, 56.0)
    speed: tuple[float, float] = (0.5, 3.0)
    turn_probability: float = 0.02
    scale_rate: tuple[float, float] = (1.0, 1.0)
    camera_shake: float = 0.0
    extra: dict = field(default_factory=dict)


def random_video(seed: int, config: RandomVideoConfig | None = None) -> VideoSpec:
    """Several objects with random bouncing motion, turns and mutual occlusions."""
    cfg = config or RandomVideoConfig()
    rng, scene_config, bg = _base(seed, cfg.height, cfg.width)
    objects = []
    for oid in range(1, int(rng.integers(cfg.n_objects[0], cfg.n_objects[1] + 1)) + 1):
        size = rng.uniform(*cfg.size)
        center = (rng.uniform(size, cfg.width - size), rng.uniform(size, cfg.height - size))
        obj = _object(rng, scene_config, oid, center, size, z=float(oid))
        speed, angle = rng.uniform(*cfg.speed), rng.uniform(0, 2 * math.pi)
        turns = []
        for t in range(1, cfg.n_frames):
            if rng.random() < cfg.turn_probability:
                a = rng.uniform(0, 2 * math.pi)
                turns.append((t, (speed * math.cos(a), speed * math.sin(a))))
        traj = Trajectory(
            velocity=(speed * math.cos(angle), speed * math.sin(angle)),
            turns=tuple(turns),
            bounce=True,
            scale_rate=float(rng.uniform(*cfg.scale_rate)),
            spin=float(rng.uniform(-0.02, 0.02)),
        )
        objects.append(VideoObject(obj, traj))
    return VideoSpec(cfg.height, cfg.width, cfg.n_frames, bg, tuple(objects), seed=seed,
                     name="random", camera_shake=cfg.camera_shake)
