"""Batched Whisper decoding on MLX: beam search or seeded sampling, with Whisper's logit rules.

Every chunk of a batch gets ``rows`` decoder rows (the beams, or the sampled
hypotheses); prompts of different lengths are left-padded and masked, so the
whole batch advances one token per step with a shared key/value cache. The
rules are those CTranslate2 applies for faster-whisper: suppressed tokens, no
blank or end at the start, timestamps paired and non-decreasing, the first
timestamp within ``max_initial_timestamp_index``, and a timestamp forced when
timestamps together are likelier than any text token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from longscribe.engines.mlx.network import KV, Whisper
from longscribe.engines.mlx.runtime import import_mlx
from longscribe.engines.whisper import Decoded

import_mlx()  # first: it picks the BLAS under MLX's CPU backend on Linux
import mlx.core as mx  # noqa: E402

NEG = -np.inf
LOOP_TOKENS = 48  # a tail this long that is one short pattern repeated: stop, report as truncated
MAX_LOOP_PERIOD = 12
Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Vocab:
    eot: int
    sot: int
    no_speech: int
    no_timestamps: int
    timestamp_begin: int
    suppress: tuple[int, ...]
    suppress_at_begin: tuple[int, ...]


@dataclass(frozen=True)
class Search:
    beam_size: int = 5
    patience: float = 1.0
    length_penalty: float = 1.0
    temperature: float = 0.0
    """Above 0: ``samples`` sampled hypotheses per chunk instead of beams."""
    samples: int = 1
    seeds: tuple[int, ...] = ()
    """One per chunk, for sampling."""
    max_length: int = 448
    max_initial_timestamp_index: int = 50
    no_repeat_ngram: int = 0
    """Above 0: a token that would repeat an n-gram of the decode is not allowed."""
    timestamps: bool = True
    """False: text only (the prompt ends with ``<|notimestamps|>``), no timestamp token allowed."""


@dataclass
class _Chunk:
    finished: list[tuple[list[int], float]] = field(default_factory=list)
    done: bool = False
    looped: bool = False
    stopped: set[int] = field(default_factory=set)
    """Sampled rows given up because they loop."""


def generate(model: Whisper, audio: Any, prompts: list[list[int]], vocab: Vocab, search: Search) -> list[Decoded]:
    """Decode each chunk of ``audio`` (batch, n_audio_ctx, state) after its prompt."""
    sampling = search.temperature > 0
    k = search.samples if sampling else search.beam_size
    n_chunks = len(prompts)
    rows = n_chunks * k
    decoder = model.decoder
    cross = [(mx.repeat(a, k, axis=0), mx.repeat(b, k, axis=0)) for a, b in decoder.cross_kv(audio)]

    width = max(len(p) for p in prompts)
    pad = np.repeat([width - len(p) for p in prompts], k)
    tokens = np.zeros((rows, width), dtype=np.int32)
    for r in range(rows):
        tokens[r, pad[r] :] = prompts[r // k]
    positions = np.maximum(np.arange(width)[None, :] - pad[:, None], 0)
    hidden, cache, _ = decoder(
        mx.array(tokens), mx.array(positions), cross, None, _prefill_mask(pad, width, model.dtype)
    )
    sot_at = np.array([pad[r] + prompts[r // k].index(vocab.sot) for r in range(rows)])
    no_speech = _no_speech(decoder, hidden, sot_at, vocab.no_speech)
    logits = np.array(decoder.logits(hidden[:, -1]))

    sum_lp = np.zeros(rows, dtype=np.float64)
    if not sampling:
        sum_lp[np.arange(rows) % k != 0] = NEG  # beams start as copies: keep one live
    history: list[list[int]] = [[] for _ in range(rows)]
    chunks = [_Chunk() for _ in range(n_chunks)]
    rngs = [np.random.default_rng(s) for s in search.seeds] if sampling else []
    budget = search.max_length - width
    length = width
    for step in range(budget):
        logprobs = _log_softmax(_apply_rules(logits, history, vocab, search, step))
        if sampling:  # rows are independent: histories grow in place, the cache keeps its order
            chosen = _sample(logits, logprobs, search.temperature, rngs, k, chunks, history, sum_lp, vocab)
        else:  # beams move between rows: histories and cache follow their source rows
            src, chosen = _beam_step(logprobs, k, chunks, history, sum_lp, vocab, search)
            _stop_loops(chunks, history, src, chosen, k)
            index = mx.array(src)
            cache = [(keys[index], values[index]) for keys, values in cache]
            history = [history[s] + [t] for s, t in zip(src, chosen)]
        if all(c.done for c in chunks):
            break
        length += 1
        step_pos = np.maximum(length - 1 - pad, 0)[:, None]
        hidden, cache, _ = decoder(
            mx.array(np.array(chosen, dtype=np.int32)[:, None]),
            mx.array(step_pos),
            cross,
            cache,
            _step_mask(pad, length, model.dtype),
        )
        logits = np.array(decoder.logits(hidden[:, -1]))
    return [_best(chunks[c], history, sum_lp, c, k, no_speech, search) for c in range(n_chunks)]


def looping(seq: list[int]) -> bool:
    """The last LOOP_TOKENS tokens are one pattern of at most MAX_LOOP_PERIOD tokens, repeated."""
    if len(seq) < LOOP_TOKENS:
        return False
    tail = seq[-LOOP_TOKENS:]
    return any(all(tail[i] == tail[i % p] for i in range(p, LOOP_TOKENS)) for p in range(1, MAX_LOOP_PERIOD + 1))


def _stop_loops(chunks: list[_Chunk], history: list[list[int]], src: list[int], chosen: list[int], k: int) -> None:
    """A chunk whose best live beam loops is given up: running on to the maximum length changes nothing.

    Whisper would stop there as truncated; the caller's guard retries such chunks.
    """
    for c, chunk in enumerate(chunks):
        row = c * k
        if not chunk.done and looping(history[src[row]] + [chosen[row]]):
            chunk.done = chunk.looped = True


def _prefill_mask(pad: npt.NDArray[np.int64], width: int, dtype: Any) -> Any:
    i = np.arange(width)[:, None]
    j = np.arange(width)[None, :]
    allowed = (j <= i)[None] & ((j[None] >= pad[:, None, None]) | (i == j)[None])
    return mx.array(np.where(allowed, 0.0, NEG)[:, None].astype(np.float32)).astype(dtype)


def _step_mask(pad: npt.NDArray[np.int64], length: int, dtype: Any) -> Any:
    allowed = np.arange(length)[None, :] >= pad[:, None]
    return mx.array(np.where(allowed, 0.0, NEG)[:, None, None].astype(np.float32)).astype(dtype)


def _no_speech(decoder: Any, hidden: Any, sot_at: npt.NDArray[np.int64], token: int) -> Floats:
    at_sot = hidden[mx.arange(hidden.shape[0]), mx.array(sot_at)]
    probs = mx.softmax(decoder.logits(at_sot), axis=-1)
    return np.array(probs[:, token])


def _log_softmax(x: Floats) -> Floats:
    m = np.max(x, axis=-1, keepdims=True)
    shifted = x - m
    out: Floats = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    return out


def _apply_rules(logits: Floats, history: list[list[int]], vocab: Vocab, search: Search, step: int) -> Floats:
    out = logits.copy()
    out[:, list(vocab.suppress)] = NEG
    out[:, vocab.no_timestamps] = NEG
    tb = vocab.timestamp_begin
    if not search.timestamps:
        out[:, tb:] = NEG
        if step == 0:
            out[:, list(vocab.suppress_at_begin)] = NEG
        for r, seq in enumerate(history):
            out[r, repeats(seq, search.no_repeat_ngram)] = NEG
        return out
    if step == 0:
        out[:, list(vocab.suppress_at_begin)] = NEG
        out[:, :tb] = NEG  # start with a timestamp
        out[:, tb + search.max_initial_timestamp_index + 1 :] = NEG
        return out
    for r, seq in enumerate(history):
        out[r, repeats(seq, search.no_repeat_ngram)] = NEG
        last_ts = seq[-1] >= tb
        penultimate_ts = len(seq) < 2 or seq[-2] >= tb
        if last_ts:
            if penultimate_ts:
                out[r, tb:] = NEG  # a pair is closed: text (or end) follows
            else:
                out[r, : vocab.eot] = NEG  # an open timestamp: another timestamp or end
        stamps = [t for t in seq if t >= tb]
        if stamps:
            floor = stamps[-1] if last_ts and not penultimate_ts else stamps[-1] + 1
            out[r, tb:floor] = NEG
    logprobs = _log_softmax(out)
    stamp_mass = np.logaddexp.reduce(logprobs[:, tb:], axis=-1)
    text_best = np.max(logprobs[:, :tb], axis=-1)
    out[stamp_mass > text_best, :tb] = NEG
    return out


def repeats(seq: list[int], n: int) -> list[int]:
    """Tokens that would close an n-gram already in ``seq`` (none when n is 0)."""
    if n <= 0 or len(seq) < n - 1:
        return []
    tail = seq[len(seq) - n + 1 :]
    return sorted({seq[i + n - 1] for i in range(len(seq) - n + 1) if seq[i : i + n - 1] == tail})


def _beam_step(
    logprobs: Floats,
    k: int,
    chunks: list[_Chunk],
    history: list[list[int]],
    sum_lp: npt.NDArray[np.float64],
    vocab: Vocab,
    search: Search,
) -> tuple[list[int], list[int]]:
    """Keep the k best continuations per chunk; finished ones (end of text) set aside."""
    src = list(range(len(history)))
    chosen = [vocab.eot] * len(history)
    new_lp = sum_lp.copy()
    wanted = max(1, int(round(k * search.patience)))
    for c, chunk in enumerate(chunks):
        if chunk.done:
            continue
        rows = slice(c * k, (c + 1) * k)
        scores = sum_lp[rows, None] + logprobs[rows]
        flat = scores.reshape(-1)
        top = np.argpartition(-flat, 2 * k)[: 2 * k]
        top = top[np.argsort(-flat[top], kind="stable")]
        kept = 0
        for idx in top:
            row, token = divmod(int(idx), scores.shape[1])
            score = float(flat[idx])
            if score == NEG:
                break
            if token == vocab.eot:
                if len(chunk.finished) < wanted:
                    chunk.finished.append((history[c * k + row], score))
                continue
            src[c * k + kept] = c * k + row
            chosen[c * k + kept] = token
            new_lp[c * k + kept] = score
            kept += 1
            if kept == k:
                break
        for extra in range(kept, k):
            new_lp[c * k + extra] = NEG
        if len(chunk.finished) >= wanted or kept == 0:
            chunk.done = True
    sum_lp[:] = new_lp
    return src, chosen


def _sample(
    logits: Floats,
    logprobs: Floats,
    temperature: float,
    rngs: list[np.random.Generator],
    k: int,
    chunks: list[_Chunk],
    history: list[list[int]],
    sum_lp: npt.NDArray[np.float64],
    vocab: Vocab,
) -> list[int]:
    """One sampled token per live row (end of text for finished rows), seeded per chunk."""
    rows = len(history)
    chosen = [vocab.eot] * rows
    for r in range(rows):
        chunk = chunks[r // k]
        if chunk.done or r in chunk.stopped or (history[r] and history[r][-1] == vocab.eot):
            continue
        probs = np.exp(_log_softmax(np.where(np.isfinite(logprobs[r]), logits[r] / temperature, NEG)))
        token = int(rngs[r // k].choice(probs.shape[0], p=probs / probs.sum()))
        chosen[r] = token
        sum_lp[r] += float(logprobs[r, token])
        history[r].append(token)
        if token == vocab.eot:
            chunk.finished.append((history[r][:-1], float(sum_lp[r])))
        elif looping(history[r]):
            chunk.stopped.add(r)
        chunk.done = len(chunk.finished) + len(chunk.stopped) >= k
    return chosen


def _best(
    chunk: _Chunk,
    history: list[list[int]],
    sum_lp: npt.NDArray[np.float64],
    c: int,
    k: int,
    no_speech: Floats,
    search: Search,
) -> Decoded:
    candidates = [] if chunk.looped else list(chunk.finished)
    truncated = not candidates
    if truncated:  # ran out of length: the live rows, unfinished
        candidates = [(history[r], float(sum_lp[r])) for r in range(c * k, (c + 1) * k) if np.isfinite(sum_lp[r])]
    if not candidates:
        return Decoded((), 0.0, float(no_speech[c * k]), True)  # nothing survived: an empty decode
    tokens, score = max(candidates, key=lambda h: h[1] / max(1, len(h[0]) + 1) ** search.length_penalty)
    return Decoded(tuple(tokens), score / (len(tokens) + 1), float(no_speech[c * k]), truncated)


def encode(model: Whisper, mels: npt.NDArray[np.float32]) -> Any:
    """(batch, n_mels, frames) log-mel -> encoder output, evaluated."""
    out = model.encoder(mx.array(np.ascontiguousarray(mels.transpose(0, 2, 1))).astype(model.dtype))
    mx.eval(out)
    return out


def language_scores(model: Whisper, audio: Any, sot: int, language_tokens: dict[str, int]) -> list[dict[str, float]]:
    """Per chunk of ``audio``: the probability of each language token after ``<|startoftranscript|>``."""
    decoder = model.decoder
    n = audio.shape[0]
    cross: list[KV] = decoder.cross_kv(audio)
    hidden, _, _ = decoder(mx.array([[sot]] * n), mx.array([[0]] * n), cross, None, None)
    logits = np.array(decoder.logits(hidden[:, -1]))
    ids = list(language_tokens.values())
    probs = np.exp(_log_softmax(logits[:, ids]))
    return [dict(zip(language_tokens, row.tolist())) for row in probs]
