"""Resumable jobs: a sqlite store of finished chunks, keyed by input and options."""

from longscribe.jobs.handle import EngineIdentity, JobHandle, start_job
from longscribe.jobs.store import Job, JobStore, open_store

__all__ = ["EngineIdentity", "Job", "JobHandle", "JobStore", "open_store", "start_job"]
