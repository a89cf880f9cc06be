"""The predictor on a small random-weight SAM: batching, prompt handling, shapes."""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest
import torch

from samtrack.models.build import SamConfig, build_sam
from samtrack.models.predictor import Predictor
from samtrack.types import Prompt

SMALL = SamConfig(
    encoder="vit",
    encoder_kwargs=dict(
        img_size=256, patch_size=16, embed_dim=48, depth=2, num_heads=4, out_chans=32,
        use_rel_pos=True, window_size=6, global_attn_indexes=[1],
    ),
    prompt_embed_dim=32, decoder_mlp_dim=64, decoder_num_heads=4, iou_head_hidden_dim=32,
)


@pytest.fixture(scope="module")
def predictor():
    torch.manual_seed(0)
    return Predictor(build_sam(SMALL), device="cpu")


@pytest.fixture(scope="module")
def image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (150, 220, 3), dtype=np.uint8)


def mixed_prompts(rng):
    return [
        Prompt(box=[10, 10, 100, 100], track_id=7),
        Prompt(points=[[50, 60], [70, 80]], labels=[1, 0]),
        Prompt(points=[[30, 30]], box=[5, 5, 60, 60]),
        Prompt(mask_logits=rng.standard_normal((64, 64)).astype(np.float32)),
        Prompt(points=[[5, 5], [200, 140], [100, 20]], mask_logits=rng.standard_normal((64, 64))),
        Prompt(box=[0, 0, 220, 150], mask_logits=rng.standard_normal((64, 64))),
    ]


@pytest.mark.parametrize("multimask", [False, True])
def test_batched_decoding_equals_one_by_one(predictor, image, multimask):
    prompts = mixed_prompts(np.random.default_rng(1))
    emb = predictor.embed(image)
    batch = predictor.segment(emb, prompts, multimask=multimask)
    per = 3 if multimask else 1
    assert len(batch) == per * len(prompts)
    for i, prompt in enumerate(prompts):
        alone = predictor.segment(emb, [prompt], multimask=multimask)
        rows = batch.prompt_index == i
        np.testing.assert_allclose(batch.logits[rows], alone.logits, atol=1e-5)
        np.testing.assert_allclose(batch.scores[rows], alone.scores, atol=1e-5)
        # Masks can differ only where an upsampled logit sits on the threshold.
        assert (batch.masks[rows] != alone.masks).mean() < 1e-4


