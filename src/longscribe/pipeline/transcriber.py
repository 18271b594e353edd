"""The public entry point: ``Transcriber(...).transcribe(path)``."""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from longscribe.cluster.engine import ClusterEngine
from longscribe.engines.base import Engine
from longscribe.engines.stages import TimedEngine
from longscribe.errors import OptionsError
from longscribe.hardware import Hardware, detect
from longscribe.jobs.fingerprint import input_fingerprint, key_of, options_identity
from longscribe.jobs.store import COMPLETE, DECODED, INCOMPLETE, Job, JobStore
from longscribe.models import resolve_model
from longscribe.models.catalog import available_models, pick_model
from longscribe.options import TranscribeOptions
from longscribe.pipeline.feed import ChunkFeed
from longscribe.pipeline.scheduler import BatchScheduler
from longscribe.pipeline.stitch import Stitcher
from longscribe.selection import Placement, next_after_oom, place
from longscribe.tuning import with_tuning
from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo

log = logging.getLogger(__name__)

QUEUE_BATCHES = 2  # how many batches of chunks may wait, decoded, ahead of the engine
DEFAULT_BATCH_SIZE = 4
DEFAULT_BEAM = TranscribeOptions.beam_size


@dataclass(frozen=True)
class Progress:
    """A progress event: audio positions in samples, wall time in seconds."""

    path: str
    done: int
    total: int | None
    elapsed: float
    chunks_done: int
    resumed: int = 0
    """Of ``done``, the samples restored from the job store rather than decoded now."""


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class JobHandle:
    """The stored job a transcription resumes and commits into."""

    store: JobStore
    job: Job
    status: str
    """"new", "resumed" or "restarted: <why>"."""


class Transcription:
    """Segments as they are decoded (iterate once) and the info about the run.

    ``info.language`` is set once the first chunk is decoded; ``info.duration``,
    ``info.timings`` and ``info.complete`` once iteration has finished.
    """

    def __init__(
        self,
        path: str,
        feed: ChunkFeed,
        scheduler: BatchScheduler,
        info: TranscriptInfo,
        on_progress: ProgressCallback | None,
        job: JobHandle | None = None,
    ) -> None:
        self.path = path
        self.info = info
        self.job = job
        self._feed = feed
        self._scheduler = scheduler
        self._on_progress = on_progress
        self._consumed = False
        self._resumed_samples = 0

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
        engine = self._scheduler.engine
        stages_before = engine.stages.snapshot() if isinstance(engine, TimedEngine) else None
        try:
            for result in self._scheduler.run(self._feed, lambda: stitcher.previous_text):
                if info.language is None:
                    info.language, info.language_probability = result.language, result.language_probability
                    log.info("%s: language %s (p=%.2f)", self.path, info.language, info.language_probability)
                info.chunks += 1
                info.decisions.extend({"chunk": result.chunk.index, "decision": d} for d in result.decisions)
                if self._scheduler.resumed == info.chunks:
                    self._resumed_samples = result.chunk.keep.end
                yield from stitcher.add(result)
                for chunk, text in stitcher.dropped:
                    info.decisions.append({"chunk": chunk, "decision": f"text outside speech dropped: {text!r}"})
                stitcher.dropped.clear()
                self._report(result.chunk.keep.end, started)
        finally:
            self._feed.close()
            info.duration = self._feed.decoded_samples
            info.speech = self._feed.speech_samples
            info.warnings = self._feed.warnings
            info.timings["transcribe"] = time.perf_counter() - started
            info.timings["engine"] = self._scheduler.engine_seconds
            info.timings["decode_vad"] = self._feed.busy_seconds
            if stages_before is not None and self._scheduler.engine is engine and isinstance(engine, TimedEngine):
                info.timings.update({f"engine.{k}": v for k, v in engine.stages.since(stages_before).items()})
            info.fallbacks = list(self._scheduler.events)
            if isinstance(self._scheduler.engine, ClusterEngine):
                info.cluster = self._scheduler.engine.report()
            info.device = self._scheduler.engine.device
            info.compute_type = self._scheduler.engine.compute_type
            if self.job is not None:
                info.job = {"id": self.job.job.id, "status": self.job.status, "resumed_chunks": self._scheduler.resumed}
        info.complete = not info.warnings
        if self.job is not None:
            self.job.store.finish(self.job.job.id, DECODED if info.complete else INCOMPLETE, info.as_dict())
        self._report(info.duration, started)

    def mark_written(self) -> None:
        """The outputs are on disk: the job is complete (a rerun only rewrites them)."""
        if self.job is not None and self.info.complete:
            self.job.store.finish(self.job.job.id, COMPLETE, self.info.as_dict())

    def _report(self, done: int, started: float) -> None:
        if self._on_progress is not None:
            total = self._feed.expected_samples
            elapsed = time.perf_counter() - started
            self._on_progress(Progress(self.path, done, total, elapsed, self.info.chunks, self._resumed_samples))


