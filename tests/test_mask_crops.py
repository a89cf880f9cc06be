"""MaskCrops: masks held as crops under their boxes mean the same N x H x W stack."""

import pickle

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from samtrack.types import MaskCrops, Masks, mask_to_box_xyxy


def _stack(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    d = np.zeros((5, 40, 60), bool)
    d[0, 3:10, 5:20] = True
    d[1, 30:40, 50:60] = rng.random((10, 10)) > 0.5
    d[3, 0, 0] = True  # one pixel; d[2] empty
    d[4] = rng.random((40, 60)) > 0.7
    return d


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(bool, st.tuples(st.integers(0, 4), st.integers(1, 12), st.integers(1, 12))))
def test_round_trip_and_what_is_computed_on_the_crops(d):
    m = MaskCrops.from_dense(d)
    assert m.shape == d.shape and len(m) == len(d)
    np.testing.assert_array_equal(np.asarray(m), d)
    np.testing.assert_array_equal(m.areas, d.sum(axis=(1, 2)))
    np.testing.assert_array_equal(m.boxes, mask_to_box_xyxy(d))
    np.testing.assert_array_equal(m.union(), d.any(axis=0))
    for step in (2, 3):
        np.testing.assert_array_equal(np.asarray(m.downsampled(step)), d[:, ::step, ::step])
    # each crop is its mask's tight box: the stack costs its boxes, not its frames
    assert sum(c.size for c in m.crops) == int(np.prod(m.boxes[:, 2:] - m.boxes[:, :2], axis=1).sum())


def test_selects_and_reads_like_the_dense_stack():
    d = _stack()
    m = MaskCrops.from_dense(d)
    np.testing.assert_array_equal(m[1], d[1])
    np.testing.assert_array_equal(m[-1], d[-1])
    np.testing.assert_array_equal(np.asarray(m[[0, 2]]), d[[0, 2]])
    np.testing.assert_array_equal(np.asarray(m[1:]), d[1:])
    np.testing.assert_array_equal(np.asarray(m[np.array([1, 0, 1, 0, 1], bool)]), d[[0, 2, 4]])
    np.testing.assert_array_equal(m[2, 3:5, 1:4], d[2, 3:5, 1:4])
    np.testing.assert_array_equal(m.sum(axis=0), d.sum(axis=0))  # an ndarray method
    assert not (m != d).any() and (m == d).all()
    np.testing.assert_array_equal(m & d[4], d & d[4])
    np.testing.assert_array_equal(d[4] | m, d[4] | d)
    np.testing.assert_array_equal(m.window(4, 10, 5, 30, 20), d[4, 5:20, 10:30])
    np.testing.assert_array_equal(m.count_in(d[4]), (d & d[4]).sum(axis=(1, 2)))
    np.testing.assert_array_equal(np.asarray(pickle.loads(pickle.dumps(m))), d)
    np.testing.assert_array_equal(np.stack(list(m)), d)


def test_shifted_drops_what_leaves_the_frame():
    d = _stack()
    moved = MaskCrops.from_dense(d).shifted(7, -3)
    expected = np.zeros_like(d)
    expected[:, 0:37, 7:] = d[:, 3:, :53]
    np.testing.assert_array_equal(np.asarray(moved), expected)


def test_masks_batch_works_on_crops():
    d = _stack()
    m = MaskCrops.from_dense(d)
    batch = Masks(masks=m, boxes=m.boxes, scores=np.arange(5, dtype=np.float32),
                  logits=np.zeros((5, 4, 4), np.float32))
    np.testing.assert_array_equal(batch[2:].areas, d[2:].sum(axis=(1, 2)))
    assert isinstance(batch[batch.scores > 2].masks, MaskCrops)
    joined = Masks.concatenate([batch, batch])
    np.testing.assert_array_equal(np.asarray(joined.masks), np.concatenate([d, d]))


@pytest.mark.parametrize("size", [(720, 1280), (370, 620), (1080, 1920), (1000, 333)])
def test_upscale_in_windows_equals_the_dense_post_processing(size):
    """The predictor upsamples each mask only where its low-res logits can reach: the same
    masks as the official dense post-processing, up to float rounding at the threshold."""
    from samtrack.models.registry import load_predictor

    predictor = load_predictor("nano", device="cpu")
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (*size, 3), dtype=np.uint8)
    emb = predictor.embed(image)
    low = torch.from_numpy(rng.standard_normal((6, predictor.logit_size, predictor.logit_size)).astype(np.float32))
    low = torch.nn.functional.avg_pool2d(low[:, None], 15, 1, 7)[:, 0] * 20 - torch.arange(6)[:, None, None] * 0.3
    low[5] = -5.0
    low[4] = -5.0
    low[4, 20:22, 37:39] = 3.0  # a small object
    dense = predictor.model.postprocess_masks(low[:, None], emb.input_size, emb.original_size)[:, 0].numpy()
    crops = predictor.upscale(emb, low)
    assert isinstance(crops, MaskCrops) and crops.shape == (6, *size)
    differ = np.asarray(crops) != (dense > 0)
    assert not (differ & (np.abs(dense) > 1e-4)).any()
    assert (dense > 0).sum() > 1000 and crops.areas[4] > 0 and crops.areas[5] == 0


def test_rle_of_crops_is_pycocotools_own():
    from pycocotools import mask as mask_utils

    from samtrack.io.rle import decode_masks, encode_masks

    d = _stack(2)
    official = [r["counts"].decode("ascii") for r in mask_utils.encode(np.asfortranarray(d.transpose(1, 2, 0).astype(np.uint8)))]
    from_crops = encode_masks(MaskCrops.from_dense(d))
    assert [r["counts"] for r in from_crops] == official == [r["counts"] for r in encode_masks(d)]
    np.testing.assert_array_equal(decode_masks(from_crops, *d.shape[1:]), d)


def test_the_tracker_holds_and_reports_crops():
    """On a 720p frame the tracks, their candidates and the result are crops: the result
    costs the objects' boxes, not N frames, and reads as the same masks."""
    from samtrack.eval.synthetic import SceneConfig, random_scene
    from samtrack.models.registry import load_predictor
    from samtrack.tracking.tracker import Tracker, TrackerConfig
    from samtrack.types import Frame, Prompt

    scene = random_scene(np.random.default_rng(0), SceneConfig(height=720, width=1280, n_objects=(12, 12)))
    boxes = mask_to_box_xyxy(scene.masks)
    tracker = Tracker(load_predictor("nano", device="cpu"), TrackerConfig(discover_every=0))
    for t in range(3):
        result = tracker.update(Frame(t, t / 25, scene.image), [Prompt(box=b) for b in boxes] if t == 0 else [])
    assert len(result) >= 3 and isinstance(result.masks, MaskCrops)
    assert all(isinstance(t.crop, MaskCrops) and len(t.crop) == 1 for t in tracker.tracks)
    dense = np.asarray(result.masks)
    assert result.masks.nbytes < 0.05 * dense.nbytes
    np.testing.assert_array_equal(result.masks.areas, dense.sum(axis=(1, 2)))
    np.testing.assert_array_equal(mask_to_box_xyxy(dense), result.masks.boxes)
    assert dense.sum(axis=0).max() <= 1  # shared pixels settled
