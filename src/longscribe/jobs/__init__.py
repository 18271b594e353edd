"""Resumable jobs: a sqlite store of finished chunks, keyed by input and options."""

from longscribe.jobs.store import Job, JobStore, open_store

__all__ = ["Job", "JobStore", "open_store"]
