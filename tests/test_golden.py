"""samtrack's SAM models reproduce the official implementations.

Fixtures (made by tests/fixtures/make_fixtures.py with the official packages):
the full-size key names and shapes, and reduced random models with their outputs.
"""

import json
from pathlib import Path

import pytest
import torch

from samtrack.models.build import PRESETS, SamConfig, build_sam
from samtrack.models.predictor import Embedding, Predictor
from samtrack.types import Prompt

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = sorted((FIXTURES / "golden").glob("*.pt"))


@pytest.mark.parametrize("name", ["sam_vit_b", "sam_vit_l", "sam_vit_h", "mobile_sam"])
def test_full_size_keys_and_shapes_equal_official(name):
    official = json.loads((FIXTURES / "keys" / f"{name}.json").read_text())
    with torch.device("meta"):
        model = build_sam(PRESETS[name])
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert sorted(set(official) - set(ours)) == []
    assert sorted(set(ours) - set(official)) == []
    assert {k: v for k, v in ours.items() if official[k] != v} == {}


def load_golden(path):
    data = torch.load(path, map_location="cpu", weights_only=True)
    dec = data["decoder"]
    config = SamConfig(
        encoder=data["arch"],
        encoder_kwargs=dict(data["encoder_kwargs"]),
        prompt_embed_dim=data["prompt_embed_dim"],
        mask_in_chans=data["mask_in_chans"],
        decoder_depth=dec["depth"],
        decoder_mlp_dim=dec["mlp_dim"],
        decoder_num_heads=dec["num_heads"],
        iou_head_depth=dec["iou_head_depth"],
        iou_head_hidden_dim=dec["iou_head_hidden_dim"],
        num_multimask_outputs=dec["num_multimask_outputs"],
    )
    model = build_sam(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in data["state_dict"].items()}
    model.load_state_dict(state, strict=True)
    return data, Predictor(model, device="cpu")


@pytest.fixture(scope="module", params=GOLDEN, ids=[p.stem for p in GOLDEN])
def golden(request):
    return load_golden(request.param)


def test_golden_fixtures_present():
    assert {p.stem for p in GOLDEN} == {"vit_b", "vit_l", "vit_h", "tiny_vit"}


def model_input(data, predictor):
    """The official normalised, padded input (stored for some fixtures; otherwise rebuilt
    from the official resized image, which the preprocessing test checks)."""
    if data["input"] is not None:
        return data["input"]
    return predictor.model.preprocess(data["resized_image"].permute(2, 0, 1).float()[None])


def test_preprocessing_matches_official(golden):
    data, predictor = golden
    image = data["image"].numpy()
    ours = predictor.resize(image)
    official = data["resized_image"].permute(2, 0, 1).float()
    assert ours.shape == official.shape
    assert (ours - official).abs().max() <= 1.0  # PIL and torch may round differently
    if data["input"] is not None:
        torch.testing.assert_close(predictor.model.preprocess(official[None]), data["input"], atol=1e-5, rtol=0)


def our_embedding(data, predictor):
    with torch.inference_mode():
        return predictor.model.image_encoder(model_input(data, predictor))


def test_image_embedding_matches_official(golden):
    data, predictor = golden
    channels = data["embedding_channels"]
    emb = our_embedding(data, predictor)
    torch.testing.assert_close(emb[:, channels], data["embedding"], atol=1e-4, rtol=0)


def test_banded_relative_position_mask_gives_the_same_embedding(golden, monkeypatch):
    """The global layers build their relative-position mask a band of query rows at a
    time when it would exceed MASK_BYTES; one row per band must not change the result."""
    from samtrack.models import image_encoder

    data, predictor = golden
    if data["arch"] != "vit":
        pytest.skip("TinyViT has no relative-position mask")
    monkeypatch.setattr(image_encoder, "MASK_BYTES", 1)
    emb = our_embedding(data, predictor)
    torch.testing.assert_close(emb[:, data["embedding_channels"]], data["embedding"], atol=1e-4, rtol=0)


