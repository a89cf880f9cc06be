"""The ``samtrack`` command line: the models table, the offline message, and the happy
paths of ``segment`` with the bundled nano model (``track`` and ``demo``: test_cli_track;
bad input: test_bad_input)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from samtrack import cli
from samtrack.cli.common import GENERATOR_DEFAULTS
from samtrack.eval.synthetic import SceneConfig, random_scene
from samtrack.geometry import mask_iou_batch
from samtrack.models.registry import REGISTRY

SCENE = SceneConfig(height=120, width=160, n_objects=(2, 3), min_size=30, noise_sigma=0.0)


@pytest.fixture(scope="module")
def scene():  # type: ignore[no-untyped-def]
    return random_scene(np.random.default_rng(4), SCENE)


@pytest.fixture
def image(scene, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "in" / "scene.png"
    path.parent.mkdir()
    cv2.imwrite(str(path), cv2.cvtColor(scene.image, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SAMTRACK_HOME", str(cache))
    return cache


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _read(path: Path) -> np.ndarray:
    array = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert array is not None, path
    return array


def test_an_official_model_offline_says_what_to_fetch_and_where(
    image: Path,
    tmp_path: Path,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    out = tmp_path / "out" / "mask.png"
    code, _, err = _run(
        ["segment", str(image), "--box", "1,1,50,50", "--model", "sam_vit_b", "--out", str(out)],
        capsys,
    )
    assert code == 2 and err.count("\n") == 1
    info = REGISTRY["sam_vit_b"]
    assert info.filename in err and str(info.url) in err and str(home / info.filename) in err
    assert not out.parent.exists()


def test_the_generator_flags_document_the_generator_defaults() -> None:
    from samtrack.models.automatic import GeneratorConfig

    defaults = GeneratorConfig()
    for name, value in GENERATOR_DEFAULTS.items():
        assert getattr(defaults, name) == value


# --------------------------------------------------------------------------- models


def test_models_lists_the_registry_and_what_is_cached(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home.mkdir()
    (home / "mobile_sam.pt").write_bytes(b"x")

    code, out, err = _run(["models"], capsys)

    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SIZE", "CACHED", "DESCRIPTION"]
    rows = {line.split()[0]: line for line in lines[1 : 1 + len(REGISTRY)]}
    assert set(rows) == set(REGISTRY)
    assert str(home / "mobile_sam.pt") in rows["mobile_sam"]
    assert "38.8 MiB" in rows["mobile_sam"]
    assert "  no  " in rows["sam_vit_h"] and "2.4 GiB" in rows["sam_vit_h"]
    assert "bundled: " in rows["nano"]
    for name, info in REGISTRY.items():
        assert info.description in rows[name]
    assert f"downloads go to {home}" in out


# --------------------------------------------------------------------------- happy paths


def test_segment_from_boxes_writes_an_index_mask_and_an_overlay(
    scene,
    image: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "out" / "mask.png"
    argv = ["segment", str(image), "--out", str(out), "--device", "cpu", "--model", "nano"]
    for box in scene.boxes_xyxy:
        argv += ["--box", ",".join(f"{v:g}" for v in box)]

    code, stdout, err = _run(argv, capsys)

    assert code == 0, err
    assert f"wrote {out}" in stdout
    index = _read(out)
    overlay = _read(out.with_name("mask_overlay.png"))
    assert index.shape == scene.image.shape[:2] and index.dtype == np.uint8
    assert overlay.shape == scene.image.shape
    assert set(np.unique(index)) <= set(range(len(scene) + 1))
    predicted = np.stack([index == k for k in range(1, len(scene) + 1)])
    iou = np.diag(mask_iou_batch(predicted, scene.masks))
    assert iou.mean() > 0.75, iou
    assert sorted(p.name for p in out.parent.iterdir()) == ["mask.png", "mask_overlay.png"]


def test_segment_from_points(
    scene, image: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    target = scene.masks[0]
    ys, xs = np.nonzero(target)
    inside = np.argmin((xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2)
    out = tmp_path / "point.png"

    code, stdout, err = _run(
        [
            "segment",
            str(image),
            "--point",
            f"{xs[inside]},{ys[inside]}",
            "--out",
            str(out),
            "--device",
            "cpu",
            "--model",
            "nano",
        ],
        capsys,
    )

    assert code == 0, err
    assert "(1 object;" in stdout
    mask = _read(out) == 1
    assert mask[ys[inside], xs[inside]]
    assert mask_iou_batch(mask[None], target[None])[0, 0] > 0.7


def test_segment_everything(
    scene, image: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "all.png"
    code, stdout, err = _run(
        [
            "segment",
            str(image),
            "--everything",
            "--points-per-side",
            "16",
            "--pred-iou-thresh",
            "0.7",
            "--stability-score-thresh",
            "0.8",
            "--out",
            str(out),
            "--device",
            "cpu",
            "--model",
            "nano",
        ],
        capsys,
    )
    assert code == 0, err
    index = _read(out)
    n = int(index.max())
    assert n >= 1 and f"({n} object" in stdout
    # Everything masks overlap (an object and its parts): the index image keeps the smaller
    # one where they do, so check that the objects, and little else, are labelled.
    coverage = np.array([(index[mask] > 0).mean() for mask in scene.masks])
    assert coverage.min() > 0.8, coverage
    assert (index[~scene.masks.any(axis=0)] > 0).mean() < 0.05


def test_threads_sets_the_model_threads_and_refuses_zero(
    scene, image: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    import torch

    before = torch.get_num_threads()
    out = tmp_path / "out" / "mask.png"
    box = ",".join(f"{v:g}" for v in scene.boxes_xyxy[0])
    argv = ["segment", str(image), "--out", str(out), "--model", "nano", "--box", box]
    try:
        code, _, err = _run([*argv, "--threads", "1"], capsys)
        assert code == 0, err
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    code, _, err = _run([*argv, "--threads", "0", "--overwrite"], capsys)
    assert code == 2
    assert "invalid count '0': expected a positive integer" in err
    assert len(err.strip().splitlines()) == 1
