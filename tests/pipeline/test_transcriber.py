"""The pipeline (decode -> chunks -> engine -> stitching) with a FakeEngine."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import tone, write_wav  # noqa: E402
from longscribe import Progress, Transcriber
from longscribe.engines import FakeEngine
from longscribe.errors import EngineError
from longscribe.types import SAMPLE_RATE

S = SAMPLE_RATE


def word_numbers(segments: list) -> list[int]:  # type: ignore[type-arg]
    return [int(m) for s in segments for m in re.findall(r"w(\d+)", s.text)]


@pytest.fixture
def noise_file(tmp_path: Path) -> Path:
    """100 s of non-silent audio: the fake engine hears a word every 0.5 s."""
    return write_wav(tmp_path / "noise.wav", tone(100.0, level=0.2))


@pytest.mark.parametrize("batch_size", [1, 3, 8])
def test_fixed_windows_give_every_word_once_in_order(noise_file: Path, batch_size: int) -> None:
    engine = FakeEngine()
    t = Transcriber(engine=engine, vad=False, speech_guard=False, batch_size=batch_size)
    segments = list(t.transcribe(noise_file))
    numbers = word_numbers(segments)
    expected = list(range(0, (100 * S - engine.word_length) // engine.word_every + 1))
    assert numbers == expected, "a word was dropped or repeated at a window seam"
    words = [w for s in segments for w in s.words]
    assert [w.start for w in words] == [n * engine.word_every for n in expected], "positions are exact"
    assert max(len(b) for b in engine.calls) <= batch_size


def test_vad_chunks_of_real_speech_hold_only_speech_and_map_back_exactly(data_dir: Path) -> None:
    engine = FakeEngine(word_every=S // 10, word_length=S // 20)
    transcription = Transcriber(engine=engine).transcribe(data_dir / "jfk.flac")
    segments = list(transcription)
    numbers = word_numbers(segments)
    assert numbers == sorted(set(numbers)), "words must come out once each, in time order"
    assert 60 < len(numbers) < 110, "jfk.flac has ~10 s of speech in 11 s"
    for s in segments:
        for w in s.words:  # at the word's grid position, or pulled inside the speech it overlaps
            grid = int(w.text.strip()[1:]) * engine.word_every
            assert grid <= w.start <= grid + engine.word_length
    assert transcription.info.complete and transcription.info.duration == 11 * S
    assert transcription.info.language == "en"


def test_silence_gives_an_empty_transcript(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silence.wav", np.zeros(60 * S, dtype=np.float32))
    for vad in (True, False):
        transcription = Transcriber(engine=FakeEngine(), vad=vad).transcribe(path)
        assert list(transcription) == []
        assert transcription.info.complete


def test_with_first_the_language_is_detected_on_the_first_chunk_then_fixed(noise_file: Path) -> None:
    engine = FakeEngine(language="de")
    options = dict(vad=False, speech_guard=False, batch_size=2, language="first")
    transcription = Transcriber(engine=engine, **options).transcribe(noise_file)  # type: ignore[arg-type]
    list(transcription)
    assert engine.requests[0].language is None
    assert all(r.language == "de" for r in engine.requests[1:])
    assert transcription.info.language == "de"
    assert engine.calls[0] == [0], "the chunk that decides the language goes alone: others wait for it"
    assert [len(c) for c in engine.calls[1:-1]] == [2] * (len(engine.calls) - 2)


@dataclass
class SlowFirstChunk(FakeEngine):
    """Chunk 0 (it decides the language) finishes only once another batch has started.

    Elsewhere, detection finds ``elsewhere`` (a file that opens in another language) or,
    when None, the same language.
    """

    elsewhere: str | None = None
    started: threading.Event = field(default_factory=threading.Event)

    def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
        detecting = request.language is None
        if batch[0].chunk.index == 0 and detecting:
            assert self.started.wait(10), "no batch started while the language was being found"
            return super().transcribe(batch, options, request)
        self.started.set()
        out = super().transcribe(batch, options, request)
        return [replace(r, language=self.elsewhere) for r in out] if detecting and self.elsewhere else out


@pytest.mark.parametrize("elsewhere", [None, "en"])
def test_with_workers_later_batches_start_on_a_guess_and_keep_the_first_chunks_language(
    noise_file: Path, elsewhere: str | None
) -> None:
    engine = SlowFirstChunk(language="de", elsewhere=elsewhere)
    options = dict(vad=False, speech_guard=False, batch_size=2)
    transcription = Transcriber(engine=engine, workers=2, language="first", **options).transcribe(noise_file)
    segments = list(transcription)
    assert transcription.info.language == "de"
    assert engine.calls.count([0]) == 1
    guessed = [c for c, r in zip(engine.calls, engine.requests) if r.language is None and c != [0]]
    assert guessed, "a batch started before the language was known"
    redone = [c for c in guessed if engine.calls.count(c) == 2]
    assert redone == (guessed if elsewhere else []), "only a wrong guess is decoded again"
    alone = Transcriber(engine=FakeEngine(language="de"), language="first", **options).transcribe(noise_file)
    assert segments == list(alone)


def test_a_known_language_needs_no_lone_first_chunk(noise_file: Path) -> None:
    engine = FakeEngine()
    list(Transcriber(engine=engine, vad=False, speech_guard=False, batch_size=2, language="en").transcribe(noise_file))
    assert engine.calls[0] == [0, 1]


def test_previous_text_prompting_decodes_one_chunk_at_a_time(noise_file: Path) -> None:
    engine = FakeEngine()
    list(
        Transcriber(
            engine=engine, vad=False, speech_guard=False, batch_size=4, condition_on_previous_text=True
        ).transcribe(noise_file)
    )
    assert all(len(c) == 1 for c in engine.calls)
    assert engine.requests[0].prompts == (None,)
    assert engine.requests[1].prompts[0] and engine.requests[1].prompts[0].endswith(
        " w53"
    )  # 30 s window, authority up to 27 s


def test_an_engine_failure_surfaces_and_stops_the_decode_thread(noise_file: Path) -> None:
    transcription = Transcriber(
        engine=FakeEngine(fail_chunks=frozenset({2})), vad=False, speech_guard=False, batch_size=1
    ).transcribe(noise_file)
    with pytest.raises(EngineError):
        list(transcription)
    assert not any(t.name == "longscribe-feed" and t.is_alive() for t in threading.enumerate())


def test_progress_reports_audio_done_up_to_the_full_duration(noise_file: Path) -> None:
    events: list[Progress] = []
    list(
        Transcriber(engine=FakeEngine(), vad=False, speech_guard=False).transcribe(
            noise_file, on_progress=events.append
        )
    )
    done = [e.done for e in events]
    assert done == sorted(done) and done[-1] == 100 * S
    assert events[-1].total == 100 * S


def test_decoding_runs_ahead_of_the_engine_only_by_a_bounded_queue(noise_file: Path) -> None:
    depths: list[int] = []

    class Slow(FakeEngine):
        def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
            depths.append(transcription._feed._queue.qsize())  # noqa: SLF001
            threading.Event().wait(0.05)
            return super().transcribe(batch, options, request)

    t = Transcriber(engine=Slow(), vad=False, speech_guard=False, batch_size=1)
    transcription = t.transcribe(noise_file)
    list(transcription)
    assert max(depths) <= transcription._feed._queue.maxsize <= 8  # noqa: SLF001


def test_parallel_workers_keep_order_and_decode_every_chunk_once(noise_file: Path) -> None:
    import random

    class Jittery(FakeEngine):
        """Finishes batches in random order, as concurrent CTranslate2 workers do."""

        def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
            threading.Event().wait(random.Random(batch[0].chunk.index).uniform(0, 0.05))
            return super().transcribe(batch, options, request)

    engine = Jittery()
    committed: list[int] = []
    t = Transcriber(engine=engine, vad=False, speech_guard=False, batch_size=1, workers=3)
    transcription = t.transcribe(noise_file)
    transcription._scheduler._commit = lambda r: committed.append(r.chunk.index)  # noqa: SLF001
    segments = list(transcription)
    reference = list(Transcriber(engine=FakeEngine(), vad=False, speech_guard=False).transcribe(noise_file))
    assert segments == reference
    assert committed == sorted(committed) == list(range(len(committed)))
    assert sorted(i for call in engine.calls for i in call) == committed
    assert engine.requests[0].language is None and {r.language for r in engine.requests[1:]} <= {None, "en"}
    assert len(engine.calls) == len(committed), "batches that started on a right guess are not decoded again"
