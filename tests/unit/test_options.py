from __future__ import annotations

from dataclasses import replace

import pytest

from longscribe import OptionsError, TranscribeOptions, Transcriber, VadOptions


@pytest.mark.parametrize(
    "change",
    [
        {"device": "gpu"},
        {"compute_type": "int4"},
        {"task": "summarise"},
        {"language": "english"},
        {"beam_size": 0},
        {"batch_size": 0},
        {"temperatures": ()},
        {"temperatures": (0.4, 0.2)},
        {"chunk_seconds": 45.0},
        {"timestamps": "tokens"},
        {"vad": False, "overlap_seconds": 0.0},
        {"overlap_seconds": 12.0},
        {"vad_options": VadOptions(threshold=1.5)},
        {"model": ""},
    ],
)
def test_invalid_options_are_refused_once_at_construction(change: dict[str, object]) -> None:
    with pytest.raises(OptionsError):
        TranscribeOptions(**change)  # type: ignore[arg-type]


def test_variants_made_with_replace_are_validated_again() -> None:
    with pytest.raises(OptionsError):
        replace(TranscribeOptions(), beam_size=-1)


def test_options_are_frozen() -> None:
    opts = TranscribeOptions()
    with pytest.raises(AttributeError):
        opts.beam_size = 2  # type: ignore[misc]


def test_transcriber_refuses_unknown_option_names() -> None:
    with pytest.raises(OptionsError, match="beamsize"):
        Transcriber(beamsize=3)


def test_word_timings_are_needed_for_aligned_segments_and_to_stitch_fixed_windows() -> None:
    assert TranscribeOptions().needs_alignment
    assert TranscribeOptions(vad=False).needs_alignment
    assert not TranscribeOptions(timestamps="decoded").needs_alignment
    assert TranscribeOptions(timestamps="decoded", word_timestamps=True).needs_alignment


def test_chunk_limit_follows_the_timestamp_mode_unless_given() -> None:
    assert TranscribeOptions().aligned and TranscribeOptions().chunk_limit == 30.0
    assert TranscribeOptions(timestamps="decoded").chunk_limit == 24.0
    assert TranscribeOptions(chunk_seconds=20.0).chunk_limit == 20.0
    fixed = TranscribeOptions(vad=False)
    assert not fixed.aligned, "fixed windows stitch on decoded timestamps"
