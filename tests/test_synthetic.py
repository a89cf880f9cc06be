"""The synthetic scene generator: determinism, exact masks, and the config's bounds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samtrack.eval.synthetic import (
    SHAPE_KINDS,
    TEXTURE_KINDS,
    Background,
    SceneConfig,
    SceneObject,
    Texture,
    random_scene,
    random_shape,
    render,
    render_background,
)

SMALL = SceneConfig(height=96, width=128, n_objects=(2, 5), min_size=12, noise_sigma=0.0)


def test_same_seed_same_scene_and_different_seed_different_scene() -> None:
    a = random_scene(np.random.default_rng(7))
    b = random_scene(np.random.default_rng(7))
    c = random_scene(np.random.default_rng(8))
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.masks, b.masks)
    assert np.array_equal(a.ids, b.ids)
    assert not np.array_equal(a.image, c.image)


def test_image_and_masks_have_the_documented_types() -> None:
    scene = random_scene(np.random.default_rng(0))
    h, w = scene.config.height, scene.config.width
    assert scene.image.shape == (h, w, 3) and scene.image.dtype == np.uint8
    n = len(scene)
    assert scene.masks.shape == (n, h, w) and scene.masks.dtype == bool
    assert scene.amodal_masks.shape == (n, h, w) and scene.amodal_masks.dtype == bool
    assert scene.ids.dtype == np.int64 and scene.boxes_xyxy.shape == (n, 4)


@pytest.mark.parametrize("seed", range(8))
def test_masks_are_disjoint_inside_amodal_and_large_enough(seed: int) -> None:
    scene = random_scene(np.random.default_rng(seed), SMALL)
    assert scene.masks.sum(axis=0).max(initial=0) <= 1
    assert not (scene.masks & ~scene.amodal_masks).any()
    areas = scene.masks.sum(axis=(1, 2))
    assert (areas >= SMALL.min_visible_area).all()
    assert len(scene) <= len(scene.objects) <= SMALL.n_objects[1]
    assert len(scene.objects) >= SMALL.n_objects[0]


@pytest.mark.parametrize("seed", range(6))
def test_mask_pixels_are_painted_by_their_object_and_the_rest_is_background(seed: int) -> None:
    scene = random_scene(np.random.default_rng(seed), SMALL)
    h, w = SMALL.height, SMALL.width
    by_id = {o.id: o for o in scene.objects}
    for object_id, mask in zip(scene.ids, scene.masks):
        alone, vis, _ = render(scene.background, [by_id[int(object_id)]], h, w)
        assert vis[0][mask].all()
        assert np.array_equal(scene.image[mask], alone[mask])
    background, _, _ = render(scene.background, [], h, w)
    drawn = np.zeros((h, w), dtype=bool)
    for obj in scene.objects:
        drawn |= render(scene.background, [obj], h, w)[2][0]
    assert np.array_equal(scene.image[~drawn], background[~drawn])


def test_object_in_front_owns_the_overlap() -> None:
    square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float) / np.sqrt(2)
    red = Texture("flat", (255.0, 0.0, 0.0))
    blue = Texture("flat", (0.0, 0.0, 255.0))
    back = SceneObject(1, "rectangle", square, red, (30.0, 30.0), 20.0, 0.0, z=0.0)
    front = SceneObject(2, "rectangle", square, blue, (45.0, 45.0), 20.0, 0.0, z=1.0)
    bg = Background(noise_amplitude=0.0)
    image, visible, amodal = render(bg, [front, back], 80, 80)  # order must not matter
    overlap = amodal[0] & amodal[1]
    assert overlap.sum() > 50
    assert visible[0][overlap].all() and not visible[1][overlap].any()
    assert (image[visible[0]] == [0, 0, 255]).all()
    assert (image[visible[1]] == [255, 0, 0]).all()


def test_moving_an_object_moves_its_mask_and_texture_with_it() -> None:
    _, poly = random_shape(np.random.default_rng(3), "star")
    obj = SceneObject(1, "star", poly, Texture("checker", period=0.3), (40.0, 40.0), 18.0, 0.3)
    bg = Background(noise_amplitude=0.0)
    img_a, vis_a, _ = render(bg, [obj], 100, 100)
    moved = dataclasses.replace(obj, center=(60.0, 50.0))
    img_b, vis_b, _ = render(bg, [moved], 100, 100)
    assert np.array_equal(np.roll(vis_a[0], (10, 20), axis=(0, 1)), vis_b[0])
    shifted = np.roll(img_a, (10, 20), axis=(0, 1))
    assert np.array_equal(shifted[vis_b[0]], img_b[vis_b[0]])


def test_objects_cut_by_the_border_and_sizes_span_the_range() -> None:
    rng = np.random.default_rng(1)
    config = SceneConfig(height=128, width=128)
    cut, diameters = 0, []
    for _ in range(40):
        scene = random_scene(rng, config)
        diameters += [2 * o.scale for o in scene.objects]
        boxes = scene.boxes_xyxy
        cut += int(((boxes[:, :2] == 0) | (boxes[:, 2:] == 128)).any(axis=1).sum())
    assert cut > 0
    assert min(diameters) >= config.min_size and max(diameters) <= config.max_size
    assert min(diameters) < 20 and max(diameters) > 0.3 * 128


def test_every_shape_and_texture_kind_renders() -> None:
    rng = np.random.default_rng(0)
    for i, kind in enumerate(SHAPE_KINDS):
        _, poly = random_shape(rng, kind)
        assert np.isclose(np.linalg.norm(poly, axis=1).max(), 1.0)
        tex = Texture(TEXTURE_KINDS[i % len(TEXTURE_KINDS)], seed=i)
        obj = SceneObject(1, kind, poly, tex, (32.0, 32.0), 25.0, 0.5)
        _, vis, _ = render(Background(), [obj], 64, 64)
        assert vis[0].sum() > 200


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_objects=(3, 2)),
        dict(min_size=0.0),
        dict(min_size=100.0, height=64, width=64),
        dict(shape_kinds=("hexagon",)),
        dict(texture_kinds=()),
        dict(height=4),
    ],
)
def test_bad_config_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        SceneConfig(**kwargs)


def test_background_is_textured_not_flat() -> None:
    bg = random_scene(np.random.default_rng(5)).background
    pixels = render_background(bg, 64, 64)
    assert pixels.std() > 2.0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    height=st.integers(24, 80),
    width=st.integers(24, 80),
)
def test_any_seed_and_size_gives_consistent_ground_truth(seed: int, height: int, width: int) -> None:
    config = SceneConfig(height=height, width=width, min_size=8, n_objects=(0, 4))
    scene = random_scene(np.random.default_rng(seed), config)
    assert scene.image.shape == (height, width, 3)
    assert scene.masks.sum(axis=0).max(initial=0) <= 1
    assert len(set(scene.ids.tolist())) == len(scene)
    areas = scene.masks.sum(axis=(1, 2))
    amodal = scene.amodal_masks.sum(axis=(1, 2))
    assert (areas >= config.min_visible_area).all()
    assert (areas >= config.min_visible_fraction * amodal).all()
