"""The job store: one sqlite database (WAL) per output directory.

A job is one input transcribed with one set of text-changing options. Every
finished chunk is committed in its own transaction as soon as it is decoded,
so a crash, ``kill -9`` or power loss loses at most the chunks in flight; a
rerun reads what is there and decodes only the rest.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longscribe.errors import JobLockedError, JobStateError, RevisionConflict
from longscribe.jobs.codec import transcript_from_dict, transcript_to_dict
from longscribe.types import ChunkTranscript

log = logging.getLogger(__name__)

JOB_DIR = ".longscribe"
"""The job store's folder inside an output directory, unless ``--job-dir`` says otherwise."""
DB_NAME = "jobs.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    input TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    info TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_input ON jobs(input);
CREATE TABLE IF NOT EXISTS chunks (
    job TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    result TEXT NOT NULL,
    committed REAL NOT NULL,
    PRIMARY KEY (job, idx)
);
CREATE TABLE IF NOT EXISTS speaker_windows (
    job TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    config TEXT NOT NULL,
    start INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job, config, start)
);
CREATE TABLE IF NOT EXISTS revisions (
    job TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    created REAL NOT NULL,
    summary TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (job, number)
);
"""
RUNNING, DECODED, COMPLETE, INCOMPLETE = "running", "decoded", "complete", "incomplete"
SUPERSEDED = "superseded"
"""A job transcribed again (other options, another file at its path) whose corrections are kept:
found by its id only."""


@dataclass(frozen=True)
class Job:
    id: str
    input: str
    fingerprint: dict[str, Any]
    options: dict[str, Any]
    status: str
    info: dict[str, Any] | None = None
    created: float = 0.0
    """When the job started (seconds since the epoch)."""


class JobStore:
    """Jobs for the inputs whose outputs go to one directory."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DB_NAME
        self._lock = threading.Lock()  # one transaction at a time (chunks and speaker windows commit from two threads)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a committed chunk survives power loss
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            self._db.execute("SELECT count(*) FROM jobs").fetchone()
        except sqlite3.DatabaseError as exc:
            raise JobStateError(
                f"job store {self.path} is corrupted ({exc}); rerun with --restart to discard it"
            ) from exc
        except OSError as exc:
            raise JobStateError(f"job store {self.path}: {exc.strerror or exc}") from exc

    # -- locking ------------------------------------------------------------

    @contextmanager
    def lock(
        self, input_path: str, *, wait: bool = False, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[None]:
        """Hold the input's job for this process; another process refuses (or, ``wait``, waits for it,
        first telling ``on_wait`` the process id that holds it)."""
        name = hashlib.sha256(input_path.encode()).hexdigest()[:20]
        lock_path = self.directory / f"{name}.lock"
        with open(lock_path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                owner = handle.read().strip() or "?"
                if not wait:
                    raise JobLockedError(
                        f"{input_path}: being transcribed by another process (pid {owner}); use --wait to wait for it"
                    ) from None
                if on_wait is not None:
                    on_wait(owner)
                fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- jobs ---------------------------------------------------------------

    def find(self, input_path: str) -> Job | None:
        row = self._query_one(
            "SELECT * FROM jobs WHERE input = ? AND status != ? ORDER BY updated DESC LIMIT 1", (input_path, SUPERSEDED)
        )
        return _job(row) if row else None

    def find_content(self, sampled_sha256: str) -> Job | None:
        """The latest job for an input with this content, wherever the file was then."""
        row = self._query_one(
            "SELECT * FROM jobs WHERE json_extract(fingerprint, '$.sampled_sha256') = ? AND status != ?"
            " ORDER BY updated DESC LIMIT 1",
            (sampled_sha256, SUPERSEDED),
        )
        return _job(row) if row else None

    def find_written(self, options: dict[str, Any], **fingerprint: Any) -> Job | None:
        """The latest written job (complete or incomplete) whose fingerprint has these values, transcribed
        with these ``options`` (:func:`~longscribe.jobs.handle.job_options`): what a rerun need not
        fetch again (a feed's episode by its ``guid``, a URL by what its server says of it)."""
        wanted = json.loads(json.dumps(options, default=list))
        rows = self._db.execute(
            "SELECT * FROM jobs WHERE status IN (?, ?) ORDER BY updated DESC", (COMPLETE, INCOMPLETE)
        ).fetchall()
        for job in map(_job, rows):
            if job.options == wanted and all(job.fingerprint.get(k) == v for k, v in fingerprint.items()):
                return job
        return None

    def get(self, job_id: str) -> Job | None:
        row = self._query_one("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return _job(row) if row else None

    def start(self, input_path: str, key: str, fingerprint: dict[str, Any], options: dict[str, Any]) -> tuple[Job, str]:
        """The job to run and what happened: "new", "resumed" or "restarted: <why>"."""
        old = self.find(input_path)
        if old is not None and old.id == key:
            return old, "resumed"
        why = "new"
        if old is not None:
            changed = "input changed" if old.fingerprint != fingerprint else "options changed"
            why = f"restarted: {changed}"
            self.discard(input_path)
        now = time.time()
        kept = self.get(key)
        if kept is not None and self.latest_revision(key) > 0:  # its corrections are never replaced: it comes back
            status = DECODED if kept.info is not None else RUNNING
            self._write(
                "UPDATE jobs SET input = ?, status = ?, updated = ? WHERE id = ?", (input_path, status, now, key)
            )
            job = self.get(key)
            assert job is not None
            return job, "resumed"
        self._write(
            "INSERT OR REPLACE INTO jobs (id, input, fingerprint, options, status, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key, input_path, json.dumps(fingerprint), json.dumps(options, default=list), RUNNING, now, now),
        )
        job = self.get(key)
        assert job is not None
        return job, why

    def discard(self, input_path: str, *, corrected: bool = False) -> int:
        """Delete the input's jobs. A job with corrections (revisions) is kept as ``superseded``, found
        by its id only, unless ``corrected`` (deleting it is what was asked: the server's DELETE)."""
        rows = self._db.execute(
            "SELECT id, EXISTS (SELECT 1 FROM revisions WHERE job = jobs.id) FROM jobs WHERE input = ? AND status != ?",
            (input_path, "" if corrected else SUPERSEDED),
        ).fetchall()
        for job_id, has_revisions in rows:
            if has_revisions and not corrected:
                self._write("UPDATE jobs SET status = ? WHERE id = ?", (SUPERSEDED, job_id))
                log.warning("%s: job %s holds corrections: kept (export it by its id)", input_path, job_id)
            else:
                self._write("DELETE FROM jobs WHERE id = ?", (job_id,))
        return len(rows)

    # -- chunks -------------------------------------------------------------

    def results(self, job_id: str) -> dict[int, ChunkTranscript]:
        rows = self._db.execute("SELECT idx, result FROM chunks WHERE job = ? ORDER BY idx", (job_id,)).fetchall()
        try:
            return {int(idx): transcript_from_dict(json.loads(result)) for idx, result in rows}
        except (ValueError, KeyError, TypeError) as exc:
            raise JobStateError(f"job store {self.path}: unreadable chunk ({exc}); rerun with --restart") from exc

    def count(self, job_id: str) -> int:
        row = self._db.execute("SELECT count(*) FROM chunks WHERE job = ?", (job_id,)).fetchone()
        return int(row[0])

    def commit(self, job_id: str, transcript: ChunkTranscript) -> None:
        """One transaction per chunk."""
        self._write(
            "INSERT OR REPLACE INTO chunks (job, idx, result, committed) VALUES (?, ?, ?, ?)",
            (job_id, transcript.chunk.index, json.dumps(transcript_to_dict(transcript)), time.time()),
        )

    def speaker_windows(self, job_id: str, config: str) -> dict[int, bytes]:
        """The diarization windows stored for this job with this diarization ``config``, by start sample."""
        rows = self._db.execute(
            "SELECT start, data FROM speaker_windows WHERE job = ? AND config = ?", (job_id, config)
        ).fetchall()
        return {int(start): bytes(data) for start, data in rows}

    def commit_speaker_windows(self, job_id: str, config: str, windows: list[tuple[int, bytes]]) -> None:
        """Diarization windows ``(start, data)``, in one transaction."""
        self._write_many(
            "INSERT OR REPLACE INTO speaker_windows (job, config, start, data) VALUES (?, ?, ?, ?)",
            [(job_id, config, start, data) for start, data in windows],
        )

    # -- revisions ----------------------------------------------------------

    def latest_revision(self, job_id: str) -> int:
        """The number of the job's latest correction; 0: none (the transcript as transcribed)."""
        row = self._query_one("SELECT max(number) FROM revisions WHERE job = ?", (job_id,))
        return int(row[0]) if row and row[0] is not None else 0

    def revision_list(self, job_id: str) -> list[tuple[int, float, str]]:
        """``(number, created, summary)`` of each correction, oldest first."""
        rows = self._db.execute(
            "SELECT number, created, summary FROM revisions WHERE job = ? ORDER BY number", (job_id,)
        ).fetchall()
        return [(int(n), float(created), str(summary)) for n, created, summary in rows]

    def revision_document(self, job_id: str, number: int) -> tuple[float, str, dict[str, Any]] | None:
        """``(created, summary, document)`` of one correction, None when there is no such revision."""
        row = self._query_one(
            "SELECT created, summary, document FROM revisions WHERE job = ? AND number = ?", (job_id, number)
        )
        if row is None:
            return None
        try:
            return float(row[0]), str(row[1]), dict(json.loads(row[2]))
        except ValueError as exc:
            raise JobStateError(f"job store {self.path}: unreadable revision {number} of job {job_id}") from exc

    def add_revision(self, job_id: str, base: int, summary: str, document: dict[str, Any]) -> int:
        """Store ``document`` as revision ``base + 1``, in one transaction that first checks ``base`` is
        still the latest (a correction made from an older revision is a :class:`RevisionConflict`)."""
        try:
            with self._lock, self._db:
                self._db.execute("BEGIN IMMEDIATE")
                row = self._db.execute("SELECT max(number) FROM revisions WHERE job = ?", (job_id,)).fetchone()
                latest = int(row[0]) if row[0] is not None else 0
                if latest != base:
                    raise RevisionConflict(
                        f"the correction was made from revision {base}, but revision {latest} is the latest", latest
                    )
                self._db.execute(
                    "INSERT INTO revisions (job, number, created, summary, document) VALUES (?, ?, ?, ?, ?)",
                    (job_id, base + 1, time.time(), summary, json.dumps(document, ensure_ascii=False)),
                )
        except sqlite3.DatabaseError as exc:
            raise JobStateError(f"job store {self.path}: {exc}") from exc
        return base + 1

    def finish(self, job_id: str, status: str, info: dict[str, Any]) -> None:
        self._write(
            "UPDATE jobs SET status = ?, info = ?, updated = ? WHERE id = ?",
            (status, json.dumps(info, default=list), time.time(), job_id),
        )

    def close(self) -> None:
        self._db.close()

    # -- helpers ------------------------------------------------------------

    def _query_one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        try:
            row: tuple[Any, ...] | None = self._db.execute(sql, args).fetchone()
            return row
        except sqlite3.DatabaseError as exc:
            raise JobStateError(f"job store {self.path} is corrupted ({exc}); rerun with --restart") from exc

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        self._write_many(sql, [args])

    def _write_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            with self._lock, self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(sql, rows)
        except sqlite3.DatabaseError as exc:
            raise JobStateError(f"job store {self.path}: {exc}") from exc


def _job(row: tuple[Any, ...]) -> Job:
    job_id, input_path, fingerprint, options, status, created, _updated, info = row
    return Job(
        job_id,
        input_path,
        json.loads(fingerprint),
        json.loads(options),
        status,
        json.loads(info) if info else None,
        float(created),
    )


def open_store(directory: str | Path, *, restart: bool = False) -> JobStore:
    """Open (creating) the store; with ``restart`` a corrupted one is moved aside first."""
    try:
        return JobStore(directory)
    except JobStateError:
        if not restart:
            raise
    path = Path(directory) / DB_NAME
    for suffix in ("", "-wal", "-shm"):
        target = Path(f"{path}{suffix}")
        if target.exists():
            target.replace(f"{target}.corrupt-{int(time.time())}")
    log.warning("job store %s was corrupted: moved aside, starting fresh", path)
    return JobStore(directory)
