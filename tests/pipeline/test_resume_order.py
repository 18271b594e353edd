"""Commit/resume ordering under random kill points and batch sizes (FakeEngine, real sqlite store)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio_fixtures import tone, write_wav  # noqa: E402
from longscribe import Transcriber
from longscribe.engines import FakeEngine
from longscribe.errors import EngineError
from longscribe.jobs import JobStore
from longscribe.types import Segment

WORKDIR = Path(tempfile.mkdtemp(prefix="longscribe-resume-"))
AUDIO = write_wav(WORKDIR / "talk.wav", tone(200.0, level=0.2))  # 9 windows of 30 s with 6 s overlap


def run(engine: FakeEngine, batch: int, store: JobStore | None = None) -> list[Segment]:
    return list(
        Transcriber(engine=engine, vad=False, speech_guard=False, batch_size=batch).transcribe(AUDIO, store=store)
    )


REFERENCE = run(FakeEngine(), 4)
CHUNKS = 9


def committed_before(kill_at: int, batch: int) -> int:
    """Batches of ``batch`` chunks; a chunk is committed once the next one is heard (its language settled)."""
    return max(0, kill_at // batch * batch - 1)


@given(kill_at=st.integers(0, CHUNKS - 1), first_batch=st.integers(1, 5), second_batch=st.integers(1, 5))
@settings(max_examples=25, deadline=None)
def test_resume_after_a_kill_keeps_every_chunk_once(kill_at: int, first_batch: int, second_batch: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = JobStore(tmp)
        with pytest.raises(EngineError):
            run(FakeEngine(fail_chunks=frozenset({kill_at})), first_batch, store)
        job = store.find(str(AUDIO.resolve()))
        assert job is not None
        saved = sorted(store.results(job.id))
        assert saved == list(range(committed_before(kill_at, first_batch))), "commits are a prefix, in order"
        engine = FakeEngine()
        resumed = run(engine, second_batch, store)
        assert resumed == REFERENCE
        decoded = [i for call in engine.calls for i in call]
        assert decoded == [i for i in range(CHUNKS) if i not in saved], "committed chunks are not decoded again"
        assert sorted(store.results(job.id)) == list(range(CHUNKS))
        store.close()


def test_a_chunk_transcript_survives_the_store_unchanged(tmp_path: Path) -> None:
    from longscribe.jobs.codec import transcript_from_dict, transcript_to_dict
    from longscribe.types import Chunk, ChunkTranscript, DecodedSegment, Span, Word

    chunk = Chunk(3, (Span(100, 900),), Span(100, 900), (Span(100, 400), Span(600, 900)))
    words = (Word(0, 10, " a", 0.5), Word(10, 20, " b", 0.25))
    original = ChunkTranscript(
        chunk,
        (DecodedSegment(0, 20, " a b", (1, 2), words), DecodedSegment(20, 30, " c", (3,), (), "de")),
        "en",
        0.9,
        (("en", 0.9), ("de", 0.05)),
        -0.3,
        0.1,
        1.2,
        0.2,
        True,
        "no speech",
        ("t=0: x", "t=0.2: accepted"),
    )
    assert transcript_from_dict(transcript_to_dict(original)) == original
