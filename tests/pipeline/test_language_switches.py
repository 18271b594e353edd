"""Real speech that changes language: English, a Spanish reading, English again (base, on the CPU).

Each stretch must come out in its own language about as well as when transcribed alone
with its language given, and a purely English file must come out exactly as with the
language identified once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import read_samples, write_wav
from longscribe import Transcriber
from longscribe.benchmarks.recordings import RefSegment, pause_before, read_segments, write_conversation
from longscribe.metrics import error_rates
from longscribe.types import Segment

pytestmark = [pytest.mark.model, pytest.mark.slow]
TOLERANCE = 0.03
"""Issue 19: each stretch's WER within 3 points of transcribing it alone with its language given."""


def between(segments: list[RefSegment], start: float, end: float) -> str:
    return " ".join(s.text for s in segments if s.start >= start and s.end <= end)


class Stretch:
    def __init__(self, language: str, audio: np.ndarray, reference: str) -> None:
        self.language, self.audio, self.reference = language, audio, reference
        self.start = self.end = 0


@pytest.fixture(scope="module")
def switching(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Stretch]]:
    english = data_dir / "longform_en_asterisk.mp3"
    timed = read_segments(data_dir / "longform_en_asterisk.segments.tsv")
    first = pause_before(timed, 90.0)
    second = pause_before(timed, 180.0)
    spanish = data_dir / "librivox_es_galdos.mp3"
    stretches = [
        Stretch("en", read_samples(english, 0.0, first), between(timed, 0.0, first)),
        Stretch("es", read_samples(spanish), spanish.with_suffix(".txt").read_text()),
        Stretch("en", read_samples(english, first, second), between(timed, first, second)),
    ]
    position = 0
    for stretch in stretches:
        stretch.start, stretch.end = position, position + stretch.audio.shape[0]
        position = stretch.end
    folder = tmp_path_factory.mktemp("switching")
    path = write_wav(folder / "en-es-en.wav", np.concatenate([s.audio for s in stretches]))
    return path, stretches


def inside(segments: list[Segment], stretch: Stretch) -> list[Segment]:
    return [s for s in segments if stretch.start <= (s.start + s.end) // 2 < stretch.end]


def test_each_stretch_is_transcribed_in_its_own_language(
    base_transcriber: Transcriber, switching: tuple[Path, list[Stretch]], tmp_path: Path
) -> None:
    path, stretches = switching
    transcription = base_transcriber.transcribe(path)
    segments = list(transcription)
    assert transcription.info.language_runs == ["en", "es", "en"], [(s.start_s, s.language) for s in segments]
    for i, stretch in enumerate(stretches):
        ours = inside(segments, stretch)
        spoken = sum(s.end - s.start for s in ours)
        right = sum(s.end - s.start for s in ours if s.language == stretch.language)
        assert right >= 0.95 * spoken, (i, [(s.start_s, s.language, s.text) for s in ours])
        wer = error_rates(stretch.reference, "".join(s.text for s in ours), stretch.language).wer
        alone_path = write_wav(tmp_path / f"stretch{i}.wav", stretch.audio)
        alone = base_transcriber.with_options(language=stretch.language).transcribe(alone_path)
        alone_wer = error_rates(stretch.reference, "".join(s.text for s in alone), stretch.language).wer
        print(f"stretch {i} ({stretch.language}): WER {100 * wer:.2f} % here, {100 * alone_wer:.2f} % alone")
        assert wer <= alone_wer + TOLERANCE, (i, wer, alone_wer)


def test_english_throughout_gives_the_same_text_as_identifying_once(
    base_transcriber: Transcriber, ten_minutes_base: list[Segment], ten_minutes: tuple[Path, str]
) -> None:
    once = list(base_transcriber.with_options(language="first").transcribe(ten_minutes[0]))
    assert [s.text for s in ten_minutes_base] == [s.text for s in once]
    assert [(s.start, s.end) for s in ten_minutes_base] == [(s.start, s.end) for s in once]
    assert {s.language for s in ten_minutes_base} == {"en"}


TURN_TOLERANCE = 0.05
"""Issue 42: WER on the short turns within 5 points of the same turns decoded alone."""


def test_short_turns_in_another_language_are_kept_in_their_own(
    base_transcriber: Transcriber, data_dir: Path, tmp_path: Path
) -> None:
    """A 4-minute conversation, two English voices and Galdós's Spanish reading in turns of 5-19 s
    (every Spanish turn inside a chunk that is mostly English, or the other way round)."""
    voices = {
        "allison": [data_dir / "longform_en_asterisk.mp3"],
        "lucier": [data_dir / "lucier.mp3"],
        "galdos": [data_dir / "librivox_es_galdos.mp3"],
    }
    path = tmp_path / "meeting.wav"
    turns: list[list] = []
    for a, b, voice in write_conversation(voices, path, minutes=4, seed=0, turn_seconds=(5.0, 19.0)):
        if turns and turns[-1][2] == voice:
            turns[-1][1] = b
        else:
            turns.append([a, b, voice])
    transcription = base_transcriber.transcribe(path)
    segments = list(transcription)
    audio = read_samples(path)
    here, alone = [], []
    for start, end, voice in turns:
        ours = [s for s in segments if start - 0.5 <= (s.start_s + s.end_s) / 2 <= end + 0.5]
        if voice != "galdos":
            assert end - start < 2 or "es" not in {s.language for s in ours}, (
                start,
                [(s.language, s.text) for s in ours],
            )
            continue
        spanish = [s for s in ours if s.language == "es"]
        assert spanish, (
            f"the Spanish turn at {start:.1f}-{end:.1f} s is missing: {[(s.language, s.text) for s in ours]}"
        )
        here.append("".join(s.text for s in spanish))
        turn = write_wav(tmp_path / "turn.wav", audio[int(start * 16_000) : int(end * 16_000)])
        alone.append("".join(s.text for s in base_transcriber.with_options(language="es").transcribe(turn)))
    assert len(here) >= 4
    reference = (data_dir / "librivox_es_galdos.txt").read_text()
    wer = error_rates(reference, " ".join(here), "es").wer
    alone_wer = error_rates(reference, " ".join(alone), "es").wer
    print(f"Spanish turns: WER {100 * wer:.2f} % here, {100 * alone_wer:.2f} % each decoded alone")
    assert wer <= alone_wer + TURN_TOLERANCE, (wer, alone_wer)
