"""Aligned words -> sentence segments (text decoded without timestamp tokens)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longscribe.text.sentences import MAX_SEGMENT_SECONDS, sentence_pieces
from longscribe.types import SAMPLE_RATE


def words(*spec: tuple[str, float, float]) -> list[dict[str, Any]]:
    """(text, start s, end s) -> faster-whisper's word dicts, one token per word."""
    return [
        {"word": text, "start": start, "end": end, "tokens": [100 + i], "probability": 0.9}
        for i, (text, start, end) in enumerate(spec)
    ]


def texts(pieces: list[Any], ws: list[dict[str, Any]]) -> list[str]:
    by_token = {w["tokens"][0]: w["word"] for w in ws if w["tokens"]}
    return ["".join(by_token[t] for t in p.tokens).strip() for p in pieces]


def test_sentences_end_at_full_stops_questions_and_exclamations() -> None:
    ws = words(
        (" Hello", 0.0, 0.4),
        (" there.", 0.4, 0.9),
        (" How", 1.2, 1.4),
        (" are", 1.4, 1.6),
        (" you?", 1.6, 2.0),
        (" Fine!", 2.3, 2.8),
    )
    pieces = sentence_pieces(ws, 10 * SAMPLE_RATE)
    assert texts(pieces, ws) == ["Hello there.", "How are you?", "Fine!"]
    assert [(p.start, p.end) for p in pieces] == [(0, 14_400), (19_200, 32_000), (36_800, 44_800)]


def test_no_cut_before_a_word_in_lower_case_or_after_a_comma() -> None:
    ws = words((" Dial", 0.0, 0.3), (" 5", 0.3, 0.5), (" e.g.", 0.5, 0.9), (" now,", 0.9, 1.2), (" please.", 1.2, 1.6))
    assert texts(sentence_pieces(ws, 5 * SAMPLE_RATE), ws) == ["Dial 5 e.g. now, please."]


def test_closing_quotes_and_cjk_stops_end_sentences() -> None:
    ws = words((' "Stop."', 0.0, 0.5), (" 你好。", 0.6, 1.0), ("再见", 1.0, 1.4))
    assert texts(sentence_pieces(ws, 5 * SAMPLE_RATE), ws) == ['"Stop."', "你好。", "再见"]


def test_a_pause_between_speech_regions_ends_a_segment_of_three_seconds_or_more() -> None:
    ws = words((" press", 0.0, 2.4), (" one", 2.4, 3.5), (" press", 3.5, 3.9), (" two", 3.9, 4.3), (" now", 4.4, 4.6))
    pauses = [int(3.2 * SAMPLE_RATE), int(4.35 * SAMPLE_RATE)]  # middles of the silences between regions
    assert texts(sentence_pieces(ws, 5 * SAMPLE_RATE, pauses), ws) == ["press one", "press two now"]
    assert texts(sentence_pieces(ws, 5 * SAMPLE_RATE), ws) == ["press one press two now"]


def test_a_long_sentence_is_cut_after_a_clause_near_its_middle() -> None:
    spec = [(f" w{i}", i * 0.5, i * 0.5 + 0.5) for i in range(30)]  # 15 s, no full stop
    spec[13] = (" w13,", 6.5, 7.0)
    ws = words(*spec)
    pieces = sentence_pieces(ws, 30 * SAMPLE_RATE)
    assert texts(pieces, ws)[0].endswith("w13,")
    assert all(p.end - p.start <= MAX_SEGMENT_SECONDS * SAMPLE_RATE for p in pieces)


def test_punctuation_merged_into_a_neighbour_leaves_no_empty_segment() -> None:
    ws = words((" Yes.", 0.0, 0.5), ("", 0.5, 0.5), (" No.", 0.6, 1.0))
    ws[1]["tokens"] = []
    assert texts(sentence_pieces(ws, 2 * SAMPLE_RATE), ws) == ["Yes.", "No."]
    assert sentence_pieces([], SAMPLE_RATE) == []


