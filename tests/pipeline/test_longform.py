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


def test_aligned_timestamps_on_ten_minutes_keep_the_words_and_time_the_sentences(
    base_transcriber: Transcriber, data_dir: Path, ten_minutes: tuple[Path, str]
) -> None:
    """The default: text decoded without timestamp tokens in 30 s chunks, words aligned, sentences cut."""
    path, reference = ten_minutes
    transcription = base_transcriber.transcribe(path)
    segments = list(transcription)
    assert error_rates(reference, " ".join(s.text for s in segments)).wer <= 0.03
    assert transcription.info.chunks <= 24, "chunks fill the 30 s window (≤ 24 s chunks: ~30 here)"
    assert all(s.end_s - s.start_s <= 10.5 for s in segments)
    # Each reference segment starts near one of ours (they are cut at sentence ends and pauses).
    ref = [r for r in read_segments(data_dir / f"{LONGFORM}.segments.tsv") if r.end <= segments[-1].end_s]
    starts = sorted(s.start_s for s in segments)
    misses = sorted(min(abs(r.start - t) for t in starts) for r in ref)
    assert misses[len(misses) // 2] <= 0.4 and misses[int(0.9 * len(misses))] <= 1.5, misses


def test_decoded_timestamps_on_ten_minutes_keep_the_words(ten_minutes: tuple[Path, str]) -> None:
    """Whisper's own timestamp tokens in chunks of at most 24 s, tails re-decoded."""
    path, reference = ten_minutes
    transcription = Transcriber(model="base", timestamps="decoded").transcribe(path)
    segments = list(transcription)
    assert error_rates(reference, " ".join(s.text for s in segments)).wer <= 0.03
    assert transcription.info.chunks >= 25, "chunks stop at 24 s"
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    assert all(s.end > s.start for s in segments)