class Transcriber:
    """Loads a model once and transcribes any number of files with it.

    ``Transcriber(model="tiny.en", language="en")`` or
    ``Transcriber(TranscribeOptions(...))``; pass ``engine=`` to inject one
    (tests use :class:`~longscribe.engines.FakeEngine`).
    """

    def __init__(
        self,
        options: TranscribeOptions | None = None,
        /,
        *,
        engine: Engine | None = None,
        hardware: Hardware | None = None,
        **fields_: Any,
    ) -> None:
        known = {f.name for f in fields(TranscribeOptions)}
        unknown = sorted(set(fields_) - known)
        if unknown:
            raise OptionsError(f"unknown option(s): {', '.join(unknown)}")
        self.options = replace(options or TranscribeOptions(), **fields_)
        self._engine = engine
        self._hardware = hardware
        self.placement: Placement | None = None
        self.model_name = self.options.model
        self.model_path = ""
        self.model_source = "injected" if engine is not None else ""
        self.model_reason = ""
        self.load_seconds = 0.0

    @property
    def hardware(self) -> Hardware:
        if self._hardware is None:
            self._hardware = detect()
        return self._hardware

    @property
    def engine(self) -> Engine:
        """The loaded engine; the model is resolved and loaded on first use."""
        if self._engine is None:
            self.load()
        assert self._engine is not None
        return self._engine

    @property
    def batch_size(self) -> int:
        if self.options.batch_size:
            return self.options.batch_size
        return self.placement.batch_size if self.placement else DEFAULT_BATCH_SIZE

    def load(self, audio_seconds: float | None = None) -> None:
        """Resolve the model (``auto``: pick one for ``audio_seconds``), place it and load it."""
        if self._engine is not None:
            return
        started = time.perf_counter()
        name = self._model_name(audio_seconds)
        resolved = resolve_model(name)
        model_bytes = resolved.model_bytes
        self.placement = place(
            self.hardware,
            device=self.options.device,
            compute_type=self.options.compute_type,
            batch_size=self.options.batch_size,
            workers=self.options.workers,
            threads=self.options.cpu_threads,
            model_bytes=model_bytes,
            env=os.environ,
        )
        self.model_name, self.model_path, self.model_source = resolved.name, resolved.path, resolved.source
        if self.options.use_tuning:
            self._apply_tuning()
        if self.options.ray:
            self._start_cluster()
        else:
            self._engine = self._build(self.placement)
        self.load_seconds = time.perf_counter() - started
        log.info(
            "loaded %s (%s) on %s in %.1fs: %s",
            resolved.name,
            resolved.source,
            self.placement.label,
            self.load_seconds,
            "; ".join(self.placement.reasons),
        )

    def _apply_tuning(self) -> None:
        assert self.placement is not None
        self.placement, beam, _ = with_tuning(
            self.hardware,
            self.placement,
            self.model_path,
            compute_type=self.options.compute_type,
            workers=self.options.workers,
            batch_size=self.options.batch_size,
            beam_size_set=self.options.beam_size != DEFAULT_BEAM,
            env=os.environ,
        )
        if beam is not None and beam != self.options.beam_size:
            self.options = replace(self.options, beam_size=beam)

    def unload(self) -> None:
        """Free the model (Ray: stop the actors); the next transcription loads it again."""
        if isinstance(self._engine, ClusterEngine):
            self._engine.close()
        self._engine = None
        gc.collect()

    def _model_name(self, audio_seconds: float | None) -> str:
        if self.options.model != "auto":
            return self.options.model
        hw = self.hardware
        device = place(hw, device=self.options.device, compute_type=self.options.compute_type, env=os.environ).device
        pick = pick_model(
            available_models(),
            device=device,
            physical_cores=hw.cpu.physical_cores,
            quality=self.options.quality,
            deadline_seconds=self.options.deadline_seconds,
            audio_seconds=audio_seconds,
            language=self.options.language,
        )
        self.model_reason = pick.reason
        log.info("model auto: %s", pick.reason)
        return pick.name

    def _build(self, placement: Placement) -> Engine:
        return build_engine(self.model_path, placement)

    def _start_cluster(self) -> None:
        """``options.ray``: the engine is a set of Ray actors; the scheduler keeps all of them busy."""
        from longscribe.cluster.ray_engine import RayEngine, connect, plan_actors

        assert self.placement is not None and self.options.ray is not None
        ray = connect(self.options.ray)
        plans = plan_actors(ray.nodes(), self.options)
        engine = RayEngine(ray, (self.model_path, self.model_name), self.options, plans)
        reason = f"Ray ({self.options.ray}): {engine.size} actor(s) on {len(engine.report()['nodes'])} node(s)"
        self.placement = replace(
            self.placement,
            engine="ray",
            device=engine.device,
            compute_type=engine.compute_type,
            workers=engine.size,
            batch_size=self.options.batch_size or engine.batch_size,
            reasons=(*self.placement.reasons, reason),
        )
        self._engine = engine

    def _recover_from_oom(self) -> Engine | None:
        """Called at batch size 1 after a GPU out-of-memory error: the next smaller placement."""
        if self.placement is None or self.options.ray:
            return None  # on Ray each actor is sized by its own node
        smaller = next_after_oom(self.placement, self.hardware)
        if smaller is None:
            return None
        self._engine = None
        gc.collect()
        self.placement = smaller
        self._engine = self._build(smaller)
        return self._engine

    def transcribe(
        self,
        path: str | Path,
        on_progress: ProgressCallback | None = None,
        *,
        store: JobStore | None = None,
        restart: bool = False,
    ) -> Transcription:
        """Open ``path`` (errors about the file raise here) and return its lazy transcription.

        With a job store, finished chunks are committed as they are decoded and
        a job left unfinished for the same input and options is resumed.
        """
        workers = self.placement.workers if self.placement else (self.options.workers or 2)
        feed = ChunkFeed(path, self.options, QUEUE_BATCHES * self.batch_size * workers)
        try:
            if self._engine is None:
                self.load(feed.expected_samples / SAMPLE_RATE if feed.expected_samples else None)
            engine = self.engine
            if isinstance(engine, ClusterEngine):  # workers that can read the file get spans, not samples
                feed.read_audio = not engine.use_input(str(Path(path).resolve()))
            job = self._job(path, feed, engine, store, restart) if store is not None else None
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
        if self.placement is not None:
            info.choices = list(self.placement.reasons)
        if self.model_reason:
            info.choices.insert(0, f"model: {self.model_reason}")
        scheduler = BatchScheduler(
            engine,
            self.options,
            self.batch_size,
            workers=self.placement.workers if self.placement else (self.options.workers or 1),
            recover=self._recover_from_oom,
            done=job.store.results(job.job.id) if job else None,
            commit=(lambda result: job.store.commit(job.job.id, result)) if job else None,
        )
        return Transcription(str(path), feed, scheduler, info, on_progress, job)

    def _job(self, path: str | Path, feed: ChunkFeed, engine: Engine, store: JobStore, restart: bool) -> JobHandle:
        input_path = str(Path(path).resolve())
        if restart:
            store.discard(input_path)
        fingerprint = input_fingerprint(input_path, feed.expected_samples)
        identity = options_identity(
            self.options,
            model_path=self.model_path or self.model_name,
            engine=getattr(engine, "name", "?"),
            device=engine.device,
            compute_type=engine.compute_type,
        )
        job, status = store.start(input_path, key_of(fingerprint, identity), fingerprint, identity)
        if status != "new":
            log.info("%s: job %s %s", path, job.id, status)
        return JobHandle(store, job, status)


def build_engine(model_path: str, placement: Placement) -> Engine:
    """A local engine for ``placement`` (also what each Ray actor loads)."""
    if placement.engine == "mlx":
        from longscribe.engines.mlx.engine import MlxEngine

        return MlxEngine(model_path, device=placement.device, compute_type=placement.compute_type)
    from longscribe.engines.ct2 import Ct2Engine

    return Ct2Engine(
        model_path,
        device=placement.device,
        device_index=placement.device_index,
        compute_type=placement.compute_type,
        cpu_threads=placement.threads,
        workers=placement.workers,
    )