def test_times_past_the_chunk_are_clamped() -> None:
    [piece] = sentence_pieces(words((" end", 1.0, 3.5)), 2 * SAMPLE_RATE)
    assert (piece.start, piece.end) == (SAMPLE_RATE, 2 * SAMPLE_RATE)


@settings(max_examples=200, deadline=None)
@given(
    durations=st.lists(st.floats(0.05, 3.0), min_size=1, max_size=80),
    stops=st.lists(st.booleans(), min_size=80, max_size=80),
    pauses=st.lists(st.floats(0.0, 120.0), max_size=5),
)
def test_every_token_lands_in_one_segment_in_order_and_segments_are_short(
    durations: list[float], stops: list[bool], pauses: list[float]
) -> None:
    spec, t = [], 0.0
    for i, d in enumerate(durations):
        spec.append((f" w{i}" + ("." if stops[i] else ""), t, t + d))
        t += d
    ws = words(*spec)
    pieces = sentence_pieces(ws, int(t * SAMPLE_RATE) + 1, [int(p * SAMPLE_RATE) for p in pauses])
    assert [tok for p in pieces for tok in p.tokens] == [w["tokens"][0] for w in ws]
    assert all(p.start <= p.end for p in pieces)
    assert [p.start for p in pieces] == sorted(p.start for p in pieces)
    longest_word = max(durations)
    assert all(
        len(p.tokens) == 1 or p.end - p.start <= max(MAX_SEGMENT_SECONDS, longest_word) * SAMPLE_RATE + 1
        for p in pieces
    )


class _Tokenizer:
    sot_prev, sot_sequence, no_timestamps = 1, (2, 3, 4), 5

    def encode(self, text: str) -> list[int]:
        return [100 + len(w) for w in text.split()]


def test_the_prompt_asks_for_text_only_when_segments_are_aligned() -> None:
    from longscribe.engines.whisper import prompt_tokens
    from longscribe.options import TranscribeOptions

    tok = _Tokenizer()
    aligned = TranscribeOptions(timestamps="aligned")
    assert prompt_tokens(tok, aligned, None) == [2, 3, 4, 5]
    assert prompt_tokens(tok, TranscribeOptions(timestamps="decoded"), None) == [2, 3, 4]
    assert prompt_tokens(tok, replace(aligned, vad=False), None) == [2, 3, 4], "fixed windows: decoded"
    assert prompt_tokens(tok, aligned, "hi there") == [1, 102, 105, 2, 3, 4, 5]


def test_the_vocabulary_leads_the_prompt_and_the_previous_text_keeps_its_end_within_the_budget() -> None:
    from longscribe.engines.whisper import PROMPT_TOKENS, prompt_tokens
    from longscribe.errors import OptionsError
    from longscribe.options import TranscribeOptions

    tok = _Tokenizer()
    options = TranscribeOptions(timestamps="decoded", vocabulary=("Zeiner", "Subiaco"))
    assert prompt_tokens(tok, options, None) == [1, 107, 108, 2, 3, 4], "'Zeiner, Subiaco.'"
    assert prompt_tokens(tok, options, "hi there") == [1, 107, 108, 102, 105, 2, 3, 4]
    prompted = replace(options, initial_prompt="Well, hello")
    assert prompt_tokens(tok, prompted, None) == [1, 107, 108, 105, 105, 2, 3, 4]
    long_text = " ".join("w" * (k % 7 + 1) for k in range(400))
    prompt = prompt_tokens(tok, options, long_text)
    assert len(prompt) == 1 + PROMPT_TOKENS + 3
    assert prompt[1:3] == [107, 108] and prompt[-4] == 100 + len(long_text.split()[-1])
    too_many = replace(options, vocabulary=tuple(f"two words{k}" for k in range(112)))
    with pytest.raises(OptionsError, match="vocabulary is 224 tokens") as raised:
        prompt_tokens(tok, too_many, None)
    assert raised.value.field == "vocabulary"
