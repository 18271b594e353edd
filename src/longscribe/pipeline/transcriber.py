"""The public entry point: ``Transcriber(...).transcribe(path)``."""

from __future__ import annotations

import logging
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from longscribe.audio import Source, source_name
from longscribe.diarize.channels import check_channels
from longscribe.engines.base import Engine
from longscribe.errors import OptionsError
from longscribe.jobs import EngineIdentity, JobHandle, JobStore, start_job
from longscribe.jobs.handle import job_options
from longscribe.options import PLACEMENT, TranscribeOptions, fields_of
from longscribe.pipeline.engine_runtime import EngineRuntime
from longscribe.pipeline.feed import ChunkFeed
from longscribe.pipeline.scheduler import BatchScheduler
from longscribe.pipeline.speakers import SpeakerTrack
from longscribe.pipeline.transcription import ProgressCallback, Transcription
from longscribe.placement import Hardware, RunPlan
from longscribe.types import SAMPLE_RATE, TranscriptInfo

if TYPE_CHECKING:
    from longscribe.diarize.sessions import DiarizationModels

log = logging.getLogger(__name__)

QUEUE_BATCHES = 2  # how many batches of chunks may wait, decoded, ahead of the engine


class Transcriber:
    """Loads a model once and transcribes any number of files with it.

    ``Transcriber(model="tiny.en", language="en")`` or
    ``Transcriber(TranscribeOptions(...))``. What runs where is decided once, by
    :func:`longscribe.placement.plan` (``self.plan``), and the engine's life is its
    :class:`~longscribe.pipeline.engine_runtime.EngineRuntime`'s; pass ``engine=`` to inject one
    instead (tests use :class:`~longscribe.engines.FakeEngine`).
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
        self.runtime = EngineRuntime(self.options, engine=engine, hardware=hardware)
        self._speaker_models: DiarizationModels | None = None

    @property
    def plan(self) -> RunPlan | None:
        """What runs where, and why (None until loaded, and with an injected engine)."""
        return self.runtime.plan

    @property
    def load_seconds(self) -> float:
        return self.runtime.load_seconds

    @property
    def engine(self) -> Engine:
        """The loaded engine; the model is planned and loaded on first use."""
        return self.runtime.engine

    @property
    def decoding(self) -> TranscribeOptions:
        """The options the engine decodes with: the given ones, with what the plan settled (beam size)."""
        return self.runtime.decoding(self.options)

    @property
    def speaker_models(self) -> DiarizationModels:
        """The diarization models (``diarize="speakers"``), loaded on first use."""
        if self._speaker_models is None:
            from longscribe.diarize.sessions import DiarizationModels

            self._speaker_models = DiarizationModels(self.options.diarize_options.models, threads=1)
        return self._speaker_models

    def load(self, audio_seconds: float | None = None) -> None:
        """Plan the run (``model="auto"``: for ``audio_seconds`` of audio) and load the model
        (and the diarization models, when speakers are to be found)."""
        if self.options.diarize == "speakers":
            self.speaker_models  # noqa: B018 (loaded now: a missing model is said before any work)
        self.runtime.load(audio_seconds)

    PLACEMENT_FIELDS = frozenset(fields_of(PLACEMENT))
    """Options a :meth:`with_options` variant cannot change: they decide what is loaded and where."""

    def with_options(self, **fields_: Any) -> Transcriber:
        """A Transcriber for other decoding options (language, task, prompt ...) that shares this one's
        loaded model and plan, for a service that transcribes each request its own way."""
        fixed = sorted(set(fields_) & self.PLACEMENT_FIELDS)
        if fixed:
            raise OptionsError(f"a variant shares the loaded model: cannot change {', '.join(fixed)}")
        self.runtime.load()  # here, once
        variant = Transcriber(replace(self.options, **fields_))
        variant.runtime = self.runtime
        if variant.options.diarize_options.models == self.options.diarize_options.models:
            variant._speaker_models = self.speaker_models if variant.options.diarize == "speakers" else None
        return variant

    def unload(self) -> None:
        """Free the model (Ray: stop the actors); the next transcription loads it again."""
        self.runtime.unload()

    def job_options(self) -> dict[str, Any]:
        """What this transcriber's jobs record of how their text is made (the model is loaded first):
        a finished job with the same is one this run would repeat."""
        engine = self.engine
        return job_options(self.decoding, self._engine_identity(engine))

    def transcribe(
        self,
        path: Source,
        on_progress: ProgressCallback | None = None,
        *,
        store: JobStore | None = None,
        restart: bool = False,
    ) -> Transcription:
        """Open ``path`` (errors about the file raise here) and return its lazy transcription.

        ``path`` is a file, or a :class:`~longscribe.audio.Recording` that is not one (a
        :class:`~longscribe.sources.RemoteFile`, read as it downloads). With a job store, finished
        chunks are committed as they are decoded and a job left unfinished for the same input and
        options is resumed.
        """
        runtime = self.runtime
        feed = ChunkFeed(path, self.options, QUEUE_BATCHES * runtime.batch_size * runtime.workers)
        try:
            if not runtime.loaded:
                self.load(feed.expected_samples / SAMPLE_RATE if feed.expected_samples else None)
            engine = self.engine
            if isinstance(path, (str, Path)):  # a cluster's actors may read a file themselves
                feed.read_audio = not engine.open_input(str(Path(path).resolve()))
            if self.options.diarize == "channels":
                check_channels(source_name(path), feed.channels)  # before a job is started for it
            job = None
            if store is not None:
                identity = self._engine_identity(engine)
                job = start_job(store, path, feed.expected_samples, self.decoding, identity, restart=restart)
            if self.options.diarize is not None:
                feed.speakers = self._speaker_track(path, job)
        except BaseException:
            feed.close()
            raise
        scheduler = BatchScheduler(
            engine,
            self.decoding,
            runtime.batch_size,
            workers=runtime.workers,
            recovery=runtime,
            done=job.store.results(job.job.id) if job else None,
            commit=(lambda result: job.store.commit(job.job.id, result)) if job else None,
        )
        return Transcription(source_name(path), feed, scheduler, self._info(path, engine), on_progress, job)

    def new_info(self, path: Source) -> TranscriptInfo:
        """The info of a transcript of ``path`` made by this transcriber (filled in by whoever makes it:
        a live stream's, which has no :class:`Transcription`)."""
        return self._info(path, self.engine)

    def _engine_identity(self, engine: Engine) -> EngineIdentity:
        return EngineIdentity(self._model_path(), engine.name, engine.device, engine.compute_type)

    def _speaker_track(self, path: Source, job: JobHandle | None) -> SpeakerTrack:
        mode = self.options.diarize
        assert mode is not None
        models = self.speaker_models if mode == "speakers" else None
        return SpeakerTrack(path, mode, self.options.diarize_options, models, job)

    def _info(self, path: Source, engine: Engine) -> TranscriptInfo:
        run = self.plan
        info = TranscriptInfo(
            path=source_name(path),
            source={} if isinstance(path, (str, Path)) else dict(path.about),
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
