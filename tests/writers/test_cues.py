"""Subtitle cues: limits that hold for any words, breaks where a reader expects them, times that fit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from longscribe import OptionsError
from longscribe.types import SAMPLE_RATE, Segment, Word
from longscribe.writers.cues import CueOptions, cues_of, line_text

S = SAMPLE_RATE


def sentence(start_s: float, *texts: str, step: float = 0.35) -> Segment:
    words = tuple(
        Word(int((start_s + i * step) * S), int((start_s + i * step + step * 0.8) * S), f" {t}", 1.0)
        for i, t in enumerate(texts)
    )
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words), words)


@st.composite
def transcripts(draw: st.DrawFn) -> tuple[list[Segment], CueOptions]:
    options = CueOptions(
        max_line_width=draw(st.integers(8, 60)),
        max_line_count=draw(st.integers(1, 3)),
        max_words_per_line=draw(st.one_of(st.none(), st.integers(1, 10))),
        max_cue_duration=draw(st.floats(1.0, 10.0)),
    )
    segments, t = [], 0.0
    for _ in range(draw(st.integers(1, 12))):
        words = []
        for _ in range(draw(st.integers(1, 25))):
            t += draw(st.sampled_from([0.0, 0.02, 0.1, 0.3, 0.8, 1.6, 3.0]))
            length = draw(st.one_of(st.floats(0.05, 1.2), st.floats(5.0, 25.0)))  # a word stretched too
            text = draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=18))
            text += draw(st.sampled_from(["", "", "", ",", ".", "?", "!", ";"]))
            words.append(Word(int(t * S), int((t + length) * S), f" {text}", 1.0))
            t += length
        segments.append(Segment(words[0].start, words[-1].end, "".join(w.text for w in words), tuple(words)))
    return segments, options


@settings(max_examples=300, deadline=None)
@given(transcripts())
def test_every_limit_holds_every_word_comes_once_in_order_and_times_never_overlap(
    case: tuple[list[Segment], CueOptions],
) -> None:
    segments, options = case
    cues = cues_of(segments, options)
    words = [w for s in segments for w in s.words]
    assert [w for c in cues for w in c.words] == words, "every word once, in order"
    gap, pause = int(options.gap * S), int(options.max_pause * S)
    for cue, following in zip(cues, [*cues[1:], None]):
        alone = len(cue.words) == 1
        assert len(cue.lines) <= options.max_line_count
        for line in cue.lines:
            assert len(line) == 1 or len(line_text(line)) <= options.max_line_width, cue.text
            assert len(line) == 1 or options.max_words_per_line is None or len(line) <= options.max_words_per_line
        assert alone or cue.words[-1].end - cue.words[0].start <= options.max_cue_duration * S + 1
        assert cue.start == cue.words[0].start < cue.end
        assert cue.end - cue.start <= options.max_cue_duration * S + 1, "a cue longer than --max-cue-duration"
        for a, b in zip(cue.words, cue.words[1:]):
            assert b.start - a.end <= pause, "a long pause inside a cue"
        if following is not None:
            assert cue.end + gap <= following.start or cue.end == cue.start + 1, "cues too close"
            assert cue.end >= min(
                cue.words[-1].end, following.start - gap, cue.start + int(options.max_cue_duration * S)
            )
        else:
            assert cue.end >= min(cue.words[-1].end, cue.start + int(options.max_cue_duration * S))


def test_cues_end_at_sentences_and_lines_break_after_clauses() -> None:
    segments = [
        sentence(0.0, "I", "went", "down", "to", "the", "river,", "and", "the", "water", "was", "cold."),
        sentence(4.0, "Nobody", "else", "was", "there."),
    ]
    cues = cues_of(segments)
    assert [c.text for c in cues] == ["I went down to the river,\nand the water was cold.", "Nobody else was there."]


def test_a_cue_stays_long_enough_to_read_but_not_into_the_next() -> None:
    quick = sentence(0.0, "Extraordinarily", "unbelievable", "circumstances.", step=0.2)
    later = sentence(0.9, "Yes.", step=0.3)
    far = sentence(10.0, "Then", "silence.", step=0.3)
    first, second, third = cues_of([quick, later, far])
    assert first.end == second.start - int(0.08 * S), "as long as the next cue allows"
    assert (second.end - second.words[-1].end) / S == pytest.approx(0.5, abs=0.01), "half a second to read it"
    assert (third.end - third.start) / S >= 1.0, "a cue lasts at least a second"


def test_two_lines_are_balanced_and_the_lower_is_never_much_longer() -> None:
    words = "This is a rather long sentence that will certainly need two lines to fit on screen".split()
    [cue] = cues_of([sentence(0.0, *words, step=0.25)])
    top, bottom = (len(line_text(line)) for line in cue.lines)
    assert abs(top - bottom) <= 12 and bottom <= top + 4, cue.text


def test_numbers_and_hyphenated_words_are_never_split_and_punctuation_stays_with_its_word() -> None:
    words = ["The", "well-known", "figure", "is", "1,234,567,", "roughly", "twenty-three", "percent", "of", "it."]
    cues = cues_of([sentence(0.0, *words)], CueOptions(max_line_width=20))
    lines = [line_text(line) for c in cues for line in c.lines]
    assert " ".join(lines).split() == words
    assert not any(line[:1] in ",.;:?!" for line in lines)
    assert any(line.endswith("1,234,567,") for line in lines), "a line ends after the clause"


def test_none_style_keeps_one_cue_per_segment() -> None:
    with pytest.raises(OptionsError):
        CueOptions(style="karaoke")
    with pytest.raises(OptionsError, match="max_line_width"):
        CueOptions(max_line_width=0)
