"""The SAM model: an image encoder, a prompt encoder and a mask decoder, with the
pre-processing (normalise, pad) and post-processing (logits back to frame size)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .image_encoder import ImageEncoder
from .mask_decoder import MaskDecoder
from .prompt_encoder import PromptEncoder

PIXEL_MEAN = (123.675, 116.28, 103.53)
PIXEL_STD = (58.395, 57.12, 57.375)


def preprocess_shape(height: int, width: int, long_side: int) -> tuple[int, int]:
    """Size (h, w) of an image resized so that its longest side is ``long_side``."""
    scale = long_side / max(height, width)
    return int(height * scale + 0.5), int(width * scale + 0.5)


class Sam(nn.Module):
    mask_threshold: float = 0.0

    def __init__(
        self,
        image_encoder: nn.Module,
        prompt_encoder: PromptEncoder,
        mask_decoder: MaskDecoder,
        pixel_mean: tuple[float, float, float] = PIXEL_MEAN,
        pixel_std: tuple[float, float, float] = PIXEL_STD,
    ) -> None:
        super().__init__()
        if not isinstance(image_encoder, ImageEncoder):
            raise TypeError("image_encoder must have img_size, embedding_size and forward")
        self.image_encoder = image_encoder
        self.prompt_encoder = prompt_encoder
        self.mask_decoder = mask_decoder
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), False)

    @property
    def img_size(self) -> int:
        return int(self.image_encoder.img_size)

    def set_input_size(self, size: int) -> None:
        """Take ``size`` x ``size`` inputs instead of the encoder's own, with the same
        weights: the embedding grid, the prompt encoder's coordinates and the low-res masks
        follow (a 512 input of a 1024 model: a 32 x 32 grid, 128 x 128 mask logits). The
        encoders' position terms are resampled to the new grid (a ViT's absolute
        embedding bicubically, its relative tables linearly; TinyViT's biases are per
        window and do not change). ValueError unless ``size`` is a multiple of the
        encoder's stride and at least two strides."""
        enc, pe = self.image_encoder, self.prompt_encoder
        if not hasattr(enc, "native_size"):
            enc.native_size = (enc.img_size, enc.embedding_size)
        native, native_grid = enc.native_size
        stride = native // native_grid
        if isinstance(size, bool) or not isinstance(size, int) or size % stride or size < 2 * stride:
            raise ValueError(
                f"input size must be a multiple of the encoder's stride {stride} "
                f"(at least {2 * stride}; this model's own is {native}), not {size!r}"
            )
        grid = size // stride
        enc.img_size, enc.embedding_size = size, grid
        pe.input_image_size = (size, size)
        pe.image_embedding_size = (grid, grid)
        pe.mask_input_size = (4 * grid, 4 * grid)

    @property
    def device(self) -> torch.device:
        return self.pixel_mean.device

    def preprocess(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise a (B x) 3 x h x w float RGB image (0..255) and pad it to S x S."""
        x = (x - self.pixel_mean) / self.pixel_std
        h, w = x.shape[-2:]
        return F.pad(x, (0, self.img_size - w, 0, self.img_size - h))

    def postprocess_masks(
        self,
        masks: torch.Tensor,
        input_size: tuple[int, int],
        original_size: tuple[int, int],
    ) -> torch.Tensor:
        """Low-res logits B x M x L x L -> logits at the original frame size B x M x H x W."""
        masks = F.interpolate(
            masks, (self.img_size, self.img_size), mode="bilinear", align_corners=False
        )
        masks = masks[..., : input_size[0], : input_size[1]]
        return F.interpolate(masks, original_size, mode="bilinear", align_corners=False)
