"""SAM's ViT image encoder (ViT-B/L/H): windowed and global attention with decomposed
relative positions, then a convolutional neck to the prompt embedding width."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn

from .common import LayerNorm2d, MLPBlock


@runtime_checkable
class ImageEncoder(Protocol):
    """What the rest of SAM needs from an image encoder.

    ``img_size``: side S of the square input; ``embedding_size``: side E of the output;
    ``forward``: normalised, padded B x 3 x S x S -> B x C x E x E.
    """

    img_size: int
    embedding_size: int

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...


class PatchEmbed(nn.Module):
    """Non-overlapping patches to tokens: B x 3 x S x S -> B x S/p x S/p x D."""

    def __init__(self, patch_size: int, in_chans: int, embed_dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).permute(0, 2, 3, 1)


# The relative-position mask of a global attention layer is built a band of query rows
# at a time, at most this many bytes (ViT-B at 1024: four bands of 16 rows, instead of an
# 805 MB table). Larger bands were no faster on the CPU.
MASK_BYTES = 256 << 20


def _relative_table(q_size: int, k_size: int, table: torch.Tensor) -> torch.Tensor:
    """Embeddings of every (query, key) offset along one axis: q_size x k_size x C.

    The learnt table has 2*max(q, k) - 1 rows; a table learnt for another size is
    resampled linearly.
    """
    rows = 2 * max(q_size, k_size) - 1
    if table.shape[0] != rows:
        table = F.interpolate(
            table.reshape(1, table.shape[0], -1).permute(0, 2, 1), size=rows, mode="linear"
        )
        table = table.reshape(-1, rows).permute(1, 0)
    q_scale = max(k_size / q_size, 1.0)
    k_scale = max(q_size / k_size, 1.0)
    q_pos = torch.arange(q_size, device=table.device)[:, None] * q_scale
    k_pos = torch.arange(k_size, device=table.device)[None, :] * k_scale
    offsets = (q_pos - k_pos) + (k_size - 1) * k_scale
    return table[offsets.long()]


class Attention(nn.Module):
    """Multi-head self-attention over an H x W grid, optionally with decomposed
    relative position terms (one table per axis)."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        qkv_bias: bool = True,
        use_rel_pos: bool = False,
        input_size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        head_dim = dim // num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.use_rel_pos = use_rel_pos
        if use_rel_pos:
            if input_size is None:
                raise ValueError("relative positions need the input size")
            self.rel_pos_h = nn.Parameter(torch.zeros(2 * input_size[0] - 1, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(2 * input_size[1] - 1, head_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, _ = x.shape
        n = self.num_heads
        # B x heads x HW x c each; the scale is SDPA's default, head_dim ** -0.5.
        q, k, v = self.qkv(x).reshape(b, h * w, 3, n, -1).permute(2, 0, 3, 1, 4).unbind(0)
        if not self.use_rel_pos:
            out = F.scaled_dot_product_attention(q, k, v)
        else:
            out = self._rel_pos_attention(q, k, v, h, w)
        return self.proj(out.transpose(1, 2).reshape(b, h, w, -1))

    def _rel_pos_attention(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, h: int, w: int
    ) -> torch.Tensor:
        """Attention with the decomposed relative-position terms as an additive mask.

        The mask of query (y, x) and key (y', x') is q . Rh[y, y'] + q . Rw[x, x'] (q not
        scaled, as in the official release). It is built for a band of query rows at a
        time, at most MASK_BYTES, so that the global layers never hold the whole
        HW x HW table; scaled_dot_product_attention then never writes the scores
        out either. Same result as softmax(q k^T * scale + mask) v up to float rounding.
        """
        b, n, _, c = q.shape
        grid_q = q.reshape(b, n, h, w, c)
        rh = _relative_table(h, h, self.rel_pos_h).to(q.dtype)  # h x h x c
        rw = _relative_table(w, w, self.rel_pos_w).to(q.dtype)  # w x w x c
        bias_h = torch.einsum("bnywc,ykc->bnywk", grid_q, rh)  # per query row y: key row
        bias_w = torch.einsum("bnyxc,xkc->bnyxk", grid_q, rw)  # per query column x: key column
        row_bytes = b * n * w * h * w * q.element_size()
        bands = -(-h // max(1, MASK_BYTES // row_bytes))
        rows = -(-h // bands)  # bands of equal height (the last one within one row)

        def attend(y0: int, y1: int) -> torch.Tensor:
            # Written into a contiguous buffer: a broadcast sum's own output may be laid
            # out otherwise, and the attention would copy it again.
            mask = q.new_empty(b, n, y1 - y0, w, h, w)
            torch.add(bias_h[:, :, y0:y1, :, :, None], bias_w[:, :, y0:y1, :, None, :], out=mask)
            mask = mask.view(b, n, (y1 - y0) * w, h * w)
            return F.scaled_dot_product_attention(q[:, :, y0 * w : y1 * w], k, v, attn_mask=mask)

        if bands == 1:
            return attend(0, h)
        out = q.new_empty(q.shape)
        for y0 in range(0, h, rows):
            y1 = min(h, y0 + rows)
            out[:, :, y0 * w : y1 * w] = attend(y0, y1)
        return out


def window_partition(x: torch.Tensor, size: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """B x H x W x C -> (B*nW) x size x size x C, zero-padding H and W up to multiples."""
    b, h, w, c = x.shape
    pad_h, pad_w = (size - h % size) % size, (size - w % size) % size
    if pad_h or pad_w:
        x = F.pad(x, (0, 0, 0, pad_w, 0, pad_h))
    hp, wp = h + pad_h, w + pad_w
    x = x.view(b, hp // size, size, wp // size, size, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, size, size, c), (hp, wp)


def window_unpartition(
    windows: torch.Tensor, size: int, padded_hw: tuple[int, int], hw: tuple[int, int]
) -> torch.Tensor:
    """Inverse of :func:`window_partition`, dropping the padding."""
    hp, wp = padded_hw
    b = windows.shape[0] // ((hp // size) * (wp // size))
    x = windows.view(b, hp // size, wp // size, size, size, -1).permute(0, 1, 3, 2, 4, 5)
    x = x.reshape(b, hp, wp, -1)
    return x[:, : hw[0], : hw[1], :].contiguous()


class Block(nn.Module):
    """Pre-norm transformer block; window_size 0 means global attention."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float,
        qkv_bias: bool,
        use_rel_pos: bool,
        window_size: int,
        input_size: tuple[int, int],
    ) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        attn_size = input_size if window_size == 0 else (window_size, window_size)
        self.attn = Attention(dim, num_heads, qkv_bias, use_rel_pos, attn_size)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = MLPBlock(dim, int(dim * mlp_ratio))
        self.window_size = window_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.norm1(x)
        if self.window_size > 0:
            hw = (x.shape[1], x.shape[2])
            x, padded = window_partition(x, self.window_size)
            x = window_unpartition(self.attn(x), self.window_size, padded, hw)
        else:
            x = self.attn(x)
        x = shortcut + x
        return x + self.mlp(self.norm2(x))


class ImageEncoderViT(nn.Module):
    """ViT backbone of SAM. B x 3 x S x S -> B x out_chans x S/p x S/p."""

    def __init__(
        self,
        img_size: int = 1024,
        patch_size: int = 16,
        in_chans: int = 3,
        embed_dim: int = 768,
        depth: int = 12,
        num_heads: int = 12,
        mlp_ratio: float = 4.0,
        out_chans: int = 256,
        qkv_bias: bool = True,
        use_abs_pos: bool = True,
        use_rel_pos: bool = False,
        window_size: int = 0,
        global_attn_indexes: tuple[int, ...] | list[int] = (),
    ) -> None:
        super().__init__()
        self.img_size = img_size
        self.embedding_size = img_size // patch_size
        grid = (self.embedding_size, self.embedding_size)
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        self.pos_embed: nn.Parameter | None = None
        if use_abs_pos:
            self.pos_embed = nn.Parameter(torch.zeros(1, *grid, embed_dim))
        self.blocks = nn.ModuleList(
            Block(
                embed_dim,
                num_heads,
                mlp_ratio,
                qkv_bias,
                use_rel_pos,
                0 if i in global_attn_indexes else window_size,
                grid,
            )
            for i in range(depth)
        )
        self.neck = nn.Sequential(
            nn.Conv2d(embed_dim, out_chans, kernel_size=1, bias=False),
            LayerNorm2d(out_chans),
            nn.Conv2d(out_chans, out_chans, kernel_size=3, padding=1, bias=False),
            LayerNorm2d(out_chans),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        if self.pos_embed is not None:
            x = x + self._pos_embed(x.shape[1], x.shape[2])
        for block in self.blocks:
            x = block(x)
        return self.neck(x.permute(0, 3, 1, 2))

    def _pos_embed(self, height: int, width: int) -> torch.Tensor:
        """The absolute position embedding for an ``height`` x ``width`` grid: the learnt
        one, resampled bicubically for another input size (``Sam.set_input_size``),
        once per size."""
        assert self.pos_embed is not None
        if self.pos_embed.shape[1:3] == (height, width):
            return self.pos_embed
        cached = getattr(self, "_resampled", None)
        if cached is None or cached.shape[1:3] != (height, width) or cached.device != self.pos_embed.device:
            with torch.no_grad():
                table = self.pos_embed.permute(0, 3, 1, 2).float()
                table = F.interpolate(table, size=(height, width), mode="bicubic", align_corners=False)
                cached = table.permute(0, 2, 3, 1).to(self.pos_embed.dtype).contiguous()
            self._resampled = cached
        return cached
