"""SAM's two-way transformer: prompt tokens and image tokens attend to each other.

Every attention whose keys are prompt tokens takes an optional ``token_mask``
(B x T, True for a real token) so that prompts of different lengths decode in one
batch exactly as they would alone.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .common import MLPBlock


class Attention(nn.Module):
    """Multi-head attention with projections to ``embedding_dim / downsample_rate``.

    Besides the plain ``forward``, the two cross attentions between a few prompt tokens
    (T) and many image tokens (N) have a factored form: the projection of each image
    token is never computed. With head h's rows of a projection, W_h (d x C), the score
    (W_h x) . y_h equals x . (W_h^T y_h), so the T prompt tokens are taken to the C-wide
    image space instead of the N image tokens to the heads' space: 2 N C H T
    multiply-adds per attention instead of 2 N C H d + 2 N H d T (H d = the inner
    width). SAM's decoder has H = 8, d = 16 and T = 7 to 11, so a box prompt costs about
    a third of the plain form's work. Same result up to float rounding; :meth:`factored`
    says when it pays.
    """

    def __init__(self, embedding_dim: int, num_heads: int, downsample_rate: int = 1) -> None:
        super().__init__()
        self.internal_dim = embedding_dim // downsample_rate
        self.num_heads = num_heads
        if self.internal_dim % num_heads:
            raise ValueError("num_heads must divide embedding_dim / downsample_rate")
        self.q_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.k_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.v_proj = nn.Linear(embedding_dim, self.internal_dim)
        self.out_proj = nn.Linear(self.internal_dim, embedding_dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        return x.reshape(b, n, self.num_heads, c // self.num_heads).transpose(1, 2)

    def _weights(self, layer: nn.Linear) -> torch.Tensor:
        """An input projection's weight per head: H x d x C."""
        return layer.weight.view(self.num_heads, -1, layer.weight.shape[1])

    def factored(self, tokens: int) -> bool:
        """Whether the factored cross attention is the cheaper one for ``tokens`` tokens."""
        return self.num_heads * tokens < self.internal_dim

    def forward(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        key_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        q = self._heads(self.q_proj(q))
        k = self._heads(self.k_proj(k))
        v = self._heads(self.v_proj(v))
        attn = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        if key_mask is not None:
            attn = attn.masked_fill(~key_mask[:, None, None, :], float("-inf"))
        out = attn.softmax(dim=-1) @ v
        b, h, n, c = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, h * c))

    def tokens_to_image(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """``forward(q, k, v)`` for B x T prompt-token queries and N image-token keys and
        values (B x N x C, or 1 x N x C shared by every prompt); factored where that is
        the cheaper form (:meth:`factored`)."""
        b, t, _ = q.shape
        if not self.factored(t):
            return self(q, k, v)
        h = self.num_heads
        qh = self._heads(self.q_proj(q))  # B x H x T x d
        d = qh.shape[-1]
        # The key bias adds q_h . b_h to a whole row of scores: softmax ignores it.
        u = torch.einsum("bhtd,hdc->bhtc", qh, self._weights(self.k_proj)).reshape(b, h * t, -1)
        attn = (_rows_times(u, k.transpose(1, 2)) / math.sqrt(d)).softmax(dim=-1)  # B x HT x N
        mixed = _rows_times(attn, v).view(b, h, t, -1)  # the values' inputs, averaged
        out = torch.einsum("bhtc,hdc->bthd", mixed, self._weights(self.v_proj))
        out = out + self.v_proj.bias.view(h, d)  # each attention row sums to one
        return self.out_proj(out.reshape(b, t, h * d))

    def image_to_tokens(
        self,
        q: torch.Tensor,
        k: torch.Tensor,
        v: torch.Tensor,
        key_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``forward(q, k, v, key_mask)`` for N image-token queries (B x N x C, or
        1 x N x C shared by every prompt) and B x T prompt-token keys and values; factored
        where that is the cheaper form (:meth:`factored`)."""
        b, t, _ = k.shape
        if not self.factored(t):
            return self(q, k, v, key_mask)
        h = self.num_heads
        kh = self._heads(self.k_proj(k))  # B x H x T x d
        d = kh.shape[-1]
        w = torch.einsum("bhtd,hdc->bhtc", kh, self._weights(self.q_proj)).reshape(b, h * t, -1)
        bias = torch.einsum("bhtd,hd->bht", kh, self.q_proj.bias.view(h, d)).reshape(b, h * t, 1)
        # Scores laid out B x H x T x N: the softmax over a few tokens then runs along the
        # image tokens' axis (over the last axis, 7 wide, it cost as much as the products).
        scores = (_rows_times(w, q.transpose(1, 2)) + bias) / math.sqrt(d)
        scores = scores.view(b, h, t, -1)
        if key_mask is not None:
            scores = scores.masked_fill(~key_mask[:, None, :, None], float("-inf"))
        attn = scores.softmax(dim=2).view(b, h * t, -1)
        # Each token's value taken through its head's columns of the output projection.
        vh = self._heads(self.v_proj(v))  # B x H x T x d
        out_w = self.out_proj.weight.view(-1, h, d)  # C x H x d
        values = torch.einsum("bhtd,chd->bhtc", vh, out_w).reshape(b, h * t, -1)
        return attn.transpose(1, 2) @ values + self.out_proj.bias


def _rows_times(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Batched a @ b where either side may have batch size 1 (shared by every prompt):
    one matrix product over all prompts' rows then, instead of a broadcast copy."""
    if b.shape[0] == 1 and a.shape[0] > 1:
        n, r = a.shape[:2]
        return (a.reshape(n * r, -1) @ b[0]).view(n, r, -1)
    return a @ b


class TwoWayAttentionBlock(nn.Module):
    """Token self-attention, tokens -> image, MLP on tokens, image -> tokens."""

    def __init__(
        self,
        embedding_dim: int,
        num_heads: int,
        mlp_dim: int,
        attention_downsample_rate: int = 2,
        skip_first_layer_pe: bool = False,
    ) -> None:
        super().__init__()
        self.self_attn = Attention(embedding_dim, num_heads)
        self.norm1 = nn.LayerNorm(embedding_dim)
        self.cross_attn_token_to_image = Attention(embedding_dim, num_heads, attention_downsample_rate)
        self.norm2 = nn.LayerNorm(embedding_dim)
        self.mlp = MLPBlock(embedding_dim, mlp_dim, nn.ReLU)
        self.norm3 = nn.LayerNorm(embedding_dim)
        self.norm4 = nn.LayerNorm(embedding_dim)
        self.cross_attn_image_to_token = Attention(embedding_dim, num_heads, attention_downsample_rate)
        self.skip_first_layer_pe = skip_first_layer_pe

    def forward(
        self,
        queries: torch.Tensor,
        keys: torch.Tensor,
        query_pe: torch.Tensor,
        key_pe: torch.Tensor,
        token_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.skip_first_layer_pe:
            queries = self.self_attn(queries, queries, queries, token_mask)
        else:
            q = queries + query_pe
            queries = queries + self.self_attn(q, q, queries, token_mask)
        queries = self.norm1(queries)

        # The image tokens do not change until the end of the block: one sum for both.
        keys_pe = keys + key_pe
        q = queries + query_pe
        queries = self.norm2(queries + self.cross_attn_token_to_image.tokens_to_image(q, keys_pe, keys))
        queries = self.norm3(queries + self.mlp(queries))

        q = queries + query_pe
        attn = self.cross_attn_image_to_token.image_to_tokens(keys_pe, q, queries, token_mask)
        keys = self.norm4(keys + attn)
        return queries, keys


class TwoWayTransformer(nn.Module):
    def __init__(
        self,
        depth: int,
        embedding_dim: int,
        num_heads: int,
        mlp_dim: int,
        attention_downsample_rate: int = 2,
    ) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            TwoWayAttentionBlock(
                embedding_dim, num_heads, mlp_dim, attention_downsample_rate, skip_first_layer_pe=(i == 0)
            )
            for i in range(depth)
        )
        self.final_attn_token_to_image = Attention(embedding_dim, num_heads, attention_downsample_rate)
        self.norm_final_attn = nn.LayerNorm(embedding_dim)

    def forward(
        self,
        image_embedding: torch.Tensor,
        image_pe: torch.Tensor,
        point_embedding: torch.Tensor,
        token_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """image B x C x H x W (or 1 x C x H x W shared by every prompt), its PE
        1 x C x H x W, tokens B x T x C -> (tokens B x T x C, image tokens B x HW x C)."""
        keys = image_embedding.flatten(2).permute(0, 2, 1)
        key_pe = image_pe.flatten(2).permute(0, 2, 1)[:1]
        queries = point_embedding
        for layer in self.layers:
            queries, keys = layer(queries, keys, point_embedding, key_pe, token_mask)
        q, k = queries + point_embedding, keys + key_pe
        queries = self.norm_final_attn(queries + self.final_attn_token_to_image.tokens_to_image(q, k, keys))
        return queries, keys
