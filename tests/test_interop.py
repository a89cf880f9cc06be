"""FrameResult.to_supervision: samtrack's tracks as Roboflow supervision Detections, checked
field by field and through supervision's own zone, line counter and mask annotator (the
tests that need supervision skip without it; the missing-package message is always
checked)."""

from __future__ import annotations

import builtins
import sys

import numpy as np
import pytest

from samtrack.errors import SamtrackError
from samtrack.types import FrameResult, mask_to_box_xyxy

H, W = 60, 80
MISSING = (
    "FrameResult.to_supervision needs the supervision package: "
    "pip install 'samtrack[supervision]'"
)


@pytest.fixture
def sv():  # type: ignore[no-untyped-def]
    return pytest.importorskip("supervision")


def rect(x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    mask = np.zeros((H, W), dtype=bool)
    mask[y1:y2, x1:x2] = True
    return mask


def frame(index: int, objects: dict[int, tuple[np.ndarray, float, str]]) -> FrameResult:
    """A FrameResult of ``objects``: track id -> (mask, score, label)."""
    ids = list(objects)
    masks = np.stack([objects[i][0] for i in ids]) if ids else np.zeros((0, H, W), dtype=bool)
    return FrameResult(
        frame_index=index, time=index / 25, height=H, width=W,
        track_ids=np.array(ids, dtype=np.int64), masks=masks, boxes=mask_to_box_xyxy(masks),
        scores=np.array([objects[i][1] for i in ids], dtype=np.float32),
        labels=[objects[i][2] for i in ids],
    )


SCENE = {
    3: (rect(5, 10, 15, 30), 0.9, "person"),
    7: (rect(50, 35, 70, 55), 0.6, ""),
    9: (rect(20, 40, 35, 50), 0.75, "car"),
    12: (rect(60, 5, 75, 20), 0.8, "person"),
}


def test_every_field_comes_across(sv) -> None:  # type: ignore[no-untyped-def]
    result = frame(0, SCENE)
    det = result.to_supervision()
    assert isinstance(det, sv.Detections) and len(det) == 4
    assert det.tracker_id.tolist() == [3, 7, 9, 12]
    assert np.issubdtype(det.tracker_id.dtype, np.integer)
    assert det.xyxy.dtype == np.float32
    np.testing.assert_array_equal(det.xyxy, [[5, 10, 15, 30], [50, 35, 70, 55],
                                             [20, 40, 35, 50], [60, 5, 75, 20]])
    assert det.mask.dtype == bool and det.mask.shape == (4, H, W)
    np.testing.assert_array_equal(det.mask, np.stack([SCENE[i][0] for i in SCENE]))
    assert np.shares_memory(det.mask, result.masks)  # 1080p masks are not copied
    assert det.confidence.dtype == np.float32
    np.testing.assert_allclose(det.confidence, [0.9, 0.6, 0.75, 0.8])
    assert det.data["class_name"].tolist() == ["person", "", "car", "person"]
    # one class id per label, the same in every frame; none for no label
    assert det.class_id[0] == det.class_id[3] != det.class_id[2]
    assert det.class_id[1] == 0
    assert frame(5, {1: SCENE[9]}).to_supervision().class_id.tolist() == [det.class_id[2]]
    # supervision's filtering keeps the rows together
    kept = det[det.confidence > 0.7]
    assert kept.tracker_id.tolist() == [3, 9, 12]
    assert kept.data["class_name"].tolist() == ["person", "car", "person"]
    np.testing.assert_array_equal(kept.mask[1], SCENE[9][0])


def test_an_empty_result_is_empty_detections(sv) -> None:  # type: ignore[no-untyped-def]
    det = FrameResult.empty(4, 0.16, H, W).to_supervision()
    assert len(det) == 0
    assert det.xyxy.shape == (0, 4) and det.xyxy.dtype == np.float32
    assert det.mask.shape == (0, H, W) and det.mask.dtype == bool
    assert det.confidence.shape == det.tracker_id.shape == det.class_id.shape == (0,)
    assert det.data["class_name"].shape == (0,)
    zone = sv.PolygonZone(polygon=np.array([[0, 0], [39, 0], [39, 59], [0, 59]]))
    assert zone.trigger(det).shape == (0,) and zone.current_count == 0


def test_a_polygon_zone_counts_what_the_masks_imply(sv) -> None:  # type: ignore[no-untyped-def]
    # The zone is the left half; PolygonZone places an object by its box's bottom centre.
    # The ground truth, from the masks alone: the centre column of each mask's lowest row.
    result = frame(0, SCENE)
    expected = set()
    for track_id, mask in zip(result.track_ids.tolist(), result.masks):
        rows, cols = np.nonzero(mask)
        bottom = cols[rows == rows.max()]
        if (bottom.min() + bottom.max()) / 2 < 39:
            expected.add(track_id)
    assert expected == {3, 9}
    zone = sv.PolygonZone(polygon=np.array([[0, 0], [39, 0], [39, 59], [0, 59]]))
    det = result.to_supervision()
    inside = zone.trigger(det)
    assert set(det.tracker_id[inside].tolist()) == expected
    assert zone.current_count == len(expected)


def test_a_line_counts_the_tracks_that_crossed(sv) -> None:  # type: ignore[no-untyped-def]
    # A vertical line at x = 40; between the frames track 3 goes left -> right, track 9
    # right -> left and track 7 stays left: one crossing each way, by track id.
    before = frame(0, {3: (rect(5, 10, 15, 30), 0.9, ""), 7: (rect(5, 40, 15, 55), 0.9, ""),
                       9: (rect(60, 20, 70, 35), 0.9, "")})
    after = frame(1, {3: (rect(50, 10, 60, 30), 0.9, ""), 7: (rect(8, 40, 18, 55), 0.9, ""),
                      9: (rect(20, 20, 30, 35), 0.9, "")})

    def side(result: FrameResult) -> dict[int, bool]:  # track id -> right of the line
        return {i: np.nonzero(m)[1].mean() > 40 for i, m in zip(result.track_ids.tolist(), result.masks)}

    crossed = {i for i, right in side(before).items() if side(after)[i] != right}
    assert crossed == {3, 9}
    line = sv.LineZone(start=sv.Point(40, 0), end=sv.Point(40, H))
    line.trigger(before.to_supervision())
    det = after.to_supervision()
    crossed_in, crossed_out = line.trigger(det)
    assert set(det.tracker_id[crossed_in | crossed_out].tolist()) == crossed
    assert (line.in_count, line.out_count) == (1, 1)


def test_the_mask_annotator_works_with_its_defaults(sv) -> None:  # type: ignore[no-untyped-def]
    # supervision's annotators colour by class unless told otherwise: class_id is there
    result = frame(0, SCENE)
    image = np.zeros((H, W, 3), dtype=np.uint8)
    drawn = sv.MaskAnnotator().annotate(image.copy(), result.to_supervision())
    np.testing.assert_array_equal(drawn.any(axis=2), result.masks.any(axis=0))


def test_without_supervision_one_line_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "supervision", None)  # makes `import supervision` fail
    with pytest.raises(SamtrackError) as caught:
        frame(0, SCENE).to_supervision()
    assert str(caught.value) == MISSING


def test_a_broken_supervision_install_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def failing(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name == "supervision":  # as if supervision's own import of cv2 failed
            raise ModuleNotFoundError("No module named 'cv2'", name="cv2")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing)
    with pytest.raises(SamtrackError) as caught:
        frame(0, SCENE).to_supervision()
    assert str(caught.value) == (
        "supervision is installed but cannot be imported: No module named 'cv2'"
    )
