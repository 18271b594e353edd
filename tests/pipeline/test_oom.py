"""Out of GPU memory while transcribing: halve the batch, then a smaller engine; nothing lost or doubled."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from audio_fixtures import tone, write_wav  # noqa: E402
from longscribe import TranscribeOptions
from longscribe.engines import DecodeRequest, FakeEngine
from longscribe.errors import EngineError
from longscribe.pipeline.scheduler import BatchScheduler, is_out_of_memory
from longscribe.pipeline.stitch import Stitcher
from longscribe.types import ChunkAudio, ChunkTranscript

CT2_OOM = "CUDA failed with error out of memory"  # CTranslate2's RuntimeError text


class TightGpu(FakeEngine):
    """Raises CTranslate2's out-of-memory error on batches larger than ``fits``."""

    def __init__(self, fits: int, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.fits = fits
        self.device, self.compute_type = "cuda", "float16"

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        if len(batch) > self.fits:
            self.calls.append([-1])
            raise EngineError(f"cuda/{self.compute_type}: {CT2_OOM}")
        return super().transcribe(batch, options, request)


def chunks(tmp_path: Path) -> list[ChunkAudio]:
    from longscribe.pipeline.feed import ChunkFeed

    path = write_wav(tmp_path / "n.wav", tone(200.0, level=0.2))
    return list(ChunkFeed(path, TranscribeOptions(vad=False, speech_guard=False), depth=4))


def words(results: list[ChunkTranscript]) -> list[int]:
    stitcher = Stitcher()
    return [int(n) for r in results for s in stitcher.add(r) for n in re.findall(r"w(\d+)", s.text)]


def test_ct2_out_of_memory_text_is_recognised() -> None:
    assert is_out_of_memory(EngineError(f"cuda/float16: {CT2_OOM}"))
    assert is_out_of_memory(RuntimeError("cuBLAS failed with status CUBLAS_STATUS_ALLOC_FAILED"))
    assert not is_out_of_memory(EngineError("CUDA failed with error invalid device ordinal"))


def test_batches_that_do_not_fit_are_split_and_every_chunk_done_once(tmp_path: Path) -> None:
    items = chunks(tmp_path)
    engine = TightGpu(fits=2)
    scheduler = BatchScheduler(engine, TranscribeOptions(vad=False, speech_guard=False), batch_size=8)
    results = list(scheduler.run(items, lambda: ""))
    assert [r.chunk.index for r in results] == [c.chunk.index for c in items]
    done = [i for call in engine.calls for i in call if i >= 0]
    assert sorted(done) == [c.chunk.index for c in items], "a chunk was decoded twice or never"
    assert scheduler.batch_size == 2
    assert any("batch size 8" in e for e in scheduler.events)
    reference = list(
        BatchScheduler(FakeEngine(), TranscribeOptions(vad=False, speech_guard=False), batch_size=8).run(
            items, lambda: ""
        )
    )
    assert words(results) == words(reference)


class Smaller:
    """A recovery with one smaller engine to give, once; asked again, it gives the same one."""

    def __init__(self, engine: TightGpu | None) -> None:
        self.engine = engine
        self.asked: list[object] = []

    def after_oom(self, failed: object) -> TightGpu | None:
        self.asked.append(failed)
        return self.engine


def test_at_batch_size_one_a_smaller_engine_takes_over(tmp_path: Path) -> None:
    items = chunks(tmp_path)
    smaller = TightGpu(fits=1)
    smaller.compute_type = "int8_float16"
    first = TightGpu(fits=0)
    recovery = Smaller(smaller)
    scheduler = BatchScheduler(first, TranscribeOptions(vad=False, speech_guard=False), batch_size=4, recovery=recovery)
    results = list(scheduler.run(items, lambda: ""))
    assert [r.chunk.index for r in results] == [c.chunk.index for c in items]
    assert scheduler.engine is smaller and recovery.asked == [first]
    assert "out of GPU memory at batch size 1: now on cuda/int8_float16" in scheduler.events


def test_two_workers_out_of_memory_at_once_replace_the_engine_once(tmp_path: Path) -> None:
    items = chunks(tmp_path)
    smaller = TightGpu(fits=1)
    smaller.compute_type = "int8_float16"
    recovery = Smaller(smaller)
    scheduler = BatchScheduler(
        TightGpu(fits=0), TranscribeOptions(vad=False, speech_guard=False), batch_size=1, recovery=recovery, workers=2
    )
    results = list(scheduler.run(items, lambda: ""))
    assert [r.chunk.index for r in results] == [c.chunk.index for c in items]
    assert scheduler.engine is smaller
    assert sum("now on cuda/int8_float16" in e for e in scheduler.events) == 1


def test_when_nothing_smaller_is_left_the_error_surfaces(tmp_path: Path) -> None:
    items = chunks(tmp_path)
    scheduler = BatchScheduler(
        TightGpu(fits=0), TranscribeOptions(vad=False, speech_guard=False), batch_size=2, recovery=Smaller(None)
    )
    with pytest.raises(EngineError, match="out of memory"):
        list(scheduler.run(items, lambda: ""))


def test_other_engine_errors_are_not_retried(tmp_path: Path) -> None:
    items = chunks(tmp_path)
    engine = FakeEngine(fail_chunks=frozenset({0}))
    with pytest.raises(EngineError, match="fake failure"):
        list(
            BatchScheduler(engine, TranscribeOptions(vad=False, speech_guard=False), batch_size=4).run(
                items, lambda: ""
            )
        )
    assert len(engine.calls) == 1
