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


def test_word_timings_are_needed_to_stitch_fixed_windows() -> None:
    assert TranscribeOptions(vad=False).needs_alignment
    assert not TranscribeOptions().needs_alignment
