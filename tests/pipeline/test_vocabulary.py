"""A vocabulary on real speech: its terms come out spelled as listed, and never where nobody speaks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import write_wav
from longscribe.benchmarks.recordings import read_segments, reference_text
from longscribe.diarize.enrol import ClipSpec
from longscribe.metrics import error_rates, normalize

TERMS = ("Digium", "IAX", "Asterisk")
STRETCHES = ((505.0, 520.0),)
"""A stretch of the English long-form file that says Digium, which base writes "Digim" without the
vocabulary (in a chunk of its own, with the pinned CTranslate2; with more context, or other library
versions, base may get it right)."""


@pytest.fixture(scope="module")
def stretch(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    source = str(data_dir / "longform_en_asterisk.mp3")
    gap = np.zeros(16000, dtype=np.float32)
    audio = np.concatenate([part for a, b in STRETCHES for part in (ClipSpec(source, a, b).read(), gap)])
    path = write_wav(tmp_path_factory.mktemp("vocabulary") / "digium.wav", audio)
    segments = read_segments(data_dir / "longform_en_asterisk.segments.tsv")
    return path, reference_text(s for s in segments if any(a <= s.start and s.end <= b for a, b in STRETCHES))


def said(text: str, term: str) -> int:
    words, wanted = normalize(text).split(), normalize(term).split()
    return sum(words[i : i + len(wanted)] == wanted for i in range(len(words)))


def test_the_terms_come_out_spelled_as_listed_and_the_rest_is_no_worse(
    base_transcriber: object, stretch: tuple[Path, str]
) -> None:
    path, reference = stretch
    plain = " ".join(s.text for s in base_transcriber.with_options(language="en").transcribe(path))  # type: ignore[attr-defined]
    biased = base_transcriber.with_options(language="en", vocabulary=TERMS)  # type: ignore[attr-defined]
    text = " ".join(s.text for s in biased.transcribe(path))
    assert said(reference, "Digium") == 1
    assert said(text, "Digium") == 1, text  # base writes "Digim" here without it (its version as pinned)
    assert error_rates(reference, text).wer <= error_rates(reference, plain).wer + 0.003


def test_a_vocabulary_never_speaks_in_music_or_silence(
    base_transcriber: object, data_dir: Path, tmp_path: Path
) -> None:
    silence = write_wav(tmp_path / "silence.wav", np.zeros(20 * 16000, dtype=np.float32))
    music = (data_dir / "music_drascula_a.mp3", data_dir / "music_drascula_b.mp3")
    for vad, paths in ((True, (*music, silence)), (False, (music[0], silence))):
        # without VAD, Whisper hears every window, prompted with the terms
        biased = base_transcriber.with_options(language="en", vocabulary=TERMS, vad=vad)  # type: ignore[attr-defined]
        for path in paths:
            assert [s.text for s in biased.transcribe(path)] == [], (path.name, vad)
