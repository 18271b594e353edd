"""The engine a Transcriber runs, and the plan it was loaded for.

One object owns the engine's life: planned and loaded once (on the first transcription, or
by :meth:`EngineRuntime.load`), a set of Ray actors when the options name a cluster, rebuilt
one step smaller after the GPU runs out of memory, freed by ``unload``. Variants made by
:meth:`~longscribe.Transcriber.with_options` share it, so a service loads its model once.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import replace

from longscribe.cluster.ray_engine import RayEngine, connect
from longscribe.engines.base import Engine
from longscribe.engines.factory import build_engine
from longscribe.options import TranscribeOptions
from longscribe.placement import Hardware, RunPlan, after_oom, detect, plan
from longscribe.placement.actors import cluster_plan, plan_actors

log = logging.getLogger(__name__)

INJECTED_BATCH_SIZE = 4
"""Chunks per call for an injected engine when ``batch_size`` is not given (no plan decides it)."""


class EngineRuntime:
    """The loaded engine and its :class:`RunPlan` (``plan``: None until loaded, and for an injected engine)."""

    def __init__(
        self, options: TranscribeOptions, *, engine: Engine | None = None, hardware: Hardware | None = None
    ) -> None:
        self.options = options
        """The options the model was placed for (a variant's decoding options may differ, not these)."""
        self.plan: RunPlan | None = None
        self.load_seconds = 0.0
        self._engine = engine
        self._hardware = hardware
        self._lock = threading.Lock()

    @property
    def hardware(self) -> Hardware:
        if self._hardware is None:
            self._hardware = detect()
        return self._hardware

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Engine:
        """The loaded engine; the model is planned and loaded on first use."""
        if self._engine is None:
            self.load()
        assert self._engine is not None
        return self._engine

    @property
    def batch_size(self) -> int:
        """Chunks per engine call: the plan's (which takes the options' when they give one)."""
        if self.plan is not None:
            return self.plan.placement.batch_size
        return self.options.batch_size or INJECTED_BATCH_SIZE

    @property
    def workers(self) -> int:
        """Engine calls at once: the plan's (Ray: one per actor)."""
        if self.plan is not None:
            return self.plan.placement.workers
        return self.options.workers or 1

    def decoding(self, options: TranscribeOptions) -> TranscribeOptions:
        """``options`` with what the plan settled (the beam size), as the engine and the job key see them."""
        if self.plan is not None:
            return self.plan.decoding(options)
        return replace(options, beam_size=options.beam)

    def load(self, audio_seconds: float | None = None) -> None:
        """Plan the run (``model="auto"``: for ``audio_seconds`` of audio) and load the model; once."""
        if self._engine is not None:
            return
        started = time.perf_counter()
        run = plan(self.options, self.hardware, audio_seconds=audio_seconds)
        if self.options.ray:
            self._engine, run = self._start_cluster(run)
        else:
            self._engine = build_engine(run)
        self.plan = run
        self.load_seconds = time.perf_counter() - started
        log.info(
            "loaded %s (%s) on %s in %.1fs: %s",
            run.model.name,
            run.model.source,
            run.placement.label,
            self.load_seconds,
            "; ".join(run.reasons),
        )

    def _start_cluster(self, run: RunPlan) -> tuple[Engine, RunPlan]:
        """``options.ray``: the engine is a set of Ray actors, and the plan is the cluster's."""
        assert self.options.ray is not None
        ray = connect(self.options.ray)
        engine = RayEngine(ray, run.model, run.decoding(self.options), plan_actors(ray.nodes(), self.options))
        return engine, cluster_plan(run, self.options, engine.described)

    def after_oom(self, failed: Engine) -> Engine | None:
        """The scheduler's recovery: after ``failed`` ran out of GPU memory at one chunk, the next
        smaller plan's engine (compute type, then CPU), kept for the files that follow."""
        with self._lock:
            if failed is not self._engine:
                return self._engine  # another worker has replaced it already
            smaller = after_oom(self.plan, self.hardware) if self.plan and not self.options.ray else None
            if smaller is None:
                return None
            self._engine = None
            gc.collect()
            self.plan = smaller
            self._engine = build_engine(smaller)
            return self._engine

    def unload(self) -> None:
        """Free the model (Ray: stop the actors); the next use loads it again."""
        if self._engine is not None:
            self._engine.close()
        self._engine = None
        gc.collect()
