"""Speakers of real recordings: the pyannote sample, conversations built from five voices, edge cases."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import read_samples, write_wav
from longscribe.audio import AudioStream
from longscribe.benchmarks.conversations import RECIPES, build, diarized_as_fed
from longscribe.benchmarks.recordings import CONVERSATION_VOICES, write_conversation
from longscribe.diarize import DiarizeOptions, Diarizer, Turn
from longscribe.diarize import turns as diarizer_module
from longscribe.diarize.sessions import DiarizationModels, bundled_dir
from longscribe.metrics import DiarizationErrors, diarization_error_rate, read_rttm

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def models() -> DiarizationModels:
    return DiarizationModels(threads=2)


def diarize(models: DiarizationModels, path: Path, options: DiarizeOptions | None = None) -> Diarizer:
    diarizer = Diarizer(models, options)
    with AudioStream(path) as stream:
        for block in stream.windows(7 * 16000):  # blocks shorter than a window, as the feed gives them
            diarizer.feed(block)
    diarizer.finish()
    return diarizer


def score(reference: list[tuple[float, float, str]], turns: list[Turn]) -> DiarizationErrors:
    return diarization_error_rate(reference, [(t.start_s, t.end_s, str(t.speaker)) for t in turns])


def test_the_models_are_the_exported_ones() -> None:
    for line in (bundled_dir() / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split()
        assert hashlib.sha256((bundled_dir() / name).read_bytes()).hexdigest() == digest, name


def test_the_pyannote_sample_has_two_speakers_at_their_turns(models: DiarizationModels, data_dir: Path) -> None:
    diarizer = diarize(models, data_dir / "pyannote_sample.wav")
    reference = read_rttm((data_dir / "pyannote_sample.rttm").read_text())
    errors = score(reference, diarizer.turns())
    assert errors.speakers == 2, errors
    assert errors.der <= 0.05, errors
    assert all(0 <= t.start < t.end <= 30 * 16000 for t in diarizer.turns())


def test_a_conversation_of_five_voices(
    models: DiarizationModels, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four minutes, turns of 2-15 s of five voices that occur nowhere else in it: the count is
    estimated right, and the error is low with the count estimated or given. (Seed 1: the one
    that found two voices too many before brief speakers were absorbed; bench/diarization.py
    scores five.) The timeline worked out in short blocks is the one worked out at once."""
    seed = 1
    voices = {name: [data_dir / f for f in files] for name, files in CONVERSATION_VOICES.items()}
    reference = write_conversation(voices, tmp_path / "talk.wav", minutes=4, seed=seed)
    diarizer = diarize(models, tmp_path / "talk.wav")
    estimated = score(reference, diarizer.turns())
    given = score(reference, diarizer.turns(DiarizeOptions(num_speakers=5)))
    print(f"seed {seed}: estimated {estimated}, given {given}")
    assert given.speakers == 5 and given.der <= 0.06, given
    assert estimated.speakers == 5 and estimated.der <= 0.08, estimated
    bounded = diarizer.turns(DiarizeOptions(min_speakers=2, max_speakers=3))
    assert len({t.speaker for t in bounded}) == 3
    at_once = diarizer.turns()
    monkeypatch.setattr(diarizer_module, "TIMELINE_BLOCK", 977)  # blocks of 9.77 s: no window's multiple
    assert diarizer.turns() == at_once


def test_one_voice_with_long_pauses_is_one_speaker(models: DiarizationModels, data_dir: Path) -> None:
    """Lucier, pauses between phrases: a short piece the segmentation set apart in four overlapping
    windows was once taken for a second speaker."""
    turns = diarize(models, data_dir / "lucier.mp3").turns()
    talk = np.bincount([t.speaker for t in turns], weights=[t.end - t.start for t in turns])
    assert talk.max() >= 0.98 * talk.sum(), talk


def test_two_voices_in_a_clip_of_a_few_windows(models: DiarizationModels, data_dir: Path, tmp_path: Path) -> None:
    """7 s of JFK, then 7 s of the Spanish reader: every window overlaps every other, and both
    voices are still found (a voice must be heard over half the windows' span, not one window)."""
    jfk, reader = data_dir / "jfk.flac", data_dir / "librivox_es_galdos.mp3"
    clip = np.concatenate([read_samples(jfk, 0, 7), read_samples(reader, 5, 12)])
    turns = diarize(models, write_wav(tmp_path / "two.wav", clip)).turns()
    assert [t.speaker for t in turns if t.end_s <= 7.0] and {t.speaker for t in turns if t.end_s <= 7.0} == {0}
    assert {t.speaker for t in turns if t.start_s >= 7.0} == {1}, [(t.start_s, t.end_s, t.speaker) for t in turns]


def test_silence_and_a_clip_shorter_than_a_window(models: DiarizationModels, data_dir: Path, tmp_path: Path) -> None:
    quiet = Diarizer(models)
    quiet.feed(np.zeros(3 * 16000, dtype=np.float32))
    assert quiet.finish() == []
    assert Diarizer(models).finish() == [], "no audio at all"
    turns = diarize(models, data_dir / "jfk.flac").turns()
    assert {t.speaker for t in turns} == {0}
    assert sum(t.end - t.start for t in turns) >= 7 * 16000, "JFK speaks most of the 11 s"


@pytest.mark.parametrize(
    ("name", "estimated_der", "given_der"), [("meeting4-held", 0.06, 0.05), ("podcast3-held", 0.08, 0.08)]
)
def test_voices_it_was_never_tuned_on(
    models: DiarizationModels, data_dir: Path, voices_dir: Path, tmp_path: Path, name: str,
    estimated_der: float, given_der: float,
) -> None:  # fmt: skip
    """Held-out voices (data/voices): a meeting of four, one of them heard 3 % of the time (two of
    its readers the segmentation keeps as one local speaker across some changes), and a podcast of
    three with a music intro, a jingle, a bed under the speech and an outro. The count is found, the
    error is bounded (the meeting: issue 40's targets), and nobody is said to speak in the music
    (0.25 s from its edges)."""
    recipe = next(r for r in RECIPES if r.name == name)
    assert recipe.held_out
    music = [data_dir / "music_drascula_a.mp3", data_dir / "music_drascula_b.mp3"]
    reference, alone = build(recipe, tmp_path / "talk.wav", shared=data_dir, voices=voices_dir, music=music)
    diarizer = diarized_as_fed(models, tmp_path / "talk.wav")
    estimated = score(reference, diarizer.turns())
    given = score(reference, diarizer.turns(DiarizeOptions(num_speakers=len(recipe.voices))))
    print(f"{name}: estimated {estimated}, given {given}")
    assert estimated.speakers == len(recipe.voices) and estimated.der <= estimated_der, estimated
    assert given.der <= given_der, given
    in_music = [
        (t.start_s, t.end_s) for t in diarizer.turns() for a, b in alone if t.start_s < b - 0.25 and t.end_s > a + 0.25
    ]
    assert bool(alone) == recipe.music and not in_music, in_music
