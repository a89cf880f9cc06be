"""The checkpoint registry: which models samtrack knows, where their weights come from,
how they are fetched, verified and cached, and how a checkpoint file becomes a :class:`Sam`.

Weights are downloaded once into :func:`cache_dir` (``$SAMTRACK_HOME`` or
``~/.cache/samtrack``): streamed into a temporary file in that folder, checked against the
pinned SHA-256, then renamed into place (:func:`samtrack.io.atomic.atomic_path`), so a
cached file is always whole. A verified file gets a marker (``<file>.sha256``: hash, size,
mtime) so that it is hashed only once; a file put there by hand is hashed on first use.

A checkpoint is read with ``torch.load(map_location="cpu", weights_only=True)`` and is
either a plain state dict (the official releases; the architecture is read off the key
names and tensor shapes) or a dict ``{"config": SamConfig.to_dict(), "state_dict": ...}``
(samtrack's own format, used by the bundled ``nano``). Weights load with ``strict=True``.
Unless the file matched a pinned SHA-256, its weights must be finite and a config stored
in it must describe them (:func:`check_config`: bounded numbers, then the names and shapes
of a model built on the ``meta`` device) before anything is built; a file that is not a
checkpoint, or is empty or truncated, is named as such. Every failure is a one-line
:class:`SamtrackError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import urllib.request
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SamtrackError

if TYPE_CHECKING:
    import torch

    from .build import SamConfig
    from .predictor import Predictor
    from .sam import Sam

__all__ = [
    "REGISTRY",
    "ModelInfo",
    "cache_dir",
    "check_config",
    "download",
    "fetch",
    "infer_config",
    "is_cached",
    "load_model",
    "load_predictor",
    "local_path",
    "read_checkpoint",
    "resolve_checkpoint",
    "sha256_file",
]


@dataclass(frozen=True)
class ModelInfo:
    """One known model.

    url: the official download address (None: bundled in the package). sha256: pinned
    hash of the file (None: not pinned). size: bytes, when known.
    architecture: a key of :data:`samtrack.models.build.PRESETS`, or None when the
    architecture is the config stored in the checkpoint itself.
    """

    name: str
    filename: str
    url: str | None
    sha256: str | None
    size: int | None
    architecture: str | None
    description: str

    @property
    def bundled(self) -> bool:
        return self.url is None


# SHA-256 and sizes of the official files. They are not published next to the files, so
# each was checked against independent public code that pins it:
# - all four: the pooch registry of micro-sam (computational-cell-analytics/micro-sam,
#   micro_sam/util.py; "vit_b", "vit_l", "vit_h", and "vit_t" = MobileSAM).
# - sam_vit_h and mobile_sam: ChangeSAM (tritolol/ChangeSAM, changesam/build_changesam.py,
#   which refuses a file with another hash); sam_vit_h also deepof (mlfpm/deepof,
#   docker/download_models.py) and Dockerfiles that run `sha256sum -c` on the download.
# - sam_vit_b and sam_vit_l: several unrelated download scripts and model manifests that
#   pin hash and size together (SAM/ComfyUI setup scripts checking sha256, a Hi-SAM
#   download script, Fooocus-family model manifests).
# Sizes: 375042383 / 1249524607 / 2564550879 bytes for ViT-B/L/H and 40728226 for
# mobile_sam.pt, each given by at least two of those manifests.
# nano is bundled: made by `python -m samtrack.models.nano.train` (which prints its hash);
# its hash is pinned here and checked before every load, like a download's.
_FAIR = "https://dl.fbaipublicfiles.com/segment_anything/"

REGISTRY: dict[str, ModelInfo] = {
    info.name: info
    for info in (
        ModelInfo(
            name="sam_vit_b",
            filename="sam_vit_b_01ec64.pth",
            url=_FAIR + "sam_vit_b_01ec64.pth",
            sha256="ec2df62732614e57411cdcf32a23ffdf28910380d03139ee0f4fcbe91eb8c912",
            size=375_042_383,
            architecture="sam_vit_b",
            description="Segment Anything ViT-B (91M parameters), the fastest official SAM",
        ),
        ModelInfo(
            name="sam_vit_l",
            filename="sam_vit_l_0b3195.pth",
            url=_FAIR + "sam_vit_l_0b3195.pth",
            sha256="3adcc4315b642a4d2101128f611684e8734c41232a17c648ed1693702a49a622",
            size=1_249_524_607,
            architecture="sam_vit_l",
            description="Segment Anything ViT-L (308M parameters)",
        ),
        ModelInfo(
            name="sam_vit_h",
            filename="sam_vit_h_4b8939.pth",
            url=_FAIR + "sam_vit_h_4b8939.pth",
            sha256="a7bf3b02f3ebf1267aba913ff637d9a2d5c33d3173bb679e46d9f338c26f262e",
            size=2_564_550_879,
            architecture="sam_vit_h",
            description="Segment Anything ViT-H (636M parameters), the most accurate official SAM",
        ),
        ModelInfo(
            name="mobile_sam",
            filename="mobile_sam.pt",
            url="https://github.com/ChaoningZhang/MobileSAM/raw/master/weights/mobile_sam.pt",
            sha256="6dbb90523a35330fedd7f1d3dfc66f995213d81b29a5ca8108dbcdd4e37d6c2f",
            size=40_728_226,
            architecture="mobile_sam",
            description="MobileSAM: TinyViT encoder distilled from ViT-H, SAM's decoder",
        ),
        ModelInfo(
            name="nano",
            filename="nano.pt",
            url=None,
            sha256="1a3eb5defc3a4b18cf6520844984bcea2884c27d5e5e32289bdceabd69149da9",
            size=3_822_843,
            architecture=None,
            description="tiny SAM trained on synthetic scenes, bundled; for demos and tests",
        ),
    )
}


# --------------------------------------------------------------------------- local files


def cache_dir() -> Path:
    """Where downloaded weights live: ``$SAMTRACK_HOME`` or ``~/.cache/samtrack``.

    The folder need not exist yet, but it must be able to: a file at that path (or at
    one of its parents) is a :class:`SamtrackError`.
    """
    home = os.environ.get("SAMTRACK_HOME")
    default = Path.home() / ".cache" / "samtrack"
    path = Path(home).expanduser() if home else default
    blocker = next((p for p in (path, *path.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        if not home:
            raise SamtrackError(
                f"the weights cache {path} cannot be created: {blocker} is a file, not a "
                "folder; move that file away or set SAMTRACK_HOME to a folder"
            )
        what = "SAMTRACK_HOME is" if blocker == path else f"SAMTRACK_HOME ({path}) is inside"
        raise SamtrackError(
            f"{what} a file, not a folder: {blocker}; set SAMTRACK_HOME to a folder for "
            f"downloaded weights (created if missing), or unset it to use {default}"
        )
    return path


def get_info(name: str) -> ModelInfo:
    """The registry entry of ``name``; an unknown name is a :class:`SamtrackError`."""
    if name not in REGISTRY:
        raise SamtrackError(
            f"unknown model {name!r}; known models: {', '.join(REGISTRY)} "
            "(or give the path of a checkpoint file)"
        )
    return REGISTRY[name]


def local_path(name: str) -> Path:
    """Where the weights of ``name`` are (bundled) or will be (cached) on this machine."""
    info = get_info(name)
    if info.bundled:
        return Path(str(resources.files("samtrack.models").joinpath(name, info.filename)))
    return cache_dir() / info.filename


def is_cached(name: str) -> bool:
    """Whether the weights of ``name`` are on this machine (bundled ones always should be)."""
    return local_path(name).is_file()


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _stamp(path: Path, sha256: str) -> str:
    stat = path.stat()
    return f"{sha256} {stat.st_size} {stat.st_mtime_ns}\n"


def _write_marker(path: Path, sha256: str) -> None:
    """Remember that ``path`` was verified (best effort: a read-only cache just re-hashes)."""
    from ..io import atomic

    try:
        atomic.write_text(_marker(path), _stamp(path, sha256))
    except OSError:
        pass


def _one_line(error: BaseException | str, limit: int = 200) -> str:
    text = str(error).strip().splitlines()
    line = text[0].strip() if text else type(error).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def sha256_file(path: Path, progress: bool = False) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks."""
    from tqdm.auto import tqdm

    digest = hashlib.sha256()
    with (
        open(path, "rb") as f,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=f"verifying {path.name}",
            disable=not progress,
        ) as bar,
    ):
        while block := f.read(1 << 20):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def verify(name: str, path: Path, progress: bool = True) -> None:
    """Check a local copy of ``name`` against its pinned SHA-256, hashing it only once."""
    info = get_info(name)
    if info.sha256 is None:
        return
    try:
        if _marker(path).read_text() == _stamp(path, info.sha256):
            return
    except OSError:
        pass
    size = path.stat().st_size
    if info.size is not None and size != info.size:
        raise SamtrackError(
            f"{path} has {size} bytes but {info.filename} has {info.size}: delete it and run "
            f"again to download it, or fetch it from {info.url}"
        )
    digest = sha256_file(path, progress)
    if digest != info.sha256:
        raise SamtrackError(
            f"{path} does not match the SHA-256 of {info.filename} (got {digest}, expected "
            f"{info.sha256}): delete it and run again to download it, or fetch it from {info.url}"
        )
    _write_marker(path, info.sha256)


