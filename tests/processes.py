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


def kill_when(proc: subprocess.Popen[str], ready: Callable[[], bool], sig: int = signal.SIGKILL) -> None:
    deadline = time.monotonic() + 300
    while not ready():
        assert proc.poll() is None, f"finished before the kill point: {proc.communicate()[1]}"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(sig)
    proc.wait(60)
