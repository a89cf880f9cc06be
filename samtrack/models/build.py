"""Builders: a :class:`SamConfig` describes one architecture; :func:`build_sam` makes it.

The presets mirror the official releases (ViT-B/L/H of Segment Anything and MobileSAM's
TinyViT), so their checkpoints load with ``strict=True``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from torch import nn

from .image_encoder import ImageEncoderViT
from .mask_decoder import MaskDecoder
from .prompt_encoder import PromptEncoder
from .sam import Sam
from .tiny_vit import TinyViT
from .transformer import TwoWayTransformer

ENCODERS: dict[str, type[nn.Module]] = {"vit": ImageEncoderViT, "tiny_vit": TinyViT}


@dataclass(frozen=True)
class SamConfig:
    """One SAM architecture. ``encoder_kwargs`` are the encoder's constructor arguments."""

    encoder: str
    encoder_kwargs: dict[str, Any] = field(default_factory=dict)
    prompt_embed_dim: int = 256
    mask_in_chans: int = 16
    decoder_depth: int = 2
    decoder_mlp_dim: int = 2048
    decoder_num_heads: int = 8
    iou_head_depth: int = 3
    iou_head_hidden_dim: int = 256
    num_multimask_outputs: int = 3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> SamConfig:
        return SamConfig(**data)


def _vit(embed_dim: int, depth: int, num_heads: int, global_attn_indexes: list[int]) -> SamConfig:
    return SamConfig(
        encoder="vit",
        encoder_kwargs=dict(
            img_size=1024,
            patch_size=16,
            embed_dim=embed_dim,
            depth=depth,
            num_heads=num_heads,
            mlp_ratio=4.0,
            out_chans=256,
            qkv_bias=True,
            use_rel_pos=True,
            window_size=14,
            global_attn_indexes=global_attn_indexes,
        ),
    )


PRESETS: dict[str, SamConfig] = {
    "sam_vit_b": _vit(768, 12, 12, [2, 5, 8, 11]),
    "sam_vit_l": _vit(1024, 24, 16, [5, 11, 17, 23]),
    "sam_vit_h": _vit(1280, 32, 16, [7, 15, 23, 31]),
    "mobile_sam": SamConfig(
        encoder="tiny_vit",
        encoder_kwargs=dict(
            img_size=1024,
            num_classes=1000,
            embed_dims=[64, 128, 160, 320],
            depths=[2, 2, 6, 2],
            num_heads=[2, 4, 5, 10],
            window_sizes=[7, 7, 14, 7],
            mlp_ratio=4.0,
            mbconv_expand_ratio=4.0,
            local_conv_size=3,
        ),
    ),
}


def build_sam(config: SamConfig) -> Sam:
    """A SAM model of the given architecture with freshly initialised weights, in eval mode."""
    if config.encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {config.encoder!r}; known: {', '.join(ENCODERS)}")
    encoder = ENCODERS[config.encoder](**config.encoder_kwargs)
    width = encoder.neck[0].out_channels
    if width != config.prompt_embed_dim:
        raise ValueError(f"encoder outputs {width} channels, prompt_embed_dim is {config.prompt_embed_dim}")
    grid = (encoder.embedding_size, encoder.embedding_size)
    dim = config.prompt_embed_dim
    sam = Sam(
        image_encoder=encoder,
        prompt_encoder=PromptEncoder(dim, grid, (encoder.img_size, encoder.img_size), config.mask_in_chans),
        mask_decoder=MaskDecoder(
            dim,
            TwoWayTransformer(config.decoder_depth, dim, config.decoder_num_heads, config.decoder_mlp_dim),
            num_multimask_outputs=config.num_multimask_outputs,
            iou_head_depth=config.iou_head_depth,
            iou_head_hidden_dim=config.iou_head_hidden_dim,
        ),
    )
    return sam.eval()