def download(url: str, dest: Path, sha256: str | None = None, progress: bool = True) -> str:
    """Download ``url`` to ``dest`` with a progress bar; returns the file's SHA-256.

    The bytes go to a temporary file next to ``dest``, which replaces ``dest`` only when
    complete and (if ``sha256`` is given) matching; otherwise it is deleted and the error
    raised (a wrong hash is a :class:`SamtrackError`; network errors are ``OSError``).
    """
    from tqdm.auto import tqdm

    from ..io import atomic

    digest = hashlib.sha256()
    with atomic.atomic_path(dest) as tmp:
        with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=dest.name,
                disable=not progress,
            ) as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        got = digest.hexdigest()
        if sha256 is not None and got != sha256:
            raise SamtrackError(
                f"the download of {dest.name} from {url} has SHA-256 {got}, expected {sha256}; "
                "nothing was saved"
            )
    return got


def fetch(name: str, progress: bool = True) -> Path:
    """The verified local file of model ``name``, downloading it first if needed."""
    info = get_info(name)
    path = local_path(name)
    if info.bundled:
        if not path.is_file():
            raise SamtrackError(
                f"the bundled model {name} is missing from this installation (no {path}); "
                "reinstall samtrack"
            )
        if info.sha256 is not None and sha256_file(path, False) != info.sha256:
            raise SamtrackError(
                f"the bundled model file {path} does not match its pinned SHA-256; reinstall "
                "samtrack (or, after retraining it, pin the new hash in samtrack.models.registry)"
            )
        return path
    assert info.url is not None
    if path.is_file():
        verify(name, path, progress)
        return path
    try:
        digest = download(info.url, path, info.sha256, progress)
    except SamtrackError:
        raise
    except (OSError, ValueError) as e:  # URLError, HTTPError, timeouts, a bad address
        raise SamtrackError(
            f"cannot download {info.filename} from {info.url} ({_one_line(e)}); "
            f"download it yourself and put it at {path}, or try samtrack offline with the "
            "bundled model: --model nano (model='nano' in Python)"
        ) from None
    _write_marker(path, digest)
    return path


