"""The public entry point: ``Transcriber(...).transcribe(path)``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from longscribe.engines.base import Engine
from longscribe.errors import OptionsError
from longscribe.options import TranscribeOptions
from longscribe.pipeline.feed import ChunkFeed
from longscribe.pipeline.scheduler import BatchScheduler
from longscribe.pipeline.stitch import Stitcher
from longscribe.types import Segment, TranscriptInfo

log = logging.getLogger(__name__)

QUEUE_BATCHES = 2  # how many batches of chunks may wait, decoded, ahead of the engine


@dataclass(frozen=True)
class Progress:
    """A progress event: audio positions in samples, wall time in seconds."""

    path: str
    done: int
    total: int | None
    elapsed: float
    chunks_done: int


ProgressCallback = Callable[[Progress], None]


class Transcription:
    """Segments as they are decoded (iterate once) and the info about the run.

    ``info.language`` is set once the first chunk is decoded; ``info.duration``,
    ``info.timings`` and ``info.complete`` once iteration has finished.
    """

    def __init__(
        self, path: str, feed: ChunkFeed, scheduler: BatchScheduler, info: TranscriptInfo, on_progress: ProgressCallback | None
    ) -> None:
        self.path = path
        self.info = info
        self._feed = feed
        self._scheduler = scheduler
        self._on_progress = on_progress
        self._consumed = False

    @property
    def expected_samples(self) -> int | None:
        """The duration the container announces (an estimate for some formats)."""
        return self._feed.expected_samples

    def __iter__(self) -> Iterator[Segment]:
        if self._consumed:
            raise RuntimeError("a Transcription can be iterated only once")
        self._consumed = True
        started = time.perf_counter()
        stitcher = Stitcher()
        info = self.info
        try:
            for result in self._scheduler.run(self._feed, lambda: stitcher.previous_text):
                if info.language is None:
                    info.language, info.language_probability = result.language, result.language_probability
                    log.info("%s: language %s (p=%.2f)", self.path, info.language, info.language_probability)
                info.chunks += 1
                yield from stitcher.add(result)
                self._report(result.chunk.keep.end, started)
        finally:
            self._feed.close()
            info.duration = self._feed.decoded_samples
            info.speech = self._feed.speech_samples
            info.warnings = self._feed.warnings
            info.timings["transcribe"] = time.perf_counter() - started
            info.timings["engine"] = self._scheduler.engine_seconds
            info.timings["decode_vad"] = self._feed.busy_seconds
        info.complete = True
        self._report(info.duration, started)

    def _report(self, done: int, started: float) -> None:
        if self._on_progress is not None:
            total = self._feed.expected_samples
            self._on_progress(Progress(self.path, done, total, time.perf_counter() - started, self.info.chunks))


class Transcriber:
    """Loads a model once and transcribes any number of files with it.

    ``Transcriber(model="tiny.en", language="en")`` or
    ``Transcriber(TranscribeOptions(...))``; pass ``engine=`` to inject one
    (tests use :class:`~longscribe.engines.FakeEngine`).
    """

    def __init__(self, options: TranscribeOptions | None = None, /, *, engine: Engine | None = None, **fields_: Any) -> None:
        known = {f.name for f in fields(TranscribeOptions)}
        unknown = sorted(set(fields_) - known)
        if unknown:
            raise OptionsError(f"unknown option(s): {', '.join(unknown)}")
        self.options = replace(options or TranscribeOptions(), **fields_)
        self._engine = engine
        self.model_name = self.options.model
        self.model_path = ""
        self.model_source = "injected" if engine is not None else ""
        self.device_reason = ""
        self.load_seconds = 0.0

    @property
    def engine(self) -> Engine:
        """The loaded engine; the model is resolved and loaded on first use."""
        if self._engine is None:
            self._engine = self._load()
        return self._engine

    def _load(self) -> Engine:
        from longscribe.engines.ct2 import Ct2Engine
        from longscribe.hardware import choose_device
        from longscribe.models import resolve_model

        started = time.perf_counter()
        resolved = resolve_model(self.options.model)
        choice = choose_device(self.options.device, self.options.compute_type)
        engine = Ct2Engine(
            resolved.path, device=choice.device, compute_type=choice.compute_type, cpu_threads=self.options.cpu_threads
        )
        self.model_name, self.model_path, self.model_source = resolved.name, resolved.path, resolved.source
        self.device_reason = choice.reason
        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s (%s) on %s/%s in %.1fs", resolved.name, resolved.source, choice.device, choice.compute_type, self.load_seconds)
        return engine

    def transcribe(self, path: str | Path, on_progress: ProgressCallback | None = None) -> Transcription:
        """Open ``path`` (errors about the file raise here) and return its lazy transcription."""
        depth = QUEUE_BATCHES * self.options.batch_size
        feed = ChunkFeed(path, self.options, depth)
        try:
            engine = self.engine
        except BaseException:
            feed.close()
            raise
        info = TranscriptInfo(
            path=str(path),
            model=self.model_name,
            model_path=self.model_path,
            model_source=self.model_source,
            device=engine.device,
            compute_type=engine.compute_type,
            options=self.options.as_dict(),
            timings={"load": self.load_seconds},
        )
        if self.device_reason:
            info.options["device_reason"] = self.device_reason
        return Transcription(str(path), feed, BatchScheduler(engine, self.options), info, on_progress)
