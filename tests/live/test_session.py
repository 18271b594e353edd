"""A live session with a real model on real speech: utterances, agreement, the lag guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import read_samples
from longscribe.live import Completed, Delta, Lagging, LiveSession, Partial, SpeechStarted, SpeechStopped
from longscribe.live.utterances import for_live
from longscribe.metrics import error_rates
from longscribe.options import LiveOptions, TranscribeOptions

pytestmark = pytest.mark.model

BLOCK = 1600  # 100 ms, as a microphone delivers it


@pytest.fixture(scope="module")
def live_engine() -> tuple[object, TranscribeOptions]:
    from longscribe import Transcriber

    transcriber = Transcriber(for_live(TranscribeOptions(model="tiny.en", language="en")))
    return transcriber.engine, transcriber.decoding


def stream(session: LiveSession, audio: np.ndarray, block: int = BLOCK) -> list[object]:
    events: list[object] = []
    for i in range(0, audio.shape[0], block):
        events += session.push(audio[i : i + block])
    return events + session.close()


def test_jfk_streamed_in_100ms_blocks_is_transcribed_as_it_is_spoken(
    live_engine: tuple[object, TranscribeOptions], data_dir: Path
) -> None:
    engine, options = live_engine
    audio = read_samples(data_dir / "jfk.flac")
    events = stream(LiveSession(engine, options), audio)  # type: ignore[arg-type]
    completed = [e for e in events if isinstance(e, Completed)]
    text = " ".join(c.text for c in completed)
    reference = (data_dir / "jfk.txt").read_text()
    assert error_rates(reference, text).wer <= 0.25, text
    assert len(completed) >= 2  # the pauses end utterances
    assert any(isinstance(e, Partial) and e.text for e in events)
    for c in completed:  # per utterance: started, deltas, stopped, completed; the deltas are its words
        mine = [e for e in events if getattr(e, "item", None) == c.item]
        kinds = [type(e) for e in mine]
        assert kinds[0] is SpeechStarted and kinds[-1] is Completed
        ending = [i for i, k in enumerate(kinds) if k not in (Delta, Completed)]
        assert kinds.index(SpeechStopped) == ending[-1]
        deltas = "".join(e.text for e in mine if isinstance(e, Delta))
        assert deltas.strip() == c.text
        assert mine[0].start <= c.segments[0].start and c.segments[-1].end <= c.end + 16000  # type: ignore[attr-defined]
    starts = [c.start for c in completed]
    assert starts == sorted(starts) and all(a.end <= b.start for a, b in zip(completed, completed[1:]))


def test_silence_and_music_say_nothing(live_engine: tuple[object, TranscribeOptions], data_dir: Path) -> None:
    engine, options = live_engine
    music = read_samples(data_dir / "music_drascula_a.mp3", 0, 20)
    audio = np.concatenate([np.zeros(16000 * 3, dtype=np.float32), music])
    events = stream(LiveSession(engine, options), audio)  # type: ignore[arg-type]
    assert " ".join(e.text for e in events if isinstance(e, Completed)).strip() == ""


def test_a_stream_too_far_behind_is_said_once_and_keeps_the_words_it_has(
    live_engine: tuple[object, TranscribeOptions], data_dir: Path
) -> None:
    engine, options = live_engine
    audio = read_samples(data_dir / "jfk.flac")
    session = LiveSession(engine, options, LiveOptions(max_lag_seconds=2.0))  # type: ignore[arg-type]
    # The first 4 s as it comes, then the CPU "falls behind": the rest arrives in 3 s lumps, late.
    events: list[object] = []
    for i in range(0, 4 * 16000, BLOCK):
        events += session.push(audio[i : i + BLOCK])
    decodes, heard = session.decodes, len(events)
    for i in range(4 * 16000, audio.shape[0], 3 * 16000):
        events += session.push(audio[i : i + 3 * 16000], lag=3.0)
    # Behind: the utterance being spoken is not decoded again, but each one that ends gets its last
    # decode, so no word is lost.
    ended = sum(isinstance(e, SpeechStopped) for e in events[heard:])
    assert ended >= 1 and session.decodes - decodes == ended
    events += session.close()
    assert sum(isinstance(e, Lagging) for e in events) == 1
    text = " ".join(e.text for e in events if isinstance(e, Completed))
    assert error_rates((data_dir / "jfk.txt").read_text(), text).wer <= 0.25, text


def test_spanish_is_heard_and_written_in_spanish(data_dir: Path) -> None:
    from longscribe import Transcriber

    transcriber = Transcriber(for_live(TranscribeOptions(model="base")))
    audio = read_samples(data_dir / "librivox_es_galdos.mp3", 0, 12)
    events = stream(LiveSession(transcriber.engine, transcriber.decoding), audio)
    segments = [s for e in events if isinstance(e, Completed) for s in e.segments]
    assert segments and {s.language for s in segments} == {"es"}
    reference = (data_dir / "librivox_es_galdos.txt").read_text().split()
    heard = " ".join(s.text for s in segments)
    assert error_rates(" ".join(reference[: len(heard.split())]), heard, "es").wer <= 0.35, heard