def prompts_of(case):
    def rows(key):
        value = case.get(key)
        return None if value is None else value.numpy()

    coords, labels, boxes, masks = (
        rows("point_coords"), rows("point_labels"), rows("boxes"), rows("mask_input")
    )
    n = next(len(v) for v in (coords, boxes, masks) if v is not None)
    return [
        Prompt(
            points=None if coords is None else coords[i],
            labels=None if labels is None else labels[i],
            box=None if boxes is None else boxes[i],
            mask_logits=None if masks is None else masks[i, 0],
        )
        for i in range(n)
    ]


def test_decoder_matches_official_for_every_prompt_kind(golden):
    data, predictor = golden
    image = data["image"].numpy()
    features = data["embedding"]
    if len(data["embedding_channels"]) != features.shape[1] or features.shape[1] != predictor.model.prompt_encoder.embed_dim:
        features = our_embedding(data, predictor)  # only some channels stored: use ours (checked above)
    emb = Embedding(
        features=features,
        original_size=tuple(image.shape[:2]),
        input_size=tuple(data["resized_image"].shape[:2]),
    )
    assert len(data["cases"]) == 14
    for case in data["cases"]:
        prompts = prompts_of(case)
        name = f"{case['name']} multimask={case['multimask']}"
        low_res, iou = predictor.decode(emb, prompts, multimask=case["multimask"])
        if case["low_res_logits"] is not None:
            torch.testing.assert_close(low_res, case["low_res_logits"], atol=1e-4, rtol=0, msg=name)
        torch.testing.assert_close(iou, case["iou_predictions"], atol=1e-4, rtol=0, msg=name)
        result = predictor.segment(emb, prompts, multimask=case["multimask"])
        official = case["masks"].numpy().reshape(result.masks.shape)
        differ = result.masks != official
        if case["upscaled_logits"] is not None:
            near = case["upscaled_logits"].abs().numpy().reshape(differ.shape) < 1e-3
            assert not (differ & ~near).any(), name
        else:
            assert differ.mean() < 1e-4, name


def test_end_to_end_embedding_close_to_official(golden):
    data, predictor = golden
    emb = predictor.embed(data["image"].numpy()).features[:, data["embedding_channels"]]
    diff = (emb - data["embedding"]).abs().max().item()
    assert diff <= 0.05 * data["embedding"].abs().max().item()


@pytest.mark.parametrize("shared", [False, True])
def test_factored_cross_attention_equals_plain(shared):
    """The decoder's cross attentions in factored form (prompt tokens taken to the image
    tokens' width) give what the plain projections give, with padded tokens masked out
    and with image tokens shared by every prompt (batch 1)."""
    from samtrack.models.transformer import Attention

    torch.manual_seed(0)
    attn = Attention(256, 8, downsample_rate=2).eval()
    for p in attn.parameters():
        torch.nn.init.normal_(p, std=0.1)
    b, t, n = 3, 9, 64 * 64
    tokens = torch.randn(b, t, 256)
    image = torch.randn(1 if shared else b, n, 256)
    image_pe = torch.randn(1, n, 256)
    mask = torch.ones(b, t, dtype=torch.bool)
    mask[1, -3:] = False
    assert attn.factored(t)
    with torch.inference_mode():
        plain_t2i = attn(tokens, image + image_pe, image)
        plain_i2t = attn(image + image_pe, tokens, tokens, mask)
        torch.testing.assert_close(attn.tokens_to_image(tokens, image + image_pe, image), plain_t2i, atol=1e-4, rtol=1e-4)
        torch.testing.assert_close(attn.image_to_tokens(image + image_pe, tokens, tokens, mask), plain_i2t, atol=1e-4, rtol=1e-4)
    assert not attn.factored(16)  # 8 heads x 16 tokens: the plain form is cheaper
