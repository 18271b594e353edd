"""The job one transcription resumes and commits into: found or started by input and options."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from longscribe.jobs.fingerprint import input_fingerprint, key_of, options_identity
from longscribe.jobs.store import Job, JobStore
from longscribe.options import TranscribeOptions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobHandle:
    """The stored job a transcription resumes and commits into."""

    store: JobStore
    job: Job
    status: str
    """"new", "resumed" or "restarted: <why>"."""


@dataclass(frozen=True)
class EngineIdentity:
    """What, besides the options, decides the text: the model file and where it runs."""

    model_path: str
    engine: str
    device: str
    compute_type: str


def start_job(
    store: JobStore,
    path: str | Path,
    expected_samples: int | None,
    options: TranscribeOptions,
    engine: EngineIdentity,
    *,
    restart: bool = False,
) -> JobHandle:
    """The input's job for these options: the one left unfinished (resumed), else a new one.

    A job for the same input with another fingerprint or other options is discarded
    ("restarted"), as is any with ``restart``.
    """
    input_path = str(Path(path).resolve())
    if restart:
        store.discard(input_path)
    fingerprint = input_fingerprint(input_path, expected_samples)
    identity = options_identity(
        options,
        model_path=engine.model_path,
        engine=engine.engine,
        device=engine.device,
        compute_type=engine.compute_type,
    )
    job, status = store.start(input_path, key_of(fingerprint, identity), fingerprint, identity)
    if status != "new":
        log.info("%s: job %s %s", path, job.id, status)
    return JobHandle(store, job, status)
