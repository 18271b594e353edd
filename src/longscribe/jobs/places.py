"""Where each input's jobs were stored, so that ``export FILE`` finds a job kept elsewhere.

``transcribe`` writes its job store beside the outputs (``OUTPUT_DIR/.longscribe``) or in
``--job-dir``; ``export FILE -o NEWDIR`` asked for that input later would not know where. This
index, one small sqlite file in the user cache, records for each input's content (the sampled hash
of the job fingerprint, so a moved or renamed file is still recognised) the stores that hold a job
for it, the latest first. It is a hint: a store that is gone is skipped.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from longscribe.errors import JobStateError
from longscribe.jobs.fingerprint import sampled_hash
from longscribe.jobs.store import DB_NAME, JOB_DIR, Job, JobStore
from longscribe.sources import is_url

log = logging.getLogger(__name__)

FILE_NAME = "job-places.sqlite"
KEPT_PER_INPUT = 8
"""Stores remembered per input; older ones are forgotten."""


class JobPlaces:
    """The index in ``cache_dir``; every call opens and closes it (two processes may share it)."""

    def __init__(self, cache_dir: str | Path) -> None:
        self.path = Path(cache_dir) / FILE_NAME

    def record(self, content: str, store: str | Path, input_path: str) -> None:
        """``store`` holds a job for the input with sampled hash ``content`` (found at ``input_path``).
        A failure is logged, never raised: the index is a hint, the transcription goes on."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute(
                    "INSERT OR REPLACE INTO places (content, store, input, updated) VALUES (?, ?, ?, ?)",
                    (content, str(Path(store).resolve()), input_path, time.time()),
                )
                db.execute(
                    "DELETE FROM places WHERE content = ? AND store NOT IN "
                    "(SELECT store FROM places WHERE content = ? ORDER BY updated DESC LIMIT ?)",
                    (content, content, KEPT_PER_INPUT),
                )
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not record where the job of %s is (%s): export will need --job-dir", input_path, exc)

    def stores(self, content: str | None = None) -> list[Path]:
        """The stores recorded for ``content`` (None: for every input), the latest first."""
        if not self.path.is_file():
            return []
        try:
            return self._stores(content)
        except sqlite3.Error as exc:
            log.warning("cannot read %s (%s)", self.path, exc)
            return []

    def _stores(self, content: str | None) -> list[Path]:
        with self._connect() as db:
            if content is None:
                rows = db.execute("SELECT store FROM places GROUP BY store ORDER BY max(updated) DESC").fetchall()
            else:
                rows = db.execute(
                    "SELECT store FROM places WHERE content = ? ORDER BY updated DESC", (content,)
                ).fetchall()
        return [Path(row[0]) for row in rows]

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed (or rolled back) and closed."""
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS places (content TEXT NOT NULL, store TEXT NOT NULL,"
                    " input TEXT NOT NULL, updated REAL NOT NULL, PRIMARY KEY (content, store))"
                )
                yield db
        finally:
            db.close()


def content_of(job: Job) -> str | None:
    """What the index knows a job's input by: the file's sampled hash, or ``url:`` and the URL of a download."""
    if "sampled_sha256" in job.fingerprint:
        return str(job.fingerprint["sampled_sha256"])
    return f"url:{job.input}" if "url" in job.fingerprint else None


def locate_job(target: str, out_dir: Path, job_dir: Path | None, places: JobPlaces) -> tuple[JobStore, Job]:
    """The store and job that ``target`` (an input file or a job id) names.

    With ``job_dir``, only that store. Otherwise ``out_dir``'s own store first, then the stores
    ``transcribe`` recorded for that input's content (for a job id: every recorded store). In a
    store, the job is found by id, by the input's path, else by its content (a moved file).
    """
    content = sampled_hash(target) if Path(target).is_file() else f"url:{target}" if is_url(target) else None
    candidates = [job_dir] if job_dir is not None else [out_dir / JOB_DIR, *places.stores(content)]
    looked: list[str] = []
    for directory in dict.fromkeys(Path(c).resolve() for c in candidates):
        if not (directory / DB_NAME).is_file():
            continue
        looked.append(str(directory))
        store = JobStore(directory)
        job = store.get(target) or store.find(target if is_url(target) else str(Path(target).resolve()))
        if job is None and content is not None and not content.startswith("url:"):
            job = store.find_content(content)
        if job is not None:
            return store, job
        store.close()
    where = f"in {', '.join(looked)}" if looked else f"(no job store at {candidates[0]}, none recorded for it)"
    raise JobStateError(f"{target}: no job found {where}; use --job-dir to name the store")
