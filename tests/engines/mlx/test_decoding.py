"""Pieces of the MLX engine's decoding that need no model: loop cut-off, DTW, median filter."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from longscribe.engines.mlx import runtime as mlx_runtime

if not mlx_runtime.available():
    pytest.skip("MLX not installed (pip install 'longscribe[apple]')", allow_module_level=True)

from longscribe.engines.mlx.align import dtw, median_filter  # noqa: E402
from longscribe.engines.mlx.decoding import LOOP_TOKENS, looping, repeats  # noqa: E402


def test_a_short_pattern_repeated_over_the_whole_tail_is_a_loop() -> None:
    assert looping([7, 8] * (LOOP_TOKENS // 2))
    assert looping(list(range(30)) + [1, 2, 3] * 20)
    assert not looping([1, 2] * (LOOP_TOKENS // 2 - 1))  # too short yet
    assert not looping(list(range(LOOP_TOKENS * 2)))
    phrase = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]  # 13 tokens, said four times: speech
    assert not looping(phrase * 4)


def test_no_repeat_bans_exactly_the_tokens_that_would_close_a_seen_ngram() -> None:
    seq = [5, 6, 7, 9, 5, 6]
    assert repeats(seq, 3) == [7]  # "5 6" was followed by 7: "5 6 7" may not come again
    assert repeats([5, 6, 7, 5, 6, 8, 5, 6], 3) == [7, 8]
    assert repeats(seq, 0) == [] and repeats([5], 3) == []
    assert repeats(seq, 1) == [5, 6, 7, 9]
    for n in (2, 3, 5):
        for seq in ([1, 2] * 6, list(range(12)), [3, 3, 3, 4, 3, 3]):
            banned = repeats(seq, n)
            for token in range(15):
                extended = seq + [token]
                earlier = [extended[i : i + n] for i in range(len(extended) - n)]
                assert (extended[-n:] in earlier) == (token in banned)


def brute_dtw(cost: np.ndarray) -> float:
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0
    for i, j in itertools.product(range(1, n + 1), range(1, m + 1)):
        acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
    return float(acc[n, m])


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (9, 4), (12, 40)])
def test_dtw_finds_the_cheapest_monotonic_path(shape: tuple[int, int]) -> None:
    cost = np.random.default_rng(sum(shape)).normal(size=shape)
    rows, cols = dtw(cost)
    assert (rows[0], cols[0]) == (0, 0) and (rows[-1], cols[-1]) == (shape[0] - 1, shape[1] - 1)
    steps = set(zip(np.diff(rows).tolist(), np.diff(cols).tolist()))
    assert steps <= {(1, 1), (1, 0), (0, 1)}
    assert cost[rows, cols].sum() == pytest.approx(brute_dtw(cost))


def test_median_filter_removes_a_spike_and_keeps_the_shape() -> None:
    x = np.zeros((2, 20))
    x[0, 5] = 9.0
    x[1, 10:] = 1.0
    y = median_filter(x, 7)
    assert y.shape == x.shape and y[0].max() == 0.0
    assert y[1, :7].max() == 0.0 and y[1, 13:].min() == 1.0


def test_text_only_decoding_allows_no_timestamp_token_and_keeps_the_other_rules() -> None:
    from longscribe.engines.mlx.decoding import NEG, Search, Vocab, _apply_rules

    vocab = Vocab(
        eot=10, sot=11, no_speech=12, no_timestamps=13, timestamp_begin=20, suppress=(3,), suppress_at_begin=(10,)
    )
    logits = np.zeros((1, 30), dtype=np.float32)
    text_only = Search(timestamps=False, no_repeat_ngram=2)
    first = _apply_rules(logits, [[]], vocab, text_only, 0)
    assert (first[0, 20:] == NEG).all() and first[0, 10] == NEG and first[0, 3] == NEG and first[0, 5] == 0
    later = _apply_rules(logits, [[5, 6, 5]], vocab, text_only, 3)
    assert (later[0, 20:] == NEG).all() and later[0, 6] == NEG and later[0, 10] == 0, "end allowed, repeat banned"
    timed = _apply_rules(logits, [[]], vocab, Search(), 0)
    assert (timed[0, :20] == NEG).all() and timed[0, 20] == 0, "with timestamps a decode starts with one"
