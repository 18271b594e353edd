"""Run a command in a fresh process and measure its wall time and peak RSS.

Peak RSS is the kernel's high-water mark of the process's own memory image
(``VmHWM`` in /proc/PID/status, read until it exits). ``ru_maxrss`` from
``wait4`` is not used where /proc exists: Linux carries the parent's RSS at
fork into the child's ``ru_maxrss``, so a child of a big process (a test run
with models loaded) would report the parent's size. Polling every 50 ms can miss a
peak reached in a process's last moments; for transcriptions the peak comes mid-run.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Measured:
    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str


def _vm_hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def peak_rss_mib(pid: int) -> float:
    """A running process's peak resident memory so far, in MiB (0 where /proc does not say)."""
    return _vm_hwm(pid) / 2**20


def percentile(values: Sequence[float], q: float) -> float:
    """The value at quantile ``q`` (0-1) of ``values``, the nearest rank (NaN when there are none)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None) -> Measured:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _vm_hwm(proc.pid))
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if not os.path.exists("/proc/self/status"):
            peak = usage.ru_maxrss  # macOS: bytes there, and no /proc
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, wall, peak, out.read(), err.read())
