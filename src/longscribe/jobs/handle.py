"""The job one transcription resumes and commits into: found or started by input and options."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longscribe.audio import Source
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


def input_key(source: Source) -> str:
    """What the job store and its locks know an input by: the resolved path, or the URL."""
    return str(Path(source).resolve()) if isinstance(source, (str, Path)) else source.name


def job_options(options: TranscribeOptions, engine: EngineIdentity) -> dict[str, Any]:
    """What a job records of how its text was made: the text options, the model and where it ran."""
    return options_identity(
        options,
        model_path=engine.model_path,
        engine=engine.engine,
        device=engine.device,
        compute_type=engine.compute_type,
    )


def start_job(
    store: JobStore,
    path: Source,
    expected_samples: int | None,
    options: TranscribeOptions,
    engine: EngineIdentity,
    *,
    restart: bool = False,
) -> JobHandle:
    """The input's job for these options: the one left unfinished (resumed), else a new one.

    A job for the same input with another fingerprint or other options is discarded
    ("restarted"), as is any with ``restart``. A recording that is not a file (a download) is
    known by its URL and identified by what its server said of it.
    """
    input_path = input_key(path)
    if restart:
        store.discard(input_path)
    if isinstance(path, (str, Path)):
        fingerprint = input_fingerprint(input_path, expected_samples)
    else:
        fingerprint = {**path.identity, "duration_samples": expected_samples}
    identity = job_options(options, engine)
    job, status = store.start(input_path, key_of(fingerprint, identity), fingerprint, identity)
    if status != "new":
        log.info("%s: job %s %s", path, job.id, status)
    return JobHandle(store, job, status)
