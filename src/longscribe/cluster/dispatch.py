"""Hand engine calls to a set of remote workers; a call whose worker died is retried on another.

Ray-free (the Ray engine and the scheduling simulation both use it): a worker
is any handle, ``call(handle)`` runs one request on it, and exceptions of the
``lost`` types mean the worker is gone (its result never came back, so the
request is simply run again elsewhere: nothing it did was kept).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from longscribe.errors import EngineError

log = logging.getLogger(__name__)

H = TypeVar("H")
R = TypeVar("R")

MAX_RETRIES = 3
"""Per request: how many lost workers one batch may go through before the run fails."""


@dataclass
class Retry:
    worker: str
    chunks: tuple[int, ...]
    error: str


@dataclass
class WorkerSet(Generic[H]):
    """Idle and busy workers; ``run`` blocks until one is idle."""

    handles: Sequence[H]
    names: Sequence[str]
    lost: tuple[type[BaseException], ...]
    max_retries: int = MAX_RETRIES
    retries: list[Retry] = field(default_factory=list)
    _idle: list[int] = field(default_factory=list)
    _dead: set[int] = field(default_factory=set)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self._idle = list(range(len(self.handles)))

    @property
    def alive(self) -> int:
        return len(self.handles) - len(self._dead)

    def alive_handles(self) -> list[H]:
        return [h for i, h in enumerate(self.handles) if i not in self._dead]

    def run(self, call: Callable[[H], R], chunks: tuple[int, ...] = ()) -> R:
        """``call`` on an idle worker; on a lost worker, again on another (at most ``max_retries`` times)."""
        attempts = 0
        while True:
            index = self._acquire()
            try:
                result = call(self.handles[index])
            except self.lost as exc:
                self._bury(index)
                attempts += 1
                self.retries.append(Retry(self.names[index], chunks, f"{type(exc).__name__}: {exc}"[:300]))
                name = self.names[index]
                log.warning("worker %s lost (%s); chunks %s go to another", name, type(exc).__name__, chunks)
                if attempts > self.max_retries:
                    raise EngineError(f"chunks {list(chunks)} lost {attempts} workers; giving up") from exc
                continue
            except BaseException:
                self._release(index)
                raise
            self._release(index)
            return result

    def _acquire(self) -> int:
        with self._cond:
            while not self._idle:
                if self.alive == 0:
                    raise EngineError("every cluster worker is gone")
                self._cond.wait(timeout=1.0)
            return self._idle.pop(0)

    def _release(self, index: int) -> None:
        with self._cond:
            self._idle.append(index)
            self._cond.notify()

    def _bury(self, index: int) -> None:
        with self._cond:
            self._dead.add(index)
            self._cond.notify_all()
            if self.alive == 0:
                log.error("every cluster worker is gone")
