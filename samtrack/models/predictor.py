"""Embed a frame once, then decode any batch of prompts in one forward pass.

:class:`Predictor` is samtrack's :class:`~samtrack.types.Segmenter` for SAM models:
``embed(image) -> Embedding`` runs the image encoder; ``segment(embedding, prompts)``
decodes boxes, points and mask logits (mixed freely) in a single decoder call;
``segment_everything(embedding)`` runs the automatic mask generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..types import Masks, Prompt, mask_to_box_xyxy
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


@dataclass
class Embedding:
    """The image encoder's output for one frame.

    features: 1 x C x E x E float32; original_size: frame (H, W);
    input_size: (h, w) of the frame resized so that its longest side is the model's S.
    """

    features: torch.Tensor
    original_size: tuple[int, int]
    input_size: tuple[int, int]


class Predictor:
    """SAM inference on frames: RGB uint8 H x W x 3 in, :class:`Masks` at frame size out.

    ``dtype`` applies to the image encoder (autocast); the decoder runs in float32.
    """

    def __init__(
        self,
        model: Sam,
        device: str | torch.device = "auto",
        dtype: str = "float32",
        mask_chunk: int = 16,
    ) -> None:
        if dtype not in DTYPES:
            raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
        self.device = pick_device(device)
        self.dtype = DTYPES[dtype]
        self.model = model.to(self.device).eval()
        self.mask_chunk = mask_chunk

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
        use_amp = self.dtype != torch.float32
        with torch.autocast(self.device.type, dtype=self.dtype, enabled=use_amp):
            features = self.model.image_encoder(x)
        return Embedding(
            features=features.float(),
            original_size=(int(image.shape[0]), int(image.shape[1])),
            input_size=(int(resized.shape[1]), int(resized.shape[2])),
        )

    # -- decoder ------------------------------------------------------------------------

    def _scale(self, embedding: Embedding) -> np.ndarray:
        (h, w), (ih, iw) = embedding.original_size, embedding.input_size
        return np.array([iw / w, ih / h], dtype=np.float32)

    def encode_prompts(
        self, embedding: Embedding, prompts: Sequence[Prompt]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sparse tokens B x T x C, their mask B x T (False = batch padding), dense B x C x E x E.

        Each prompt gets exactly the tokens it would get alone in the official release
        (points, a pad point when it has points but no box, two box corners); shorter
        prompts are padded with masked tokens, so batching does not change any result.
        """
        pe = self.model.prompt_encoder
        dev = self.device
        b = len(prompts)
        scale = self._scale(embedding)
        n_points = [0 if p.points is None else len(p.points) for p in prompts]
        n_slots = [k + (1 if k and p.box is None else 0) for k, p in zip(n_points, prompts)]
        t_points = max(n_slots)
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
        has_box = np.array([p.box is not None for p in prompts])
        if has_box.any():
            boxes = np.zeros((b, 4), dtype=np.float32)
            for i, p in enumerate(prompts):
                if p.box is not None:
                    boxes[i] = p.box * np.tile(scale, 2)
            parts.append(pe.embed_boxes(torch.from_numpy(boxes).to(dev)))
            masks.append(torch.from_numpy(np.repeat(has_box[:, None], 2, axis=1)).to(dev))
        sparse = torch.cat(parts, dim=1)
        token_mask = torch.cat(masks, dim=1)

        dense = pe.no_mask_dense(b).clone()
        with_mask = [i for i, p in enumerate(prompts) if p.mask_logits is not None]
        if with_mask:
            size = pe.mask_input_size
            logits = np.stack([np.asarray(prompts[i].mask_logits, dtype=np.float32) for i in with_mask])
            if logits.shape[1:] != size:
                raise ValueError(f"mask logits must be {size[0]} x {size[1]}, got {logits.shape[1:]}")
            dense[with_mask] = pe.embed_masks(torch.from_numpy(logits)[:, None].to(dev))
        return sparse, token_mask, dense

    @torch.inference_mode()
    def decode(
        self, embedding: Embedding, prompts: Sequence[Prompt], multimask: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Low-res logits B x M x L x L and predicted IoU B x M for B prompts, one decoder call."""
        sparse, token_mask, dense = self.encode_prompts(embedding, prompts)
        return self.model.mask_decoder(
            image_embeddings=embedding.features,
            image_pe=self.model.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask,
            token_mask=token_mask,
        )

    @torch.inference_mode()
    def upscale(self, embedding: Embedding, low_res: torch.Tensor) -> np.ndarray:
        """Boolean masks N x H x W at frame size from low-res logits N x L x L (in chunks)."""
        h, w = embedding.original_size
        out = np.zeros((len(low_res), h, w), dtype=bool)
        for start in range(0, len(low_res), self.mask_chunk):
            chunk = low_res[start : start + self.mask_chunk, None]
            logits = self.model.postprocess_masks(chunk, embedding.input_size, embedding.original_size)
            out[start : start + len(chunk)] = (logits[:, 0] > self.model.mask_threshold).cpu().numpy()
        return out

    def segment(
        self, embedding: Embedding, prompts: Sequence[Prompt], multimask: bool = False
    ) -> Masks:
        """Masks for each prompt (three candidates each with ``multimask``), in prompt order.

        ``prompt_index`` and ``track_id`` of the result trace every mask to its prompt.
        """
        if not prompts:
            return Masks.empty(*embedding.original_size, logit_size=self.logit_size)
        low_res, iou = self.decode(embedding, prompts, multimask)
        b, m = iou.shape
        low_res = low_res.reshape(b * m, *low_res.shape[-2:])
        masks = self.upscale(embedding, low_res)
        prompt_index = np.repeat(np.arange(b), m)
        track_ids = np.array([-1 if p.track_id is None else p.track_id for p in prompts])
        return Masks(
            masks=masks,
            boxes=mask_to_box_xyxy(masks),
            scores=iou.reshape(-1).float().cpu().numpy(),
            logits=low_res.float().cpu().numpy(),
            prompt_index=prompt_index,
            track_id=track_ids[prompt_index],
        )

    def segment_everything(self, embedding: Embedding, **options: object) -> Masks:
        """All objects of the frame: see :class:`~samtrack.models.automatic.AutomaticMaskGenerator`."""
        from .automatic import AutomaticMaskGenerator, GeneratorConfig

        return AutomaticMaskGenerator(self, GeneratorConfig(**options)).generate(embedding)  # type: ignore[arg-type]
