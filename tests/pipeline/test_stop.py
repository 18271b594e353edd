"""A stopped run stops now: the decodes in flight are abandoned, not waited for, and never committed."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from audio_fixtures import tone, write_wav
from longscribe import TranscribeOptions
from longscribe.engines import DecodeRequest, FakeEngine
from longscribe.errors import Stopped
from longscribe.pipeline.feed import ChunkFeed
from longscribe.pipeline.scheduler import BatchScheduler
from longscribe.pipeline.threads import calls_in_progress
from longscribe.types import ChunkAudio, ChunkTranscript

OPTIONS = TranscribeOptions(vad=False, speech_guard=False, language="en")


class Stuck(FakeEngine):
    """Decodes the batch holding the first chunk at once; every other call blocks until ``release``
    is set (by chunk, not by call order: two workers' first calls race each other)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        if batch[0].chunk.index != 0:
            self.entered.set()
            self.release.wait(30)
        return super().transcribe(batch, options, request)


@pytest.fixture
def items(tmp_path: Path) -> list[ChunkAudio]:
    path = write_wav(tmp_path / "tone.wav", tone(150.0, level=0.2))
    return list(ChunkFeed(path, OPTIONS, depth=8))


@pytest.mark.parametrize("workers", [1, 2])
def test_stop_raises_at_once_and_commits_nothing_in_flight(items: list[ChunkAudio], workers: int) -> None:
    engine = Stuck()
    committed: list[int] = []
    scheduler = BatchScheduler(
        engine, OPTIONS, batch_size=2, commit=lambda r: committed.append(r.chunk.index), workers=workers
    )

    def stop_when_the_second_batch_is_stuck() -> None:
        engine.entered.wait(30)
        while len(committed) < 2:
            time.sleep(0.01)
        scheduler.stop()

    threading.Thread(target=stop_when_the_second_batch_is_stuck, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(Stopped):
        for _ in scheduler.run(items, lambda: ""):
            pass
    assert time.monotonic() - started < 5  # the stuck call would hold it 30 s
    assert committed == [0, 1], "only the batch decoded before the stop is committed"
    assert calls_in_progress() >= 1, "the stuck call is abandoned, still running"
    engine.release.set()
    deadline = time.monotonic() + 5
    while calls_in_progress() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert committed == [0, 1], "what the abandoned call decoded is never committed"


def test_a_run_that_is_not_stopped_is_unchanged(items: list[ChunkAudio]) -> None:
    scheduler = BatchScheduler(FakeEngine(), OPTIONS, batch_size=2, workers=2)
    assert [r.chunk.index for r in scheduler.run(items, lambda: "")] == [c.chunk.index for c in items]
