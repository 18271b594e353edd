"""Real processes killed at real points: what a job store holds, and a kill when a condition is met."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def committed(out: Path) -> dict[int, float]:
    db = out / ".longscribe" / "jobs.sqlite"
    if not db.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return dict(conn.execute("SELECT idx, committed FROM chunks").fetchall())
    except sqlite3.OperationalError:
        return {}


def kill_when(
    proc: subprocess.Popen[str], ready: Callable[[], bool], sig: int = signal.SIGKILL, within: float | None = None
) -> float:
    """Send ``sig`` once ``ready()`` holds; the wall-clock time by which the process had ended.

    A chunk whose commit the kill interrupted after its WAL frames were written can be invisible
    to a reader until the next writer opens the store and recovers it, so what ``committed`` saw
    just after the kill is a lower bound: the chunks committed before this time are the truth.
    With ``within``, the process must have ended that many seconds after the signal.
    """
    deadline = time.monotonic() + 300
    while not ready():
        assert proc.poll() is None, f"finished before the kill point: {proc.communicate()[1]}"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sent = time.monotonic()
    proc.send_signal(sig)
    proc.wait(60)
    took = time.monotonic() - sent
    assert within is None or took <= within, f"ended {took:.1f} s after the signal, not within {within} s"
    return time.time()


def committed_before(out: Path, killed_at: float) -> dict[int, float]:
    """The chunks of ``out``'s store committed before ``killed_at`` (read after a rerun recovered it)."""
    return {i: t for i, t in committed(out).items() if t <= killed_at}
