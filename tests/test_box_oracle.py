"""The box oracle (answers a box as SAM does, and no kinder) and the baselines."""

import numpy as np
import pytest

from samtrack.eval import synthetic_video as sv
from samtrack.eval.baselines import ExactBoxReference, LastBoxTracker
from samtrack.eval.oracle import BoxOracle
from samtrack.geometry import mask_iou_batch
from samtrack.types import Prompt, mask_to_box_xyxy

H, W = 120, 160


def _scene():
    """Two objects: a 40 x 30 rectangle and a 20 x 20 square."""
    masks = np.zeros((2, H, W), bool)
    masks[0, 40:70, 20:60] = True
    masks[1, 50:70, 100:120] = True
    return np.array([1, 2]), masks


def _oracle(behaviour="bounded", seed=0):
    ids, masks = _scene()
    oracle = BoxOracle(lambda i: (ids, masks), behaviour=behaviour, seed=seed)
    return oracle, oracle.embed(np.zeros((H, W, 3), np.uint8)), masks


def test_bounded_keeps_only_what_lies_in_the_widened_box():
    oracle, emb, masks = _oracle()
    # The left half of object 1 (x 20-40): widened by 15% of 20 px = 3 px.
    answers = oracle.segment(emb, [Prompt(box=[20, 40, 40, 70])] * 20)
    assert np.allclose(answers.scores, 0.9)
    for m in answers.masks:
        assert not m[:, 46:].any()  # 40 + 3 px widening + 2 dilations at most + 1
        assert mask_iou_batch(m[None], (masks[0] & (np.arange(W) < 43))[None])[0, 0] > 0.6


def test_a_drifted_box_gets_the_background_with_the_same_score():
    oracle, emb, masks = _oracle()
    # A box that overlaps object 1 by one column only: the answer has box IoU < 0.1.
    answers = oracle.segment(emb, [Prompt(box=[59, 0, 99, 40])] * 5)
    assert np.allclose(answers.scores, 0.9)
    for m in answers.masks:
        assert m.any() and (m & masks[0]).sum() <= 0.1 * m.sum()


def test_generous_answers_the_whole_object():
    oracle, emb, masks = _oracle("generous")
    answers = oracle.segment(emb, [Prompt(box=[20, 40, 30, 50])] * 10)
    assert np.mean(mask_iou_batch(answers.masks, masks[:1])) > 0.85


def test_leaky_adds_a_band_to_a_third_of_the_answers():
    oracle, emb, masks = _oracle("leaky")
    box = mask_to_box_xyxy(masks[:1])[0]
    answers = oracle.segment(emb, [Prompt(box=box)] * 300)
    # Dilations of 2 px add at most ~25% to this object; a leak adds up to 20% more.
    grown = answers.areas / masks[0].sum()
    assert grown.max() <= 1.25 * 1.2 + 0.05
    plain = BoxOracle(lambda i: _scene(), behaviour="bounded", seed=0)
    base = plain.segment(plain.embed(np.zeros((H, W, 3), np.uint8)), [Prompt(box=box)] * 300)
    assert answers.areas.mean() > base.areas.mean()


def test_unreliable_answers_the_background_now_and_then():
    oracle, emb, masks = _oracle("unreliable")
    box = mask_to_box_xyxy(masks[:1])[0]
    answers = oracle.segment(emb, [Prompt(box=box)] * 400)
    wrong = np.mean([(m & masks[0]).sum() < 0.5 * m.sum() for m in answers.masks])
    assert 0.02 < wrong < 0.09
    assert np.allclose(answers.scores, 0.9)


def test_multimask_draws_three_answers_and_unknown_behaviour_is_refused():
    oracle, emb, _ = _oracle()
    assert len(oracle.segment(emb, [Prompt(box=[20, 40, 60, 70])], multimask=True)) == 3
    with pytest.raises(ValueError, match="behaviour"):
        BoxOracle(lambda i: _scene(), behaviour="kind")


def test_last_box_tracker_and_exact_box_reference_follow_a_moving_object():
    spec = sv.single_object(seed=0, n_frames=30)
    truth = {}

    def ground_truth(i):
        return truth["ids"], truth["masks"]

    runs = {"last": LastBoxTracker(BoxOracle(ground_truth, seed=1)),
            "velocity": LastBoxTracker(BoxOracle(ground_truth, seed=1), velocity=True),
            "exact": ExactBoxReference(BoxOracle(ground_truth, seed=1))}
    ious = {k: [] for k in runs}
    for frame, gt in spec.frames():
        truth["ids"], truth["masks"] = gt.ids, gt.masks
        for name, method in runs.items():
            prompts = [Prompt(box=b) for b in mask_to_box_xyxy(gt.masks)] if frame.index == 0 else []
            result = method.update(frame, prompts)
            assert result.track_ids.tolist() == [1]  # one object, never dropped, never renamed
            ious[name].append(mask_iou_batch(result.masks, gt.masks)[0, 0])
    for name, values in ious.items():
        assert np.mean(values) > 0.8, name
