"""Long recordings with real models: parity with faster-whisper, full coverage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from longscribe import Segment, Transcriber
from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_slice
from longscribe.metrics import error_rates

pytestmark = [pytest.mark.model, pytest.mark.slow]
LONGFORM = "longform_en_asterisk"


FASTER_WHISPER_SEQUENTIAL_WER = 0.0238
"""faster-whisper 1.2.1's sequential pipeline on this slice, base, beam 5 (docs/benchmarks.md, 2026-11-30)."""


def test_ten_minutes_within_one_wer_point_of_faster_whisper_sequential(
    ten_minutes_base: list[Segment], ten_minutes: tuple[Path, str]
) -> None:
    ours = error_rates(ten_minutes[1], " ".join(s.text for s in ten_minutes_base))
    assert ours.wer <= FASTER_WHISPER_SEQUENTIAL_WER + 0.01, ours
    assert {s.language for s in ten_minutes_base} == {"en"}


def test_the_whole_long_form_file_is_covered_to_its_end(
    whole_english_tiny: tuple[Any, list[Segment]], data_dir: Path
) -> None:
    transcription, segments = whole_english_tiny
    segments_ref = read_segments(data_dir / f"{LONGFORM}.segments.tsv")
    assert transcription.info.complete and abs(transcription.info.duration_s - 1865.1) < 1.0
    assert abs(segments[-1].end_s - segments_ref[-1].end) <= 5.0
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    wer = error_rates(reference_text(segments_ref), " ".join(s.text for s in segments)).wer
    assert wer <= 0.08


def test_aligned_timestamps_on_ten_minutes_keep_the_words_and_time_the_sentences(
    ten_minutes_base: list[Segment], data_dir: Path, ten_minutes: tuple[Path, str]
) -> None:
    """The default: text decoded without timestamp tokens in 30 s chunks, words aligned, sentences cut."""
    path, reference = ten_minutes
    segments = ten_minutes_base
    assert error_rates(reference, " ".join(s.text for s in segments)).wer <= 0.03
    assert max(s.chunk for s in segments) + 1 <= 24, "chunks fill the 30 s window (≤ 24 s chunks: ~30 here)"
    assert all(s.end_s - s.start_s <= 10.5 for s in segments)
    # Each reference segment starts near one of ours (they are cut at sentence ends and pauses).
    ref = [r for r in read_segments(data_dir / f"{LONGFORM}.segments.tsv") if r.end <= segments[-1].end_s]
    starts = sorted(s.start_s for s in segments)
    misses = sorted(min(abs(r.start - t) for t in starts) for r in ref)
    assert misses[len(misses) // 2] <= 0.4 and misses[int(0.9 * len(misses))] <= 1.5, misses


def test_decoded_timestamps_on_five_minutes_keep_the_words(data_dir: Path, tmp_path: Path) -> None:
    """Whisper's own timestamp tokens in chunks of at most 24 s, tails re-decoded."""
    segments_ref = read_segments(data_dir / f"{LONGFORM}.segments.tsv")
    cut = pause_before(segments_ref, 300.0)
    path = write_slice(data_dir / f"{LONGFORM}.mp3", tmp_path / "en5.wav", cut)
    transcription = Transcriber(model="base", timestamps="decoded").transcribe(path)
    segments = list(transcription)
    assert error_rates(reference_text(segments_ref, cut), " ".join(s.text for s in segments)).wer <= 0.03
    assert transcription.info.chunks >= cut // 24, "chunks stop at 24 s"
    assert [s.start for s in segments] == sorted(s.start for s in segments)
    assert all(s.end > s.start for s in segments)
