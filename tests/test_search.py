"""Appearance search: a track's last view found again in a new frame."""

from __future__ import annotations

import numpy as np

from samtrack.tracking.search import crop_template, find_by_appearance


def scene(rng: np.random.Generator, at: tuple[int, int], colour=(30, 200, 60), size: int = 20) -> tuple:
    image = rng.integers(100, 160, (192, 256, 3)).astype(np.uint8)
    mask = np.zeros((192, 256), dtype=bool)
    yy, xx = np.mgrid[:size, :size]
    disc = (yy - size / 2 + 0.5) ** 2 + (xx - size / 2 + 0.5) ** 2 <= (size / 2) ** 2
    x, y = at
    image[y : y + size, x : x + size][disc] = colour
    mask[y : y + size, x : x + size] = disc
    return image, mask


def test_finds_an_object_that_moved_farther_than_its_size():
    rng = np.random.default_rng(0)
    before, mask = scene(rng, (40, 60))
    template = crop_template(before, mask, np.array([40, 60, 60, 80]))
    after, _ = scene(rng, (95, 90))
    box, rms = find_by_appearance(after, template, centre=np.array([50.0, 70.0]), radius=90)
    assert np.allclose(box, [95, 90, 115, 110], atol=1)
    assert rms < 5
    # Outside the window it is not found; what is found there differs a lot.
    box, rms = find_by_appearance(after, template, centre=np.array([200.0, 40.0]), radius=20)
    assert rms > 50


def test_places_other_tracks_hold_are_skipped():
    rng = np.random.default_rng(1)
    before, mask = scene(rng, (40, 60))
    template = crop_template(before, mask, np.array([40, 60, 60, 80]))
    after, held = scene(rng, (100, 60))
    twin, _ = scene(rng, (150, 60))
    after[:, 140:] = twin[:, 140:]  # a look-alike to the right
    box, _ = find_by_appearance(after, template, centre=np.array([120.0, 70.0]), radius=60)
    assert abs(box[0] - 100) <= 1  # two equal matches: without the exclusion the held one can win
    box, rms = find_by_appearance(after, template, centre=np.array([120.0, 70.0]), radius=60, exclude=held)
    assert abs(box[0] - 150) <= 1 and rms < 5


def test_large_templates_are_searched_at_a_reduced_scale():
    rng = np.random.default_rng(2)
    before, mask = scene(rng, (20, 20), size=90)
    template = crop_template(before, mask, np.array([20, 20, 110, 110]))
    after, _ = scene(rng, (130, 70), size=90)
    box, rms = find_by_appearance(after, template, centre=np.array([65.0, 65.0]), radius=120)
    assert np.allclose(box, [130, 70, 220, 160], atol=4)
    assert rms < 15


def test_nothing_to_find():
    rng = np.random.default_rng(3)
    image, mask = scene(rng, (0, 0))
    assert crop_template(image, np.zeros_like(mask), np.array([0, 0, 20, 20])) is None
    template = crop_template(image, mask, np.array([0, 0, 20, 20]))
    tiny = image[:10, :10]
    assert find_by_appearance(tiny, template, centre=np.array([5.0, 5.0]), radius=3) is None
    everything = np.ones(image.shape[:2], dtype=bool)
    assert find_by_appearance(image, template, centre=np.array([50.0, 50.0]), radius=40, exclude=everything) is None
