"""Whisper in MLX: the encoder over a batch of chunks, the decoder with a key/value cache.

Parameter names follow mlx-community's Whisper weights, so converted
CTranslate2 weights and hub MLX weights load into the same modules.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any

from longscribe.engines.mlx.runtime import import_mlx

import_mlx()  # first: it picks the BLAS under MLX's CPU backend on Linux
import mlx.core as mx  # noqa: E402

nn: Any = importlib.import_module("mlx.nn")  # untyped for mypy

KV = tuple[mx.array, mx.array]


@dataclass(frozen=True)
class Dims:
    n_mels: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_vocab: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Dims:
        return cls(**{name: int(config[name]) for name in cls.__dataclass_fields__})


def sinusoids(length: int, channels: int, max_timescale: float = 10000.0) -> mx.array:
    increment = math.log(max_timescale) / (channels // 2 - 1)
    inv = mx.exp(-increment * mx.arange(channels // 2))
    scaled = mx.arange(length)[:, None] * inv[None, :]
    return mx.concatenate([mx.sin(scaled), mx.cos(scaled)], axis=1)


class Attention(nn.Module):
    def __init__(self, n_state: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.query = nn.Linear(n_state, n_state)
        self.key = nn.Linear(n_state, n_state, bias=False)
        self.value = nn.Linear(n_state, n_state)
        self.out = nn.Linear(n_state, n_state)

    def heads(self, x: mx.array) -> mx.array:
        b, t, _ = x.shape
        return x.reshape(b, t, self.n_head, -1).transpose(0, 2, 1, 3)

    def __call__(
        self, x: mx.array, kv: KV, mask: mx.array | None = None, want_weights: bool = False
    ) -> tuple[mx.array, mx.array | None]:
        """Attend ``x`` over keys/values ``kv`` (already split in heads); optionally return the logits."""
        q = self.heads(self.query(x))
        k, v = kv
        scale = q.shape[-1] ** -0.5
        qk = None
        if want_weights:
            qk = (q * scale) @ k.transpose(0, 1, 3, 2)
            if mask is not None:
                qk = qk + mask
            out = mx.softmax(qk.astype(mx.float32), axis=-1).astype(q.dtype) @ v
        else:
            out = mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask=mask)
        b, _, t, _ = out.shape
        return self.out(out.transpose(0, 2, 1, 3).reshape(b, t, -1)), qk

    def project_kv(self, x: mx.array) -> KV:
        return self.heads(self.key(x)), self.heads(self.value(x))


class Block(nn.Module):
    def __init__(self, n_state: int, n_head: int, cross: bool) -> None:
        super().__init__()
        self.attn = Attention(n_state, n_head)
        self.attn_ln = nn.LayerNorm(n_state)
        if cross:
            self.cross_attn = Attention(n_state, n_head)
            self.cross_attn_ln = nn.LayerNorm(n_state)
        self.mlp1 = nn.Linear(n_state, 4 * n_state)
        self.mlp2 = nn.Linear(4 * n_state, n_state)
        self.mlp_ln = nn.LayerNorm(n_state)

    def mlp(self, x: mx.array) -> mx.array:
        return x + self.mlp2(nn.gelu(self.mlp1(self.mlp_ln(x))))

    def encode(self, x: mx.array) -> mx.array:
        h = self.attn_ln(x)
        y, _ = self.attn(h, self.attn.project_kv(h))
        return self.mlp(x + y)

    def decode(
        self, x: mx.array, cache: KV | None, cross_kv: KV, mask: mx.array | None, want_weights: bool
    ) -> tuple[mx.array, KV, mx.array | None]:
        h = self.attn_ln(x)
        k, v = self.attn.project_kv(h)
        if cache is not None:
            k = mx.concatenate([cache[0], k], axis=2)
            v = mx.concatenate([cache[1], v], axis=2)
        y, _ = self.attn(h, (k, v), mask)
        x = x + y
        y, qk = self.cross_attn(self.cross_attn_ln(x), cross_kv, want_weights=want_weights)
        return self.mlp(x + y), (k, v), qk


class Encoder(nn.Module):
    def __init__(self, dims: Dims) -> None:
        super().__init__()
        self.conv1 = nn.Conv1d(dims.n_mels, dims.n_audio_state, kernel_size=3, padding=1)
        self.conv2 = nn.Conv1d(dims.n_audio_state, dims.n_audio_state, kernel_size=3, stride=2, padding=1)
        self.positional_embedding = sinusoids(dims.n_audio_ctx, dims.n_audio_state)
        self.blocks = [Block(dims.n_audio_state, dims.n_audio_head, cross=False) for _ in range(dims.n_audio_layer)]
        self.ln_post = nn.LayerNorm(dims.n_audio_state)

    def __call__(self, mel: mx.array) -> mx.array:
        """``mel``: (batch, frames, n_mels) -> (batch, n_audio_ctx, n_audio_state)."""
        x = nn.gelu(self.conv1(mel))
        x = nn.gelu(self.conv2(x))
        x = x + self.positional_embedding[: x.shape[1]]
        for block in self.blocks:
            x = block.encode(x)
        return self.ln_post(x)


class Decoder(nn.Module):
    def __init__(self, dims: Dims) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(dims.n_vocab, dims.n_text_state)
        self.positional_embedding = mx.zeros((dims.n_text_ctx, dims.n_text_state))
        self.blocks = [Block(dims.n_text_state, dims.n_text_head, cross=True) for _ in range(dims.n_text_layer)]
        self.ln = nn.LayerNorm(dims.n_text_state)

    def cross_kv(self, audio: mx.array) -> list[KV]:
        """Keys and values of the audio for every layer, made contiguous once (each step reads them)."""
        kvs = [block.cross_attn.project_kv(audio) for block in self.blocks]
        return [(mx.contiguous(k), mx.contiguous(v)) for k, v in kvs]

    def __call__(
        self,
        tokens: mx.array,
        positions: mx.array,
        cross: list[KV],
        cache: list[KV] | None,
        mask: mx.array | None,
        want_weights: bool = False,
    ) -> tuple[mx.array, list[KV], list[mx.array | None]]:
        """Hidden states for ``tokens`` (batch, steps) at ``positions`` (batch, steps), extending ``cache``.

        Hidden states, not logits: the caller projects only the positions it needs.
        """
        x = self.token_embedding(tokens) + self.positional_embedding[positions]
        new_cache: list[KV] = []
        weights: list[mx.array | None] = []
        for i, block in enumerate(self.blocks):
            x, kv, qk = block.decode(x, cache[i] if cache else None, cross[i], mask, want_weights)
            new_cache.append(kv)
            weights.append(qk)
        return self.ln(x), new_cache, weights

    def logits(self, hidden: mx.array) -> mx.array:
        return self.token_embedding.as_linear(hidden).astype(mx.float32)


class Whisper(nn.Module):
    def __init__(self, dims: Dims, dtype: mx.Dtype = mx.float32) -> None:
        super().__init__()
        self.dims = dims
        self.dtype = dtype
        self.encoder = Encoder(dims)
        self.decoder = Decoder(dims)
