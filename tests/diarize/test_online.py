"""Live speakers, utterance by utterance: how voices join speakers, and real voices in a conversation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import read_samples
from longscribe.benchmarks.recordings import CONVERSATION_VOICES, write_conversation
from longscribe.diarize.library import Voice
from longscribe.diarize.online import JOIN, LocalVoices, OnlineSpeakers
from longscribe.diarize.sessions import DiarizationModels
from longscribe.diarize.turns import Turn
from longscribe.metrics import diarization_error_rate
from longscribe.options import DiarizeOptions
from longscribe.types import SAMPLE_RATE, Segment, Word


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(8, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def speakers(options: DiarizeOptions | None = None, library: tuple[Voice, ...] = ()) -> OnlineSpeakers:
    return OnlineSpeakers(None, options or DiarizeOptions(), library)  # type: ignore[arg-type]  # match needs no models


def test_a_voice_joins_the_speaker_it_sounds_like_or_starts_a_new_one() -> None:
    online = speakers()
    a, b = unit(1, 0), unit(0, 1)
    assert online.match(a[None], [1], [3.0]) == [0]
    assert online.match(b[None], [1], [3.0]) == [1]
    near_a = unit(1, 0.3)
    assert float(near_a @ a) >= JOIN
    assert online.match(np.stack([b, near_a]), [1, 1], [3.0, 3.0]) == [1, 0]
    # Two voices of one utterance never become one speaker, even when both sound like it.
    assert online.match(np.stack([a, near_a]), [1, 1], [3.0, 3.0]) == [0, 2]
    assert online.labels == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]


def test_the_stream_count_bounds_the_speakers_made() -> None:
    online = speakers(DiarizeOptions(max_speakers=2))
    online.match(np.stack([unit(1, 0), unit(0, 1)]), [1, 1], [3.0, 3.0])
    assert online.match(unit(0, 0, 1)[None], [1], [3.0]) in ([0], [1])  # a third voice: the closest one
    assert online.match(np.stack([unit(1, 0), unit(0, 1), unit(0, 0, 1)]), [1, 1, 1], [3.0] * 3)[:2] == [0, 1]
    assert len(online.labels) == 2


def test_a_voice_heard_too_briefly_joins_the_closest_speaker_instead_of_making_one() -> None:
    online = speakers()
    online.match(unit(1, 0)[None], [1], [3.0])
    assert online.match(unit(0, 1)[None], [1], [1.5]) == [0]  # under min_speaker_seconds (2 s)
    assert online.match(unit(0, 1)[None], [1], [2.5]) == [1]
    assert speakers().match(unit(0, 1)[None], [1], [0.5]) == [0]  # the first voice: a speaker anyway


def test_a_speaker_heard_only_briefly_is_taken_over_by_the_next_new_voice() -> None:
    """A brief first word makes a speaker (there is none to join); the first voice heard at length
    that sounds like nobody takes it over instead of making a second one."""
    online = speakers()
    assert online.match(unit(1, 0)[None], [1], [0.5]) == [0]
    assert online.match(unit(0, 1)[None], [1], [3.0]) == [0]
    assert online.match(unit(0, 1)[None], [1], [3.0]) == [0]  # its voice now, not the brief one's
    assert online.match(unit(1, 0)[None], [1], [3.0]) == [1]
    assert online.labels == ["SPEAKER_00", "SPEAKER_01"]
    ana = Voice("Ana", "m", unit(0, 0, 1)[None])  # a speaker named by the library keeps its voice
    named = speakers(DiarizeOptions(voices=()), (ana,))
    assert named.match(unit(0, 0, 1)[None], [1], [0.5]) == [0]
    assert named.match(unit(0, 1)[None], [1], [3.0]) == [1]
    assert named.labels == ["Ana", "SPEAKER_01"]


def test_new_speakers_take_enrolled_voices_then_the_names_given() -> None:
    ana = Voice("Ana", "m", unit(0, 0, 1)[None])
    online = speakers(DiarizeOptions(speaker_names=("Host",), voices=()), (ana,))
    online.match(unit(1, 0)[None], [1], [3.0])
    online.match(unit(0, 0, 1)[None], [1], [3.0])
    online.match(unit(0, 1)[None], [1], [3.0])
    assert online.labels == ["Host", "Ana", "SPEAKER_02"]
    assert online.voices == {"Ana": 1.0}


def test_a_segment_spoken_by_two_is_cut_between_their_words(monkeypatch: pytest.MonkeyPatch) -> None:
    online = speakers()
    words = (Word(0, 8000, " Yes.", 1.0), Word(20000, 28000, " No.", 1.0))
    two = LocalVoices((Turn(0, 12000, 0), Turn(16000, 30000, 1)), np.stack([unit(1, 0), unit(0, 1)]), (1, 1))
    monkeypatch.setattr(online, "local", lambda audio: two)  # what the utterance's own diarization found
    labelled = online.label(0, np.zeros(30000, dtype=np.float32), [Segment(0, 28000, " Yes. No.", words)])
    assert [(s.text, s.speaker) for s in labelled] == [(" Yes.", "SPEAKER_00"), (" No.", "SPEAKER_01")]
    assert [(t.start, t.end, t.speaker) for t in online.turns] == [
        (0, 12000, "SPEAKER_00"),
        (16000, 30000, "SPEAKER_01"),
    ]
    # An utterance without a voice long enough to tell goes to the speaker heard last.
    monkeypatch.setattr(online, "local", lambda audio: LocalVoices((), np.zeros((0, 8), dtype=np.float32), ()))
    [alone] = online.label(40000, np.zeros(4000, dtype=np.float32), [Segment(40000, 44000, " Hm.")])
    assert alone.speaker == "SPEAKER_01"


@pytest.mark.model
def test_a_conversation_of_five_voices_labelled_utterance_by_utterance(data_dir: Path, tmp_path: Path) -> None:
    """Four minutes of five voices (turns of 2-15 s, gaps of 0.3-1 s), cut into utterances where a
    live session would cut them (a pause of 0.5 s and more). Decided utterance by utterance, never
    revised, the labels split a voice or two more often than a file's diarization does, but most of
    the talk goes to its speaker."""
    voices = {name: [data_dir / f for f in files] for name, files in CONVERSATION_VOICES.items()}
    reference = write_conversation(voices, tmp_path / "talk.wav", minutes=4, seed=0)
    audio = read_samples(tmp_path / "talk.wav")
    utterances: list[list[float]] = []
    for start, end, _ in reference:
        if utterances and start - utterances[-1][1] < 0.5:
            utterances[-1][1] = end
        else:
            utterances.append([start, end])
    online = OnlineSpeakers(DiarizationModels(), DiarizeOptions())
    for start, end in utterances:
        first, last = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
        online.label(first, audio[first:last], ())
    hypothesis = [(t.start / SAMPLE_RATE, t.end / SAMPLE_RATE, t.speaker) for t in online.turns]
    errors = diarization_error_rate(reference, hypothesis)
    print(f"{len(utterances)} utterances: {errors}")
    assert 5 <= errors.speakers <= 7, errors
    assert errors.der <= 0.20, errors
