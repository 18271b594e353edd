"""A language per stretch of speech: the smoothing rule, the settler in chunk order, the scheduler and resume."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import tone, write_wav
from longscribe import Transcriber
from longscribe.engines import FakeEngine
from longscribe.jobs import JobStore
from longscribe.options import VadOptions
from longscribe.pipeline.languages import SWITCH_PROBABILITY, LanguageSettler, _filled, _holes, _pieces, decide
from longscribe.types import Candidates, Chunk, ChunkAudio, ChunkTranscript, DecodedSegment, Span, Word
from longscribe.vad.chunking import Pauses

SURE = SWITCH_PROBABILITY + 0.05
UNSURE = SWITCH_PROBABILITY - 0.3


def heard(language: str, p: float = 0.99, other: str = "en") -> Candidates:
    return ((language, p), (other, round(1 - p, 3)))


def test_one_unsure_chunk_does_not_flip_the_running_language() -> None:
    assert decide("en", heard("de", UNSURE), heard("en"))[0] == "en"
    language, why = decide("en", heard("de", UNSURE), None)
    assert language == "en" and "kept language en" in why


def test_a_sure_chunk_switches_at_once() -> None:
    assert decide("en", heard("de", SURE), heard("en")) == ("de", f"language en -> de (p={SURE:.2f})")


def test_an_unsure_switch_the_next_chunk_confirms_is_followed_from_its_first_chunk() -> None:
    assert decide("en", heard("de", UNSURE), heard("de", UNSURE))[0] == "de"


def test_the_first_chunk_sets_the_language_and_a_given_language_is_left_alone() -> None:
    assert decide(None, heard("es", UNSURE), None) == ("es", "")
    assert decide("en", (), None) == (None, "")


# -- the settler, on a recording whose language is known at every sample ----------------------------

SECOND = 16_000


def recording(*stretches: tuple[str, int]) -> list[tuple[int, int, str]]:
    """(start, end, language) for consecutive stretches of (language, seconds)."""
    out, t = [], 0
    for language, seconds in stretches:
        out.append((t, t + seconds * SECOND, language))
        t += seconds * SECOND
    return out


class Listener:
    """Decodes a chunk as the language(s) spoken in it, sure only when one language fills it."""

    def __init__(self, spoken: list[tuple[int, int, str]]) -> None:
        self.spoken = spoken
        self.calls: list[tuple[list[tuple[int, int]], str | None]] = []

    def heard(self, span: Span) -> Candidates:
        share: dict[str, int] = {}
        for a, b, language in self.spoken:
            overlap = min(b, span.end) - max(a, span.start)
            if overlap > 0:
                share[language] = share.get(language, 0) + overlap
        ranked = sorted(share.items(), key=lambda kv: -kv[1])
        top, rest = ranked[0][0], ranked[1:]
        if not rest:
            return ((top, 0.99),)
        p = ranked[0][1] / span.length * 0.8  # a mixed chunk is never heard surely
        return ((top, round(p, 3)), *((language, round(n / span.length * 0.8, 3)) for language, n in rest))

    def __call__(self, items: list[ChunkAudio], language: str | None) -> list[ChunkTranscript]:
        self.calls.append(([(i.chunk.start, i.chunk.end) for i in items], language))
        out = []
        for item in items:
            span = Span(item.chunk.start, item.chunk.end)
            candidates = self.heard(span)
            decoded = language or candidates[0][0]
            segment = DecodedSegment(0, span.length, f" [{decoded} {span.start // SECOND}-{span.end // SECOND}]")
            out.append(ChunkTranscript(item.chunk, (segment,), decoded, candidates=() if language else candidates))
        return out


def chunks(total_seconds: int, size: int = 30, regions: int = 3) -> list[ChunkAudio]:
    """Chunks of ``size`` seconds, each with ``regions`` speech regions separated by pauses."""
    out = []
    for index, start in enumerate(range(0, total_seconds * SECOND, size * SECOND)):
        span = Span(start, start + size * SECOND)
        step = span.length // regions
        speech = tuple(
            Span(span.start + k * step + SECOND // 2, span.start + (k + 1) * step - SECOND // 2) for k in range(regions)
        )
        out.append(ChunkAudio(Chunk(index, (span,), span, speech), np.zeros(span.length, np.float32)))
    return out


def settle(listener: Listener, items: list[ChunkAudio]) -> list[ChunkTranscript]:
    settler = LanguageSettler(listener)
    out = []
    for item in items:
        out += settler.push(listener([item], None)[0], item)
    return out + settler.finish()


def test_a_switch_between_chunks_is_followed_and_nothing_is_decoded_twice() -> None:
    listener = Listener(recording(("en", 90), ("de", 60), ("en", 60)))
    settled = settle(listener, chunks(210))
    assert [r.language for r in settled] == ["en", "en", "en", "de", "de", "en", "en"]
    assert all(language is None for _, language in listener.calls), "every chunk was right the first time"


def test_a_chunk_that_straddles_a_switch_is_cut_at_its_pauses() -> None:
    listener = Listener(recording(("en", 70), ("de", 80), ("en", 60)))  # switches at 70 s and 150 s
    settled = settle(listener, chunks(210))
    cut = settled[2]  # 60-90 s: English then German
    assert [s.language for s in cut.segments] == ["en", "de"] and cut.language == "de"
    assert any("cut at its pauses" in d and "en -> de" in d for d in cut.decisions)
    assert cut.segments[0].text.startswith(" [en 60") and cut.segments[1].text.startswith(" [de 70")
    assert [r.language for r in settled] == ["en", "en", "de", "de", "de", "en", "en"]


def test_a_short_foreign_quote_inside_a_chunk_keeps_the_running_language() -> None:
    listener = Listener(recording(("en", 100), ("fr", 5), ("en", 105)))
    settled = settle(listener, chunks(210))
    assert {r.language for r in settled} == {"en"}
    assert not any(s.language == "fr" for r in settled for s in r.segments)


# -- through the scheduler: batches, workers, the job store ---------------------------------------


@pytest.fixture(scope="module")
def noise_file() -> Path:
    return write_wav(Path(tempfile.mkdtemp()) / "tones.wav", tone(300.0, level=0.2))


def fake(**heard_by_chunk: Candidates) -> FakeEngine:
    return FakeEngine(heard={int(k.removeprefix("c")): v for k, v in heard_by_chunk.items()})


SWITCHING = {
    "c3": heard("de", UNSURE),
    "c4": heard("de"),
    "c5": heard("de"),
    "c6": heard("fr", UNSURE),
    "c7": heard("de"),
}
"""Chunk 3 unsure but followed by German; chunk 6 an unsure flip to French inside the German stretch."""
SETTLED = ["en", "en", "en", "de", "de", "de", "de", "de", "en", "en", "en"]


@pytest.mark.parametrize(("workers", "batch"), [(1, 1), (1, 4), (3, 2)])
def test_the_settled_languages_do_not_depend_on_batches_or_workers(noise_file: Path, workers: int, batch: int) -> None:
    engine = fake(**SWITCHING)
    t = Transcriber(engine=engine, vad=False, speech_guard=False, batch_size=batch, workers=workers)
    transcription = t.transcribe(noise_file)
    segments = list(transcription)
    by_chunk = {s.chunk: s.language for s in segments}
    assert [by_chunk[i] for i in sorted(by_chunk)][: len(SETTLED)] == SETTLED
    assert any(r.language == "de" for r in engine.requests), "chunk 6, heard as French, decoded again in German"
    info = transcription.info
    assert info.language_runs == ["en", "de", "en"] and {e["language"] for e in info.languages} == {"en", "de"}


def test_a_resumed_job_settles_the_rest_as_an_uninterrupted_run(noise_file: Path, tmp_path: Path) -> None:
    reference = [
        (s.chunk, s.language, s.text)
        for s in Transcriber(engine=fake(**SWITCHING), vad=False, speech_guard=False).transcribe(noise_file)
    ]
    store = JobStore(tmp_path / "jobs")
    for stop_after in (2, 3, 4, 6):
        store.discard(str(noise_file.resolve()))
        first = Transcriber(engine=fake(**SWITCHING), vad=False, speech_guard=False, batch_size=1)
        segments = iter(first.transcribe(noise_file, store=store))
        for segment in segments:
            if segment.chunk >= stop_after:
                break
        segments.close()  # type: ignore[attr-defined]  (the process "dies" here)
        again = Transcriber(engine=fake(**SWITCHING), vad=False, speech_guard=False, batch_size=2)
        resumed = [(s.chunk, s.language, s.text) for s in again.transcribe(noise_file, store=store)]
        assert resumed == reference, stop_after


def test_a_given_language_or_first_identifies_nothing_per_chunk(noise_file: Path) -> None:
    for language, expected in (("de", "de"), ("first", "en")):
        engine = fake(**SWITCHING)
        segments = list(
            Transcriber(engine=engine, vad=False, speech_guard=False, language=language).transcribe(noise_file)
        )
        assert {s.language for s in segments} == {expected}


def test_an_english_only_model_is_english_throughout(noise_file: Path) -> None:
    engine = FakeEngine(multilingual=False, heard={3: heard("de")})
    segments = list(Transcriber(engine=engine, vad=False, speech_guard=False).transcribe(noise_file))
    assert {s.language for s in segments} == {"en"}


def test_a_turn_in_another_language_inside_a_chunk_is_decoded_in_its_own() -> None:
    """Issue 42: 10 s of French between English turns, in one chunk heard as English at p=0.53."""
    listener = Listener(recording(("en", 100), ("fr", 10), ("en", 100)))
    settled = settle(listener, chunks(210))
    cut = settled[3]  # 90-120 s: its middle piece is the French turn
    assert [s.language for s in cut.segments] == ["en", "fr", "en"]
    assert any("en -> fr -> en" in d for d in cut.decisions)
    assert {s.language for r in settled if r is not cut for s in r.segments} == {None}


def test_a_chunk_is_cut_at_the_short_pauses_inside_its_speech() -> None:
    span = Span(0, 30 * SECOND)
    chunk = Chunk(0, (span,), span, (span,), pauses=(10 * SECOND, 10 * SECOND + SECOND // 2, 20 * SECOND))
    assert _pieces(chunk) == [Span(0, 10 * SECOND), Span(10 * SECOND, 20 * SECOND), Span(20 * SECOND, 30 * SECOND)]


def test_the_vad_plan_records_pauses_shorter_than_its_silences() -> None:
    probs = np.array([0.9] * 50 + [0.0] * 10 + [0.9] * 50 + [0.0] * 3 + [0.9] * 50, dtype=np.float32)
    pauses = Pauses(VadOptions())  # 10 frames = 320 ms: a pause; 3 frames = 96 ms: not
    pauses.push_many(probs)
    assert pauses.found == [55 * 512]
    chunk = pauses.take(Chunk(0, (Span(0, 200 * 512),), Span(0, 200 * 512), ()))
    assert chunk.pauses == (55 * 512,) and pauses.found == []


def words(*starts: float) -> tuple[Word, ...]:
    return tuple(Word(int(t * SECOND), int((t + 0.3) * SECOND), " w", 1.0) for t in starts)


def test_a_piece_of_speech_the_words_leave_empty_is_a_hole_and_is_filled_from_its_own_decode() -> None:
    span = Span(0, 30 * SECOND)
    pieces = [Span(0, 10 * SECOND), Span(10 * SECOND, 20 * SECOND), Span(20 * SECOND, 30 * SECOND)]
    said = words(0.5, 1, 2, 3, 4, 5, 10.2, 21, 22, 23, 24, 25)  # one word in the middle 10 s
    runaway = DecodedSegment(10 * SECOND, 19 * SECOND, " w", words=said[6:7])
    result = ChunkTranscript(
        Chunk(0, (span,), span, (span,)),
        (
            DecodedSegment(0, 6 * SECOND, "x", words=said[:6]),
            runaway,
            DecodedSegment(21 * SECOND, 26 * SECOND, "y", words=said[7:]),
        ),
        "en",
    )
    assert _holes(result, pieces) == [False, True, False]
    piece = ChunkTranscript(result.chunk, (DecodedSegment(0, 8 * SECOND, " heard alone", words=words(0, 4)),), "en")
    filled = _filled(result, [(pieces[1], piece)])
    assert [s.text for s in filled.segments] == ["x", " heard alone", "y"]
    assert filled.segments[1].start == 10 * SECOND and filled.segments[1].words[1].start == 14 * SECOND