def test_masks_trace_back_to_prompts(predictor, image):
    prompts = mixed_prompts(np.random.default_rng(2))
    result = predictor.segment(predictor.embed(image), prompts, multimask=True)
    assert result.masks.shape == (18, 150, 220) and result.masks.dtype == bool
    assert result.logits.shape == (18, 64, 64)
    assert list(result.prompt_index) == [i for i in range(6) for _ in range(3)]
    assert list(result.track_id[:3]) == [7, 7, 7] and (result.track_id[3:] == -1).all()
    # The boxes are the tight boxes of the masks.
    for mask, box in zip(result.masks, result.boxes):
        if mask.any():
            ys, xs = np.nonzero(mask)
            assert tuple(box) == (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    kept = result[result.scores > np.median(result.scores)]
    assert len(kept) == (result.scores > np.median(result.scores)).sum()


def test_empty_prompt_list(predictor, image):
    result = predictor.segment(predictor.embed(image), [])
    assert len(result) == 0 and result.masks.shape == (0, 150, 220)


def test_embedding_sizes(predictor, image):
    emb = predictor.embed(image)
    assert emb.features.shape == (1, 32, 16, 16)
    assert emb.original_size == (150, 220) and emb.input_size == (175, 256)


def test_bfloat16_encoder_close_to_float32(image):
    torch.manual_seed(0)
    model = build_sam(SMALL)
    f32 = Predictor(model, device="cpu").embed(image).features
    bf16 = Predictor(model, device="cpu", dtype="bfloat16").embed(image).features
    assert bf16.dtype == torch.float32
    assert torch.nn.functional.cosine_similarity(f32.flatten(), bf16.flatten(), dim=0) > 0.99


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Prompt(), "needs a box, points or mask"),
        (lambda: Prompt(points=[[1, 2], [3, 4]], labels=[1]), "one label per point"),
    ],
)
def test_bad_prompts(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_mask_logit_size(predictor, image):
    with pytest.raises(ValueError, match="64 x 64"):
        predictor.segment(predictor.embed(image), [Prompt(mask_logits=np.zeros((32, 32)))])


def test_non_rgb_image_rejected(predictor):
    with pytest.raises(ValueError, match="RGB uint8"):
        predictor.embed(np.zeros((10, 10), dtype=np.uint8))


# --------------------------------------------------------------------------- many prompts


@pytest.fixture(scope="module")
def nano():
    from samtrack.models.registry import load_predictor

    return load_predictor("nano", device="cpu", progress=False)


def many_prompts(n, height, width, logit_size, seed=0):
    """Boxes, points (1-3, mixed labels), box + point, mask logits, box + mask logits."""
    rng = np.random.default_rng(seed)
    prompts = []
    for i in range(n):
        x, y = rng.uniform(0, width - 50), rng.uniform(0, height - 40)
        box = [x, y, x + rng.uniform(10, 50), y + rng.uniform(10, 40)]
        logits = rng.standard_normal((logit_size, logit_size)).astype(np.float32)
        k = 1 + i % 3
        prompts.append([
            Prompt(box=box, track_id=i),
            Prompt(points=rng.uniform(0, min(height, width), (k, 2)), labels=[1, 0, 1][:k]),
            Prompt(box=box, points=[[x + 5, y + 5]]),
            Prompt(mask_logits=logits),
            Prompt(box=box, mask_logits=logits, track_id=i),
        ][i % 5])
    return prompts


@pytest.mark.parametrize("multimask", [False, True])
def test_chunked_decoding_equals_one_decoder_call(nano, multimask):
    rng = np.random.default_rng(5)
    image = rng.integers(0, 255, (120, 200, 3), dtype=np.uint8)
    prompts = many_prompts(150, 120, 200, nano.logit_size)
    emb = nano.embed(image)
    default = nano.prompt_chunk
    nano.prompt_chunk = len(prompts)
    whole = nano.segment(emb, prompts, multimask=multimask)
    calls = []
    decode = nano.decode
    nano.prompt_chunk = 16
    nano.decode = lambda *args, **kwargs: calls.append(len(args[1])) or decode(*args, **kwargs)
    try:
        chunked = nano.segment(emb, prompts, multimask=multimask)
    finally:
        del nano.decode
        nano.prompt_chunk = default

    assert sum(calls) == 150 and max(calls) <= 16 and min(calls) >= 15  # 10 equal chunks
    assert len(chunked) == len(whole) == 150 * (3 if multimask else 1)
    np.testing.assert_array_equal(chunked.prompt_index, whole.prompt_index)
    np.testing.assert_array_equal(chunked.track_id, whole.track_id)
    # The same up to float rounding (the matrix products of a smaller batch may round
    # differently): 1e-6 of the logits' scale, 1e-6 on the predicted IoU.
    scale = float(np.abs(whole.logits).max())
    np.testing.assert_allclose(chunked.logits, whole.logits, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(chunked.scores, whole.scores, rtol=0, atol=1e-6)
    assert chunked.masks.dtype == bool and chunked.masks.shape == whole.masks.shape
    assert (chunked.masks != whole.masks).mean() < 1e-6
    same = (chunked.masks == whole.masks).all(axis=(1, 2))
    np.testing.assert_array_equal(chunked.boxes[same], whole.boxes[same])


def test_the_default_chunk_bounds_the_decoders_memory(nano):
    from samtrack.models.build import PRESETS
    from samtrack.models.predictor import default_prompt_chunk

    assert nano.prompt_chunk == default_prompt_chunk(nano.model, torch.device("cpu")) == 21
    with torch.device("meta"):
        sam = build_sam(PRESETS["sam_vit_b"])
    assert default_prompt_chunk(sam, torch.device("cpu")) == 2
    assert default_prompt_chunk(sam, torch.device("cuda")) == 64
    with pytest.raises(ValueError, match="at least 1"):
        Predictor(build_sam(SMALL), device="cpu", prompt_chunk=0)


_ALLOCATOR_PROBE = """
import ctypes
import numpy as np
from samtrack.models import predictor
from samtrack.models.registry import load_predictor

p = load_predictor("nano", device="cpu")
image = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
print(predictor.keep_freed_memory(), float(p.embed(image).features.abs().sum()))


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]


libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]
libc.mallinfo2.restype = MallInfo2
before = libc.mallinfo2().hblks
block = libc.malloc(64 << 20)  # an encoder-sized tensor: mmapped (hblks) unless kept
print(libc.mallinfo2().hblks - before)
libc.free(block)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="the allocator setting is glibc's")
def test_cpu_predictor_keeps_freed_memory_unless_told_not_to():
    runs = {}
    for setting in ("", "default"):
        env = {**os.environ, "SAMTRACK_MALLOC": setting}
        out = subprocess.run([sys.executable, "-c", _ALLOCATOR_PROBE], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        runs[setting] = out
    kept, checksum, mapped = runs[""]
    assert kept == "True" and mapped == "0"  # served from the heap, which is not trimmed
    assert runs["default"][0] == "False" and runs["default"][2] == "1"
    assert checksum == runs["default"][1]  # the same features either way