# --------------------------------------------------------------------------- checkpoints


# The start of every file written by ``torch.save``: a zip archive (the format since
# torch 1.6), or, in the legacy format, a pickle of this magic number.
_ZIP_MAGIC = b"PK\x03\x04"
_LEGACY_MAGIC = (0x1950A86A20F9469CFC6C).to_bytes(10, "little")
_AGAIN = "download or save it again"
_TORCH_FILE = "give a .pt or .pth file written by torch.save, such as a SAM or MobileSAM release"


def _what_it_is(head: bytes) -> str:
    """What a file that is no PyTorch checkpoint looks like, from its first bytes."""
    text = head.lstrip()[:64].lower()
    if head.startswith(b"\x80") and len(head) > 1 and 2 <= head[1] <= 5:
        return "a plain Python pickle, not written by torch.save"
    if text.startswith(b"<"):
        return "an HTML or XML page, perhaps saved by a failed download"
    if text.startswith(b"version https://git-lfs"):
        return "a Git LFS pointer, not the file itself: fetch it with git lfs pull"
    if len(head) >= 10 and head[8:10] == b'{"':
        return "a safetensors file"
    if head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        return "an empty or split zip archive"
    return f"neither a zip archive nor a pickle; it starts with {head[:8].hex(' ')}"


