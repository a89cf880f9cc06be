"""The checkpoint registry: download-verify-cache, errors, and checkpoint loading.

No network: downloads come from file:// URLs of files made here, and the official
entries are exercised with ``urlopen`` failing as it does offline.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
import random
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from samtrack.errors import SamtrackError
from samtrack.models import registry
from samtrack.models.build import PRESETS, SamConfig, build_sam
from samtrack.models.registry import REGISTRY, ModelInfo

SMALL_VIT = SamConfig(
    encoder="vit",
    encoder_kwargs={
        "img_size": 64,
        "patch_size": 16,
        "embed_dim": 32,
        "depth": 3,
        "num_heads": 2,
        "mlp_ratio": 2.0,
        "out_chans": 32,
        "qkv_bias": True,
        "use_rel_pos": True,
        "window_size": 2,
        "global_attn_indexes": [1],
    },
    prompt_embed_dim=32,
    mask_in_chans=8,
    decoder_depth=1,
    decoder_mlp_dim=64,
    iou_head_hidden_dim=32,
)

SMALL_TINY_VIT = SamConfig(
    encoder="tiny_vit",
    encoder_kwargs={
        "img_size": 1024,  # TinyViT's input size is not in its weights: keep SAM's
        "num_classes": 10,
        "embed_dims": [16, 32, 48, 64],
        "depths": [1, 1, 2, 1],
        "num_heads": [1, 2, 3, 4],
        "window_sizes": [2, 2, 2, 2],
        "mlp_ratio": 2.0,
        "mbconv_expand_ratio": 2.0,
        "local_conv_size": 3,
        "out_chans": 32,
    },
    prompt_embed_dim=32,
    mask_in_chans=8,
    decoder_depth=1,
    decoder_mlp_dim=64,
    iou_head_hidden_dim=32,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("SAMTRACK_HOME", str(cache))
    return cache


def _fake_entry(
    monkeypatch: pytest.MonkeyPatch,
    source: Path,
    sha256: str | None = None,
    size: int | None = None,
) -> ModelInfo:
    data = source.read_bytes() if source.exists() else b""
    info = ModelInfo(
        name="fake",
        filename="fake_0123.pth",
        url=source.as_uri(),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        size=size,
        architecture=None,
        description="a test file",
    )
    monkeypatch.setitem(REGISTRY, "fake", info)
    return info


def _one_line_error(excinfo: pytest.ExceptionInfo[SamtrackError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


# --------------------------------------------------------------------------- the registry


def test_cache_dir_follows_samtrack_home(home: Path) -> None:
    assert registry.cache_dir() == home
    assert registry.local_path("sam_vit_b") == home / "sam_vit_b_01ec64.pth"


def test_cache_dir_defaults_to_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAMTRACK_HOME", raising=False)
    assert registry.cache_dir() == Path.home() / ".cache" / "samtrack"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_entries_are_complete(name: str) -> None:
    info = REGISTRY[name]
    assert info.name == name and info.description and "\n" not in info.description
    assert info.sha256 is not None and len(info.sha256) == 64
    if info.bundled:
        assert info.architecture is None
        path = registry.local_path(name)
        assert registry.sha256_file(path) == info.sha256, "retrained? pin the new hash"
        assert path.stat().st_size == info.size
    else:
        assert info.url is not None and info.url.startswith("https://")
        assert info.url.endswith(info.filename)
        assert info.sha256 is not None and len(info.sha256) == 64
        int(info.sha256, 16)
        assert info.architecture in PRESETS
        assert info.size is not None and info.size > 0


# --------------------------------------------------------------------------- download and cache


def test_download_verify_cache_round_trip(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "served.pth"
    source.write_bytes(b"weights " * 100_000)
    _fake_entry(monkeypatch, source, size=source.stat().st_size)
    assert not registry.is_cached("fake")

    path = registry.fetch("fake", progress=False)

    assert path == home / "fake_0123.pth"
    assert path.read_bytes() == source.read_bytes()
    assert registry.is_cached("fake")
    assert sorted(p.name for p in home.iterdir()) == ["fake_0123.pth", "fake_0123.pth.sha256"]

    # Cached and verified: no download and no hashing the second time.
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("must not be called")

    monkeypatch.setattr(registry, "download", fail)
    monkeypatch.setattr(registry, "sha256_file", fail)
    assert registry.fetch("fake", progress=False) == path


def test_a_file_put_in_the_cache_by_hand_is_hashed_once(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "served.pth"
    source.write_bytes(b"abc" * 1000)
    _fake_entry(monkeypatch, source)
    home.mkdir()
    (home / "fake_0123.pth").write_bytes(source.read_bytes())
    calls = []
    real = registry.sha256_file
    monkeypatch.setattr(
        registry, "sha256_file", lambda p, progress=False: calls.append(p) or real(p)
    )

    registry.fetch("fake", progress=False)
    registry.fetch("fake", progress=False)

    assert len(calls) == 1


def test_bad_checksum_is_rejected_and_nothing_is_left(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "served.pth"
    source.write_bytes(b"tampered" * 1000)
    _fake_entry(monkeypatch, source, sha256="0" * 64)

    with pytest.raises(SamtrackError, match="SHA-256") as excinfo:
        registry.fetch("fake", progress=False)

    assert "fake_0123.pth" in _one_line_error(excinfo)
    assert list(home.iterdir()) == []


def test_a_corrupt_cached_file_is_refused(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "served.pth"
    source.write_bytes(b"good" * 1000)
    _fake_entry(monkeypatch, source, size=4000)
    home.mkdir()
    cached = home / "fake_0123.pth"

    cached.write_bytes(b"short")
    with pytest.raises(SamtrackError, match="bytes") as excinfo:
        registry.fetch("fake", progress=False)
    assert str(cached) in _one_line_error(excinfo)

    cached.write_bytes(b"evil" * 1000)
    with pytest.raises(SamtrackError, match="does not match the SHA-256") as excinfo:
        registry.fetch("fake", progress=False)
    assert str(cached) in _one_line_error(excinfo)


def test_an_interrupted_download_leaves_nothing(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "served.pth"
    source.write_bytes(b"x" * (3 << 20))
    _fake_entry(monkeypatch, source)
    real_urlopen = urllib.request.urlopen

    class Broken:
        def __init__(self, url: str, timeout: float) -> None:
            self.response = real_urlopen(url, timeout=timeout)
            self.headers = self.response.headers
            self.reads = 0

        def read(self, n: int) -> bytes:
            self.reads += 1
            if self.reads == 2:
                raise ConnectionResetError("connection reset by peer")
            return self.response.read(n)

        def __enter__(self) -> Broken:  # noqa: PYI034
            return self

        def __exit__(self, *exc: object) -> None:
            self.response.close()

    monkeypatch.setattr(urllib.request, "urlopen", Broken)
    with pytest.raises(SamtrackError, match="connection reset"):
        registry.fetch("fake", progress=False)
    assert list(home.iterdir()) == []


def test_offline_error_names_the_file_its_address_and_where_to_put_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    for name in ("sam_vit_b", "sam_vit_l", "sam_vit_h", "mobile_sam"):
        info = REGISTRY[name]
        with pytest.raises(SamtrackError) as excinfo:
            registry.load_model(name, device="cpu", progress=False)
        message = _one_line_error(excinfo)
        assert info.filename in message
        assert str(info.url) in message
        assert f"put it at {home / info.filename}," in message
        assert "--model nano" in message and "offline" in message
    assert not home.exists() or not any(home.iterdir())
    # ... and nano does work offline.
    assert registry.load_model("nano", device="cpu", progress=False).img_size > 0


def test_a_download_shows_a_progress_bar_on_stderr(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "served.pth"
    source.write_bytes(b"w" * (3 << 20))
    _fake_entry(monkeypatch, source)
    registry.fetch("fake", progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "fake_0123.pth" in err and "100%" in err and "3.00M" in err

    (home / "fake_0123.pth.sha256").unlink()  # a file put there by hand: hashed, with a bar
    registry.fetch("fake", progress=True)
    assert "verifying fake_0123.pth" in capsys.readouterr().err

    (home / "fake_0123.pth").unlink()
    registry.fetch("fake", progress=False)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("inside", [False, True], ids=["file", "inside_a_file"])
def test_samtrack_home_that_is_a_file_is_a_one_line_error(
    inside: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "weights.pt"
    a_file.write_bytes(b"not a folder")
    home = a_file / "cache" if inside else a_file
    monkeypatch.setenv("SAMTRACK_HOME", str(home))

    def offline(url: str, timeout: float) -> None:
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(SamtrackError, match="a file, not a folder") as excinfo:
        registry.load_model("mobile_sam", device="cpu", progress=False)
    message = _one_line_error(excinfo)
    start = f"SAMTRACK_HOME ({home}) is inside" if inside else "SAMTRACK_HOME is"
    assert message.startswith(
        f"{start} a file, not a folder: {a_file}; set SAMTRACK_HOME to a folder"
    )
    assert "put it at" not in message
    assert a_file.read_bytes() == b"not a folder"
    # The bundled model needs no cache.
    assert registry.load_model("nano", device="cpu", progress=False).img_size > 0


def test_missing_source_file_is_an_offline_style_error(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_entry(monkeypatch, tmp_path / "nowhere.pth", sha256="0" * 64)
    with pytest.raises(SamtrackError, match="put it at") as excinfo:
        registry.fetch("fake", progress=False)
    assert str(home / "fake_0123.pth") in _one_line_error(excinfo)


def test_downloads_markers_and_trained_checkpoints_use_the_atomic_writer(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samtrack.io import atomic
    from samtrack.models.nano import train

    written: list[Path] = []
    real = atomic.atomic_path

    @contextlib.contextmanager
    def spy(path: Path) -> Iterator[Path]:
        with real(path) as tmp:
            written.append(Path(path))
            yield tmp

    monkeypatch.setattr(atomic, "atomic_path", spy)
    source = tmp_path / "served.pth"
    source.write_bytes(b"weights" * 1000)
    _fake_entry(monkeypatch, source)
    registry.fetch("fake", progress=False)
    assert written == [home / "fake_0123.pth", home / "fake_0123.pth.sha256"]

    out = tmp_path / "trained" / "tiny.pt"
    sam = build_sam(train.TINY_CONFIG)
    assert train.save_checkpoint(sam, train.TINY_CONFIG, out, {"note": "x"}) == out.stat().st_size
    assert written[-1] == out
    assert registry.read_checkpoint(out)[0] == train.TINY_CONFIG

    # A failed save leaves the previous checkpoint as it was, and no temporary file.
    before = out.read_bytes()

    def broken_save(obj: object, f: Path) -> None:
        Path(f).write_bytes(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(train.torch, "save", broken_save)
    with pytest.raises(OSError, match="No space"):
        train.save_checkpoint(sam, train.TINY_CONFIG, out)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["tiny.pt"]


# --------------------------------------------------------------------------- names and paths


def test_unknown_model_name_lists_the_known_ones() -> None:
    with pytest.raises(SamtrackError, match="unknown model 'sam_vit_q'") as excinfo:
        registry.load_model("sam_vit_q", device="cpu")
    message = _one_line_error(excinfo)
    for name in REGISTRY:
        assert name in message


def test_missing_checkpoint_path(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such.pth"
    with pytest.raises(SamtrackError, match="checkpoint not found") as excinfo:
        registry.load_model(str(missing), device="cpu")
    assert str(missing) in _one_line_error(excinfo)


def test_unknown_device_and_dtype() -> None:
    with pytest.raises(SamtrackError, match="unknown device"):
        registry.load_model("nano", device="tpu")
    with pytest.raises(SamtrackError, match="unknown dtype"):
        registry.load_predictor("nano", device="cpu", dtype="float8")
    if not torch.cuda.is_available():
        with pytest.raises(SamtrackError, match="not available"):
            registry.load_model("nano", device="cuda")


# --------------------------------------------------------------------------- checkpoints


def _write_garbage(path: Path) -> None:
    path.write_bytes(b"\x00\x01 this is not a checkpoint" * 10)


def _write_random_bytes(path: Path) -> None:
    path.write_bytes(b"\x13" + random.Random(0).randbytes(4095))


def _write_empty(path: Path) -> None:
    path.write_bytes(b"")


def _write_html(path: Path) -> None:
    path.write_text("<!DOCTYPE html>\n<html><body>404: Not Found</body></html>\n")


def _write_truncated(path: Path) -> None:
    torch.save(build_sam(SMALL_VIT).state_dict(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _write_truncated_legacy(path: Path) -> None:
    torch.save(build_sam(SMALL_VIT).state_dict(), path, _use_new_zipfile_serialization=False)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _write_zip_that_is_not_a_checkpoint(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights.txt", "1 2 3")


def _write_plain_pickle(path: Path) -> None:
    path.write_bytes(pickle.dumps({"weight": [1.0, 2.0]}, protocol=4))


def _write_unsafe_pickle(path: Path) -> None:
    path.write_bytes(pickle.dumps(Path("x"), protocol=4))


def _write_unsafe_checkpoint(path: Path) -> None:
    torch.save({"state_dict": build_sam(SMALL_VIT).state_dict(), "where": Path("x")}, path)


def _write_not_a_state_dict(path: Path) -> None:
    torch.save([1, 2, 3], path)


def _write_dict_of_numbers(path: Path) -> None:
    torch.save({"lr": 0.1, "epochs": 3}, path)


def _write_state_dict_that_is_a_list(path: Path) -> None:
    torch.save({"config": SMALL_VIT.to_dict(), "state_dict": [torch.zeros(2)]}, path)


def _write_foreign_state_dict(path: Path) -> None:
    torch.save({"backbone.conv1.weight": torch.zeros(8, 3, 3, 3)}, path)


def _write_partial_sam(path: Path) -> None:
    state = build_sam(SMALL_VIT).state_dict()
    del state["prompt_encoder.no_mask_embed.weight"]
    torch.save(state, path)


def _write_config_that_does_not_fit(path: Path) -> None:
    state = build_sam(SMALL_VIT).state_dict()
    state["mask_decoder.extra.weight"] = torch.zeros(2)
    torch.save({"config": SMALL_VIT.to_dict(), "state_dict": state}, path)


def _write_bad_config(path: Path) -> None:
    state = build_sam(SMALL_VIT).state_dict()
    torch.save({"config": {"encoder": "vit", "colour": "blue"}, "state_dict": state}, path)


def _with_config(path: Path, **changes: Any) -> None:
    """SMALL_VIT's weights under a config with other encoder settings."""
    config = SMALL_VIT.to_dict()
    config["encoder_kwargs"] = {**config["encoder_kwargs"], **changes}
    torch.save({"config": config, "state_dict": build_sam(SMALL_VIT).state_dict()}, path)


