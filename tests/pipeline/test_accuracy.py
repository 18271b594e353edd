"""Real models on real speech: each clip gives its reference text within a measured WER.

Thresholds are what tiny.en / base int8 measured on this data (docs/benchmarks.md)
plus a margin for CPU-dependent numerics; a regression in chunking, stitching or
decoding (a dropped phrase is 5-10 points on these clips) breaks them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from longscribe import Transcriber
from longscribe.metrics import error_rates

pytestmark = pytest.mark.model

LJSPEECH = [f"ljspeech/LJ001-00{n}.wav" for n in ("02", "05", "08", "11", "16", "20")]


def wer_of(transcriber: Transcriber, path: Path, language: str = "en") -> tuple[float, str, str | None]:
    transcription = transcriber.transcribe(path)
    text = "".join(s.text for s in transcription)
    return error_rates(path.with_suffix(".txt").read_text(), text, language).wer, text, transcription.info.language


@pytest.mark.parametrize(("clip", "limit"), [("jfk.flac", 0.0), ("lucier.mp3", 0.08)])
def test_english_clips_with_tiny_en(tiny_transcriber: Transcriber, data_dir: Path, clip: str, limit: float) -> None:
    wer, text, _ = wer_of(tiny_transcriber, data_dir / clip)
    assert wer <= limit, text


@pytest.mark.parametrize(("clip", "limit"), [("jfk.flac", 0.0), ("lucier.mp3", 0.08)])
def test_english_clips_with_base(base_transcriber: Transcriber, data_dir: Path, clip: str, limit: float) -> None:
    wer, text, language = wer_of(base_transcriber, data_dir / clip)
    assert wer <= limit, text
    assert language == "en"


@pytest.mark.parametrize("fixture", ["tiny_transcriber", "base_transcriber"])
def test_ljspeech_clips_read_back_nearly_verbatim(request: pytest.FixtureRequest, data_dir: Path, fixture: str) -> None:
    transcriber = request.getfixturevalue(fixture)
    wers = [wer_of(transcriber, data_dir / clip)[0] for clip in LJSPEECH]
    assert max(wers) <= 0.2 and sum(wers) / len(wers) <= 0.08, wers


def test_spanish_is_detected_and_transcribed_with_base(base_transcriber: Transcriber, data_dir: Path) -> None:
    wer, text, language = wer_of(base_transcriber, data_dir / "librivox_es_galdos.mp3", "es")
    assert language == "es"
    assert wer <= 0.15, text


def test_fixed_windows_without_vad_transcribe_the_same_clips(data_dir: Path) -> None:
    transcriber = Transcriber(model="tiny.en", language="en", vad=False)
    assert wer_of(transcriber, data_dir / "jfk.flac")[0] == 0.0
    wer, text, _ = wer_of(transcriber, data_dir / "lucier.mp3")
    assert wer <= 0.2, text
    words = text.lower().split()
    for a, b, c in zip(words, words[1:], words[2:]):
        assert not (a == b == c), f"a word repeated at a window seam: {text}"


def test_two_speaker_and_unscripted_clips_run_cleanly(tiny_transcriber: Transcriber, data_dir: Path) -> None:
    transcription = tiny_transcriber.transcribe(data_dir / "pyannote_sample.wav")
    segments = list(transcription)
    assert segments and all(0 <= s.start <= s.end <= 30 * 16000 for s in segments)
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    stereo = "".join(s.text for s in tiny_transcriber.transcribe(data_dir / "stereo_diarization.wav")).lower()
    assert "curtain" in stereo or "horizon" in stereo  # two voices at once: one of them comes through


@pytest.mark.slow
def test_no_invented_text_in_long_silences_noise_or_tones(tmp_path: Path, data_dir: Path) -> None:
    """JFK four times, separated by 60 s of silence, 60 s of faint noise and 20 s of a tone."""
    import numpy as np

    from audio_fixtures import tone, write_wav
    from longscribe.audio import AudioStream

    with AudioStream(data_dir / "jfk.flac") as stream:
        jfk = np.concatenate(list(stream.windows(60 * 16000)))
    noise = np.random.default_rng(0).normal(0, 0.003, 60 * 16000).astype(np.float32)
    parts = [jfk, np.zeros(60 * 16000, np.float32), jfk, noise, jfk, tone(20.0, 440, level=0.2), jfk]
    path = write_wav(tmp_path / "gaps.wav", np.concatenate(parts))
    speech, pos = [], 0
    for part in parts:
        if part is jfk:
            speech.append((pos / 16000, (pos + part.shape[0]) / 16000))
        pos += part.shape[0]
    for vad in (True, False):
        segments = list(Transcriber(model="base", vad=vad).transcribe(path))
        for s in segments:
            assert any(a - 1.0 <= s.start_s and s.end_s <= b + 1.0 for a, b in speech), (vad, s)
        said = " ".join(" ".join(s.text for s in segments).lower().replace(",", "").split())
        assert said.count("fellow americans ask not what your country can do for you") == 4, (vad, said)
