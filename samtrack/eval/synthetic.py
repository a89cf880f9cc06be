"""Procedurally generated scenes with exact ground truth (pure numpy + OpenCV).

A scene is a *description* — a :class:`Background` and a list of :class:`SceneObject`
(shape polygon in object-local units, :class:`Texture`, pose, z-order) — and
:func:`render` turns a description into pixels and masks. The description is what a
video generator moves from frame to frame: change an object's ``center`` / ``angle`` /
``scale`` (``dataclasses.replace``) and render again; the texture is painted in the
object's own coordinates, so it moves and turns with the object.

Everything is deterministic: :func:`random_scene` draws only from the
``numpy.random.Generator`` it is given, and :func:`render` draws nothing (its noise
textures are seeded by integers stored in the descriptions).

Conventions: images are RGB ``uint8`` H x W x 3; points are ``xy`` pixels (pixel
centres at integer coordinates); boxes are ``xyxy`` with exclusive right/bottom edge
(as :func:`samtrack.types.mask_to_box_xyxy`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from samtrack.types import mask_to_box_xyxy

__all__ = [
    "BACKGROUND_KINDS",
    "SHAPE_KINDS",
    "TEXTURE_KINDS",
    "Background",
    "Scene",
    "SceneConfig",
    "SceneObject",
    "Texture",
    "random_background",
    "random_object",
    "random_scene",
    "random_shape",
    "random_texture",
    "render",
    "render_background",
]

SHAPE_KINDS = ("ellipse", "rectangle", "triangle", "convex", "polygon", "star", "blob")
TEXTURE_KINDS = ("flat", "gradient", "stripes", "checker", "noise")
BACKGROUND_KINDS = ("noise", "gradient", "stripes")

_SUBPIXEL_SHIFT = 4  # cv2.fillPoly fixed-point bits: vertices at 1/16 pixel


Color = tuple[float, float, float]


# --------------------------------------------------------------------------- descriptions


@dataclass(frozen=True)
class Texture:
    """How an object is painted, in its own coordinates (object radius = 1).

    kind: one of :data:`TEXTURE_KINDS`. ``color`` / ``color2``: RGB in 0..255 (``flat``
    uses only ``color``). ``angle``: direction of gradient / stripes / checker, radians.
    ``period``: stripe or checker period, object-local units. ``seed``: for ``noise``.
    """

    kind: str = "flat"
    color: Color = (200.0, 60.0, 60.0)
    color2: Color = (60.0, 60.0, 200.0)
    angle: float = 0.0
    period: float = 0.5
    seed: int = 0


@dataclass(frozen=True)
class SceneObject:
    """One object: a polygon in object-local units and its pose in the image.

    polygon: float K x 2 vertices, ``xy``, farthest vertex at distance 1 from the origin
    (the object's centre). Pose: ``center`` in pixels (``xy``, may lie outside the frame),
    ``scale`` = radius in pixels (so the object is at most ``2 * scale`` across),
    ``angle`` in radians (counter-clockwise on screen). Higher ``z`` is drawn in front.
    ``id`` is a positive integer, unique within a scene.
    """

    id: int
    kind: str
    polygon: np.ndarray
    texture: Texture
    center: tuple[float, float]
    scale: float
    angle: float = 0.0
    z: float = 0.0

    def vertices_xy(self) -> np.ndarray:
        """The polygon in image pixels, float64 K x 2 ``xy``."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        # Screen y points down: a counter-clockwise turn on screen negates the sine.
        rot = np.array([[c, s], [-s, c]])
        return self.polygon @ rot.T * self.scale + np.asarray(self.center, dtype=np.float64)


@dataclass(frozen=True)
class Background:
    """A textured background: a pattern blended between two colours plus colour noise.

    kind: one of :data:`BACKGROUND_KINDS` (the blend field: smooth noise, a linear
    gradient or soft stripes). ``angle`` / ``period`` (pixels) orient and space the
    gradient or stripes. ``noise_cells``: cell sizes (pixels) of the smooth colour
    noise layers, each of standard deviation ``noise_amplitude`` (0..255 units).
    """

    kind: str = "noise"
    color: Color = (120.0, 120.0, 120.0)
    color2: Color = (90.0, 110.0, 130.0)
    angle: float = 0.0
    period: float = 40.0
    noise_cells: tuple[float, ...] = (64.0, 16.0, 4.0)
    noise_amplitude: float = 12.0
    seed: int = 0


@dataclass(frozen=True)
class SceneConfig:
    """What :func:`random_scene` draws from.

    Sizes are object diameters (``2 * scale``) in pixels, drawn log-uniformly from
    ``min_size`` to ``max_size_fraction * min(height, width)``. Objects may be cut by
    the frame border (centres up to ``border_overflow`` of the frame outside it) and
    overlap one another; an object is kept as a target only when its visible area is at
    least ``min_visible_area`` pixels and ``min_visible_fraction`` of its in-frame
    amodal area. ``low_contrast_probability``: chance that an object's colour is drawn
    near the background colour. ``noise_sigma``: Gaussian pixel noise added last.
    """

    height: int = 256
    width: int = 256
    n_objects: tuple[int, int] = (1, 6)
    min_size: float = 15.0
    max_size_fraction: float = 0.45
    shape_kinds: tuple[str, ...] = SHAPE_KINDS
    texture_kinds: tuple[str, ...] = TEXTURE_KINDS
    background_kinds: tuple[str, ...] = BACKGROUND_KINDS
    border_overflow: float = 0.1
    min_visible_area: int = 60
    min_visible_fraction: float = 0.25
    low_contrast_probability: float = 0.2
    noise_sigma: float = 2.0

    def __post_init__(self) -> None:
        if self.height < 8 or self.width < 8:
            raise ValueError(f"scene size {self.height}x{self.width} is too small")
        lo, hi = self.n_objects
        if not 0 <= lo <= hi:
            raise ValueError(f"n_objects must be (low, high) with 0 <= low <= high, not {self.n_objects}")
        if not 0 < self.min_size <= self.max_size:
            raise ValueError(
                f"min_size {self.min_size} must be positive and at most the largest size {self.max_size}"
            )
        for name, kinds, known in (
            ("shape_kinds", self.shape_kinds, SHAPE_KINDS),
            ("texture_kinds", self.texture_kinds, TEXTURE_KINDS),
            ("background_kinds", self.background_kinds, BACKGROUND_KINDS),
        ):
            unknown = set(kinds) - set(known)
            if not kinds or unknown:
                raise ValueError(f"{name} must be a non-empty subset of {known}, got {kinds}")

    @property
    def max_size(self) -> float:
        """The largest object diameter, pixels."""
        return self.max_size_fraction * min(self.height, self.width)


@dataclass
class Scene:
    """A rendered scene and its ground truth.

    image: RGB uint8 H x W x 3. ``objects``: every drawn object, back to front.
    The targets — objects visible enough to prompt — are rows of the parallel arrays
    ``ids`` (int64 N, the objects' ids), ``masks`` (bool N x H x W, visible pixels after
    occlusion; disjoint) and ``amodal_masks`` (bool N x H x W, the whole shape inside the
    frame, occluded parts included).
    """

    image: np.ndarray
    masks: np.ndarray
    amodal_masks: np.ndarray
    ids: np.ndarray
    objects: tuple[SceneObject, ...]
    background: Background
    config: SceneConfig = field(default_factory=SceneConfig)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def boxes_xyxy(self) -> np.ndarray:
        """Tight boxes of the visible masks, float32 N x 4 (exclusive right/bottom)."""
        return mask_to_box_xyxy(self.masks)

    def object(self, object_id: int) -> SceneObject:
        """The description of the object with this id."""
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        raise KeyError(f"no object with id {object_id}")


# --------------------------------------------------------------------------- random draws


def _normalise(poly: np.ndarray) -> np.ndarray:
    poly = poly - poly.mean(axis=0)
    return poly / np.max(np.linalg.norm(poly, axis=1))


def random_shape(rng: np.random.Generator, kind: str | None = None) -> tuple[str, np.ndarray]:
    """A shape kind and its polygon (K x 2, object-local units, max radius 1)."""
    if kind is None:
        kind = str(rng.choice(SHAPE_KINDS))
    if kind == "ellipse":
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        aspect = rng.uniform(0.35, 1.0)
        poly = np.stack([np.cos(t), aspect * np.sin(t)], axis=1)
    elif kind == "rectangle":
        aspect = rng.uniform(0.25, 1.0)
        poly = np.array([[-1, -aspect], [1, -aspect], [1, aspect], [-1, aspect]], dtype=np.float64)
    elif kind == "triangle":
        # Angles at least ~50 degrees apart so the triangle is not a sliver.
        gaps = rng.uniform(0.85, 1.0, size=3) * (2 * np.pi / 3) + rng.uniform(-0.6, 0.6, size=3)
        gaps = gaps / gaps.sum() * 2 * np.pi
        t = rng.uniform(0, 2 * np.pi) + np.cumsum(gaps)
        r = rng.uniform(0.7, 1.0, size=3)
        poly = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    elif kind == "convex":
        pts = rng.uniform(-1, 1, size=(12, 2)) * [1.0, rng.uniform(0.5, 1.0)]
        hull = cv2.convexHull(pts.astype(np.float32)).reshape(-1, 2).astype(np.float64)
        poly = hull
    elif kind == "polygon":
        k = int(rng.integers(5, 11))
        t = np.sort(rng.uniform(0, 2 * np.pi, size=k))
        t = t + np.linspace(0, 0.3, k)  # keep vertices from bunching
        r = rng.uniform(0.4, 1.0, size=k)
        poly = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    elif kind == "star":
        k = int(rng.integers(4, 9))
        inner = rng.uniform(0.35, 0.65)
        t = np.linspace(0, 2 * np.pi, 2 * k, endpoint=False)
        r = np.where(np.arange(2 * k) % 2 == 0, 1.0, inner)
        poly = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    elif kind == "blob":
        t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        r = np.ones_like(t)
        for harmonic in range(2, 6):
            amp = rng.uniform(0, 0.35) / harmonic ** 0.7
            r += amp * np.cos(harmonic * t + rng.uniform(0, 2 * np.pi))
        r = np.clip(r, 0.35, None)
        poly = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    else:
        raise ValueError(f"unknown shape kind {kind!r}; known: {SHAPE_KINDS}")
    return kind, _normalise(poly)


def _random_color(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(0, 255, size=3)


def _second_color(rng: np.random.Generator, color: np.ndarray) -> np.ndarray:
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction) + 1e-9
    return np.clip(color + direction * rng.uniform(40, 130), 0, 255)


def _as_color(c: np.ndarray) -> Color:
    return (float(c[0]), float(c[1]), float(c[2]))


def random_texture(
    rng: np.random.Generator,
    kind: str | None = None,
    near: Color | None = None,
) -> Texture:
    """A random texture; with ``near`` its main colour is drawn close to that colour."""
    if kind is None:
        kind = str(rng.choice(TEXTURE_KINDS))
    if near is None:
        color = _random_color(rng)
    else:
        color = np.clip(np.asarray(near) + rng.normal(0, 22, size=3), 0, 255)
    return Texture(
        kind=kind,
        color=_as_color(color),
        color2=_as_color(_second_color(rng, color)),
        angle=float(rng.uniform(0, np.pi)),
        period=float(rng.uniform(0.25, 0.8)),
        seed=int(rng.integers(0, 2**31 - 1)),
    )


def random_object(
    rng: np.random.Generator,
    config: SceneConfig,
    object_id: int,
    z: float,
    background: Background | None = None,
) -> SceneObject:
    """One object with a random shape, texture and pose inside ``config``'s frame."""
    kind, polygon = random_shape(rng, str(rng.choice(config.shape_kinds)))
    near = None
    if background is not None and rng.uniform() < config.low_contrast_probability:
        near = background.color
    texture = random_texture(rng, str(rng.choice(config.texture_kinds)), near)
    diameter = math.exp(rng.uniform(math.log(config.min_size), math.log(config.max_size)))
    over = config.border_overflow
    center = (
        float(rng.uniform(-over, 1 + over) * config.width),
        float(rng.uniform(-over, 1 + over) * config.height),
    )
    return SceneObject(
        id=object_id,
        kind=kind,
        polygon=polygon,
        texture=texture,
        center=center,
        scale=diameter / 2,
        angle=float(rng.uniform(0, 2 * np.pi)),
        z=z,
    )


def random_background(rng: np.random.Generator, config: SceneConfig) -> Background:
    """A random textured background for ``config``'s frame size."""
    side = min(config.height, config.width)
    color = _random_color(rng)
    kind = str(rng.choice(config.background_kinds))
    n_layers = int(rng.integers(2, 4))
    cells = tuple(sorted(float(side * rng.uniform(0.01, 0.4)) for _ in range(n_layers)))
    return Background(
        kind=kind,
        color=_as_color(color),
        color2=_as_color(_second_color(rng, color)),
        angle=float(rng.uniform(0, np.pi)),
        period=float(side * rng.uniform(0.05, 0.4)),
        noise_cells=tuple(max(c, 2.0) for c in cells),
        noise_amplitude=float(rng.uniform(4, 25)),
        seed=int(rng.integers(0, 2**31 - 1)),
    )


def random_scene(rng: np.random.Generator, config: SceneConfig | None = None) -> Scene:
    """Draw a background and objects, render them, and keep the promptable targets."""
    config = config or SceneConfig()
    background = random_background(rng, config)
    n = int(rng.integers(config.n_objects[0], config.n_objects[1] + 1))
    objects = tuple(
        random_object(rng, config, object_id=i + 1, z=float(i), background=background)
        for i in range(n)
    )
    image, visible, amodal = render(background, objects, config.height, config.width)
    if config.noise_sigma > 0:
        noisy = image + rng.normal(0, config.noise_sigma, size=image.shape)
        image = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
    vis_area = visible.sum(axis=(1, 2))
    amodal_area = amodal.sum(axis=(1, 2))
    keep = (vis_area >= config.min_visible_area) & (
        vis_area >= config.min_visible_fraction * np.maximum(amodal_area, 1)
    )
    ids = np.array([o.id for o in objects], dtype=np.int64)[keep]
    return Scene(
        image=image,
        masks=visible[keep],
        amodal_masks=amodal[keep],
        ids=ids,
        objects=objects,
        background=background,
        config=config,
    )


# --------------------------------------------------------------------------- rendering


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float, channels: int) -> np.ndarray:
    """Zero-mean, unit-std smooth noise H x W x channels with features ~``cell`` px."""
    gh = int(math.ceil(height / cell)) + 3
    gw = int(math.ceil(width / cell)) + 3
    grid = rng.normal(size=(gh, gw, channels)).astype(np.float32)
    big = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
    big = big.reshape(big.shape[0], big.shape[1], channels)
    off = int(cell)
    out = big[off : off + height, off : off + width]
    return out / (out.std() + 1e-6)


