"""Long recordings with real models: parity with faster-whisper, full coverage."""

from __future__ import annotations

from pathlib import Path

import pytest

from longscribe import Transcriber
from longscribe.bench.data import pause_before, read_segments, reference_text, write_slice
from longscribe.metrics import error_rates
from longscribe.models import resolve_model

pytestmark = [pytest.mark.model, pytest.mark.slow]
LONGFORM = "longform_en_asterisk"


@pytest.fixture(scope="module")
def ten_minutes(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The first ~10 minutes of the English long-form file, cut in a pause, and its reference."""
    segments = read_segments(data_dir / f"{LONGFORM}.segments.tsv")
    cut = pause_before(segments, 600.0)
    path = write_slice(data_dir / f"{LONGFORM}.mp3", tmp_path_factory.mktemp("slice") / "en10.wav", cut)
    return path, reference_text(segments, cut)


def test_ten_minutes_within_one_wer_point_of_faster_whisper_sequential(
    base_transcriber: Transcriber, ten_minutes: tuple[Path, str]
) -> None:
    from faster_whisper import WhisperModel

    path, reference = ten_minutes
    ours = error_rates(reference, " ".join(s.text for s in base_transcriber.transcribe(path)))
    model = WhisperModel(resolve_model("base").path, device="cpu", compute_type="int8")
    segments, _ = model.transcribe(str(path), beam_size=5)
    theirs = error_rates(reference, " ".join(s.text for s in segments))
    assert ours.wer <= theirs.wer + 0.01, (ours, theirs)
    assert ours.wer <= 0.05


def test_the_whole_long_form_file_is_covered_to_its_end(tiny_transcriber: Transcriber, data_dir: Path) -> None:
    segments_ref = read_segments(data_dir / f"{LONGFORM}.segments.tsv")
    transcription = tiny_transcriber.transcribe(data_dir / f"{LONGFORM}.mp3")
    segments = list(transcription)
    assert transcription.info.complete and abs(transcription.info.duration_s - 1865.1) < 1.0
    assert abs(segments[-1].end_s - segments_ref[-1].end) <= 5.0
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    wer = error_rates(reference_text(segments_ref), " ".join(s.text for s in segments)).wer
    assert wer <= 0.08
