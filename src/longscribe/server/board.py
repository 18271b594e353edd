"""Durable jobs: each upload is a job that survives the server, is served in turn, and tells how it goes.

A job is a folder ``DATA/jobs/<id>/`` (the upload, ``job.json``, and ``result.<format>``
when done); its chunks go to the job store in ``DATA/store`` as they are decoded, so after a
crash :meth:`JobBoard.recover` puts every unfinished job back in line and it resumes from
its last committed chunk, with the result an uninterrupted run writes. Jobs wait in one
line per client and the lines are served in turn. Listeners (a request waiting for its
result, a stream of events) are called from the worker threads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from longscribe.audio.wav import WAV_HEADER
from longscribe.errors import InputError, JobStateError, LongscribeError, Stopped
from longscribe.jobs import JobStore
from longscribe.jobs.fingerprint import sampled_hash
from longscribe.jobs.store import Job
from longscribe.options import VadOptions, speaker_fields, temperature_ladder
from longscribe.pipeline import Progress, Transcriber
from longscribe.pipeline.transcription import Transcription
from longscribe.revisions import Revision, correct, history, load, revision_info
from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo
from longscribe.writers import OutputOptions, OutputSet, parse_formats, render

if TYPE_CHECKING:
    from longscribe.diarize.sessions import DiarizationModels

log = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
LIVE = "live"
"""A live stream being recorded into the job: queued when it ends (or when the server starts again)."""
FINISHED = (DONE, FAILED)
AUDIO = "audio"
RESULT = "result"
PROGRESS_SAVE_SECONDS = 5.0
SHUTDOWN = "shutdown"

Event = dict[str, Any]
Listener = Callable[[Event], None]


class QueueFull(LongscribeError):
    """More jobs are waiting than the server takes; try again later."""


@dataclass
class JobRequest:
    """What the client asked for; everything that changes the text is here."""

    task: str = "transcribe"
    language: str | None = None
    prompt: str | None = None
    temperature: float | None = None
    word_timestamps: bool = False
    filename: str = ""
    """The client's name for the file: shown, never used as a path."""
    client: str = ""
    """Whose line the job waits in."""
    diarize: str | None = None
    """"speakers" or "channels": say who speaks (segments and words get ``speaker``)."""
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    voices: tuple[str, ...] | None = None
    """Name the speakers after these voices of ``voice_library`` (empty: all of them)."""
    voice_library: str | None = None
    """The server's voice library, or the job's own (its known speakers)."""
    vocabulary: tuple[str, ...] = ()
    """Terms every chunk is prompted with (OpenAI's ``keywords``)."""
    vad: dict[str, Any] = field(default_factory=dict)
    """VadOptions fields the request sets (OpenAI's ``chunking_strategy``)."""
    source: dict[str, Any] = field(default_factory=dict)
    """Where the server fetched the recording (``url=``): what the results' ``info.source`` says."""

    def __post_init__(self) -> None:  # job.json holds lists
        self.vocabulary = tuple(self.vocabulary)
        self.voices = None if self.voices is None else tuple(self.voices)

    def identity(self) -> dict[str, Any]:
        """What was asked, without who asked, their name for the file or a server path (the voice
        library): two requests with the same identity on the same audio give the same transcript
        (but for the names of voices, whose library may change). Unset fields are left out."""
        asked = asdict(self)
        unset: tuple[Any, ...] = (None, False, "", (), {})
        private = ("filename", "client", "voice_library", "source")
        return {
            k: v for k, v in asked.items() if k not in private and (v not in unset or k == "voices" and v is not None)
        }

    def options(self) -> dict[str, Any]:
        """TranscribeOptions fields for this request (the server's own options give the rest)."""
        out: dict[str, Any] = {"task": self.task, "language": self.language, "word_timestamps": self.word_timestamps}
        out |= speaker_fields(  # with word times (TranscribeOptions says so)
            self.diarize,
            num_speakers=self.num_speakers,
            min_speakers=self.min_speakers,
            max_speakers=self.max_speakers,
            voices=self.voices,
            voice_library=self.voice_library,
        )
        out["vocabulary"] = self.vocabulary
        if self.vad:
            out["vad_options"] = VadOptions(**self.vad)
        if self.prompt:
            out["initial_prompt"] = self.prompt
        if self.temperature:  # sampling from this temperature up, seeded: a rerun samples the same text
            out["temperatures"] = temperature_ladder(self.temperature)
        return out