def render_background(background: Background, height: int, width: int) -> np.ndarray:
    """The background as float32 H x W x 3 in 0..255 (not yet clipped)."""
    rng = np.random.default_rng(background.seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    proj = xx * math.cos(background.angle) + yy * math.sin(background.angle)
    if background.kind == "noise":
        t = _smooth_noise(rng, height, width, max(height, width) / 3, 1)[..., 0]
        t = np.clip(0.5 + 0.3 * t, 0, 1)
    elif background.kind == "gradient":
        t = (proj - proj.min()) / max(float(np.ptp(proj)), 1.0)
    elif background.kind == "stripes":
        t = np.clip(0.5 + 0.8 * np.sin(2 * np.pi * proj / background.period), 0, 1)
    else:
        raise ValueError(f"unknown background kind {background.kind!r}; known: {BACKGROUND_KINDS}")
    c1 = np.asarray(background.color, dtype=np.float32)
    c2 = np.asarray(background.color2, dtype=np.float32)
    img = c1 + t[..., None] * (c2 - c1)
    for cell in background.noise_cells:
        img += background.noise_amplitude * _smooth_noise(rng, height, width, cell, 3)
    return img


def _paint(texture: Texture, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Texture colours (float32 ... x 3) at object-local coordinates ``u``, ``v``."""
    c1 = np.asarray(texture.color, dtype=np.float32)
    c2 = np.asarray(texture.color2, dtype=np.float32)
    if texture.kind == "flat":
        return np.broadcast_to(c1, u.shape + (3,)).copy()
    ca, sa = math.cos(texture.angle), math.sin(texture.angle)
    p = u * ca + v * sa
    if texture.kind == "gradient":
        t = np.clip((p + 1) / 2, 0, 1)
    elif texture.kind == "stripes":
        t = (np.floor(p / (texture.period / 2)) % 2).astype(np.float32)
    elif texture.kind == "checker":
        q = -u * sa + v * ca
        t = ((np.floor(p / texture.period) + np.floor(q / texture.period)) % 2).astype(np.float32)
    elif texture.kind == "noise":
        # A fixed 12 x 12 noise grid spanning local [-1.2, 1.2]^2, sampled bilinearly.
        grid = np.random.default_rng(texture.seed).uniform(0, 1, size=(12, 12)).astype(np.float32)
        grid = cv2.GaussianBlur(grid, (3, 3), 0.8)
        grid = (grid - grid.min()) / max(float(np.ptp(grid)), 1e-6)
        map_x = ((u + 1.2) / 2.4 * 11).astype(np.float32)
        map_y = ((v + 1.2) / 2.4 * 11).astype(np.float32)
        t = cv2.remap(grid, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    else:
        raise ValueError(f"unknown texture kind {texture.kind!r}; known: {TEXTURE_KINDS}")
    return c1 + t[..., None] * (c2 - c1)


def render(
    background: Background,
    objects: list[SceneObject] | tuple[SceneObject, ...],
    height: int,
    width: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw objects over the background, higher ``z`` in front (ties: later in front).

    Returns ``(image, visible, amodal)``: RGB uint8 H x W x 3 and bool N x H x W masks in
    the order of ``objects``: ``amodal[i]`` is object i's shape inside the frame,
    ``visible[i]`` the part of it not covered by objects in front (visible masks are
    disjoint). Draws nothing at random: the same description gives the same pixels.
    """
    n = len(objects)
    canvas = render_background(background, height, width)
    amodal = np.zeros((n, height, width), dtype=bool)
    visible = np.zeros((n, height, width), dtype=bool)
    owner = np.full((height, width), -1, dtype=np.int64)
    order = sorted(range(n), key=lambda i: (objects[i].z, i))
    for i in order:
        obj = objects[i]
        verts = obj.vertices_xy()
        x0 = max(int(math.floor(verts[:, 0].min())), 0)
        y0 = max(int(math.floor(verts[:, 1].min())), 0)
        x1 = min(int(math.ceil(verts[:, 0].max())) + 1, width)
        y1 = min(int(math.ceil(verts[:, 1].max())) + 1, height)
        if x1 <= x0 or y1 <= y0:
            continue
        local = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        pts = np.rint((verts - [x0, y0]) * (1 << _SUBPIXEL_SHIFT)).astype(np.int32)
        cv2.fillPoly(local, [pts], 1, lineType=cv2.LINE_8, shift=_SUBPIXEL_SHIFT)
        inside = local.astype(bool)
        if not inside.any():
            continue
        amodal[i, y0:y1, x0:x1] = inside
        ys, xs = np.nonzero(inside)
        dx = xs + x0 - obj.center[0]
        dy = ys + y0 - obj.center[1]
        c, s = math.cos(obj.angle), math.sin(obj.angle)
        # Inverse of SceneObject.vertices_xy's rotation, then undo the scale.
        u = ((c * dx - s * dy) / obj.scale).astype(np.float32)
        v = ((s * dx + c * dy) / obj.scale).astype(np.float32)
        canvas[ys + y0, xs + x0] = _paint(obj.texture, u, v)
        owner[ys + y0, xs + x0] = i
    for i in range(n):
        visible[i] = owner == i
    image = np.clip(np.rint(canvas), 0, 255).astype(np.uint8)
    return image, visible, amodal
