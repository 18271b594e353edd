from __future__ import annotations

import pytest

from longscribe.types import Chunk, Span


def test_chunk_maps_local_positions_to_the_original_timeline_exactly() -> None:
    chunk = Chunk(0, (Span(1000, 1500), Span(4000, 4100), Span(9000, 9300)), keep=Span(1000, 9300))
    assert chunk.num_samples == 900
    assert chunk.to_absolute(0) == 1000
    assert chunk.to_absolute(499) == 1499
    assert chunk.to_absolute(500) == 4000  # a start on the seam belongs to the later span
    assert chunk.to_absolute(500, is_end=True) == 1500  # an end on the seam to the earlier one
    assert chunk.to_absolute(650) == 9050
    assert chunk.to_absolute(900, is_end=True) == 9300
    assert chunk.to_absolute(5000) == 9300  # past the end is clamped


def test_span_rejects_negative_or_reversed_ranges() -> None:
    with pytest.raises(ValueError):
        Span(10, 5)
    with pytest.raises(ValueError):
        Span(-1, 5)


def test_a_chunk_is_the_same_chunk_with_or_without_its_pauses() -> None:
    """A job stored before chunks recorded their pauses resumes against this run's plan."""
    from longscribe.jobs.codec import chunk_from_dict, chunk_to_dict
    from longscribe.types import Chunk, Span

    planned = Chunk(3, (Span(0, 480_000),), Span(0, 480_000), (Span(0, 480_000),), pauses=(160_000,))
    stored = chunk_to_dict(planned)
    assert chunk_from_dict(stored).pauses == (160_000,)
    del stored["pauses"]
    assert chunk_from_dict(stored) == planned and chunk_from_dict(stored).pauses == ()


def test_a_piece_of_a_chunk_keeps_its_audio_and_speech_inside_the_span() -> None:
    import numpy as np

    from longscribe.types import Chunk, ChunkAudio, DecodedSegment, Span, Word

    chunk = Chunk(3, (Span(1000, 2000),), Span(1000, 2000), (Span(1000, 1300), Span(1500, 1900)))
    item = ChunkAudio(chunk, np.arange(1000, 2000, dtype=np.float32))
    piece = item.piece(Span(1200, 1600))
    assert piece.chunk == Chunk(3, (Span(1200, 1600),), Span(1200, 1600), (Span(1200, 1300), Span(1500, 1600)))
    assert piece.audio[0] == 1200 and piece.audio.shape == (400,)
    unknown = ChunkAudio(Chunk(0, (Span(0, 100),), Span(0, 100)), np.zeros(100, dtype=np.float32)).piece(Span(50, 100))
    assert unknown.chunk.speech is None and unknown.audio.shape == (50,)
    segment = DecodedSegment(10, 20, " hi", (1,), (Word(10, 20, " hi", 0.9),), language="es")
    assert segment.shifted(5) == DecodedSegment(15, 25, " hi", (1,), (Word(15, 25, " hi", 0.9),), language="es")
