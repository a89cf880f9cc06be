"""Bad input to the Python API: one-line SamtrackErrors before any work, the cap on live
tracks, and prompts for frames a run cannot reach."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import fields

import cv2
import numpy as np
import pytest

import samtrack
from samtrack.errors import SamtrackError, SamtrackWarning
from samtrack.io.detections import detections_for
from samtrack.io.sources import open_source
from samtrack.pipeline import track
from samtrack.tracking.config import MAX_OBJECTS, TrackerConfig
from samtrack.tracking.tracker import Tracker
from samtrack.types import Frame, Masks, Prompt, mask_to_box_xyxy

H, W = 48, 64


class Boxes:
    """A segmenter that answers a box with the box filled and a point with a 5-px square;
    segment-everything finds ``everything`` (masks K x H x W). Counts its embeds and the
    most prompts decoded in one call."""

    def __init__(self, everything: np.ndarray | None = None) -> None:
        self.everything = everything
        self.embeds = 0
        self.largest = 0

    def embed(self, image):
        self.embeds += 1
        return image.shape[:2]

    def segment(self, embedding, prompts, multimask=False):
        h, w = embedding
        self.largest = max(self.largest, len(prompts))
        per = 3 if multimask else 1
        masks = np.zeros((len(prompts) * per, h, w), bool)
        for i, p in enumerate(prompts):
            if p.box is not None:
                x1, y1, x2, y2 = np.round(p.box).astype(int)
            else:
                x, y = np.round(p.points[0]).astype(int)
                x1, y1, x2, y2 = x - 2, y - 2, x + 3, y + 3
            masks[i * per : (i + 1) * per, max(y1, 0) : y2, max(x1, 0) : x2] = True
        n = len(masks)
        return Masks(
            masks,
            mask_to_box_xyxy(masks),
            np.full(n, 0.9, np.float32),
            np.zeros((n, 8, 8), np.float32),
        )

    def segment_everything(self, embedding, points_per_side=16, **thresholds):
        if self.everything is None:
            return Masks.empty(*embedding, logit_size=8)
        m = self.everything
        n = len(m)
        return Masks(
            m, mask_to_box_xyxy(m), np.full(n, 0.95, np.float32), np.zeros((n, 8, 8), np.float32)
        )


def blank(index: int = 0) -> Frame:
    return Frame(index, index / 25, np.zeros((H, W, 3), np.uint8))


def squares(n: int, size: int = 4, step: int = 6) -> list[list[float]]:
    """n disjoint size x size boxes laid out in rows over the W x H frame."""
    per_row = W // step
    return [
        [
            (i % per_row) * step,
            (i // per_row) * step,
            (i % per_row) * step + size,
            (i // per_row) * step + size,
        ]
        for i in range(n)
    ]


# --------------------------------------------------------------------------- TrackerConfig


BAD_CONFIG = [
    ({"min_score": -3}, r"min_score \(--min-score\) must be a number from 0 to 1, not -3"),
    ({"min_score": math.nan}, r"min_score \(--min-score\) must be a number from 0 to 1, not nan"),
    ({"min_score": True}, r"min_score \(--min-score\) must be a number from 0 to 1, not True"),
    ({"min_score": "0.5"}, r"min_score \(--min-score\) .* not '0.5'"),
    (
        {"motion_weight": math.nan},
        r"motion_weight \(--motion-weight\) must be a number from 0 to 1",
    ),
    ({"box_gate": 1.5}, r"box_gate \(--box-gate\)"),
    ({"max_age": -1}, r"max_age \(--max-age\) must be a whole number of 0 or more, not -1"),
    ({"max_age": 2.5}, r"max_age \(--max-age\) must be a whole number"),
    ({"n_init": -2}, r"n_init \(--n-init\)"),
    ({"positive_points": -1}, r"positive_points \(--positive-points\)"),
    ({"discover_every": -5}, r"discover_every \(--discover-every\)"),
    ({"search_frames": -1}, r"search_frames \(--search-frames\)"),
    ({"min_new_area": -100}, r"min_new_area \(--min-new-area\)"),
    (
        {"max_area_change": 0.5},
        r"max_area_change \(--max-area-change\) must be a number of 1 or more, not 0.5",
    ),
    ({"max_area_change": math.inf}, r"max_area_change \(--max-area-change\) .* not inf"),
    ({"search_radius": -1.0}, r"search_radius \(--search-radius\) must be a number of 0 or more"),
    (
        {"search_max_rms": 300.0},
        r"search_max_rms \(--search-max-rms\) must be a number from 0 to 255",
    ),
    ({"reacquire_distance": math.nan}, r"reacquire_distance \(--reacquire-distance\)"),
    (
        {"discover_points_per_side": 0},
        r"discover_points_per_side \(--discover-points-per-side\) .* from 1 to 256",
    ),
    ({"discover_min_score": 2.0}, r"discover_min_score \(--discover-min-score\)"),
    ({"discover_min_stability": -0.1}, r"discover_min_stability \(--discover-min-stability\)"),
    ({"max_new_coverage": 1.01}, r"max_new_coverage \(--max-new-coverage\)"),
    ({"max_new_area": -0.3}, r"max_new_area \(--max-new-area\)"),
    ({"kalman_min_score": math.inf}, r"kalman_min_score \(--kalman-min-score\)"),
    ({"occlusion_area_ratio": 7.0}, r"occlusion_area_ratio \(--occlusion-area-ratio\)"),
    ({"match_iou": -0.1}, r"match_iou \(--match-iou\)"),
    ({"duplicate_iou": 1.1}, r"duplicate_iou \(--duplicate-iou\)"),
    (
        {"associate_by": "centre"},
        r"associate_by \(--associate-by\) must be 'mask' or 'box', not 'centre'",
    ),
    ({"associate_by": 1}, r"associate_by \(--associate-by\)"),
    ({"use_kalman": 1}, r"use_kalman \(--use-kalman\) must be True or False, not 1"),
    ({"multimask": "yes"}, r"multimask \(--multimask\)"),
    (
        {"max_objects": 0},
        r"max_objects \(--max-objects\) must be a whole number of 1 or more, not 0",
    ),
    ({"max_objects": None}, r"max_objects \(--max-objects\) .* not None"),
]


@pytest.mark.parametrize("options, message", BAD_CONFIG)
def test_tracker_config_refuses_nonsense_with_one_line(options, message):
    with pytest.raises(SamtrackError, match=message) as caught:
        TrackerConfig(**options)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)  # what Python code catches for a bad value


def test_every_field_is_checked_and_defaults_pass():
    default = TrackerConfig()
    for f in fields(TrackerConfig):
        value = getattr(default, f.name)
        bad = "x" if not isinstance(value, str) else 3
        with pytest.raises(SamtrackError, match=f.name):
            TrackerConfig(**{f.name: bad})


def test_tracker_config_takes_numpy_scalars_and_ints_for_floats():
    cfg = TrackerConfig(
        min_score=1, max_age=np.int64(4), use_kalman=np.bool_(False), box_gate=np.float32(0.25)
    )
    assert cfg.min_score == 1.0 and isinstance(cfg.min_score, float)
    assert cfg.max_age == 4 and type(cfg.max_age) is int
    assert cfg.use_kalman is False and cfg.box_gate == 0.25


def test_track_refuses_a_bad_option_on_the_call():
    with pytest.raises(SamtrackError, match="min_score"):
        track([blank()], Boxes(), min_score=-3)
    with pytest.raises(SamtrackError, match="config must be a samtrack.TrackerConfig"):
        track([blank()], Boxes(), config={"min_score": 0.5})


# --------------------------------------------------------------------------- max_objects


def test_max_objects_default_lies_well_above_the_busiest_mot17_frame():
    # MOT17-04's busiest annotated frame: 42 pedestrians, 99 boxes of any class.
    assert TrackerConfig().max_objects == MAX_OBJECTS == 200


class Untouchable:
    """A source that fails the test if iterated."""

    def __iter__(self):
        raise AssertionError("the source was read")


@pytest.mark.parametrize("given", ["list", "mapping", "file"])
def test_too_many_prompts_for_one_frame_fail_before_anything_runs(given, tmp_path):
    prompts = [Prompt(box=b) for b in squares(5)]
    if given == "mapping":
        prompts = {0: prompts[:2], 7: prompts}
    elif given == "file":
        path = tmp_path / "prompts.json"
        path.write_text(json.dumps({"7": [{"box": b} for b in squares(5)]}))
        prompts = path
    model = Boxes()
    where = "the first frame" if given == "list" else "frame 7"
    with pytest.raises(
        SamtrackError, match=rf"5 prompts for {where}, more than max_objects \(--max-objects\) 4"
    ):
        track(Untouchable(), model, prompts=prompts, max_objects=4)
    assert model.embeds == 0


def test_detections_and_discovery_stop_at_the_cap_quietly():
    everything = np.zeros((30, H, W), bool)
    for i, (x1, y1, x2, y2) in enumerate(squares(30, size=5)):
        everything[i, y1:y2, x1:x2] = True
    boxes = np.array(squares(30, size=5), np.float32)
    cfg = TrackerConfig(
        max_objects=7, n_init=1, discover_every=1, min_new_area=1, discover_on_change=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # quietly: no warning
        segmenter = Boxes(everything)
        tracker = Tracker(segmenter, cfg)
        for i in range(4):
            tracker.update(blank(i), [], boxes)
            assert len(tracker.live_tracks) <= 7
        assert len(tracker.live_tracks) == 7
        assert segmenter.largest <= 7  # boxes beyond the cap are never even decoded
        discovery_only = Tracker(Boxes(everything), cfg)
        discovery_only.update(blank(0))
        assert len(discovery_only.live_tracks) == 7


def test_user_prompts_beyond_the_room_left_are_warned_about_not_started():
    tracker = Tracker(Boxes(), TrackerConfig(max_objects=5, discover_every=0))
    tracker.update(blank(0), [Prompt(box=b) for b in squares(4)])
    with pytest.warns(
        SamtrackWarning, match="2 of 3 prompts not started: 4 tracks are live and max_objects"
    ):
        tracker.update(blank(1), [Prompt(box=b) for b in squares(7)[4:]])
    assert len(tracker.live_tracks) == 5


# --------------------------------------------------------------------------- types


def test_track_refuses_a_source_or_model_of_the_wrong_kind_on_the_call():
    with pytest.raises(SamtrackError, match="source must be a video path, .* not None"):
        samtrack.track(None)
    with pytest.raises(SamtrackError, match="source must be .* not 3.5"):
        track(3.5, Boxes())
    with pytest.raises(SamtrackError, match="model must be a registry name"):
        track([blank()], None)
    with pytest.raises(
        SamtrackError, match="the source yielded a 4 x 4 x 3 uint8 array, not a samtrack.Frame"
    ):
        list(track([np.zeros((4, 4, 3), np.uint8)], Boxes()))


@pytest.mark.parametrize(
    "image, message",
    [
        (np.zeros((0, 0, 3), np.uint8), r"empty \(0x0 pixels\)"),
        (np.zeros((10, 0, 3), np.uint8), r"empty \(0x10 pixels\)"),
        (np.zeros((10, 10), np.uint8), "must be RGB uint8 H x W x 3, not uint8 10 x 10"),
        (np.zeros((10, 10, 4), np.uint8), "not uint8 10 x 10 x 4"),
        (np.zeros((10, 10, 3), np.float32), "not float32 10 x 10 x 3"),
        ([[1, 2, 3]], "numpy array, not list"),
    ],
)
def test_frames_with_unusable_images_are_refused(image, message):
    with pytest.raises(SamtrackError, match=message):
        Frame(0, 0.0, image)


def test_frame_index_and_time_are_checked():
    with pytest.raises(SamtrackError, match="index must be a whole number of 0 or more, not -1"):
        Frame(-1, 0.0, np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(SamtrackError, match="time must be a number"):
        Frame(0, "now", np.zeros((2, 2, 3), np.uint8))
    assert (
        Frame(np.int64(3), math.nan, np.zeros((2, 2, 3), np.uint8)).index == 3
    )  # unknown time is fine


def test_tracker_update_checks_what_it_is_given():
    tracker = Tracker(Boxes(), TrackerConfig(discover_every=0))
    with pytest.raises(SamtrackError, match="Tracker.update needs a samtrack.Frame, not ndarray"):
        tracker.update(np.zeros((H, W, 3), np.uint8))
    frame = blank()
    frame.image = np.zeros((0, 0, 3), np.uint8)  # changed after construction
    with pytest.raises(SamtrackError, match=r"frame 0 is empty \(0x0 pixels\)"):
        tracker.update(frame)
    for prompts, message in [
        ({"box": [1, 2, 3, 4]}, "prompts for frame 0 must be a list of samtrack.Prompt .*, not {.box."),
        ((10, 20, 30, 40), "prompts for frame 0: item 1 is 10, not a samtrack.Prompt"),
        ("box", "prompts for frame 0 must be a list of samtrack.Prompt .*, not 'box'"),
        (Prompt(box=[1, 2, 3, 4]), "prompts for frame 0 must be a list of samtrack.Prompt"),
        (
            [Prompt(box=[30, 10, 20, 40])],
            "prompt 1 for frame 0: box 30,10,20,40 needs x2 > x1 and y2 > y1",
        ),
    ]:
        with pytest.raises(SamtrackError, match=message):
            tracker.update(blank(), prompts)
    with pytest.raises(SamtrackError, match="detections for frame 0 must be N x 4 xyxy boxes"):
        tracker.update(blank(), [], np.zeros((2, 3)))
    with pytest.raises(
        SamtrackError, match="detections for frame 0: box 1,2,nan,4 is not 4 finite numbers"
    ):
        tracker.update(blank(), [], np.array([[1, 2, np.nan, 4]]))
    assert tracker.frames_seen == 0  # nothing was processed
    tracker.update(blank(), [Prompt(box=[10, 10, 20, 20])])
    with pytest.raises(
        SamtrackError, match="frame 1 is 32x32 but the tracks were made on 64x48 frames"
    ):
        tracker.update(Frame(1, 0.04, np.zeros((32, 32, 3), np.uint8)))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Prompt(box=[1, np.nan, 3, 4]), "box must be finite numbers"),
        (lambda: Prompt(box=[1, 2, np.inf, 4]), "box must be finite numbers"),
        (lambda: Prompt(box=[1, 2, 3]), "box must be 4 numbers x1, y1, x2, y2, not 3"),
        (lambda: Prompt(box="1,2,3,4"), "box must be 4 numbers x1, y1, x2, y2, not '1,2,3,4'"),
        (lambda: Prompt(box=[1, "a", 3, 4]), "box must be 4 numbers"),
        (lambda: Prompt(points=[[1, np.nan]]), "points must be finite numbers"),
        (lambda: Prompt(points=[[1, 2, 3]]), r"points must be one or more x, y pairs \(K x 2\)"),
        (lambda: Prompt(points=np.zeros((0, 2))), "points must be one or more x, y pairs"),
        (
            lambda: Prompt(points=[[1, 2], [3, 4]], labels=[1]),
            "one label per point: 2 points, 1 labels",
        ),
        (lambda: Prompt(points=[[1, 2]], labels=[]), "one label per point: 1 points, 0 labels"),
        (
            lambda: Prompt(points=[[1, 2]], labels=[2]),
            r"labels must be 1 \(positive\) or 0 \(negative\)",
        ),
        (lambda: Prompt(box=[1, 2, 3, 4], labels=[1]), "has point labels but no points"),
        (lambda: Prompt(mask_logits=np.zeros((1, 8, 8))), "mask_logits must be one L x L array"),
        (lambda: Prompt(box=[1, 2, 3, 4], label=5), "label must be a string"),
        (lambda: Prompt(), "needs a box, points or mask logits"),
    ],
)
def test_bad_prompts_are_refused_where_they_are_made(make, message):
    with pytest.raises(SamtrackError, match=message) as caught:
        make()
    assert isinstance(caught.value, ValueError)


def test_good_prompts_still_normalise():
    p = Prompt(box=[[1, 2, 3, 4]], points=[5, 6])
    assert p.box.shape == (4,) and p.points.shape == (1, 2) and p.labels.tolist() == [1]
    assert Prompt(points=[[1, 2], [3, 4]], labels=[True, 0.0]).labels.tolist() == [1, 0]


@pytest.mark.parametrize(
    "prompts, message",
    [
        (
            {"box": [1, 2, 3, 4]},
            r"prompts \(a mapping frame index -> list of Prompt\): 'box' is not a frame index",
        ),
        ({-1: [Prompt(box=[1, 2, 3, 4])]}, "-1 is not a frame index"),
        ({0: Prompt(box=[1, 2, 3, 4])}, "prompts for frame 0 must be a list of samtrack.Prompt"),
        (
            {0: [[1, 2, 3, 4]]},
            r"prompts for frame 0: item 1 is \[1, 2, 3, 4\], not a samtrack.Prompt",
        ),
        ((10, 20, 30, 40), "prompts: item 1 is 10, not a samtrack.Prompt"),
        ([{"box": [1, 2, 3, 4]}], "prompts: item 1 is {'box'"),
        (Prompt(box=[1, 2, 3, 4]), "prompts must be a list of samtrack.Prompt"),
        (5, "prompts must be a list of samtrack.Prompt .* not 5"),
        ("missing.json", "prompts file missing.json does not exist"),
        ([Prompt(box=[30, 10, 20, 40])], "prompt 1: box 30,10,20,40 needs x2 > x1 and y2 > y1"),
    ],
)
def test_track_refuses_prompts_of_the_wrong_kind(prompts, message):
    model = Boxes()
    with pytest.raises(SamtrackError, match=message):
        list(track([blank()], model, prompts=prompts))
    assert model.embeds == 0


@pytest.mark.parametrize(
    "detections, message",
    [
        ([[1, 2, 3, 4]], "detections must be a MOT det.txt path, a mapping .* not list"),
        ({"x": [[1, 2, 3, 4]]}, "detections: 'x' is not a frame index"),
        ({0: [[1, 2, 3]]}, "detections for frame 0: expected N x 4 xyxy boxes"),
        (
            {0: [[1, 2, np.inf, 4]]},
            "detections for frame 0: a box holds a value that is not a finite number",
        ),
    ],
)
def test_detections_of_the_wrong_kind(detections, message):
    with pytest.raises(SamtrackError, match=message):
        detections_for(detections)


def test_detection_min_score_must_be_a_number():
    with pytest.raises(SamtrackError, match="detection_min_score must be a number"):
        detections_for(None, math.nan)


# --------------------------------------------------------------------------- unreachable frames


@pytest.fixture
def folder(tmp_path):
    """A folder of 10 numbered 64x48 images."""
    for i in range(10):
        cv2.imwrite(str(tmp_path / f"{i:04d}.png"), np.full((H, W, 3), i * 20, np.uint8))
    return tmp_path


ONE = [Prompt(box=[10, 10, 20, 20])]


@pytest.mark.parametrize(
    "kwargs, prompts, message",
    [
        (
            {"start": 5},
            {2: ONE, 3: ONE},
            r"prompts for frames 2 and 3 lie before frame 5, the first of this run \(--start\)",
        ),
        ({}, {50: ONE, 9: ONE}, r"prompts for frame 50 lie beyond the video's 10 frames \(0-9\)"),
        (
            {"start": 5, "max_frames": 3},
            {8: ONE},
            r"prompts for frame 8 lie beyond frame 7, the last this run processes",
        ),
        (
            {"stride": 4},
            {9: ONE},
            "prompts for frame 9 lie beyond frame 8, the last this run processes",
        ),
    ],
)
def test_prompts_for_frames_the_run_cannot_reach_are_refused_before_it(
    folder, kwargs, prompts, message
):
    model = Boxes()
    with pytest.raises(SamtrackError, match=message):
        list(track(folder, model, prompts=prompts, **kwargs))
    assert model.embeds == 0


def test_an_opened_source_tells_its_first_frame_and_length(folder):
    # What track_to_files (and so the command line) hands to track(): an open source.
    model = Boxes()
    with pytest.raises(SamtrackError, match="prompts for frame 2 lie before frame 5"):
        list(track(open_source(folder, start=5), model, prompts={2: ONE}))
    with pytest.raises(
        SamtrackError, match=r"prompts for frame 900 lie beyond the video's 10 frames \(0-9\)"
    ):
        list(track(open_source(folder), model, prompts={900: ONE}))
    assert model.embeds == 0


def test_a_prompt_on_a_frame_stride_skips_is_used_on_the_next_one(folder):
    with pytest.warns(
        SamtrackWarning, match=r"prompts for frame 3 were used on frame 4, the next frame processed"
    ):
        results = list(
            track(folder, Boxes(), prompts={3: ONE}, stride=2, discover_every=0, n_init=1)
        )
    assert [r.frame_index for r in results] == [0, 2, 4, 6, 8]
    assert [len(r) for r in results] == [0, 0, 1, 1, 1]


def test_prompts_a_stream_never_reached_are_warned_about_at_the_end():
    frames = (blank(i) for i in range(4))  # a plain iterator: its length is unknown before the run
    with pytest.warns(
        SamtrackWarning,
        match="prompts for frames 7 and 12 were never used: the run ended at frame 3",
    ):
        results = list(
            track(frames, Boxes(), prompts={1: ONE, 7: ONE, 12: ONE}, discover_every=0, n_init=1)
        )
    assert [len(r) for r in results] == [0, 1, 1, 1]


def test_prompts_that_are_all_reached_warn_nothing(folder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = list(track(folder, Boxes(), prompts={0: ONE, 9: ONE}, discover_every=0))
    assert len(results) == 10
