"""The fallback policy: loops retried then dropped, silence never turned into text, every step recorded."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from audio_fixtures import tone, write_wav  # noqa: E402
from longscribe import TranscribeOptions, Transcriber
from longscribe.engines import DecodeRequest, FakeEngine
from longscribe.pipeline.fallback import decode_with_fallback, retry_reason
from longscribe.text.quality import repetition_loop
from longscribe.types import SAMPLE_RATE, Chunk, ChunkAudio, ChunkTranscript, DecodedSegment, Span

OPTS = TranscribeOptions()


def item(index: int, audio: np.ndarray) -> ChunkAudio:
    return ChunkAudio(Chunk(index, (Span(0, audio.shape[0]),), Span(0, audio.shape[0])), audio)


def result(text: str, avg_logprob: float = -0.2, no_speech: float = 0.0, truncated: bool = False) -> ChunkTranscript:
    chunk = Chunk(0, (Span(0, 100),), Span(0, 100))
    return ChunkTranscript(
        chunk,
        (DecodedSegment(0, 100, text),),
        "en",
        avg_logprob=avg_logprob,
        no_speech_prob=no_speech,
        truncated=truncated,
    )


def test_hallucinated_word_loops_are_detected() -> None:
    assert repetition_loop("You you you you") == "you"
    assert repetition_loop(" Thank you for watching. Thank you for watching. Thank you for watching.") is not None


def test_legitimate_repetition_in_speech_is_not_a_loop() -> None:
    text = "To decrease your speaking volume to other participants, to decrease your speaking volume."
    assert repetition_loop(text) is None
    assert retry_reason(result(text), OPTS) is None


def test_unsure_or_truncated_decodes_are_retried_but_silence_is_not() -> None:
    assert retry_reason(result("hello there", avg_logprob=-1.5), OPTS) is not None
    assert retry_reason(result("hello there", truncated=True), OPTS) is not None
    assert retry_reason(result("Thank you.", avg_logprob=-1.5, no_speech=0.9), OPTS) is None


def test_a_forced_loop_is_retried_at_a_higher_temperature_and_recorded() -> None:
    engine = FakeEngine(loop_chunks=frozenset({1}))
    audio = tone(10.0, level=0.2)
    out = decode_with_fallback(engine, [item(0, audio), item(1, audio)], OPTS, DecodeRequest())
    assert [r.temperature for r in out] == [0.0, 0.2]
    assert "you you you" not in "".join(s.text for s in out[1].segments)
    assert out[1].decisions == (
        "t=0: repetition loop 'you' at 8.0 words/s",
        "t=0 without repeated 5-grams: repetition loop 'you' at 8.0 words/s",
        "t=0.2: accepted",
    )
    assert out[0].decisions == ()
    assert [len(c) for c in engine.calls] == [2, 1, 1], "only the failing chunk is decoded again"


def test_a_loop_is_first_retried_at_temperature_0_without_repeats() -> None:
    engine = FakeEngine(repeat_loop_chunks=frozenset({0}))
    audio = tone(10.0, level=0.2)
    [out] = decode_with_fallback(engine, [item(0, audio)], OPTS, DecodeRequest("en", ("earlier words",)))
    assert out.temperature == 0.0 and "you you" not in "".join(s.text for s in out.segments)
    assert out.decisions == ("t=0: repetition loop 'you' at 8.0 words/s", "t=0 without repeated 5-grams: accepted")
    assert engine.requests[1] == DecodeRequest(None, (), 0.0, 5, ("en",)), "deterministic, without the prompt"


def test_an_unsure_decode_skips_the_no_repeat_step() -> None:
    engine = Unsure()
    [out] = decode_with_fallback(engine, [item(0, tone(10.0, level=0.2))], OPTS, DecodeRequest())
    assert [r.no_repeat_ngram for r in engine.requests] == [0] * len(OPTS.temperatures)
    assert out.decisions[0].startswith("t=0: average log-probability")


def test_a_letter_loop_counts_every_letter_as_a_word() -> None:
    looping = result(" until the ω" + "-R" * 120, avg_logprob=-0.3)
    assert retry_reason(looping, OPTS) is not None, "one whitespace-separated 'word' of 120 letters is a loop"


def test_a_loop_that_never_ends_is_dropped_with_its_reason() -> None:
    engine = FakeEngine(always_loop_chunks=frozenset({0}))
    [out] = decode_with_fallback(engine, [item(0, tone(10.0, level=0.2))], OPTS, DecodeRequest())
    assert out.segments == () and out.skipped_reason and "repetition loop" in out.skipped_reason
    assert out.decisions[-1].startswith("dropped: every attempt failed")
    assert len(out.decisions) == len(OPTS.temperatures) + 2


class Unsure(FakeEngine):
    """Every decode is readable but unlikely (average log-probability -1.5)."""

    def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
        return [replace(r, avg_logprob=-1.5) for r in super().transcribe(batch, options, request)]


def jfk(data_dir: Path) -> np.ndarray:
    from longscribe.audio import AudioStream

    with AudioStream(data_dir / "jfk.flac") as stream:
        return np.concatenate(list(stream.windows(60 * SAMPLE_RATE)))


def test_text_invented_over_silence_is_dropped(tmp_path: Path, data_dir: Path) -> None:
    silence = np.zeros(60 * SAMPLE_RATE, dtype=np.float32)  # one whole 30 s window hears nothing
    path = write_wav(tmp_path / "gaps.wav", np.concatenate([jfk(data_dir), silence, jfk(data_dir)]))
    engine = FakeEngine(talks_over_silence=True)
    transcription = Transcriber(engine=engine, vad=False).transcribe(path)
    text = "".join(s.text for s in transcription)
    assert "Thank you" not in text and " w0" in text
    assert any("no speech" in d["decision"] for d in transcription.info.decisions)


def test_words_where_vad_hears_no_speech_are_dropped_and_recorded(tmp_path: Path, data_dir: Path) -> None:
    """The fake engine "hears" words in any non-silent audio, a 20 s tone included; VAD does not."""
    path = write_wav(tmp_path / "tone.wav", np.concatenate([jfk(data_dir), tone(20.0, level=0.2), jfk(data_dir)]))
    for guard in (True, False):
        transcription = Transcriber(engine=FakeEngine(), vad=False, speech_guard=guard).transcribe(path)
        words = [w for s in transcription for w in s.words]
        in_tone = [w for w in words if 12 * SAMPLE_RATE <= w.start < 30 * SAMPLE_RATE]
        assert bool(in_tone) is not guard
        assert any(w.start < 11 * SAMPLE_RATE for w in words) and any(w.start > 31 * SAMPLE_RATE for w in words)
        dropped = [d for d in transcription.info.decisions if "outside speech" in d["decision"]]
        assert bool(dropped) is guard


def test_the_first_retry_drops_the_previous_text_prompt() -> None:
    engine = FakeEngine(loop_chunks=frozenset({0}))
    decode_with_fallback(engine, [item(0, tone(5.0, level=0.2))], OPTS, DecodeRequest("en", ("earlier words",)))
    assert engine.requests[1] == DecodeRequest(None, (), 0.0, 5, ("en",))
    assert engine.requests[2].temperature == 0.2


def test_a_real_repetition_at_speaking_pace_is_kept() -> None:
    phrase = " The conference will begin when our leader arrives."
    chunk = Chunk(0, (Span(0, 20 * SAMPLE_RATE),), Span(0, 20 * SAMPLE_RATE))
    spoken = ChunkTranscript(chunk, (DecodedSegment(0, 20 * SAMPLE_RATE, phrase * 4),), "en", avg_logprob=-0.2)
    assert retry_reason(spoken, OPTS) is None  # 32 words in 20 s: what a conference bridge really says


class StopsEarly(FakeEngine):
    """Like Whisper ending a window with seconds of speech still to come: only the first 8 s."""

    def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
        out = super().transcribe(batch, options, request)
        return [replace(r, segments=tuple(s for s in r.segments if s.end <= 8 * SAMPLE_RATE)) for r in out]


def test_speech_left_after_an_early_stop_is_decoded_again(tmp_path: Path) -> None:
    from longscribe.pipeline.fallback import complete_tails

    audio = tone(20.0, level=0.2)
    batch = [item(0, audio)]
    engine = StopsEarly()
    decoded = replace(OPTS, timestamps="decoded")
    first = engine.transcribe(batch, decoded, DecodeRequest())
    [done] = complete_tails(engine, batch, first, decoded, DecodeRequest())
    numbers = [int(w.text.strip()[1:]) for s in done.segments for w in s.words]
    assert numbers == list(range(numbers[0], numbers[-1] + 1)) and numbers[-1] >= 36, "the tails follow on"
    assert any("tail from" in d for d in done.decisions)
    # Aligned segments (text decoded without timestamps) are left as they are.
    assert complete_tails(engine, batch, first, replace(OPTS, timestamps="aligned"), DecodeRequest()) == first
