"""Feeds chunks to the engine in batches and hands back transcripts in chunk order."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, wait
from dataclasses import replace
from typing import Any, Protocol

from longscribe.engines.base import DecodeRequest, Engine
from longscribe.errors import EngineError, JobStateError, Stopped
from longscribe.options import LANGUAGE_FIRST, TranscribeOptions
from longscribe.pipeline.fallback import complete_tails, decode_with_fallback
from longscribe.pipeline.languages import LanguageSettler
from longscribe.pipeline.threads import DaemonPool
from longscribe.types import ChunkAudio, ChunkTranscript

log = logging.getLogger(__name__)

OOM_MARKERS = ("out of memory", "CUBLAS_STATUS_ALLOC_FAILED", "CUDNN_STATUS_ALLOC_FAILED")


class Recovery(Protocol):
    """Gives the scheduler a smaller engine after the one it used ran out of GPU memory at one chunk."""

    def after_oom(self, failed: Engine) -> Engine | None:
        """An engine to use instead of ``failed`` (the same one again if ``failed`` was already
        replaced); None when there is nothing smaller left."""
        ...


def is_out_of_memory(exc: BaseException) -> bool:
    """CTranslate2 reports CUDA allocation failures as "CUDA failed with error out of memory" (or cuBLAS's)."""
    text = str(exc)
    return any(marker.lower() in text.lower() for marker in OOM_MARKERS)


class BatchScheduler:
    """Batches of consecutive chunks through one engine; transcripts handed back in chunk order.

    The language of each chunk: given (``options.language``, a code), identified once
    on the file's first chunk and then fixed (``"first"``), or identified in every
    chunk and settled in chunk order (None: :mod:`longscribe.pipeline.languages`). In
    none of these does the text depend on the batch size or the number of workers.
    With previous-text prompting each chunk needs the text of the one before, so
    batches shrink to one chunk.

    With ``workers`` > 1, that many batches are decoded at once (CTranslate2
    runs concurrent calls on separate workers); results still come back, and
    are committed, in chunk order.

    Out of GPU memory, the same chunks are decoded again in two halves (and
    later batches stay at the smaller size); at one chunk, ``recovery`` gives a
    smaller engine (compute type, then CPU), which every later batch uses.
    Results are only kept from calls that succeeded, so no chunk is lost or
    decoded into the output twice.

    The engine is only ever called on the scheduler's own (daemon) threads; the thread
    iterating :meth:`run` waits for them. So it hears Ctrl-C (Python handles a signal
    between the main thread's bytecodes, never inside a native call) or :meth:`stop` at
    once, and stops without waiting for the decodes in flight, which are abandoned:
    nothing they would have produced is committed.
    """

    def __init__(
        self,
        engine: Engine,
        options: TranscribeOptions,
        batch_size: int,
        *,
        recovery: Recovery | None = None,
        done: Mapping[int, ChunkTranscript] | None = None,
        commit: Callable[[ChunkTranscript], None] | None = None,
        workers: int = 1,
    ) -> None:
        self.engine = engine
        self.options = options
        self.batch_size = 1 if options.condition_on_previous_text else batch_size
        self.engine_seconds = 0.0
        self.events: list[str] = []
        self._recovery = recovery
        self._done = dict(done or {})
        self._commit = commit
        self._first = options.language == LANGUAGE_FIRST
        self._language = options.given_language
        if self._first and 0 in self._done:
            self._language = self._done[0].language
        self._settler = None
        if options.language is None:
            self._settler = LanguageSettler(self._decode_in, lookahead=not options.condition_on_previous_text)
        self.resumed = 0
        self.workers = max(1, workers)
        self._lock = threading.Lock()
        self._stopped: Future[None] = Future()
        self._foreground: DaemonPool | None = None

    def stop(self) -> None:
        """From any thread: :meth:`run` raises :class:`~longscribe.errors.Stopped` now, not after the
        decodes in flight (what was committed stays committed)."""
        with contextlib.suppress(InvalidStateError):  # stopped already
            self._stopped.set_result(None)

    def run(self, chunks: Iterable[ChunkAudio], previous_text: Callable[[], str]) -> Iterator[ChunkTranscript]:
        """Transcripts in chunk order: restored ones from ``done``, the others decoded and committed."""
        self._foreground = foreground = DaemonPool(1, "longscribe-decode")
        try:
            if self.workers > 1 and not self.options.condition_on_previous_text:
                yield from self._run_parallel(chunks)
            else:
                for group in self._groups(chunks):
                    if isinstance(group, ChunkTranscript):
                        yield from self._restored(group)
                        continue
                    prompts = (previous_text() or None,) if self.options.condition_on_previous_text else ()
                    decoded = self._result(foreground.submit(self._decode, group, prompts))
                    yield from self._committed(decoded, group)
            if self._settler is not None:
                yield from self._commit_all(self._settler.finish())
        finally:
            foreground.close()

    def _run_parallel(self, chunks: Iterable[ChunkAudio]) -> Iterator[ChunkTranscript]:
        """``workers`` batches in flight at once, results still handed back (and committed) in order.

        With ``"first"``, while the first batch is finding the file's language, the others
        start on a guess (their own chunks' languages) and are checked against it when it is
        known: a batch that guessed wrong is decoded again, so the text is what it would have
        been had every batch waited.
        """
        ahead: deque[tuple[Future[list[ChunkTranscript]], ChunkTranscript | list[ChunkAudio]]] = deque()
        first: Future[list[ChunkTranscript]] | None = None

        def fresh() -> int:
            return sum(not isinstance(group, ChunkTranscript) for _, group in ahead)

        pool = DaemonPool(self.workers, "longscribe-worker")
        try:
            for group in self._groups(chunks):
                if isinstance(group, ChunkTranscript):
                    ahead.append((_completed([group]), group))
                elif self._first and self._language is None and first is None:
                    first = pool.submit(self._decode, group, ())
                    ahead.append((first, group))
                elif self._first and self._language is None and first is not None:
                    ahead.append((pool.submit(self._decode_on_a_guess, group, first), group))
                else:
                    ahead.append((pool.submit(self._decode, group, ()), group))
                while ahead and (ahead[0][0].done() or fresh() > self.workers):
                    yield from self._handed_back(*ahead.popleft())
            while ahead:
                yield from self._handed_back(*ahead.popleft())
        finally:
            pool.close()

    def _handed_back(
        self, future: Future[list[ChunkTranscript]], group: ChunkTranscript | list[ChunkAudio]
    ) -> Iterator[ChunkTranscript]:
        if isinstance(group, ChunkTranscript):
            yield from self._restored(group)
        else:
            yield from self._committed(self._result(future), group)

    def _groups(self, chunks: Iterable[ChunkAudio]) -> Iterator[ChunkTranscript | list[ChunkAudio]]:
        """Restored transcripts and batches of chunks still to decode, in chunk order.

        With ``"first"``, while the language is unknown the first batch is one chunk: it is
        decoded alone (the others need its language), so a bigger one would keep the other
        workers idle.
        """
        batch: list[ChunkAudio] = []
        detecting = self._first and self._language is None
        for item in chunks:
            self._check_stopped()  # no new batch starts once stopped
            stored = self._done.pop(item.chunk.index, None)
            if stored is None:
                batch.append(item)
                if len(batch) >= (1 if detecting else self.batch_size):
                    yield batch
                    batch, detecting = [], False
                continue
            if stored.chunk != item.chunk:
                raise JobStateError(f"stored chunk {item.chunk.index} does not match this run's plan")
            if batch:
                yield batch
                batch = []
            self.resumed += 1
            yield stored
        if batch:
            yield batch

    def _restored(self, result: ChunkTranscript) -> Iterator[ChunkTranscript]:
        """A chunk read back from the job store: settled and committed already."""
        if self._settler is not None:
            yield from self._commit_all(self._settler.restored(result))
        yield result

    def _committed(self, results: list[ChunkTranscript], items: list[ChunkAudio]) -> Iterator[ChunkTranscript]:
        """Decoded chunks, their language settled (each held until the next one is heard), then committed."""
        if self._settler is None:
            yield from self._commit_all(results)
            return
        for result, item in zip(results, items):
            yield from self._commit_all(self._settler.push(result, item))

    def _commit_all(self, results: list[ChunkTranscript]) -> Iterator[ChunkTranscript]:
        for result in results:
            if self._commit is not None:
                self._commit(result)
            yield result

    def _decode_in(self, batch: list[ChunkAudio], language: str | None) -> list[ChunkTranscript]:
        """The language settler's decodes: ``batch`` in ``language`` (None: each in its own)."""
        assert self._foreground is not None
        return self._result(self._foreground.submit(lambda: self._decode(batch, (), decides=False, language=language)))

    def _result(self, future: Future[list[ChunkTranscript]]) -> list[ChunkTranscript]:
        """What ``future`` gives, waited for here; :class:`Stopped` as soon as :meth:`stop` is called
        unless it is done already (a decoded batch is still committed)."""
        either: tuple[Future[Any], ...] = (future, self._stopped)
        wait(either, return_when=FIRST_COMPLETED)
        if not future.done():
            self._check_stopped()
        return future.result()

    def _check_stopped(self) -> None:
        if self._stopped.done():
            raise Stopped("stopped before the end: the chunks committed so far are kept")

    def _decode_on_a_guess(
        self, batch: list[ChunkAudio], first: Future[list[ChunkTranscript]]
    ) -> list[ChunkTranscript]:
        guessed = self._decode(batch, (), decides=False)
        language = first.result()[0].language
        if all(r.language == language for r in guessed):
            return [replace(r, language_probability=1.0) for r in guessed]  # as when given the language
        log.info(
            "chunks %d-%d: guessed %s, the file is %s: decoded again",
            batch[0].chunk.index,
            batch[-1].chunk.index,
            guessed[0].language,
            language,
        )
        return self._decode(batch, ())

    def _decode(
        self,
        batch: list[ChunkAudio],
        prompts: tuple[str | None, ...],
        *,
        decides: bool = True,
        language: str | None = None,
    ) -> list[ChunkTranscript]:
        """Decode and settle ``batch`` (in ``language`` when given); with ``decides`` and ``"first"``,
        its language becomes the file's if still unknown."""
        request = DecodeRequest(language or self._language, prompts)
        with self._lock:
            engine = self.engine
        started = time.perf_counter()
        try:
            results = decode_with_fallback(engine, batch, self.options, request)
            results = complete_tails(engine, batch, results, self.options, request)
        except EngineError as exc:
            if not is_out_of_memory(exc):
                raise
            return self._after_oom(engine, batch, prompts, exc, decides, language)
        finally:
            with self._lock:
                self.engine_seconds += time.perf_counter() - started
        if decides and self._first and self._language is None and results:
            self._language = results[0].language
        return results

    def _after_oom(
        self,
        engine: Engine,
        batch: list[ChunkAudio],
        prompts: tuple[str | None, ...],
        exc: EngineError,
        decides: bool,
        language: str | None,
    ) -> list[ChunkTranscript]:
        if len(batch) > 1:
            half = len(batch) // 2
            self.batch_size = max(1, min(self.batch_size, half))
            self._note(
                f"out of GPU memory at batch size {len(batch)}: chunks {batch[0].chunk.index}-"
                f"{batch[-1].chunk.index} decoded again as {half} + {len(batch) - half}"
            )
            first = self._decode(batch[:half], prompts[:half], decides=decides, language=language)
            return first + self._decode(batch[half:], prompts[half:], decides=decides, language=language)
        smaller = self._recovery.after_oom(engine) if self._recovery else None
        if smaller is None:
            raise exc
        with self._lock:
            replaced = self.engine is engine and smaller is not engine
            self.engine = smaller
        if replaced:
            self._note(f"out of GPU memory at batch size 1: now on {smaller.device}/{smaller.compute_type}")
        return self._decode(batch, prompts, decides=decides, language=language)

    def _note(self, event: str) -> None:
        log.warning("%s", event)
        with self._lock:
            self.events.append(event)


def _completed(results: list[ChunkTranscript]) -> Future[list[ChunkTranscript]]:
    future: Future[list[ChunkTranscript]] = Future()
    future.set_result(results)
    return future
