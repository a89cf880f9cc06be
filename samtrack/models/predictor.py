"""Embed a frame once, then decode any number of prompts in bounded batches.

:class:`Predictor` is samtrack's :class:`~samtrack.types.Segmenter` for SAM models:
``embed(image) -> Embedding`` runs the image encoder; ``segment(embedding, prompts)``
decodes boxes, points and mask logits (mixed freely), ``prompt_chunk`` prompts per
decoder call, so that its working memory does not grow with the number of prompts (only
the results do); ``segment_everything(embedding)`` runs the automatic mask generator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import itertools
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import SamtrackWarning
from ..types import MaskCrops, Masks, Prompt
from .prompt_encoder import PAD
from .sam import Sam, preprocess_shape

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def pick_device(device: str | torch.device = "auto") -> torch.device:
    """'auto' -> cuda if available, else mps if available, else cpu."""
    if str(device) != "auto":
        return torch.device(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


@functools.cache
def keep_freed_memory() -> bool:
    """Have glibc's malloc keep freed memory for reuse instead of handing it back to the OS.

    The encoder allocates and frees tensors of tens of MB on every frame. By default glibc
    serves each from fresh ``mmap`` pages and unmaps it when freed, so every frame pays the
    page faults of touching that memory again: mobile_sam's encoder runs at 0.72x of its
    time without them on a 2-core CPU (BENCHMARKS.md, "The allocator"). The resident size
    stays at the run's peak, which a tracker reaches within its first frames. This is the
    mallopt equivalent of MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ (which only act
    at process start); jemalloc or tcmalloc preloaded do the same. Once per process; a no-op
    (False) where the C library is not glibc, or where SAMTRACK_MALLOC=default.
    """
    if os.environ.get("SAMTRACK_MALLOC") == "default":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's malloc.h
    largest = 2**31 - 1  # the options are C ints
    return bool(mallopt(m_trim_threshold, largest)) and bool(mallopt(m_mmap_threshold, largest))


def _point_slots(prompt: Prompt) -> int:
    """Point tokens of a prompt: its points, plus a pad point when it has points but no box."""
    k = 0 if prompt.points is None else len(prompt.points)
    return k + (1 if k and prompt.box is None else 0)


@dataclass
class Embedding:
    """The image encoder's output for one frame.

    features: 1 x C x E x E float32; original_size: frame (H, W);
    input_size: (h, w) of the frame resized so that its longest side is the model's S.
    """

    features: torch.Tensor
    original_size: tuple[int, int]
    input_size: tuple[int, int]


# Working memory of the mask decoder per prompt, in bytes per element of the image
# embedding (E x E x C): about eight float32 copies of the image tokens. Measured on the
# CPU: 2.9-3.8 MiB per prompt for nano (estimate 3 MiB), 20-28 MiB for the official SAM
# decoder (estimate 32 MiB).
_DECODER_BYTES = 32
# The decoder's working-memory budget per call. On the CPU (2-core AMD EPYC, 32 MiB L3;
# benchmarks/memory/many_prompts.py for the peak), larger batches are not faster: nano
# decodes 2.5-3.7 ms per prompt from 4 to 64 prompts per call, the SAM decoder 34 ms per
# prompt with 2 per call and 70-82 ms with 16-64 (its working set no longer fits the
# cache). An accelerator gets a larger budget: there, each call costs a launch overhead.
_CPU_BUDGET = 64 << 20
_ACCELERATOR_BUDGET = 2 << 30
MAX_PROMPT_CHUNK = 64


def default_prompt_chunk(model: Sam, device: torch.device) -> int:
    """Prompts per decoder call that keep its working memory within budget (1..64):
    21 for nano and 2 for SAM on the CPU, 64 for both on an accelerator."""
    (eh, ew), c = model.prompt_encoder.image_embedding_size, model.prompt_encoder.embed_dim
    budget = _CPU_BUDGET if device.type == "cpu" else _ACCELERATOR_BUDGET
    return max(1, min(MAX_PROMPT_CHUNK, budget // (_DECODER_BYTES * eh * ew * c)))


class Resampling:
    """The official mask post-processing along one axis as a matrix: bilinear from the
    low-res logits' ``low`` samples to the model's ``img`` input side, cut to the
    ``valid`` part that holds the frame, bilinear to the frame's ``out`` pixels.
    ``matrix`` (out x low) is made by running those two ``F.interpolate`` calls on the
    identity, so its weights are theirs; each output pixel mixes the low-res samples
    ``first[i]`` to ``last[i]`` (both non-decreasing in i)."""

    def __init__(self, low: int, img: int, valid: int, out: int) -> None:
        basis = torch.eye(low, dtype=torch.float64)[:, None, :]  # low x 1 x low
        up = F.interpolate(basis, size=img, mode="linear", align_corners=False)[..., :valid]
        self.matrix = F.interpolate(up, size=out, mode="linear", align_corners=False)[:, 0].T.float().contiguous()
        used = (self.matrix != 0).numpy()
        self.first = used.argmax(axis=1)
        self.last = low - 1 - used[:, ::-1].argmax(axis=1)

    def window(self, lo: int, hi: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """The output pixels [a, b) that mix any of the low-res samples [lo, hi), and the
        low-res samples [c, d) those pixels mix."""
        a = int(np.searchsorted(self.last, lo, side="left"))
        b = int(np.searchsorted(self.first, hi, side="left"))
        if b <= a:
            return (a, a), (lo, lo)
        return (a, b), (int(self.first[a]), int(self.last[b - 1]) + 1)


class Predictor:
    """SAM inference on frames: RGB uint8 H x W x 3 in, :class:`Masks` at frame size out.

    ``dtype`` applies to the image encoder (autocast); the decoder runs in float32.
    ``prompt_chunk``: prompts per decoder call in :meth:`segment` (default: as many as
    fit the decoder's memory budget, :func:`default_prompt_chunk`). It changes no result
    beyond float rounding, only the peak memory and the speed. Masks come out as
    :class:`~samtrack.types.MaskCrops`: each is upsampled to frame size only inside the
    window its low-res logits can reach (:meth:`upscale`). ``compile``: run the image encoder through
    ``torch.compile`` (same results; falls back to the plain encoder, with a warning,
    where compiling fails). ``image_size``: the encoder's input side instead of the
    model's own (see :meth:`Sam.set_input_size`; 512 for a 1024 model costs about a fifth
    of the encoder's time, and the masks are coarser: BENCHMARKS.md).
    """

    def __init__(
        self,
        model: Sam,
        device: str | torch.device = "auto",
        dtype: str = "float32",
        prompt_chunk: int | None = None,
        compile: bool = False,
        image_size: int | None = None,
    ) -> None:
        if dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
        if prompt_chunk is not None and prompt_chunk < 1:
            raise ValueError("prompt_chunk must be at least 1")
        self.device = pick_device(device)
        self.dtype = DTYPES[dtype]
        if self.device.type == "cpu":
            keep_freed_memory()
        self.model = model.to(self.device).eval()
        if image_size is not None:
            self.model.set_input_size(image_size)
        # Channels-last convolutions: TinyViT's encoder runs at 0.68x the time of the
        # default layout on the CPU (BENCHMARKS.md, "Encoders against the official ones").
        self.memory_format = torch.channels_last if self.device.type != "mps" else torch.contiguous_format
        self.model.image_encoder.to(memory_format=self.memory_format)
        # torch.compile: the encoder at 0.83x of its time for mobile_sam on the CPU, after
        # about 40 s of compiling on the first frame (BENCHMARKS.md); worth it on long runs.
        self._encoder = torch.compile(self.model.image_encoder) if compile else self.model.image_encoder
        self._upscale_cache: tuple[tuple, tuple[Resampling, Resampling]] | None = None
        self._pe_cache: tuple[tuple[int, int], torch.Tensor] | None = None
        self.prompt_chunk = prompt_chunk or default_prompt_chunk(self.model, self.device)

    @property
    def logit_size(self) -> int:
        return 4 * self.model.prompt_encoder.image_embedding_size[0]

    # -- encoder ------------------------------------------------------------------------

    def resize(self, image: np.ndarray) -> torch.Tensor:
        """RGB uint8 H x W x 3 -> float 3 x h x w, longest side = the model's input size.

        Bilinear with antialiasing, which reproduces the PIL resize of the official release.
        """
        h, w = image.shape[:2]
        new_h, new_w = preprocess_shape(h, w, self.model.img_size)
        x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None]
        if (new_h, new_w) != (h, w):
            x = F.interpolate(x, (new_h, new_w), mode="bilinear", antialias=True, align_corners=False)
        return x[0].float()

    @torch.inference_mode()
    def embed(self, image: np.ndarray) -> Embedding:
        """Run the image encoder on an RGB uint8 H x W x 3 frame."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 H x W x 3 image, got {image.dtype} {image.shape}")
        resized = self.resize(image)
        x = self.model.preprocess(resized.to(self.device)[None])
        x = x.contiguous(memory_format=self.memory_format)
        use_amp = self.dtype != torch.float32
        with torch.autocast(self.device.type, dtype=self.dtype, enabled=use_amp):
            features = self._encode(x)
        return Embedding(
            features=features.float(),
            original_size=(int(image.shape[0]), int(image.shape[1])),
            input_size=(int(resized.shape[1]), int(resized.shape[2])),
        )

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        if self._encoder is self.model.image_encoder:
            return self._encoder(x)
        try:
            return self._encoder(x)
        except Exception as e:  # noqa: BLE001 -- compiling needs a C++ compiler, and may fail on a platform
            warnings.warn(
                f"torch.compile failed ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
                "running the image encoder uncompiled",
                SamtrackWarning,
                stacklevel=3,
            )
            self._encoder = self.model.image_encoder
            return self._encoder(x)

    # -- decoder ------------------------------------------------------------------------

    def _scale(self, embedding: Embedding) -> np.ndarray:
        (h, w), (ih, iw) = embedding.original_size, embedding.input_size
        return np.array([iw / w, ih / h], dtype=np.float32)

    @staticmethod
    def token_layout(prompts: Sequence[Prompt]) -> tuple[int, bool]:
        """(point token slots, whether there are box tokens) that fit every prompt.

        A prompt with points but no box gets a pad point, as in the official release.
        """
        return max(map(_point_slots, prompts), default=0), any(p.box is not None for p in prompts)

    def encode_prompts(
        self,
        embedding: Embedding,
        prompts: Sequence[Prompt],
        layout: tuple[int, bool] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sparse tokens B x T x C, their mask B x T (False = batch padding), dense B x C x E x E
        (1 x C x E x E, shared, when no prompt has mask logits).

        Each prompt gets exactly the tokens it would get alone in the official release
        (points, a pad point when it has points but no box, two box corners); shorter
        prompts are padded with masked tokens, so batching does not change any result.
        ``layout``: the :meth:`token_layout` to use (default: the one of ``prompts``), so
        that every batch of a longer list gets the same token layout.
        """
        pe = self.model.prompt_encoder
        dev = self.device
        b = len(prompts)
        scale = self._scale(embedding)
        t_points, any_box = layout if layout is not None else self.token_layout(prompts)
        n_points = [0 if p.points is None else len(p.points) for p in prompts]
        n_slots = [_point_slots(p) for p in prompts]
        if max(n_slots) > t_points or (not any_box and any(p.box is not None for p in prompts)):
            raise ValueError("the token layout does not fit these prompts")
        coords = np.zeros((b, t_points, 2), dtype=np.float32)
        labels = np.full((b, t_points), PAD, dtype=np.int64)
        used = np.zeros((b, t_points), dtype=bool)
        for i, p in enumerate(prompts):
            if p.points is not None:
                coords[i, : n_points[i]] = p.points * scale
                labels[i, : n_points[i]] = p.labels
            used[i, : n_slots[i]] = True
        parts = [pe.embed_points(torch.from_numpy(coords).to(dev), torch.from_numpy(labels).to(dev))]
        masks = [torch.from_numpy(used).to(dev)]
        if any_box:
            has_box = np.array([p.box is not None for p in prompts])
            boxes = np.zeros((b, 4), dtype=np.float32)
            for i, p in enumerate(prompts):
                if p.box is not None:
                    boxes[i] = p.box * np.tile(scale, 2)
            parts.append(pe.embed_boxes(torch.from_numpy(boxes).to(dev)))
            masks.append(torch.from_numpy(np.repeat(has_box[:, None], 2, axis=1)).to(dev))
        sparse = torch.cat(parts, dim=1)
        token_mask = torch.cat(masks, dim=1)

        with_mask = [i for i, p in enumerate(prompts) if p.mask_logits is not None]
        dense = pe.no_mask_dense(b if with_mask else 1).clone()
        if with_mask:
            size = pe.mask_input_size
            logits = np.stack([np.asarray(prompts[i].mask_logits, dtype=np.float32) for i in with_mask])
            if logits.shape[1:] != size:
                raise ValueError(f"mask logits must be {size[0]} x {size[1]}, got {logits.shape[1:]}")
            dense[with_mask] = pe.embed_masks(torch.from_numpy(logits)[:, None].to(dev))
        return sparse, token_mask, dense

    @torch.inference_mode()
    def decode(
        self,
        embedding: Embedding,
        prompts: Sequence[Prompt],
        multimask: bool = False,
        layout: tuple[int, bool] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Low-res logits B x M x L x L and predicted IoU B x M for B prompts, one decoder call.

        Its memory grows with B (a few MB per prompt): :meth:`segment` calls it in chunks.
        """
        sparse, token_mask, dense = self.encode_prompts(embedding, prompts, layout)
        return self.model.mask_decoder(
            image_embeddings=embedding.features,
            image_pe=self._dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask,
            token_mask=token_mask,
        )

    def _dense_pe(self) -> torch.Tensor:
        """The prompt encoder's position encoding of the embedding grid, computed once
        (and again only if its weights or the grid change)."""
        gaussian = self.model.prompt_encoder.pe_layer.positional_encoding_gaussian_matrix
        key = (gaussian.data_ptr(), gaussian._version, self.model.prompt_encoder.image_embedding_size)
        if self._pe_cache is None or self._pe_cache[0] != key:
            self._pe_cache = (key, self.model.prompt_encoder.get_dense_pe())
        return self._pe_cache[1]

    @torch.inference_mode()
    def upscale(self, embedding: Embedding, low_res: torch.Tensor | np.ndarray) -> MaskCrops:
        """Boolean masks at frame size from low-res logits N x L x L, as crops.

        The official post-processing (bilinear to the model's input size, cut the padding,
        bilinear to the frame, threshold) is linear and separable per axis, so it is a
        matrix product per axis (:class:`Resampling`). A frame pixel can pass the
        threshold only where some low-res logit it mixes does, so each mask is computed
        only on the frame rows and columns that mix its positive low-res rows and
        columns: a 720p frame's 0.9 MB of float logits per mask and per candidate is a
        box's worth. Same masks as the dense computation up to float rounding.
        """
        key = (embedding.input_size, embedding.original_size, self.logit_size, self.model.img_size)
        if self._upscale_cache is None or self._upscale_cache[0] != key:
            img = self.model.img_size
            axes = tuple(
                Resampling(self.logit_size, img, embedding.input_size[k], embedding.original_size[k])
                for k in (0, 1)
            )
            self._upscale_cache = (key, axes)
        rows, cols = self._upscale_cache[1]
        threshold = float(self.model.mask_threshold)
        # torch's matrix products, not numpy's: numpy's BLAS threads would spin on the
        # cores the encoder's threads need next (it made whole runs 3x slower)
        low_res = torch.as_tensor(low_res).detach().float().cpu()
        positive = (low_res > threshold).numpy()
        crops, origins = [], []
        for logits, inside in zip(low_res, positive):
            ys, xs = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
            if not len(ys):
                crops.append(np.zeros((0, 0), bool))
                origins.append((0, 0))
                continue
            (y1, y2), (ly1, ly2) = rows.window(ys[0], ys[-1] + 1)
            (x1, x2), (lx1, lx2) = cols.window(xs[0], xs[-1] + 1)
            values = rows.matrix[y1:y2, ly1:ly2] @ logits[ly1:ly2, lx1:lx2] @ cols.matrix[x1:x2, lx1:lx2].T
            crops.append((values > threshold).numpy())
            origins.append((x1, y1))
        return MaskCrops(crops, origins, embedding.original_size)

    @torch.inference_mode()
    def segment(
        self, embedding: Embedding, prompts: Sequence[Prompt], multimask: bool = False
    ) -> Masks:
        """Masks for each prompt (three candidates each with ``multimask``), in prompt order.

        ``prompt_index`` and ``track_id`` of the result trace every mask to its prompt.
        Prompts are decoded at most ``prompt_chunk`` at a time, all with one token layout,
        so the result is the one of a single decoder call (up to float rounding), while
        the decoder's intermediates exist for one chunk only: the peak memory is the result
        (N masks as box crops, N x L x L logits) plus a constant.
        """
        h, w = embedding.original_size
        if not prompts:
            return Masks.empty(h, w, logit_size=self.logit_size)
        b, size = len(prompts), self.logit_size
        m = self.model.mask_decoder.num_mask_tokens - 1 if multimask else 1
        masks = []
        logits = np.empty((b * m, size, size), dtype=np.float32)
        scores = np.empty(b * m, dtype=np.float32)
        layout = self.token_layout(prompts)
        # Chunks of equal size (within one): no small last chunk, whose matrix products
        # could round differently from the others'.
        n_chunks = -(-b // self.prompt_chunk)
        bounds = [b * i // n_chunks for i in range(n_chunks + 1)]
        for start, stop in itertools.pairwise(bounds):
            part = prompts[start:stop]
            low_res, iou = self.decode(embedding, part, multimask, layout)
            low_res = low_res.reshape(len(part) * m, size, size)
            rows = slice(start * m, (start + len(part)) * m)
            logits[rows] = low_res.float().cpu().numpy()
            masks.append(self.upscale(embedding, logits[rows]))
            scores[rows] = iou.reshape(-1).float().cpu().numpy()
        prompt_index = np.repeat(np.arange(b), m)
        track_ids = np.array([-1 if p.track_id is None else p.track_id for p in prompts])
        crops = MaskCrops.concatenate(masks)
        return Masks(
            masks=crops,
            boxes=crops.boxes,
            scores=scores,
            logits=logits,
            prompt_index=prompt_index,
            track_id=track_ids[prompt_index],
        )

    def segment_everything(
        self, embedding: Embedding, points: np.ndarray | None = None, **options: object
    ) -> Masks:
        """All objects of the frame, or those at ``points`` (N x 2 xy pixels) instead of
        the grid: see :class:`~samtrack.models.automatic.AutomaticMaskGenerator`."""
        from .automatic import AutomaticMaskGenerator, GeneratorConfig

        generator = AutomaticMaskGenerator(self, GeneratorConfig(**options))  # type: ignore[arg-type]
        return generator.generate(embedding, points)
