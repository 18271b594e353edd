"""Speech that no text covers is found, with its times, in a stream of regions and segments."""

from __future__ import annotations

from pathlib import Path

from longscribe import Transcriber
from longscribe.engines import FakeEngine
from longscribe.pipeline.coverage import Coverage
from longscribe.pipeline.stitch import longest_word
from longscribe.types import Segment, Span, Word

S = 16_000


def said(start: float, end: float, *words: tuple[float, float]) -> Segment:
    timed = tuple(Word(int(a * S), int(b * S), " w", 1.0) for a, b in words)
    return Segment(int(start * S), int(end * S), " w" * max(1, len(words)), words=timed)


def test_a_stretch_of_speech_between_two_segments_is_reported_with_its_times() -> None:
    coverage = Coverage(min_seconds=5.0)
    coverage.heard([Span(0, 4 * S), Span(5 * S, 12 * S), Span(13 * S, 20 * S)])
    coverage.said(said(0, 4))
    coverage.said(said(13, 20))
    (gap,) = coverage.finish()
    assert (gap.start, gap.end, gap.speech) == (5 * S, 12 * S, 7 * S)
    assert gap.message() == "speech heard but not transcribed: 0:05-0:12 (7.0 s of speech)"


def test_short_gaps_and_covered_speech_are_not_reported() -> None:
    coverage = Coverage(min_seconds=5.0)
    coverage.heard([Span(0, 30 * S)])
    for start in range(0, 30, 4):  # text every 4 s: never 5 s without
        coverage.said(said(start, start + 1))
    assert coverage.finish() == []


def test_a_word_timed_over_many_seconds_covers_only_what_such_a_word_can_take() -> None:
    coverage = Coverage(min_seconds=5.0)
    coverage.heard([Span(0, 20 * S)])
    coverage.said(said(0, 20, (0.0, 20.0)))  # " w": one character, so at most a second (longest_word)
    (gap,) = coverage.finish()
    assert (gap.start, gap.end) == (longest_word(" w"), 20 * S) == (1 * S, 20 * S)


def test_speech_after_the_last_segment_is_reported_at_the_end() -> None:
    coverage = Coverage(min_seconds=5.0)
    coverage.heard([Span(0, 3 * S)])
    coverage.said(said(0, 3))
    coverage.heard([Span(40 * S, 50 * S)])
    assert [(g.start, g.end) for g in coverage.finish()] == [(40 * S, 50 * S)]


class Silent(FakeEngine):
    """The fake engine, with the text of one chunk lost (as when speech is decoded in the wrong language)."""

    def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
        results = super().transcribe(batch, options, request)
        return [r if r.chunk.index != 2 else type(r)(r.chunk, (), r.language) for r in results]


def test_a_chunk_whose_text_is_lost_is_a_warning_in_the_info(data_dir: Path) -> None:
    """Real speech (VAD's regions), fake text: all of it, or all but one chunk's."""
    path = data_dir / "lucier.mp3"
    warned = Transcriber(engine=Silent()).transcribe(path)
    list(warned)
    assert any(w.startswith("speech heard but not transcribed: ") for w in warned.info.warnings), warned.info.warnings
    assert warned.info.complete, "a lost stretch of text is a warning, not an unfinished job"
    whole = Transcriber(engine=FakeEngine()).transcribe(path)
    list(whole)
    assert whole.info.warnings == []
