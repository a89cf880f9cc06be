"""The compositor (samtrack.eval.composite) on small generated arrays: no real data."""

import numpy as np
import pytest

from samtrack.eval.composite import Layer, compose, composite_length, place

H, W = 60, 80


def _source(x1, y1, x2, y2, n=5, seed=0):
    """n frames of random pixels with a rectangular object at [y1:y2, x1:x2]."""
    rng = np.random.default_rng(seed)
    frames = [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(n)]
    masks = []
    for _ in range(n):
        m = np.zeros((H, W), bool)
        m[y1:y2, x1:x2] = True
        masks.append(m)
    return frames, masks


def _background():
    return np.full((H, W, 3), 7, np.uint8)


def test_front_object_is_whole_and_the_one_behind_loses_exactly_the_overlap():
    back = Layer(*_source(10, 10, 40, 40), object_id=1)
    front = Layer(*_source(30, 20, 50, 50, seed=1), object_id=2)
    out = compose(_background(), [back, front], 0)
    assert out.ids.tolist() == [1, 2]
    full_back, full_front = back.masks[0], front.masks[0]
    assert np.array_equal(out.masks[1], full_front)
    assert np.array_equal(out.masks[0], full_back & ~full_front)
    assert out.masks[0].sum() == 30 * 30 - 10 * 20
    assert np.array_equal(out.full[0], full_back)
    # Visible masks are disjoint and cover exactly the union of the objects.
    assert not (out.masks[0] & out.masks[1]).any()
    assert np.array_equal(out.masks.any(axis=0), full_back | full_front)


def test_visible_masks_are_disjoint_for_many_random_layers():
    rng = np.random.default_rng(3)
    layers = []
    for i in range(6):
        x, y = rng.integers(0, 60), rng.integers(0, 40)
        layers.append(Layer(*_source(x, y, x + 20, y + 20, seed=i), object_id=10 + i,
                            offset=(float(rng.integers(-10, 10)), 0.0), velocity=(1.0, 0.5)))
    for t in range(5):
        out = compose(_background(), layers, t)
        assert out.masks.dtype == bool and out.masks.shape == (len(out.ids), H, W)
        assert (out.masks.sum(axis=0) <= 1).all()
        assert out.masks.reshape(len(out.ids), -1).any(axis=1).all()  # none empty


def test_pasted_pixels_are_the_source_pixels_under_the_mask():
    frames, masks = _source(20, 15, 45, 35, seed=5)
    layer = Layer(frames, masks, object_id=1, offset=(7, -4), velocity=(2, 1), start=1)
    background = _background()
    t = 2  # source frame 3, shifted by (7 + 4, -4 + 2) = (11, -2)
    out = compose(background, [layer], t)
    dx, dy = 11, -2
    expected = np.zeros((H, W), bool)
    expected[15 + dy : 35 + dy, 20 + dx : 45 + dx] = True
    assert np.array_equal(out.masks[0], expected)
    assert np.array_equal(out.image[expected], frames[3][15:35, 20:45].reshape(-1, 3))
    assert np.array_equal(out.image[~expected], background[~expected])


def test_a_scaled_down_layer_has_the_expected_size():
    frames, masks = _source(20, 10, 60, 50)  # 40 x 40
    layer = Layer(frames, masks, object_id=1, scale=0.25)
    out = compose(_background(), [layer], 0)
    ys, xs = np.nonzero(out.masks[0])
    assert (ys.max() - ys.min() + 1, xs.max() - xs.min() + 1) == (10, 10)
    assert (ys.min(), xs.min()) == (round(0.25 * 10), round(0.25 * 20))
    # A uniform source object keeps its colour through INTER_AREA.
    flat = [np.full((H, W, 3), 200, np.uint8)] * len(frames)
    out = compose(_background(), [Layer(flat, masks, object_id=1, scale=0.25)], 0)
    assert (out.image[out.masks[0]] == 200).all()


def test_an_object_moved_out_of_frame_leaves_the_ground_truth():
    layer = Layer(*_source(10, 10, 30, 30, n=7), object_id=4, velocity=(15, 0))
    other = Layer(*_source(50, 40, 60, 50, n=7, seed=2), object_id=5)
    out = [compose(_background(), [layer, other], t) for t in range(7)]
    # x 10-30 moves by 15 px a frame: partly out at t=4 (x 70-90 of 80), gone from t=5.
    assert [o.ids.tolist() for o in out] == [[4, 5]] * 5 + [[5]] * 2
    assert out[4].masks[0].sum() == 10 * 20
    far = Layer(*_source(10, 10, 30, 30), object_id=4, offset=(100, 0))
    out = compose(_background(), [far, other], 0)
    assert out.ids.tolist() == [5] and out.masks.shape == (1, H, W)
    mask, _ = place(far, 0, H, W)
    assert not mask.any()


def test_an_object_wholly_hidden_leaves_the_ground_truth():
    small = Layer(*_source(20, 20, 30, 30), object_id=1)
    big = Layer(*_source(10, 10, 40, 40, seed=1), object_id=2)
    out = compose(_background(), [small, big], 0)
    assert out.ids.tolist() == [2]


def test_length_and_bad_layers():
    a = Layer(*_source(0, 0, 5, 5, n=10), object_id=1, start=3)
    b = Layer(*_source(0, 0, 5, 5, n=6), object_id=2)
    assert len(a) == 7 and composite_length(9, [a, b]) == 6
    with pytest.raises(ValueError):
        compose(_background(), [a, Layer(*_source(0, 0, 5, 5), object_id=1)], 0)
    with pytest.raises(ValueError):
        Layer(*_source(0, 0, 5, 5), object_id=1, scale=0)