def _unreadable(path: Path, error: BaseException) -> SamtrackError:
    """An accurate one-line error for a file that ``torch.load`` refused."""
    import zipfile

    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as e:
        return SamtrackError(f"cannot read checkpoint {path}: {e.strerror or _one_line(e)}")
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(error))
    if size == 0:
        return SamtrackError(f"{path} is empty (0 bytes): it holds no weights; {_AGAIN}")
    if head.startswith(_ZIP_MAGIC):
        if not zipfile.is_zipfile(path):
            return SamtrackError(
                f"{path} is truncated: a PyTorch checkpoint cut off at {size} bytes (its zip "
                f"archive has no end); {_AGAIN}"
            )
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
                if not any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
                    more = ", ..." if len(names) > 3 else ""
                    return SamtrackError(
                        f"{path} is not a PyTorch checkpoint (a zip archive without data.pkl, "
                        f"holding {', '.join(names[:3]) or 'nothing'}{more}); {_TORCH_FILE}"
                    )
                bad = archive.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
            return SamtrackError(
                f"{path} is corrupt: a damaged zip archive ({_one_line(e)}); {_AGAIN}"
            )
        if bad is not None:
            return SamtrackError(f"{path} is corrupt: {bad} in it fails its CRC check; {_AGAIN}")
    elif _LEGACY_MAGIC not in head:
        return SamtrackError(
            f"{path} is not a PyTorch checkpoint ({_what_it_is(head)}); {_TORCH_FILE}"
        )
    elif isinstance(error, EOFError) or re.search(
        r"unexpected EOF|ran out of input", text, re.IGNORECASE
    ):
        return SamtrackError(
            f"{path} is truncated: a PyTorch checkpoint (legacy format) that ends early at "
            f"{size} bytes; {_AGAIN}"
        )
    found = re.search(r"WeightsUnpickler error:\s*(.*?)(?:\. |\n|$)", text)
    if found and found.group(1).startswith("Unsupported global"):
        return SamtrackError(
            f"{path} holds more than weights ({found.group(1)}); samtrack loads weights only "
            "(torch.load with weights_only=True): save the model's state_dict() instead"
        )
    if found:
        return SamtrackError(
            f"{path} is corrupt: its pickled data does not parse ({found.group(1)}); {_AGAIN}"
        )
    return SamtrackError(f"cannot read checkpoint {path}: {_one_line(text)}")


def _kind(obj: object) -> str:
    """'a list', 'an int', 'a Tensor', ... for messages."""
    name = type(obj).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def _not_a_state_dict(state: object, stored: bool) -> str | None:
    """Why ``state`` is not a state dict (names to tensors), or None when it is one."""
    import torch

    what = "its 'state_dict' is" if stored else "it holds"
    if not isinstance(state, Mapping):
        return f"{what} {_kind(state)}"
    if not state:
        return f"{what} an empty dict"
    for key, value in state.items():
        if not isinstance(key, str):
            return f"{what} a dict with a key {key!r} that is not a tensor name"
        if not isinstance(value, torch.Tensor):
            return f"{what} a dict whose {key!r} is {_kind(value)}, not a tensor"
    return None


def _first_non_finite(state: Mapping[str, torch.Tensor]) -> tuple[str, int] | None:
    """The first tensor holding NaN or inf and how many it holds, or None."""
    import torch

    for key, value in state.items():
        if value.is_floating_point() or value.is_complex():
            finite = torch.isfinite(value)
            if not finite.all():
                return key, int(finite.numel() - finite.sum())
    return None


