"""Engine calls on daemon threads, so that a stopped run does not wait for the calls in flight.

A decode in progress sits in the engine's native code (CTranslate2, MLX, a Ray ``get``) and cannot
be cancelled. ``concurrent.futures.ThreadPoolExecutor`` would make the interpreter wait for it at
exit, so Ctrl-C on a CPU would take as long as the slowest batch in flight (tens of seconds with a
larger model). Here the threads are daemon threads: a stopped run abandons those calls, whose
results were never going to be committed. A process that ends while such a call is still in native
code must end with ``os._exit`` (see :func:`calls_in_progress`): the normal exit runs C++ static
destructors under it, which can abort.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_Call = tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]
_lock = threading.Lock()
_in_progress = 0


def calls_in_progress() -> int:
    """Calls running on any pool's threads now (after a stop: the abandoned ones)."""
    with _lock:
        return _in_progress


def _count(step: int) -> None:
    global _in_progress
    with _lock:
        _in_progress += step


class DaemonPool:
    """``size`` daemon threads running the calls submitted, in order, each result a ``Future``."""

    def __init__(self, size: int, name: str) -> None:
        self._calls: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True) for n in range(max(1, size))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._calls.put((future, fn, args))
        return future

    def close(self) -> None:
        """Cancel the calls not started; the ones in progress end on their own, unwaited."""
        while True:
            try:
                call = self._calls.get_nowait()
            except queue.Empty:
                break
            if call is not None:
                call[0].cancel()
        for _ in self._threads:
            self._calls.put(None)

    def _work(self) -> None:
        while (call := self._calls.get()) is not None:
            future, fn, args = call
            if not future.set_running_or_notify_cancel():
                continue
            _count(1)
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to whoever waits for it
                future.set_exception(exc)
            else:
                future.set_result(result)
            finally:
                _count(-1)
