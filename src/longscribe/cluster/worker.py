"""What runs inside one Ray actor: a loaded engine, and the audio it can read itself.

A plain class (Ray wraps it with ``ray.remote``), so it is testable without a
cluster. Chunk audio arrives either as arrays (through Ray's object store) or,
when the worker can read the input itself (shared storage), as chunk spans
that it reads with the same streaming decoder the driver uses: the samples are
identical, and whole files never travel through the driver.
"""

from __future__ import annotations

import logging
import os
import platform
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from longscribe.audio import AudioStream, SpanReader
from longscribe.engines.base import DecodeRequest, Engine
from longscribe.options import TranscribeOptions
from longscribe.types import AudioArray, Chunk, ChunkAudio, ChunkTranscript

log = logging.getLogger(__name__)

CACHED_CHUNKS = 8  # recent chunks kept: the guard's retries and tail re-decodes read them again


@dataclass(frozen=True)
class WorkerSpec:
    """What one actor loads: the driver's options for one worker of ``threads`` threads."""

    model_path: str
    """The driver's resolved model dir; a node without it resolves ``model_name`` itself."""
    model_name: str
    options: TranscribeOptions
    threads: int
    gpu: bool


class _PathAudio:
    """One input read forward by span; chunks read lately are kept for re-reads."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._open()
        self._recent: OrderedDict[int, tuple[int, AudioArray]] = OrderedDict()

    def _open(self) -> None:
        self._stream = AudioStream(self.path)
        self._reader = SpanReader(self._stream)

    def read(self, chunk: Chunk) -> AudioArray:
        cached = self._recent.get(chunk.index)
        if cached is not None and len(chunk.spans) == 1 and chunk.spans[0].start >= cached[0]:
            start, audio = cached  # a tail piece of a chunk read before: a slice of it
            return audio[chunk.spans[0].start - start : chunk.spans[0].end - start].copy()
        try:
            audio = self._reader.read(chunk.spans)
        except ValueError:  # behind the reader (an earlier chunk again): start over
            self.close()
            self._open()
            audio = self._reader.read(chunk.spans)
        self._recent[chunk.index] = (chunk.spans[0].start, audio)
        while len(self._recent) > CACHED_CHUNKS:
            self._recent.popitem(last=False)
        return audio

    def close(self) -> None:
        self._stream.close()


class EngineWorker:
    """Loads its engine once; decodes the batches the driver hands it."""

    def __init__(self, spec: WorkerSpec, engine: Engine | None = None) -> None:
        self.spec = spec
        self.batch_size = 1
        if engine is None:
            engine, self.batch_size = _load(spec)
        self._engine = engine
        self._audio: dict[str, _PathAudio] = {}

    def describe(self) -> dict[str, Any]:
        return {
            "node": platform.node(),
            "pid": os.getpid(),
            "engine": getattr(self._engine, "name", "?"),
            "device": self._engine.device,
            "compute_type": self._engine.compute_type,
            "multilingual": self._engine.multilingual,
            "batch_size": self.batch_size,
        }

    def can_read(self, path: str, size: int, mtime_ns: int) -> bool:
        """The same file is at ``path`` here (shared storage)."""
        try:
            stat = os.stat(path)
        except OSError:
            return False
        return stat.st_size == size and stat.st_mtime_ns == mtime_ns

    def transcribe(
        self,
        batch: Sequence[ChunkAudio],
        options: TranscribeOptions,
        request: DecodeRequest,
        path: str | None = None,
    ) -> list[ChunkTranscript]:
        """``path`` given: the batch carries no samples; read them from the file here."""
        if path is not None:
            reader = self._audio.get(path)
            if reader is None:
                for other in self._audio.values():
                    other.close()
                self._audio = {path: (reader := _PathAudio(path))}
            batch = [ChunkAudio(item.chunk, reader.read(item.chunk)) for item in batch]
        return self._engine.transcribe(batch, options, request)


def _load(spec: WorkerSpec) -> tuple[Engine, int]:
    """The engine this node's own plan gives for the spec, and its batch size."""
    from pathlib import Path

    from longscribe.engines.factory import build_engine
    from longscribe.placement import detect, plan

    model = spec.model_path if Path(spec.model_path).is_dir() else spec.model_name
    options = replace(spec.options, model=model, workers=1, cpu_threads=spec.threads, ray=None)
    run = plan(options, detect())
    log.info("worker on %s: %s", platform.node(), run.placement.label)
    return build_engine(run), run.placement.batch_size


def empty_audio() -> AudioArray:
    return np.zeros(0, dtype=np.float32)