def read_checkpoint(
    path: str | os.PathLike[str], check_finite: bool = True
) -> tuple[SamConfig | None, dict[str, torch.Tensor]]:
    """The config (None for a plain state dict) and state dict stored in a checkpoint file.

    check_finite: refuse weights with NaN or inf (one pass over every tensor; skipped for
    files verified against a pinned SHA-256).
    """
    import torch

    from .build import SamConfig

    path = Path(path)
    if not path.is_file():
        raise SamtrackError(f"checkpoint not found: {path}")
    # torch.__version__ (a str subclass) is often saved as metadata: harmless, so allowed.
    safe = getattr(torch.serialization, "safe_globals", None)
    allow = safe([torch.torch_version.TorchVersion]) if safe else contextlib.nullcontext()
    try:
        with warnings.catch_warnings(), allow:  # e.g. about the pickle protocol of a foreign file
            warnings.filterwarnings("ignore", category=UserWarning, module=r"torch\.")
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 (torch raises many kinds for a bad file)
        raise _unreadable(path, e) from None
    config_data = None
    state = obj
    stored = isinstance(obj, Mapping) and "state_dict" in obj
    if stored:
        state, config_data = obj["state_dict"], obj.get("config")
    why = _not_a_state_dict(state, stored)
    if why is not None:
        raise SamtrackError(
            f"{path} is not a SAM checkpoint: {why}; expected a state dict (tensor names to "
            "tensors) or a dict with 'config' and 'state_dict'"
        )
    bad = _first_non_finite(state) if check_finite else None
    if bad is not None:
        key, count = bad
        raise SamtrackError(
            f"{path} has non-finite weights: {key} holds {count} NaN or inf of "
            f"{state[key].numel()} values; the file is corrupt or from a diverged training "
            "run: use another checkpoint"
        )
    config = None
    if config_data is not None:
        try:
            config = SamConfig.from_dict(dict(config_data))
        except (TypeError, ValueError) as e:
            raise SamtrackError(f"{path} has an invalid config: {_one_line(e)}") from None
    return config, dict(state)


_ENC = "image_encoder."
_VIT_KEY = _ENC + "patch_embed.proj.weight"
_TINY_VIT_KEY = _ENC + "layers.0.blocks.0.conv1.c.weight"


