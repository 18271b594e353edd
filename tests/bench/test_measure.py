"""Peak RSS of a child is its own, even when the parent is large (as a test run with models loaded is)."""

from __future__ import annotations

import sys

from longscribe.bench.measure import run_measured

MIB = 2**20


def test_child_peak_is_its_own_not_the_parents() -> None:
    ballast = bytearray(600 * MIB)  # the parent's size must not leak into the child's figure
    ballast[::4096] = b"x" * len(ballast[::4096])
    # The child holds its peak for a moment: VmHWM is polled every 50 ms until the process exits.
    child = "import time; x = bytearray(200 * 2**20); x[::4096] = b'x' * len(x[::4096]); time.sleep(0.3)"
    run = run_measured([sys.executable, "-c", child])
    assert run.returncode == 0
    assert 200 * MIB < run.peak_rss_bytes < 400 * MIB
    del ballast


def test_the_median_repeat_is_reported_with_every_speed() -> None:
    from longscribe.bench.runner import RunResult, median_run

    def run(seconds: float) -> RunResult:
        return RunResult("x", 100.0, 0.1, seconds, round(100.0 / seconds, 2), 500, 0.05, 0.02, "cmd")

    picked = median_run([run(10.0), run(8.0), run(12.0)])
    assert picked.transcribe_seconds == 10.0 and picked.speeds == [10.0, 12.5, 8.33]
    assert median_run([run(10.0), run(8.0)]).transcribe_seconds == 10.0, "even count: the slower middle one"
    assert median_run([run(9.0)]).speeds == [11.11]
