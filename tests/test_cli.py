"""The ``samtrack`` command line: bad input as a table, the models table, and the happy
paths of ``segment`` with the bundled nano model (``track`` and ``demo``: test_cli_track)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from samtrack import cli
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


# --------------------------------------------------------------------------- bad input


def _garbage(path: Path) -> Path:
    path.write_bytes(b"definitely not an image or a checkpoint" * 5)
    return path


# Each case: the arguments after "samtrack" ({img}: a valid image, {out}: the mask to
# write, {bad}: a garbage file, {missing}: a path that does not exist) and what the one
# line on stderr must contain.
BAD_INPUT = [
    ("segment {missing} --box 1,1,5,5 --out {out}", "image not found"),
    ("segment {bad} --box 1,1,5,5 --out {out}", "cannot read image"),
    ("segment {img} --box 0,0,161,20 --out {out}", "outside the 160x120 image"),
    ("segment {img} --box=-5,0,10,10 --out {out}", "outside the 160x120 image"),
    ("segment {img} --box 10,10,20,121 --out {out}", "outside the 160x120 image"),
    ("segment {img} --box 1,1,5,5 --box 50,10,40,30 --out {out}", "x2 must be greater than x1"),
    ("segment {img} --box 50,10,60,10 --out {out}", "y2 greater than y1"),
    ("segment {img} --box 1,2,3 --out {out}", "invalid box '1,2,3'"),
    ("segment {img} --box a,b,c,d --out {out}", "invalid box"),
    ("segment {img} --box 1,2,3,nan --out {out}", "invalid box"),
    ("segment {img} --point 5 --out {out}", "invalid point '5'"),
    ("segment {img} --point 5;5 --out {out}", "invalid point"),
    ("segment {img} --point 160,5 --out {out}", "point 160,5 is outside the 160x120 image"),
    ("segment {img} --point 5,5 --negative 5,-1 --out {out}", "outside"),
    ("segment {img} --box 1,1,5,5 --negative 3,3 --out {out}", "--negative needs"),
    ("segment {img} --out {out}", "one of the arguments --box --point --everything is required"),
    ("segment {img} --box 1,1,5,5 --point 2,2 --out {out}", "not allowed with"),
    ("segment {img} --box 1,1,5,5", "required: --out"),
    ("segment {img} --box 1,1,5,5 --out {out_jpg}", "must name a .png file"),
    ("segment {img} --box 1,1,5,5 --model sam_vit_q --out {out}", "unknown model 'sam_vit_q'"),
    ("segment {img} --box 1,1,5,5 --checkpoint {missing} --out {out}", "checkpoint not found"),
    ("segment {img} --box 1,1,5,5 --checkpoint {bad} --out {out}", "cannot read checkpoint"),
    ("segment {img} --box 1,1,5,5 --model nano --checkpoint {bad} --out {out}", "not allowed with"),
    ("segment {img} --box 1,1,5,5 --device tpu --out {out}", "unknown device 'tpu'"),
    ("segment {img} --box 1,1,5,5 --dtype float8 --out {out}", "invalid choice: 'float8'"),
    ("segment {img} --everything --points-per-side 0 --out {out}", "invalid count '0'"),
    ("segment {img} --everything --pred-iou-thresh 1.5 --out {out}", "from 0 to 1"),
    ("segment {img} --everything --min-mask-area -3 --out {out}", "invalid count '-3'"),
    ("demo --out {bad}", "is not a folder"),
    ("demo --seed x --out {out_dir}", "invalid int value"),
    ("segmnet {img}", "invalid choice: 'segmnet'"),
    ("", "required: COMMAND"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[a or "(nothing)" for a, _ in BAD_INPUT])
def test_bad_input_is_one_line_exit_2_and_no_output(
    args: str,
    message: str,
    image: Path,
    tmp_path: Path,
    home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_dir = tmp_path / "out"
    paths = {
        "img": image,
        "out": out_dir / "mask.png",
        "out_jpg": out_dir / "mask.jpg",
        "out_dir": out_dir,
        "bad": _garbage(tmp_path / "bad.png"),
        "missing": tmp_path / "missing.png",
    }
    argv = args.format(**paths).split()

    code, out, err = _run(argv, capsys)

    assert code == 2
    assert err.startswith("samtrack: error: ") and err.endswith("\n")
    assert err.count("\n") == 1, err
    assert message in err
    assert "Traceback" not in out + err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


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


def test_bad_input_in_a_fresh_process_prints_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "samtrack.cli",
            "segment",
            str(tmp_path / "nope.png"),
            "--box",
            "1,1,5,5",
            "--out",
            str(tmp_path / "mask.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == f"samtrack: error: image not found: {tmp_path / 'nope.png'}\n"
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_outputs_are_written_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {tmp_path / "a.png": b"first", tmp_path / "b.png": b"second"}
    real_replace = os.replace
    calls = []

    def fail_second(src: str, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_second)
    with pytest.raises(OSError):
        cli.write_files(files)
    # The first file was complete when it was moved into place; the second never appears
    # and no temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_the_generator_flags_document_the_generator_defaults() -> None:
    from samtrack.models.automatic import GeneratorConfig

    defaults = GeneratorConfig()
    for name, value in cli._GENERATOR_DEFAULTS.items():
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
    argv = ["segment", str(image), "--out", str(out), "--device", "cpu"]
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