def _with_non_finite(path: Path, value: float) -> None:
    state = build_sam(SMALL_VIT).state_dict()
    state["mask_decoder.iou_token.weight"][0, 3] = value
    state["mask_decoder.mask_tokens.weight"][1, 0] = value
    torch.save({"config": SMALL_VIT.to_dict(), "state_dict": state}, path)


def _write_nan(path: Path) -> None:
    _with_non_finite(path, float("nan"))


def _write_inf(path: Path) -> None:
    _with_non_finite(path, float("-inf"))


NOT_TORCH = r"is not a PyTorch checkpoint \("
AGAIN = "download or save it again"


@pytest.mark.parametrize(
    "write, message",
    [
        (_write_empty, r"is empty \(0 bytes\): it holds no weights; " + AGAIN),
        (_write_garbage, NOT_TORCH + "neither a zip archive nor a pickle; it starts with 00 01 20"),
        (_write_random_bytes, NOT_TORCH + "neither a zip archive nor a pickle"),
        (_write_html, NOT_TORCH + "an HTML or XML page, perhaps saved by a failed download"),
        (
            _write_zip_that_is_not_a_checkpoint,
            NOT_TORCH + "a zip archive without data.pkl, holding weights.txt",
        ),
        (_write_plain_pickle, NOT_TORCH + "a plain Python pickle, not written by torch.save"),
        (_write_unsafe_pickle, NOT_TORCH + "a plain Python pickle"),
        (_write_truncated, r"is truncated: a PyTorch checkpoint cut off at \d+ bytes .*" + AGAIN),
        (
            _write_truncated_legacy,
            r"is truncated: a PyTorch checkpoint \(legacy format\) .*" + AGAIN,
        ),
        (
            _write_unsafe_checkpoint,
            r"holds more than weights \(Unsupported global: GLOBAL pathlib\.\w*Path",
        ),
        (
            _write_not_a_state_dict,
            "is not a SAM checkpoint: it holds a list; expected a state dict",
        ),
        (
            _write_dict_of_numbers,
            "is not a SAM checkpoint: it holds a dict whose 'lr' is a float, not a tensor",
        ),
        (_write_state_dict_that_is_a_list, "is not a SAM checkpoint: its 'state_dict' is a list"),
        (_write_foreign_state_dict, "unknown architecture"),
        (_write_partial_sam, "unknown architecture: no prompt_encoder.no_mask_embed.weight"),
        (_write_config_that_does_not_fit, "does not fit its architecture: 1 unexpected"),
        (_write_bad_config, "invalid config"),
        (
            _write_nan,
            "has non-finite weights: mask_decoder.iou_token.weight holds 1 NaN or inf of 32",
        ),
        (_write_inf, "non-finite weights: mask_decoder.iou_token.weight"),
    ],
    ids=lambda v: v.__name__.removeprefix("_write_") if callable(v) else "message",
)
def test_bad_checkpoints_are_one_line_errors(write, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.pth"
    write(path)
    with pytest.raises(SamtrackError, match=message) as excinfo:
        registry.load_model(str(path), device="cpu")
    assert _one_line_error(excinfo).startswith((str(path), f"cannot read checkpoint {path}"))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"embed_dim": 10**9}, r"encoder_kwargs\.embed_dim = 1000000000 \(at most 65536\)"),
        ({"depth": 10**7}, r"encoder_kwargs\.depth = 10000000 \(the file holds \d+ tensors\)"),
        ({"img_size": 10**6}, r"encoder_kwargs\.img_size = 1000000 \(at most 8192\)"),
        ({"mlp_ratio": float("inf")}, r"encoder_kwargs\.mlp_ratio = inf \(at most 64\.0\)"),
        (
            {"global_attn_indexes": list(range(1000))},
            r"len\(encoder_kwargs\.global_attn_indexes\) = 1000",
        ),
    ],
    ids=["embed_dim", "depth", "img_size", "mlp_ratio", "global_attn_indexes"],
)
def test_an_implausible_config_is_refused_before_anything_is_built(
    changes: dict[str, Any], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samtrack.models import build

    built = []
    monkeypatch.setattr(build, "build_sam", lambda config: built.append(config))
    path = tmp_path / "model.pt"
    _with_config(path, **changes)
    with pytest.raises(SamtrackError, match="has an implausible config: " + message) as excinfo:
        registry.load_model(str(path), device="cpu")
    assert _one_line_error(excinfo).startswith(str(path))
    assert built == []


def test_a_config_that_does_not_fit_its_weights_is_refused_before_allocating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samtrack.models import build

    devices = []
    real = build.build_sam

    def build_sam(config: SamConfig):  # type: ignore[no-untyped-def]
        model = real(config)
        devices.append(next(model.parameters()).device.type)
        return model

    monkeypatch.setattr(build, "build_sam", build_sam)
    path = tmp_path / "model.pt"
    _with_config(path, embed_dim=4096, depth=2)  # 4096 wide: 1.6 GB of weights if built
    with pytest.raises(SamtrackError, match="does not fit its architecture") as excinfo:
        registry.load_model(str(path), device="cpu")
    message = _one_line_error(excinfo)
    assert (
        "with other shapes (first: image_encoder.pos_embed, 1 x 4 x 4 x 4096 in the "
        "architecture, 1 x 4 x 4 x 32 in the file)" in message
    )
    assert devices == ["meta"]


@pytest.mark.parametrize("config", [SMALL_VIT, SMALL_TINY_VIT], ids=["vit", "tiny_vit"])
def test_a_plain_state_dict_loads_strictly_with_its_architecture_inferred(
    config: SamConfig, tmp_path: Path
) -> None:
    torch.manual_seed(0)
    original = build_sam(config)
    path = tmp_path / "small.pth"
    torch.save(original.state_dict(), path)

    assert registry.infer_config(original.state_dict()) == config
    loaded = registry.load_model(str(path), device="cpu")

    assert not loaded.training
    want, got = original.state_dict(), loaded.state_dict()
    assert want.keys() == got.keys()
    assert all(torch.equal(want[k], got[k]) for k in want)


def test_a_config_and_state_dict_checkpoint_loads(tmp_path: Path) -> None:
    torch.manual_seed(1)
    original = build_sam(SMALL_VIT)
    path = tmp_path / "small.pt"
    torch.save({"config": SMALL_VIT.to_dict(), "state_dict": original.state_dict()}, path)

    config, state = registry.read_checkpoint(path)
    loaded = registry.load_model(path, device="cpu")

    assert config == SMALL_VIT
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in state.items())


def test_torch_version_metadata_is_allowed_in_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "small.pt"
    state = build_sam(SMALL_VIT).state_dict()
    torch.save(
        {"config": SMALL_VIT.to_dict(), "state_dict": state, "torch": torch.__version__}, path
    )
    assert registry.read_checkpoint(path)[0] == SMALL_VIT


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_official_architectures_are_inferred_from_their_keys_and_shapes(name: str) -> None:
    with torch.device("meta"):
        model = build_sam(PRESETS[name])
    assert registry.infer_config(model.state_dict()) == PRESETS[name]


def test_the_bundled_nano_model_loads() -> None:
    path = registry.local_path("nano")
    assert path.is_file(), f"the bundled nano checkpoint is missing: {path}"
    assert registry.fetch("nano") == path
    stored, _ = registry.read_checkpoint(path)
    model = registry.load_model("nano", device="cpu")
    assert stored is not None
    assert model.img_size == stored.encoder_kwargs["img_size"]
    predictor = registry.load_predictor("nano", device="cpu")
    assert predictor.model.img_size == model.img_size
