"""The motion families of the scenario suite (approach, recede, crouch_turn,
thin_articulated) show the motion they are named after, in their ground truth."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from samtrack.eval.scenarios import FAMILIES, OCCLUSION
from samtrack.types import mask_to_box_xyxy

MOTIONS = ("approach", "recede", "crouch_turn", "thin_articulated")


def _masks(family: str, seed: int) -> list[np.ndarray]:
    """The single target's visible mask on every frame (it must be there on each)."""
    spec = FAMILIES[family](seed)
    assert spec.name == family and spec.n_frames == 60 and (spec.height, spec.width) == (192, 256)
    masks = []
    for frame, gt in spec.frames():
        assert len(gt.ids) == 1 and gt.masks[0].sum() > 0, (family, seed, frame.index)
        masks.append(gt.masks[0])
    return masks


@pytest.fixture(scope="module", params=[(f, s) for f in MOTIONS for s in (0, 1)], ids=lambda p: f"{p[0]}-{p[1]}")
def video(request):
    family, seed = request.param
    return family, seed, _masks(family, seed)


def test_registered_outside_occlusion():
    assert set(MOTIONS) <= set(FAMILIES) and not set(MOTIONS) & OCCLUSION


def test_motion(video):
    family, _, masks = video
    areas = np.array([m.sum() for m in masks], float)
    if family == "approach":
        assert 6 <= areas[-1] / areas[0] <= 12
    elif family == "recede":
        assert 1 / 12 <= areas[-1] / areas[0] <= 1 / 6
    elif family == "crouch_turn":
        boxes = mask_to_box_xyxy(np.stack(masks))
        ratio = (boxes[:, 3] - boxes[:, 1]) / (boxes[:, 2] - boxes[:, 0])
        low = int(ratio.argmin())
        assert ratio[low] < 0.6 * ratio[0]
        assert np.any(np.abs(ratio[low:] / ratio[0] - 1) <= 0.15)
    else:
        angles = []
        for m in masks:
            ys, xs = np.nonzero(m)
            _, size, _ = cv2.minAreaRect(np.stack([xs, ys], axis=1).astype(np.float32))
            assert min(size) <= 8
            mu = cv2.moments(m.astype(np.uint8))
            angles.append(0.5 * np.degrees(np.arctan2(2 * mu["mu11"], mu["mu20"] - mu["mu02"])))
        assert np.ptp(np.unwrap(angles, period=180)) >= 50


@pytest.mark.parametrize("family", MOTIONS)
def test_deterministic(family):
    a, b = FAMILIES[family](1), FAMILIES[family](1)
    for (fa, ga), (fb, gb), _ in zip(a.frames(), b.frames(), range(15)):
        assert np.array_equal(ga.masks, gb.masks) and np.array_equal(fa.image, fb.image)
