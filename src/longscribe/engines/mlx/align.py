"""Word timings from cross-attention, as Whisper does: alignment heads, median filter, DTW."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from longscribe.engines.mlx.network import Whisper
from longscribe.engines.mlx.runtime import import_mlx

import_mlx()  # first: it picks the BLAS under MLX's CPU backend on Linux
import mlx.core as mx  # noqa: E402

TOKENS_PER_SECOND = 50  # encoder frames per second
MEDIAN_WIDTH = 7
Floats = npt.NDArray[np.float64]


def dtw(cost_in: Floats) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Cheapest monotonic path through ``cost_in`` (tokens x frames), vectorised by anti-diagonals.

    Ties prefer the diagonal, then the token step, then the frame step, like Whisper's ``dtw_cpu``.
    """
    n, m = cost_in.shape
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, 0] = 0.0
    trace = np.full((n + 1, m + 1), -1, dtype=np.int8)
    for d in range(2, n + m + 1):
        i = np.arange(max(1, d - m), min(n, d - 1) + 1)
        j = d - i
        c0, c1, c2 = cost[i - 1, j - 1], cost[i - 1, j], cost[i, j - 1]
        step = np.where((c0 < c1) & (c0 < c2), 0, np.where((c1 < c0) & (c1 < c2), 1, 2))
        best = np.choose(step, [c0, c1, c2])
        cost[i, j] = cost_in[i - 1, j - 1] + best
        trace[i, j] = step
    trace[0, :] = 2
    trace[:, 0] = 1
    i, j = n, m
    path: list[tuple[int, int]] = []
    while i > 0 or j > 0:
        path.append((i - 1, j - 1))
        t = trace[i, j]
        if t == 0:
            i, j = i - 1, j - 1
        elif t == 1:
            i -= 1
        else:
            j -= 1
    arr = np.array(path[::-1], dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def median_filter(x: Floats, width: int) -> Floats:
    """Along the last axis, reflect-padded (as Whisper's)."""
    if x.shape[-1] <= width // 2:
        return x
    pad = width // 2
    padded = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(pad, pad)], mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=-1)
    return np.median(windows, axis=-1)


def align(
    model: Whisper,
    audio: Any,
    tokenizers: Sequence[Any],
    heads: Sequence[tuple[int, int]],
    text_tokens: list[list[int]],
    frames: list[int],
) -> list[list[dict[str, Any]]]:
    """Per chunk (each with the tokenizer of its language): words with start/end seconds, tokens and
    mean token probability."""
    out: list[list[dict[str, Any]]] = [[] for _ in text_tokens]
    for b, tokens in enumerate(text_tokens):  # one chunk at a time: each needs the full attention maps
        if not tokens:
            continue
        tokenizer = tokenizers[b]
        sot = list(tokenizer.sot_sequence)
        seq = [*sot, tokenizer.no_timestamps, *tokens, tokenizer.eot]
        decoder = model.decoder
        n = len(seq)
        causal = mx.array(np.triu(np.full((n, n), -np.inf, dtype=np.float32), 1)).astype(model.dtype)
        hidden, _, qks = decoder(
            mx.array([seq]), mx.arange(n)[None], decoder.cross_kv(audio[b : b + 1]), None, causal, want_weights=True
        )
        logits = np.array(decoder.logits(hidden[0, len(sot) :])[:, : tokenizer.eot], dtype=np.float64)
        probs = np.exp(logits - logits.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        token_probs = probs[np.arange(len(tokens)), tokens]
        maps = [qk for qk in qks if qk is not None]
        weights = np.stack([np.array(maps[layer][0, head], dtype=np.float64) for layer, head in heads])
        weights = weights[:, :, : frames[b] // 2]
        weights = np.exp(weights - weights.max(-1, keepdims=True))
        weights /= weights.sum(-1, keepdims=True)
        weights = (weights - weights.mean(-2, keepdims=True)) / (weights.std(-2, keepdims=True) + 1e-10)
        matrix = median_filter(weights, MEDIAN_WIDTH).mean(axis=0)[len(sot) : -1]
        text_idx, time_idx = dtw(-matrix)
        out[b] = words_of(tokenizer, tokens, text_idx, time_idx, token_probs)
    return out


def words_of(
    tokenizer: Any,
    tokens: list[int],
    text_idx: npt.NDArray[np.int64],
    time_idx: npt.NDArray[np.int64],
    token_probs: Floats,
) -> list[dict[str, Any]]:
    words, word_tokens = tokenizer.split_to_word_tokens(tokens + [tokenizer.eot])
    if len(word_tokens) <= 1:
        return []
    bounds = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
    jumps = np.pad(np.diff(text_idx), (1, 0), constant_values=1).astype(bool)
    jump_times = time_idx[jumps] / TOKENS_PER_SECOND
    starts, ends = jump_times[bounds[:-1]], jump_times[bounds[1:]]
    return [
        dict(word=w, tokens=t, start=float(s), end=float(e), probability=float(np.mean(token_probs[i:j])))
        for w, t, s, e, i, j in zip(words, word_tokens, starts, ends, bounds[:-1], bounds[1:])
    ]