@dataclass
class ServerJob:
    id: str
    request: JobRequest
    status: str = QUEUED
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    size: int = 0
    done_seconds: float = 0.0
    total_seconds: float | None = None
    speed: float = 0.0
    language: str | None = None
    language_runs: list[str] = field(default_factory=list)
    duration: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    speakers: int | None = None
    """The number of speakers found (a job with ``diarize``, once done)."""
    content: str = ""
    """The upload's sampled hash: the same recording uploaded again is recognised."""

    @property
    def name(self) -> str:
        """What the results call the recording (``info.path``): the client's name for it, never a server path."""
        return self.request.filename or self.id

    @property
    def formats(self) -> tuple[str, ...]:
        """The result formats this job writes."""
        return parse_formats("all", speakers=self.request.diarize is not None)

    def public(self) -> dict[str, Any]:
        """The job as the API shows it (no server paths)."""
        eta = None
        if self.status == RUNNING and self.speed > 0 and self.total_seconds:
            eta = round(max(0.0, self.total_seconds - self.done_seconds) / self.speed, 1)
        return {
            "id": self.id,
            "object": "transcription.job",
            "status": self.status,
            "task": self.request.task,
            "file": self.request.filename,
            **({"url": self.request.source["url"]} if self.request.source else {}),
            "bytes": self.size,
            "created_at": int(self.created),
            "updated_at": int(self.updated),
            "progress": {
                "done_seconds": round(self.done_seconds, 1),
                "total_seconds": round(self.total_seconds, 1) if self.total_seconds else None,
                "speed": round(self.speed, 1),
                "eta_seconds": eta,
            },
            "language": self.language,
            "languages": self.language_runs,
            "duration": round(self.duration, 3),
            "warnings": self.warnings,
            "error": self.error,
            "diarize": self.request.diarize,
            "speakers": self.speakers,
            "options": self.request.identity(),
            "formats": list(self.formats),
        }

    @classmethod
    def load(cls, path: Path) -> ServerJob:
        doc = json.loads(path.read_text())
        known = {f.name for f in fields(JobRequest)}
        request = JobRequest(**{k: v for k, v in doc.pop("request").items() if k in known})
        names = {f.name for f in fields(cls)}
        return cls(request=request, **{k: v for k, v in doc.items() if k in names})


