"""MobileSAM's TinyViT image encoder: a convolutional stage (MBConv), three stages of
windowed attention with a depthwise "local" convolution, patch merging between stages,
and SAM's convolutional neck.

State-dict names follow the MobileSAM release (``mobile_sam.pt`` loads with
``strict=True``), including the unused classification head it carries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .common import LayerNorm2d


class ConvBN(nn.Sequential):
    """Conv2d without bias followed by BatchNorm2d, named ``c`` and ``bn``."""

    def __init__(
        self, in_chans: int, out_chans: int, kernel: int = 1, stride: int = 1, groups: int = 1
    ) -> None:
        super().__init__()
        self.add_module(
            "c", nn.Conv2d(in_chans, out_chans, kernel, stride, kernel // 2, groups=groups, bias=False)
        )
        self.add_module("bn", nn.BatchNorm2d(out_chans))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return super().forward(x)
        # At inference the normalisation is an affine map per channel: fold it into the
        # convolution's weights and bias (one pass over the activations instead of two).
        conv, bn = self.c, self.bn
        assert isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
        assert bn.running_var is not None and bn.running_mean is not None
        scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
        weight = conv.weight * scale[:, None, None, None]
        bias = bn.bias - bn.running_mean * scale
        return F.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups)


class PatchEmbed(nn.Module):
    """Two stride-2 3x3 convolutions: B x 3 x S x S -> B x D x S/4 x S/4."""

    def __init__(self, in_chans: int, embed_dim: int) -> None:
        super().__init__()
        self.seq = nn.Sequential(
            ConvBN(in_chans, embed_dim // 2, 3, 2), nn.GELU(), ConvBN(embed_dim // 2, embed_dim, 3, 2)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.seq(x)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand, 3x3 depthwise, 1x1 project, residual, GELU."""

    def __init__(self, dim: int, expand_ratio: float) -> None:
        super().__init__()
        hidden = int(dim * expand_ratio)
        self.conv1 = ConvBN(dim, hidden)
        self.conv2 = ConvBN(hidden, hidden, 3, groups=hidden)
        self.conv3 = ConvBN(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.gelu(self.conv2(F.gelu(self.conv1(x))))
        return F.gelu(self.conv3(y) + x)


class PatchMerging(nn.Module):
    """1x1 conv to out_dim, strided 3x3 depthwise conv, 1x1 conv (B x C x H x W)."""

    def __init__(self, dim: int, out_dim: int, stride: int) -> None:
        super().__init__()
        self.conv1 = ConvBN(dim, out_dim)
        self.conv2 = ConvBN(out_dim, out_dim, 3, stride, groups=out_dim)
        self.conv3 = ConvBN(out_dim, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv3(F.gelu(self.conv2(F.gelu(self.conv1(x)))))


class Attention(nn.Module):
    """Attention inside a window with a learnt bias per head and per |offset| pair."""

    def __init__(self, dim: int, num_heads: int, window: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.attention_biases = nn.Parameter(torch.zeros(num_heads, window * window))
        # The bias of a query/key pair depends on (|dy|, |dx|), numbered dy * window + dx.
        ys, xs = torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")
        ys, xs = ys.flatten(), xs.flatten()
        idx = (ys[:, None] - ys[None, :]).abs() * window + (xs[:, None] - xs[None, :]).abs()
        self.register_buffer("attention_bias_idxs", idx, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        qkv = self.qkv(self.norm(x)).view(b, n, self.num_heads, 3 * self.head_dim)
        q, k, v = qkv.permute(0, 2, 1, 3).split(self.head_dim, dim=3)
        bias = self.attention_biases[:, self.attention_bias_idxs].to(q.dtype)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.proj(out.transpose(1, 2).reshape(b, n, -1))


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(self.norm(x))))


class TinyViTBlock(nn.Module):
    """Windowed attention, depthwise local conv, MLP; tokens B x (H*W) x C."""

    def __init__(
        self, dim: int, num_heads: int, window: int, mlp_ratio: float, local_conv_size: int
    ) -> None:
        super().__init__()
        self.window = window
        self.attn = Attention(dim, num_heads, window)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.local_conv = ConvBN(dim, dim, local_conv_size, groups=dim)

    def _windowed_attention(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, _, c = x.shape
        s = self.window
        if h == s and w == s:
            return self.attn(x)
        grid = x.view(b, h, w, c)
        pad_h, pad_w = (s - h % s) % s, (s - w % s) % s
        if pad_h or pad_w:
            grid = F.pad(grid, (0, 0, 0, pad_w, 0, pad_h))
        hp, wp = h + pad_h, w + pad_w
        win = grid.view(b, hp // s, s, wp // s, s, c).transpose(2, 3).reshape(-1, s * s, c)
        win = self.attn(win)
        grid = win.view(b, hp // s, wp // s, s, s, c).transpose(2, 3).reshape(b, hp, wp, c)
        return grid[:, :h, :w].reshape(b, h * w, c)

    def forward(self, x: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, n, c = x.shape
        x = x + self._windowed_attention(x, h, w)
        x = self.local_conv(x.transpose(1, 2).reshape(b, c, h, w))
        x = x.view(b, c, n).transpose(1, 2)
        return x + self.mlp(x)


class ConvLayer(nn.Module):
    """Stage 0: MBConv blocks, then patch merging (B x C x H x W in and out)."""

    def __init__(self, dim: int, depth: int, expand_ratio: float, downsample: PatchMerging) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(MBConv(dim, expand_ratio) for _ in range(depth))
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.downsample(x)


class BasicLayer(nn.Module):
    """An attention stage, then optional patch merging (B x C x H x W in and out)."""

    def __init__(
        self,
        dim: int,
        depth: int,
        num_heads: int,
        window: int,
        mlp_ratio: float,
        local_conv_size: int,
        downsample: PatchMerging | None,
    ) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            TinyViTBlock(dim, num_heads, window, mlp_ratio, local_conv_size) for _ in range(depth)
        )
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)
        for block in self.blocks:
            tokens = block(tokens, h, w)
        x = tokens.transpose(1, 2).reshape(b, c, h, w)
        return x if self.downsample is None else self.downsample(x)


def _official_merge_stride(out_dim: int) -> int:
    # The MobileSAM release keeps full resolution when merging into its widest stages.
    return 1 if out_dim in (320, 448, 576) else 2


class TinyViT(nn.Module):
    """TinyViT encoder: B x 3 x S x S -> B x out_chans x E x E (E = S/16 for MobileSAM)."""

    def __init__(
        self,
        img_size: int = 1024,
        in_chans: int = 3,
        num_classes: int = 1000,
        embed_dims: Sequence[int] = (64, 128, 160, 320),
        depths: Sequence[int] = (2, 2, 6, 2),
        num_heads: Sequence[int] = (2, 4, 5, 10),
        window_sizes: Sequence[int] = (7, 7, 14, 7),
        mlp_ratio: float = 4.0,
        mbconv_expand_ratio: float = 4.0,
        local_conv_size: int = 3,
        out_chans: int = 256,
        merge_strides: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        n = len(depths)
        if merge_strides is None:
            merge_strides = [_official_merge_stride(d) for d in embed_dims[1:]]
        self.img_size = img_size
        size = math.ceil(math.ceil(img_size / 2) / 2)
        for stride in merge_strides:
            size = math.ceil(size / stride)
        self.embedding_size = size
        self.patch_embed = PatchEmbed(in_chans, embed_dims[0])
        self.layers = nn.ModuleList()
        for i in range(n):
            merge = None
            if i < n - 1:
                merge = PatchMerging(embed_dims[i], embed_dims[i + 1], merge_strides[i])
            if i == 0:
                assert merge is not None
                layer: nn.Module = ConvLayer(embed_dims[0], depths[0], mbconv_expand_ratio, merge)
            else:
                layer = BasicLayer(
                    embed_dims[i],
                    depths[i],
                    num_heads[i],
                    window_sizes[i],
                    mlp_ratio,
                    local_conv_size,
                    merge,
                )
            self.layers.append(layer)
        # Unused by SAM; kept so that the released checkpoint loads strictly.
        self.norm_head = nn.LayerNorm(embed_dims[-1])
        self.head = nn.Linear(embed_dims[-1], num_classes) if num_classes > 0 else nn.Identity()
        self.neck = nn.Sequential(
            nn.Conv2d(embed_dims[-1], out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        for layer in self.layers:
            x = layer(x)
        return self.neck(x)
