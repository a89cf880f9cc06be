"""The image encoder through torch.compile gives what the plain one gives, and a failed
compile falls back to the plain encoder with one warning."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from samtrack.errors import SamtrackWarning
from samtrack.models.registry import load_predictor


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 255, (96, 128, 3), dtype=np.uint8)


def test_compiled_encoder_gives_the_same_embedding(image: np.ndarray) -> None:
    plain = load_predictor("nano", device="cpu", progress=False)
    compiled = load_predictor("nano", device="cpu", progress=False, compile=True)
    with torch.inference_mode():
        a, b = plain.embed(image).features, compiled.embed(image).features
    torch.testing.assert_close(b, a, atol=1e-4, rtol=0)


def test_a_failed_compile_falls_back_with_a_warning(image: np.ndarray, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(module):  # type: ignore[no-untyped-def]
        def run(x):  # type: ignore[no-untyped-def]
            raise RuntimeError("no C++ compiler found\nlong details")
        return run

    monkeypatch.setattr(torch, "compile", broken)
    predictor = load_predictor("nano", device="cpu", progress=False, compile=True)
    plain = load_predictor("nano", device="cpu", progress=False)
    with pytest.warns(SamtrackWarning, match=r"torch.compile failed \(RuntimeError: no C\+\+ compiler found\)"):
        features = predictor.embed(image).features
    torch.testing.assert_close(features, plain.embed(image).features)
    predictor.embed(image)  # the plain encoder from then on, without another warning
