"""Word times on the file's timeline: held to what a word can take, whatever alignment says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from longscribe.pipeline.stitch import Stitcher, longest_word
from longscribe.types import Chunk, ChunkTranscript, DecodedSegment, Span, Word

S = 16_000


def test_a_word_stretched_over_speech_no_text_covers_is_held_to_its_region_and_length() -> None:
    """Issue 42: "When" timed 2:25.9-2:45.2 over a turn that was never transcribed."""
    regions = (Span(0, 3 * S), Span(4 * S, 25 * S))
    chunk = Chunk(0, (Span(0, 30 * S),), Span(0, 30 * S), regions)
    words = (Word(int(0.5 * S), S, " So", 1.0), Word(int(1.2 * S), int(20.5 * S), " When", 1.0))
    result = ChunkTranscript(chunk, (DecodedSegment(words[0].start, words[-1].end, " So When", words=words),), "en")
    (segment,) = Stitcher().add(result)
    when = segment.words[1]
    assert when.start == int(1.2 * S) and when.end <= 3 * S, "ends in the speech region it starts in"
    assert when.end - when.start <= longest_word(" When") and segment.end == when.end


@st.composite
def stretched(draw: st.DrawFn) -> ChunkTranscript:
    """A 30-s chunk of speech regions and words, some of them stretched over many seconds."""
    cuts = sorted(draw(st.sets(st.integers(1, 29), min_size=2, max_size=10)))
    regions = tuple(Span(a * S, b * S) for a, b in zip(cuts[::2], cuts[1::2]))
    words, t = [], int(regions[0].start)
    for _ in range(draw(st.integers(1, 20))):
        t += draw(st.integers(0, S))
        length = draw(st.one_of(st.integers(S // 20, S), st.integers(5 * S, 20 * S)))
        words.append(Word(t, t + length, " " + draw(st.text("abcdefg-0123", min_size=1, max_size=12)), 1.0))
        t += draw(st.integers(S // 20, S))
    chunk = Chunk(0, (Span(0, 30 * S),), Span(0, 30 * S), regions)
    segment = DecodedSegment(
        words[0].start, max(w.end for w in words), "".join(w.text for w in words), words=tuple(words)
    )
    return ChunkTranscript(chunk, (segment,), "en")


@settings(max_examples=200, deadline=None)
@given(stretched())
def test_every_word_ends_before_the_next_and_within_its_length_and_region(result: ChunkTranscript) -> None:
    regions = result.chunk.speech or ()
    for segment in Stitcher().add(result):
        for word, following in zip(segment.words, [*segment.words[1:], None]):
            assert word.end - word.start <= longest_word(word.text)
            if following is not None:
                assert word.end <= max(word.start, following.start)
            home = [r for r in regions if r.start <= word.start < r.end]
            assert not home or word.end <= home[0].end
        assert not segment.words or segment.end <= max(segment.start, segment.words[-1].end)