def _count(state: Mapping[str, Any], prefix: str) -> int:
    """Number of numbered children ``prefix<i>.`` (0..n-1) among the keys."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    found = {int(m.group(1)) for key in state if (m := pattern.match(key))}
    return max(found) + 1 if found else 0


def _shape(state: Mapping[str, Any], key: str) -> tuple[int, ...]:
    return tuple(int(d) for d in state[key].shape)


def _infer_vit(state: Mapping[str, Any]) -> dict[str, Any]:
    embed_dim, in_chans, patch_size, _ = _shape(state, _VIT_KEY)
    depth = _count(state, _ENC + "blocks.")
    if depth == 0:
        raise ValueError("a ViT encoder without blocks")
    if _ENC + "pos_embed" not in state or _ENC + "blocks.0.attn.rel_pos_h" not in state:
        raise ValueError("a ViT encoder without absolute and relative position embeddings")
    grid = _shape(state, _ENC + "pos_embed")[1]
    head_dim = _shape(state, _ENC + "blocks.0.attn.rel_pos_h")[1]
    # A block's relative-position table has 2*n-1 rows for its attention span n: the
    # whole grid for global blocks, the window for windowed ones.
    spans = [(_shape(state, f"{_ENC}blocks.{i}.attn.rel_pos_h")[0] + 1) // 2 for i in range(depth)]
    windows = {s for s in spans if s != grid}
    if len(windows) > 1:
        raise ValueError(f"ViT blocks with several window sizes {sorted(windows)}")
    kwargs: dict[str, Any] = {
        "img_size": grid * patch_size,
        "patch_size": patch_size,
        "embed_dim": embed_dim,
        "depth": depth,
        "num_heads": embed_dim // head_dim,
        "mlp_ratio": _shape(state, _ENC + "blocks.0.mlp.lin1.weight")[0] / embed_dim,
        "out_chans": _shape(state, _ENC + "neck.0.weight")[0],
        "qkv_bias": _ENC + "blocks.0.attn.qkv.bias" in state,
        "use_rel_pos": True,
        "window_size": windows.pop() if windows else 0,
        "global_attn_indexes": [i for i, s in enumerate(spans) if s == grid],
    }
    if in_chans != 3:
        kwargs["in_chans"] = in_chans
    return kwargs


def _infer_tiny_vit(state: Mapping[str, Any]) -> dict[str, Any]:
    stages = _count(state, _ENC + "layers.")
    if stages < 2:
        raise ValueError("a TinyViT encoder without attention stages")
    embed_dims = [_shape(state, _ENC + "patch_embed.seq.2.c.weight")[0]]
    depths = [_count(state, _ENC + "layers.0.blocks.")]
    num_heads: list[int] = []
    window_sizes: list[int] = []
    for i in range(1, stages):
        block = f"{_ENC}layers.{i}.blocks.0."
        embed_dims.append(_shape(state, block + "attn.qkv.weight")[1])
        depths.append(_count(state, f"{_ENC}layers.{i}.blocks."))
        heads, area = _shape(state, block + "attn.attention_biases")
        num_heads.append(heads)
        window_sizes.append(math.isqrt(area))
    # Stage 0 is convolutional: its heads and window are unused and not in the weights.
    # It gets stage 1's head width and window, as in the MobileSAM release.
    num_heads.insert(0, max(1, embed_dims[0] // (embed_dims[1] // num_heads[0])))
    window_sizes.insert(0, window_sizes[0])
    first = _ENC + "layers.1.blocks.0."
    kwargs: dict[str, Any] = {
        "img_size": 1024,  # TinyViT has no position embeddings: SAM's input size is assumed
        "num_classes": _shape(state, _ENC + "head.weight")[0]
        if _ENC + "head.weight" in state
        else 0,
        "embed_dims": embed_dims,
        "depths": depths,
        "num_heads": num_heads,
        "window_sizes": window_sizes,
        "mlp_ratio": _shape(state, first + "mlp.fc1.weight")[0] / embed_dims[1],
        "mbconv_expand_ratio": _shape(state, _TINY_VIT_KEY)[0] / embed_dims[0],
        "local_conv_size": _shape(state, first + "local_conv.c.weight")[-1],
    }
    out_chans = _shape(state, _ENC + "neck.0.weight")[0]
    if out_chans != 256:
        kwargs["out_chans"] = out_chans
    in_chans = _shape(state, _ENC + "patch_embed.seq.0.c.weight")[1]
    if in_chans != 3:
        kwargs["in_chans"] = in_chans
    return kwargs


def _infer_decoder(state: Mapping[str, Any]) -> dict[str, Any]:
    # decoder_num_heads is not recorded in the weights; every SAM release uses the default 8.
    return {
        "prompt_embed_dim": _shape(state, "prompt_encoder.no_mask_embed.weight")[1],
        "mask_in_chans": _shape(state, "prompt_encoder.mask_downscaling.3.weight")[0],
        "decoder_depth": _count(state, "mask_decoder.transformer.layers."),
        "decoder_mlp_dim": _shape(state, "mask_decoder.transformer.layers.0.mlp.lin1.weight")[0],
        "iou_head_depth": _count(state, "mask_decoder.iou_prediction_head.layers."),
        "iou_head_hidden_dim": _shape(state, "mask_decoder.iou_prediction_head.layers.0.weight")[0],
        "num_multimask_outputs": _shape(state, "mask_decoder.mask_tokens.weight")[0] - 1,
    }


def infer_config(state: Mapping[str, Any], source: str = "the checkpoint") -> SamConfig:
    """The architecture of a plain SAM state dict, read off its key names and shapes.

    ViT encoders (SAM ViT-B/L/H and smaller ones built the same way) are recognised by
    ``image_encoder.patch_embed.proj.weight``, TinyViT (MobileSAM) by
    ``image_encoder.layers.0.blocks.0.conv1.c.weight``. What the weights do not record
    (decoder attention heads, TinyViT's input size and merge strides) takes the value of
    every official release. The official checkpoints give exactly their ``PRESETS``.
    """
    from .build import SamConfig

    try:
        if _TINY_VIT_KEY in state:
            encoder, kwargs = "tiny_vit", _infer_tiny_vit(state)
        elif _VIT_KEY in state:
            encoder, kwargs = "vit", _infer_vit(state)
        else:
            raise ValueError("no ViT or TinyViT image encoder weights")
        decoder = _infer_decoder(state)
    except KeyError as e:
        raise SamtrackError(f"{source} has an unknown architecture: no {e.args[0]}") from None
    except (ValueError, ZeroDivisionError) as e:
        raise SamtrackError(f"{source} has an unknown architecture: {_one_line(e)}") from None
    return SamConfig(encoder=encoder, encoder_kwargs=kwargs, **decoder)


def _mismatch(expected: Mapping[str, Any], state: Mapping[str, Any]) -> str:
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    shapes = [k for k in expected if k in state and expected[k].shape != state[k].shape]
    parts = [
        f"{len(keys)} {what} (first: {keys[0]})"
        for keys, what in ((missing, "missing"), (unexpected, "unexpected"))
        if keys
    ]
    if shapes:
        first = shapes[0]
        want, got = (
            " x ".join(map(str, t.shape)) or "scalar" for t in (expected[first], state[first])
        )
        parts.append(
            f"{len(shapes)} with other shapes (first: {first}, {want} in the architecture, "
            f"{got} in the file)"
        )
    return "; ".join(parts) or "the weights do not load"


# Bounds of a config's numbers, checked before anything is built: far above every SAM
# release (ViT-H: 1280 wide, 32 blocks, 1024 px; MobileSAM: 1000 classes).
_MAX_INT = 1 << 16
_MAX_IMG_SIZE = 8192
_MAX_RATIO = 64.0
_MAX_LIST = 64
# Config entries that count modules: each module has weights, so none can exceed the
# number of tensors in the file.
_COUNTS = ("depth", "depths", "decoder_depth", "iou_head_depth", "num_multimask_outputs")
# Values a model may hold beyond its weights (buffers such as attention-bias indices).
_MAX_EXTRA_VALUES = 1 << 24


def _config_numbers(data: Any, name: str) -> Iterator[tuple[str, Any]]:
    """(dotted name, value) of every number in a config, lists and dicts unrolled."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _config_numbers(value, f"{name}.{key}" if name else str(key))
    elif isinstance(data, (list, tuple)):
        if len(data) > _MAX_LIST:
            yield f"len({name})", len(data)
        for i, value in enumerate(data[:_MAX_LIST]):
            yield from _config_numbers(value, f"{name}[{i}]")
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield name, data


def _implausible(config: SamConfig, state: Mapping[str, Any]) -> str | None:
    """Why ``config`` cannot describe ``state`` by its numbers alone, or None."""
    for name, value in _config_numbers(config.to_dict(), ""):
        leaf = re.sub(r"\[\d+\]$", "", name).rsplit(".", 1)[-1]
        if name.startswith("len("):
            limit: float = _MAX_LIST
        elif isinstance(value, float):
            limit = _MAX_RATIO
        elif leaf == "img_size":
            limit = _MAX_IMG_SIZE
        elif leaf in _COUNTS:
            limit = min(_MAX_INT, len(state))
        else:
            limit = _MAX_INT
        if not (math.isfinite(value) and 0 <= value <= limit):
            bound = (
                f"the file holds {len(state)} tensors"
                if limit == len(state)
                else f"at most {limit}"
            )
            return f"{name} = {value} ({bound})"
    return None


def check_config(
    config: SamConfig, state: Mapping[str, Any], source: str = "the checkpoint"
) -> None:
    """Refuse a config that does not describe ``state`` before building anything.

    Its numbers must be plausible (bounded; no more blocks than the file has tensors);
    then the model is built on the ``meta`` device (no memory for weights; the first time,
    torch loads its meta kernels: about 1 s and 70 MB) and its tensor names and shapes
    must be those of ``state``, and it may hold few values beyond them.
    """
    import torch

    from .build import build_sam

    why = _implausible(config, state)
    if why is not None:
        raise SamtrackError(
            f"{source} has an implausible config: {why}; it cannot describe the weights in "
            "the file: fix the config or use another checkpoint"
        )
    try:
        with torch.device("meta"):
            model = build_sam(config)
    except (TypeError, ValueError, KeyError, IndexError, RuntimeError, ZeroDivisionError) as e:
        raise SamtrackError(f"{source}: cannot build its architecture: {_one_line(e)}") from None
    expected = model.state_dict()
    if expected.keys() != state.keys() or any(
        expected[k].shape != state[k].shape for k in expected
    ):
        raise SamtrackError(f"{source} does not fit its architecture: {_mismatch(expected, state)}")
    extra = sum(b.numel() for b in model.buffers()) + sum(p.numel() for p in model.parameters())
    extra -= sum(t.numel() for t in expected.values())
    if extra > _MAX_EXTRA_VALUES:
        raise SamtrackError(
            f"{source} has an implausible config: its architecture needs {extra} values beyond "
            f"its weights (at most {_MAX_EXTRA_VALUES}): fix the config or use another checkpoint"
        )


def build_from_checkpoint(
    path: str | os.PathLike[str], config: SamConfig | None = None, verified: bool = False
) -> Sam:
    """A :class:`Sam` with the weights of a checkpoint file, on the CPU, in eval mode.

    ``config``: the architecture, when known (registry entries); otherwise the one stored
    in the file, checked against its weights before anything is built
    (:func:`check_config`), or the one inferred from its state dict (which fits it by
    construction). ``verified``: the file matched a pinned SHA-256, so its weights are
    known to be finite and its config to fit them; both checks are skipped.
    """
    from .build import build_sam

    stored, state = read_checkpoint(path, check_finite=not verified)
    if config is None and stored is not None and not verified:
        check_config(stored, state, source=str(path))
    config = config or stored or infer_config(state, source=str(path))
    try:
        model = build_sam(config)
    except (TypeError, ValueError, KeyError) as e:
        raise SamtrackError(f"{path}: cannot build its architecture: {_one_line(e)}") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError:
        raise SamtrackError(
            f"{path} does not fit its architecture: {_mismatch(model.state_dict(), state)}"
        ) from None
    return model.eval()


def _looks_like_path(text: str) -> bool:
    return "/" in text or os.sep in text or text.endswith((".pt", ".pth", ".ckpt", ".bin"))


def resolve_checkpoint(name_or_path: str | os.PathLike[str], progress: bool = True) -> Path:
    """The local checkpoint file of a registry name (fetched if needed) or of a path."""
    text = os.fspath(name_or_path)
    if text in REGISTRY:
        return fetch(text, progress)
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if path.exists():
        raise SamtrackError(f"checkpoint {path} is not a file")
    if _looks_like_path(text):
        raise SamtrackError(f"checkpoint not found: {path}")
    get_info(text)  # raises: unknown model, with the list of known ones
    raise AssertionError("unreachable")


def check_device(device: str = "auto") -> torch.device:
    """``auto`` / ``cpu`` / ``cuda[:N]`` / ``mps`` as a usable torch device, or a SamtrackError."""
    import torch

    from .predictor import pick_device

    try:
        dev = pick_device(device)
    except (RuntimeError, ValueError):
        raise SamtrackError(f"unknown device {device!r}; use auto, cpu, cuda or mps") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SamtrackError(f"device {device!r} is not available: torch sees no CUDA GPU")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise SamtrackError(f"device {device!r} is not available on this machine")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise SamtrackError(f"unsupported device {device!r}; use auto, cpu, cuda or mps")
    return dev


def load_model(
    name_or_path: str | os.PathLike[str] = "nano", device: str = "auto", progress: bool = True
) -> Sam:
    """A SAM model in eval mode on ``device``, from a registry name or a checkpoint path.

    A registry name is fetched (downloaded once, verified) and built with its preset
    architecture (nano: the config stored in its checkpoint); a path is a plain state dict
    (architecture inferred) or a ``{"config", "state_dict"}`` dict. Weights stay float32:
    lower precision is the :class:`~samtrack.models.predictor.Predictor`'s ``dtype``
    (autocast of the image encoder). Every failure is a one-line :class:`SamtrackError`.
    """
    from .build import PRESETS

    dev = check_device(device)
    path = resolve_checkpoint(name_or_path, progress)
    info = REGISTRY.get(os.fspath(name_or_path))
    config = PRESETS[info.architecture] if info and info.architecture else None
    verified = info is not None and info.sha256 is not None  # fetch() checked its SHA-256
    return build_from_checkpoint(path, config, verified).to(dev)


def load_predictor(
    name_or_path: str | os.PathLike[str] = "nano",
    device: str = "auto",
    dtype: str = "float32",
    progress: bool = True,
    compile: bool = False,
    image_size: int | None = None,
) -> Predictor:
    """:func:`load_model` wrapped in a :class:`~samtrack.models.predictor.Predictor`.

    dtype: ``float32``, ``bfloat16`` or ``float16``, the image encoder's precision.
    compile: run the image encoder through ``torch.compile`` (see Predictor).
    image_size: the encoder's input side instead of the model's own (None), a multiple of
    its stride (16; nano: 8): faster, coarser masks (see ``Sam.set_input_size``).
    """
    from .predictor import DTYPES, Predictor

    if dtype not in DTYPES:
        raise SamtrackError(f"unknown dtype {dtype!r}; use {', '.join(DTYPES)}")
    model = load_model(name_or_path, device, progress)
    if image_size is not None:
        try:
            model.set_input_size(image_size)
        except ValueError as e:
            raise SamtrackError(f"image size (--image-size): {e}") from None
    return Predictor(model, device=check_device(device), dtype=dtype, compile=compile)
