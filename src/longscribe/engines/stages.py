"""Where an engine's time goes: seconds per stage, summed over calls and worker threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("features", "encode", "language", "decode", "align")


class StageTimes:
    """Thread-safe running totals; with several workers they add up to more than the wall time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self._seconds[name] = self._seconds.get(name, 0.0) + elapsed

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._seconds)


def since(now: dict[str, float], earlier: dict[str, float]) -> dict[str, float]:
    """Seconds per stage between two snapshots."""
    return {k: v - earlier.get(k, 0.0) for k, v in now.items()}
