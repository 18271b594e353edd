"""The public entry point: ``Transcriber(...).transcribe(path)``."""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from longscribe.diarize.channels import check_channels
from longscribe.engines.base import Engine
from longscribe.errors import OptionsError
from longscribe.jobs import EngineIdentity, JobHandle, JobStore, start_job
from longscribe.options import PLACEMENT, TranscribeOptions, fields_of
from longscribe.pipeline.feed import ChunkFeed
from longscribe.pipeline.scheduler import BatchScheduler
from longscribe.pipeline.speakers import SpeakerTrack
from longscribe.pipeline.transcription import ProgressCallback, Transcription
from longscribe.placement import Hardware, RunPlan, after_oom, detect, plan
from longscribe.types import SAMPLE_RATE, TranscriptInfo

if TYPE_CHECKING:
    from longscribe.diarize.models import DiarizationModels

log = logging.getLogger(__name__)

QUEUE_BATCHES = 2  # how many batches of chunks may wait, decoded, ahead of the engine
INJECTED_BATCH_SIZE = 4
"""Chunks per call for an injected engine when ``batch_size`` is not given (no plan decides it)."""


class Transcriber:
    """Loads a model once and transcribes any number of files with it.

    ``Transcriber(model="tiny.en", language="en")`` or
    ``Transcriber(TranscribeOptions(...))``. What runs where is decided once, by
    :func:`longscribe.placement.plan` (``self.plan``); pass ``engine=`` to inject
    one instead (tests use :class:`~longscribe.engines.FakeEngine`).
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
        self.plan: RunPlan | None = None
        self.load_seconds = 0.0
        self._engine = engine
        self._hardware = hardware
        self._lock = threading.Lock()
        self._speaker_models: DiarizationModels | None = None

    @property
    def hardware(self) -> Hardware:
        if self._hardware is None:
            self._hardware = detect()
        return self._hardware

    @property
    def engine(self) -> Engine:
        """The loaded engine; the model is planned and loaded on first use."""
        if self._engine is None:
            self.load()
        assert self._engine is not None
        return self._engine

    @property
    def decoding(self) -> TranscribeOptions:
        """The options the engine decodes with: the given ones, with what the plan settled (beam size)."""
        if self.plan is not None:
            return self.plan.decoding(self.options)
        return replace(self.options, beam_size=self.options.beam)

    @property
    def speaker_models(self) -> DiarizationModels:
        """The diarization models (``diarize="speakers"``), loaded on first use."""
        if self._speaker_models is None:
            from longscribe.diarize.models import DiarizationModels

            self._speaker_models = DiarizationModels(self.options.diarize_options.models, threads=1)
        return self._speaker_models

    def load(self, audio_seconds: float | None = None) -> None:
        """Plan the run (``model="auto"``: for ``audio_seconds`` of audio) and load the model
        (and the diarization models, when speakers are to be found)."""
        if self.options.diarize == "speakers":
            self.speaker_models  # noqa: B018 (loaded now: a missing model is said before any work)
        if self._engine is not None:
            return
        started = time.perf_counter()
        self.plan = plan(self.options, self.hardware, audio_seconds=audio_seconds)
        if self.options.ray:
            self._engine = self._start_cluster(self.plan)
        else:
            from longscribe.engines.factory import build_engine

            self._engine = build_engine(self.plan)
        self.load_seconds = time.perf_counter() - started
        log.info(
            "loaded %s (%s) on %s in %.1fs: %s",
            self.plan.model.name,
            self.plan.model.source,
            self.plan.placement.label,
            self.load_seconds,
            "; ".join(self.plan.reasons),
        )

    PLACEMENT_FIELDS = frozenset(fields_of(PLACEMENT))
    """Options a :meth:`with_options` variant cannot change: they decide what is loaded and where."""

    def with_options(self, **fields_: Any) -> Transcriber:
        """A Transcriber for other decoding options (language, task, prompt ...) that shares this one's
        loaded model and plan, for a service that transcribes each request its own way."""
        fixed = sorted(set(fields_) & self.PLACEMENT_FIELDS)
        if fixed:
            raise OptionsError(f"a variant shares the loaded model: cannot change {', '.join(fixed)}")
        engine = self.engine  # loaded here, once
        variant = Transcriber(replace(self.options, **fields_), engine=engine, hardware=self._hardware)
        variant.plan, variant.load_seconds = self.plan, self.load_seconds
        if variant.options.diarize_options.models == self.options.diarize_options.models:
            variant._speaker_models = self.speaker_models if variant.options.diarize == "speakers" else None
        return variant

    def unload(self) -> None:
        """Free the model (Ray: stop the actors); the next transcription loads it again."""
        if self._engine is not None:
            self._engine.close()
        self._engine = None
        gc.collect()

    def _start_cluster(self, run: RunPlan) -> Engine:
        """``options.ray``: the engine is a set of Ray actors; the scheduler keeps all of them busy."""
        from longscribe.cluster.ray_engine import RayEngine, connect, plan_actors

        assert self.options.ray is not None
        ray = connect(self.options.ray)
        engine = RayEngine(ray, run.model, self.decoding, plan_actors(ray.nodes(), self.options))
        reason = f"Ray ({self.options.ray}): {engine.size} actor(s) on {len(engine.report()['nodes'])} node(s)"
        placement = replace(
            run.placement,
            engine="ray",
            device=engine.device,
            compute_type=engine.compute_type,
            workers=engine.size,
            batch_size=self.options.batch_size or engine.batch_size,
            reasons=(*run.placement.reasons, reason),
        )
        self.plan = replace(run, placement=placement)
        return engine

    def after_oom(self, failed: Engine) -> Engine | None:
        """The scheduler's recovery: after ``failed`` ran out of GPU memory at one chunk, the next
        smaller plan's engine (compute type, then CPU), kept for the files that follow."""
        with self._lock:
            if failed is not self._engine:
                return self._engine  # another worker has replaced it already
            smaller = after_oom(self.plan, self.hardware) if self.plan and not self.options.ray else None
            if smaller is None:
                return None
            from longscribe.engines.factory import build_engine

            self._engine = None
            gc.collect()
            self.plan = smaller
            self._engine = build_engine(smaller)
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
        feed = ChunkFeed(path, self.options, QUEUE_BATCHES * self._batch_size() * self._workers())
        try:
            if self._engine is None:
                self.load(feed.expected_samples / SAMPLE_RATE if feed.expected_samples else None)
            engine = self.engine
            feed.read_audio = not engine.open_input(str(Path(path).resolve()))
            if self.options.diarize == "channels":
                check_channels(str(path), feed.channels)  # before a job is started for it
            job = None
            if store is not None:
                identity = EngineIdentity(self._model_path(), engine.name, engine.device, engine.compute_type)
                job = start_job(store, path, feed.expected_samples, self.decoding, identity, restart=restart)
            if self.options.diarize is not None:
                feed.speakers = self._speaker_track(str(path), job)
        except BaseException:
            feed.close()
            raise
        scheduler = BatchScheduler(
            engine,
            self.decoding,
            self._batch_size(),
            workers=self._workers(),
            recovery=self,
            done=job.store.results(job.job.id) if job else None,
            commit=(lambda result: job.store.commit(job.job.id, result)) if job else None,
        )
        return Transcription(str(path), feed, scheduler, self._info(path, engine), on_progress, job)

    def _speaker_track(self, path: str, job: JobHandle | None) -> SpeakerTrack:
        mode = self.options.diarize
        assert mode is not None
        models = self.speaker_models if mode == "speakers" else None
        return SpeakerTrack(path, mode, self.options.diarize_options, models, job)

    def _info(self, path: str | Path, engine: Engine) -> TranscriptInfo:
        run = self.plan
        info = TranscriptInfo(
            path=str(path),
            model=run.model.name if run else self.options.model,
            model_path=run.model.path if run else "",
            model_source=run.model.source if run else "injected",
            device=engine.device,
            compute_type=engine.compute_type,
            options=self.decoding.as_dict(),
            timings={"load": self.load_seconds},
        )
        if run is not None:
            info.choices = list(run.reasons)
        return info

    def _model_path(self) -> str:
        return self.plan.model.path if self.plan else self.options.model

    def _batch_size(self) -> int:
        if self.options.batch_size:
            return self.options.batch_size
        return self.plan.placement.batch_size if self.plan else INJECTED_BATCH_SIZE

    def _workers(self) -> int:
        if self.plan is not None:
            return self.plan.placement.workers
        return self.options.workers or 1
