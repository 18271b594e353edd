"""One plan per run: options + hardware -> model, engine, device, compute type, batch, workers, beam.

:func:`plan` is the only place these are decided: ``Transcriber`` runs what it
returns, ``longscribe devices`` prints it, each Ray actor plans its own node
with it. Every choice comes with its reason; requests the hardware cannot
meet are cut down with a warning, or refused with an error naming them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from longscribe.models import ResolvedModel, cache_dir, resolve_model
from longscribe.models.catalog import available_models, pick_model
from longscribe.options import TranscribeOptions
from longscribe.placement.hardware import Hardware
from longscribe.placement.placing import Placement, choose_device, next_after_oom, place
from longscribe.placement.tuning import apply_tuned, load_tuned

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunPlan:
    """What a run will use, and why."""

    model: ResolvedModel
    placement: Placement
    beam_size: int
    """The beam size decoding uses: asked for, else tuned (with ``use_tuning``), else 5."""
    cache: Path
    """Where assembled and converted models live."""
    model_reason: str = ""
    tuned: dict[str, Any] | None = None
    """This machine's ``longscribe tune`` entry for the model, when there is one."""

    @property
    def reasons(self) -> tuple[str, ...]:
        return (f"model {self.model.name}: {self.model_reason or 'as asked'}", *self.placement.reasons)

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.placement.warnings

    def decoding(self, options: TranscribeOptions) -> TranscribeOptions:
        """``options`` with what the plan settled (the beam size, unless ``options`` give one: a
        :meth:`~longscribe.Transcriber.with_options` variant may), as the engine and the job key see them."""
        return replace(options, beam_size=options.beam_size or self.beam_size)


def plan(options: TranscribeOptions, hardware: Hardware, *, audio_seconds: float | None = None) -> RunPlan:
    """Decide the model (``auto``: from quality or deadline and ``audio_seconds``), placement and beam size."""
    cache = cache_dir(options.cache_dir)
    name, model_reason = options.model, ""
    if name == "auto":
        name, model_reason = _auto_model(options, hardware, audio_seconds)
    model = resolve_model(name, cache)
    placement = place(
        hardware,
        device=options.device,
        compute_type=options.compute_type,
        batch_size=options.batch_size,
        workers=options.workers,
        threads=options.cpu_threads,
        model_bytes=model.model_bytes,
    )
    tuned = load_tuned(hardware, model.path, placement.engine, cache)
    beam = options.beam_size
    if tuned is not None:
        placement, tuned_beam = apply_tuned(placement, tuned, options)
        beam = beam or tuned_beam
    for warning in placement.warnings:
        log.warning("%s", warning)
    beam = replace(options, beam_size=beam).beam  # asked for, else tuned, else the options' default
    return RunPlan(model, placement, beam, cache, model_reason, tuned)


def after_oom(run: RunPlan, hardware: Hardware) -> RunPlan | None:
    """The next smaller plan after running out of GPU memory at batch size 1 (type, then CPU); None: none left."""
    smaller = next_after_oom(run.placement, hardware)
    return replace(run, placement=smaller) if smaller is not None else None


def _auto_model(options: TranscribeOptions, hardware: Hardware, audio_seconds: float | None) -> tuple[str, str]:
    device = choose_device(hardware, options.device)[0]
    pick = pick_model(
        available_models(),
        device=device,
        physical_cores=hardware.cpu.physical_cores,
        quality=options.quality,
        deadline_seconds=options.deadline_seconds,
        audio_seconds=audio_seconds,
        language=options.language,
    )
    log.info("model auto: %s", pick.reason)
    return pick.name, pick.reason