class JobBoard:
    """Jobs on disk, a line per client, worker threads that transcribe them with one loaded model."""

    def __init__(
        self,
        root: Path,
        transcriber: Transcriber,
        *,
        jobs: int = 1,
        max_queue: int = 64,
        keep_days: float | None = None,
        max_jobs_kept: int | None = None,
        log_content: bool = False,
    ) -> None:
        self.root = root
        self.jobs_dir = root / "jobs"
        self.store_dir = root / "store"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self._transcriber = transcriber
        self._jobs_at_once = jobs
        self._max_queue = max_queue
        self._keep_days, self._max_jobs_kept = keep_days, max_jobs_kept
        self._log_content = log_content
        self._jobs: dict[str, ServerJob] = {}
        self._lines: OrderedDict[str, deque[str]] = OrderedDict()
        self._listeners: dict[str, list[Listener]] = {}
        self._cancelled: set[str] = set()
        self._running: dict[str, Transcription] = {}  # stopped at once on cancel or shutdown
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.transcribed_seconds = 0.0

    @property
    def transcriber(self) -> Transcriber:
        """The loaded model the jobs (and live streams) are transcribed with."""
        return self._transcriber

    @property
    def speaker_models(self) -> DiarizationModels:
        """The diarization models the jobs find speakers with (loaded on first use)."""
        return self._transcriber.speaker_models

    # -- the board ---------------------------------------------------------

    def recover(self) -> int:
        """Read every job on disk; put the unfinished ones back in line (oldest first). Returns how many."""
        found = []
        for path in sorted(self.jobs_dir.glob("*/job.json")):
            try:
                found.append(ServerJob.load(path))
            except (OSError, ValueError, TypeError, KeyError) as exc:
                log.warning("skipping unreadable job %s: %s", path.parent.name, exc)
        again = 0
        with self._cond:
            for job in sorted(found, key=lambda j: j.created):
                if job.status in (QUEUED, RUNNING, LIVE):  # a live stream cut off: what it recorded
                    job.status = QUEUED
                    self._lines.setdefault(job.request.client, deque()).append(job.id)
                    again += 1
                self._jobs[job.id] = job
            self._cond.notify_all()
        self._clean_up()
        return again

    def start(self) -> None:
        for n in range(self._jobs_at_once):
            thread = threading.Thread(target=self._work, name=f"longscribe-job-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def shutdown(self) -> None:
        """Stop taking work, and return at once: running jobs stop now, keeping the chunks committed (they
        resume at the next start), and every listener hears ``{"type": "shutdown"}`` (a request waiting
        for a result answers that the server is stopping)."""
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
            listened = list(self._listeners)
            running = list(self._running.values())
        for transcription in running:
            transcription.stop()
        for job_id in listened:
            self._emit(job_id, {"type": SHUTDOWN})

    def stop(self, timeout: float = 60.0) -> None:
        """:meth:`shutdown`, then wait for the running jobs to stop."""
        self.shutdown()
        for thread in self._threads:
            thread.join(timeout)

    def new_folder(self) -> tuple[str, Path]:
        """A fresh, unguessable job id and its (new) folder, for an upload to land in."""
        job_id = secrets.token_urlsafe(16)
        folder = self.jobs_dir / job_id
        folder.mkdir()
        return job_id, folder

    def forget_folder(self, job_id: str) -> None:
        """Remove a folder made by :meth:`new_folder` whose upload never became a job."""
        if job_id not in self._jobs:
            shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def submit(self, job_id: str, request: JobRequest, size: int, content: str = "") -> ServerJob:
        with self._cond:
            if self.waiting() >= self._max_queue:
                raise QueueFull(f"{self.waiting()} jobs are waiting already; try again later")
            job = ServerJob(job_id, request, size=size, content=content)
            self._save(job)
            self._jobs[job_id] = job
            self._lines.setdefault(request.client, deque()).append(job_id)
            self._cond.notify()
        named = f" from {request.filename!r}" if self._log_content else ""
        log.info("job %s queued (%d bytes%s)", job_id, size, named)
        return job

    def open_live(self, job_id: str, request: JobRequest) -> ServerJob:
        """A job (in a folder from :meth:`new_folder`) whose audio a live stream is recording now."""
        job = ServerJob(job_id, request, status=LIVE)
        with self._cond:
            self._save(job)
            self._jobs[job_id] = job
        return job

    def close_live(self, job: ServerJob) -> None:
        """The stream has ended: its recording is transcribed as an upload would be (none: forgotten)."""
        audio = self.audio(job.id)
        size = audio.stat().st_size if audio.is_file() else 0
        with self._cond:
            if self._jobs.get(job.id) is not job:
                return  # deleted meanwhile
            if size <= WAV_HEADER:
                self._jobs.pop(job.id)
                self._remove_files(job.id)
                return
            job.status, job.size, job.updated = QUEUED, size, time.time()
            job.content = sampled_hash(audio)
            self._save(job)
            self._lines.setdefault(job.request.client, deque()).append(job.id)
            self._cond.notify()

    def finished_like(self, content: str, request: JobRequest) -> ServerJob | None:
        """The latest done job on the same recording (by ``content``) asked for the same way, if any
        (never for a request that names voices: their library may have changed since)."""
        if request.voices is not None:
            return None
        identity = request.identity()
        with self._cond:
            same = [
                job
                for job in self._jobs.values()
                if job.status == DONE and job.content == content and job.request.identity() == identity
            ]
        return max(same, key=lambda job: job.updated, default=None)

    def waiting(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def get(self, job_id: str) -> ServerJob | None:
        return self._jobs.get(job_id)

    def all(self) -> list[ServerJob]:
        return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)

    def folder(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def result(self, job_id: str, fmt: str) -> Path:
        return self.folder(job_id) / f"{RESULT}.{fmt}"

    def audio(self, job_id: str) -> Path:
        return self.folder(job_id) / AUDIO

    # -- corrections ------------------------------------------------------

    @contextlib.contextmanager
    def _stored(self, job_id: str) -> Iterator[tuple[JobStore, Job, TranscriptInfo]]:
        """The finished job's record in the job store, and its info as the results show it."""
        job = self._jobs.get(job_id)
        store = JobStore(self.store_dir)
        try:
            stored = store.find(str(self.audio(job_id).resolve()))
            if job is None or stored is None or stored.info is None:
                raise JobStateError(f"job {job_id} has no transcript")
            info = TranscriptInfo.from_dict(stored.info)
            yield store, stored, replace(info, path=job.name)
        finally:
            store.close()

    def latest_revision(self, job_id: str) -> int:
        with self._stored(job_id) as (store, stored, _info):
            return store.latest_revision(stored.id)

    def revisions(self, job_id: str) -> list[tuple[int, float, str]]:
        """``(number, created, summary)`` of each revision of the job's transcript, 0 first."""
        with self._stored(job_id) as (store, stored, _info):
            return history(store, stored)

    def correct(self, job_id: str, document: Any, base: int) -> Revision:
        """Store a corrected transcript made from revision ``base`` (see :func:`longscribe.revisions.correct`)."""
        with self._stored(job_id) as (store, stored, info):
            revision = correct(store, stored, info, document, base=base)
        log.info("job %s: revision %d saved", job_id, revision.number)
        return revision

    def render(self, job_id: str, fmt: str, number: int) -> bytes:
        """Revision ``number`` of the job's transcript in one format."""
        with self._stored(job_id) as (store, stored, info):
            revision = load(store, stored, info, number)
            return render(fmt, revision.segments, revision_info(info, revision), OutputOptions(words=True))

    def delete(self, job_id: str) -> bool:
        """Cancel the job (a running one stops now, its decodes in flight abandoned) and delete its files."""
        with self._cond:
            job = self._jobs.pop(job_id, None)
            if job is None:
                return False
            for line in self._lines.values():
                if job_id in line:
                    line.remove(job_id)
            running = job.status == RUNNING
            job.status = CANCELLED
            if running:
                self._cancelled.add(job_id)
            transcription = self._running.get(job_id)
        if transcription is not None:
            transcription.stop()
        if not running:
            self._remove_files(job_id)
        self._emit(job_id, {"type": "status", "status": CANCELLED})
        return True

    def listen(self, job_id: str, listener: Listener) -> None:
        with self._cond:
            self._listeners.setdefault(job_id, []).append(listener)

    def unlisten(self, job_id: str, listener: Listener) -> None:
        with self._cond:
            listeners = self._listeners.get(job_id, [])
            if listener in listeners:
                listeners.remove(listener)

    # -- the workers -------------------------------------------------------

    def _next(self) -> ServerJob | None:
        """The next job, taking the clients' lines in turn; None when stopping."""
        with self._cond:
            while not self._stopping.is_set():
                for client in list(self._lines):
                    line = self._lines[client]
                    if not line:
                        del self._lines[client]
                        continue
                    job = self._jobs[line.popleft()]
                    self._lines.move_to_end(client)  # the next job comes from another client's line
                    job.status = RUNNING
                    self._save(job)
                    return job
                self._cond.wait(1.0)
            return None

    def _work(self) -> None:
        while (job := self._next()) is not None:
            self._emit(job.id, {"type": "status", "status": RUNNING})
            status, error = self._attempt(job)
            with self._cond:
                cancelled = job.id in self._cancelled
                self._cancelled.discard(job.id)
            if cancelled:
                self._remove_files(job.id)
            elif status is None:  # the server stops: the job resumes at the next start
                job.status = QUEUED
                self._save(job)
            else:
                self._finish(job, status, error)
                self._clean_up()

    def _attempt(self, job: ServerJob) -> tuple[str | None, str | None]:
        """(DONE, None), (FAILED, why), or (None, None) when stopped before the end."""
        try:
            self._run(job)
        except Stopped:
            return None, None
        except LongscribeError as exc:
            return FAILED, _public_message(exc)
        except Exception as exc:  # a bug: the job fails, the server stays up
            log.exception("job %s failed", job.id)
            return FAILED, f"internal error ({type(exc).__name__})"
        return DONE, None

    def _run(self, job: ServerJob) -> None:
        transcriber = self._transcriber.with_options(**job.request.options())
        store = JobStore(self.store_dir)
        saved = [time.monotonic()]

        def progress(event: Progress) -> None:  # called after each committed chunk
            if self._stopping.is_set() or job.id in self._cancelled:
                raise Stopped("stopped")
            job.done_seconds = event.done / SAMPLE_RATE
            job.total_seconds = max(event.total or 0, event.done) / SAMPLE_RATE or None
            fresh = (event.done - event.resumed) / SAMPLE_RATE
            job.speed = fresh / event.elapsed if event.elapsed > 0 else 0.0
            job.updated = time.time()
            self._emit(job.id, {"type": "progress", **job.public()["progress"]})
            if time.monotonic() - saved[0] > PROGRESS_SAVE_SECONDS:
                saved[0] = time.monotonic()
                self._save(job)

        try:
            transcription = transcriber.transcribe(self.audio(job.id), progress, store=store)
            with self._cond:
                self._running[job.id] = transcription
                stop = self._stopping.is_set() or job.id in self._cancelled
            if stop:
                transcription.stop()
            options = OutputOptions(words=True, audio=None)  # the page edits the words (json has them when timed)
            segments = cast(Generator[Segment, None, None], iter(transcription))
            with OutputSet(self.folder(job.id), RESULT, job.formats, options) as out:
                try:
                    for segment in segments:
                        out.write(segment)
                        self._emit(job.id, _segment_event(segment))
                finally:
                    segments.close()  # its feed thread stops now, not when collected
                info = transcription.info
                out.commit(replace(info, path=job.name, source=dict(job.request.source)))
                transcription.mark_written()
            job.language, job.language_runs = info.language, list(info.language_runs)
            job.duration, job.warnings = info.duration_s, list(info.warnings)
            job.speakers = len(info.speakers) if job.request.diarize else None
            with self._cond:  # more than one job may finish at once
                self.transcribed_seconds += info.duration_s
        finally:
            with self._cond:
                self._running.pop(job.id, None)
            store.close()

    def _finish(self, job: ServerJob, status: str, error: str | None) -> None:
        job.status, job.error, job.updated = status, error, time.time()
        self._save(job)
        log.info("job %s %s%s", job.id, status, f": {error}" if error and self._log_content else "")
        self._emit(job.id, {"type": "status", "status": status, "error": error})

    # -- housekeeping ------------------------------------------------------

    def _emit(self, job_id: str, event: Event) -> None:
        with self._cond:
            listeners = list(self._listeners.get(job_id, ()))
        for listener in listeners:
            try:
                listener(event)
            except Exception:  # a listener's failure is its own (a client gone)
                log.debug("listener of %s failed", job_id, exc_info=True)

    def _save(self, job: ServerJob) -> None:
        path = self.folder(job.id) / "job.json"
        if not path.parent.is_dir():
            return  # deleted meanwhile
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(job)))
        os.replace(tmp, path)

    def _remove_files(self, job_id: str) -> None:
        audio = str(self.audio(job_id).resolve())
        store = JobStore(self.store_dir)
        try:
            store.discard(audio, corrected=True)
        finally:
            store.close()
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def _clean_up(self) -> None:
        """Finished jobs beyond ``max_jobs_kept`` (newest kept) or older than ``keep_days`` go."""
        finished = [j for j in self.all() if j.status in FINISHED]
        old = []
        if self._max_jobs_kept is not None:
            old += finished[self._max_jobs_kept :]
        if self._keep_days is not None:
            limit = time.time() - self._keep_days * 86400
            old += [j for j in finished if j.updated < limit]
        for job in {j.id: j for j in old}.values():
            with self._cond:
                self._jobs.pop(job.id, None)
            self._remove_files(job.id)


def _segment_event(segment: Segment) -> Event:
    event: Event = {"type": "segment", "start": round(segment.start_s, 3), "end": round(segment.end_s, 3),
                    "text": segment.text, "language": segment.language}  # fmt: skip
    if segment.speaker is not None:
        event["speaker"] = segment.speaker
    return event


def _public_message(exc: LongscribeError) -> str:
    """The error without server paths: an input's problem, or the error's own words."""
    if isinstance(exc, InputError):
        return exc.problem
    return " ".join(str(exc).split())
