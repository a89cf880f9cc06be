"""The encoder's input size as an option (``Sam.set_input_size``, ``--image-size``): the
same weights at another side give masks at frame size, close to those at the model's
own side, and going back gives exactly the model's own results."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from samtrack.errors import SamtrackError
from samtrack.eval.synthetic import SceneConfig, random_scene
from samtrack.models.build import SamConfig, build_sam
from samtrack.models.predictor import Predictor
from samtrack.models.registry import load_model, load_predictor
from samtrack.types import Prompt, mask_to_box_xyxy

# A small ViT with SAM's structure: absolute and relative positions, windowed and global
# attention.
SMALL_VIT = SamConfig(
    encoder="vit",
    encoder_kwargs={"img_size": 128, "patch_size": 16, "embed_dim": 32, "depth": 2, "num_heads": 2,
                    "out_chans": 32, "use_rel_pos": True, "window_size": 4, "global_attn_indexes": [1]},
    prompt_embed_dim=32, decoder_mlp_dim=64, decoder_num_heads=2, iou_head_hidden_dim=32,
)


def _scene(i: int = 0):
    scene = random_scene(np.random.default_rng([123, i]), SceneConfig())
    return scene.image, [Prompt(box=b) for b in mask_to_box_xyxy(scene.masks)], scene.masks


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    union = (a | b).sum((1, 2))
    return np.where(union > 0, (a & b).sum((1, 2)) / np.maximum(union, 1), 1.0)


def test_a_vit_at_half_its_side_resamples_its_positions_and_answers_at_frame_size():
    torch.manual_seed(0)
    sam = build_sam(SMALL_VIT)
    image = np.random.default_rng(0).integers(0, 255, (90, 120, 3), dtype=np.uint8)
    prompts = [Prompt(box=np.array([10, 10, 60, 70], np.float32))]
    own = Predictor(sam, device="cpu")
    before = own.segment(own.embed(image), prompts)

    sam.set_input_size(64)
    half = Predictor(sam, device="cpu")
    embedding = half.embed(image)
    assert embedding.features.shape[-2:] == (4, 4)
    answer = half.segment(embedding, prompts)
    assert answer.logits.shape[-2:] == (16, 16)
    assert answer.masks.frame_size == (90, 120)
    table = sam.image_encoder.pos_embed.permute(0, 3, 1, 2)
    expected = F.interpolate(table, size=(4, 4), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    assert torch.allclose(sam.image_encoder._pos_embed(4, 4), expected)

    sam.set_input_size(128)  # back at its own side: the very same answer
    again = Predictor(sam, device="cpu")
    after = again.segment(again.embed(image), prompts)
    assert torch.equal(torch.as_tensor(before.logits), torch.as_tensor(after.logits))


def test_nano_at_three_quarters_of_its_side_finds_the_same_objects():
    # Measured (benchmarks/speed/options.py sizes, 300 held-out objects): mask IoU 0.84
    # against the masks at nano's own side, box mIoU 0.852 -> 0.801.
    own = Predictor(load_model("nano", device="cpu"), device="cpu")
    small = Predictor(load_model("nano", device="cpu"), device="cpu", image_size=192)
    ious = []
    for i in range(4):
        image, prompts, _ = _scene(i)
        if not prompts:
            continue
        a = np.asarray(own.segment(own.embed(image), prompts).masks)
        b = np.asarray(small.segment(small.embed(image), prompts).masks)
        assert b.shape == a.shape
        ious += _iou(a, b).tolist()
    assert np.mean(ious) >= 0.7


@pytest.mark.parametrize("size", [100, 4, 0])
def test_a_side_that_is_not_a_multiple_of_the_stride_is_refused(size):
    with pytest.raises(ValueError, match="multiple of the encoder's stride 8"):
        load_model("nano", device="cpu").set_input_size(size)
    with pytest.raises(SamtrackError, match="--image-size"):
        load_predictor("nano", device="cpu", image_size=size)


def test_track_runs_a_named_model_at_another_side_and_refuses_it_for_a_segmenter_object():
    import samtrack
    from samtrack.eval.synthetic_video import single_object
    from samtrack.types import Frame

    spec = single_object(seed=0, n_frames=6)
    frames = [f for f, _ in spec.frames()]
    truth = [gt for _, gt in spec.frames()]
    box = mask_to_box_xyxy(truth[0].masks)[0]
    results = list(samtrack.track(frames, "nano", prompts=[Prompt(box=box)], image_size=192, progress=False))
    assert len(results) == 6
    ious = [_iou(np.asarray(r.masks)[:1], gt.masks[:1])[0] for r, gt in zip(results, truth) if len(r)]
    assert len(ious) == 6 and np.mean(ious) >= 0.7
    with pytest.raises(SamtrackError, match="image_size applies to a model given by name"):
        samtrack.track(frames, load_predictor("nano", device="cpu"), image_size=192)
    assert isinstance(frames[0], Frame)
