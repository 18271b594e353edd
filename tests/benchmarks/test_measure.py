"""Peak RSS of a child is its own, even when the parent is large (as a test run with models loaded is)."""

from __future__ import annotations

import sys

from longscribe.benchmarks.measure import run_measured

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
    from longscribe.benchmarks.runner import RunResult, median_run

    def run(seconds: float) -> RunResult:
        return RunResult("x", 100.0, 0.1, seconds, round(100.0 / seconds, 2), 500, 0.05, 0.02, "cmd")

    picked = median_run([run(10.0), run(8.0), run(12.0)])
    assert picked.transcribe_seconds == 10.0 and picked.speeds == [10.0, 12.5, 8.33]
    assert median_run([run(10.0), run(8.0)]).transcribe_seconds == 10.0, "even count: the slower middle one"
    assert median_run([run(9.0)]).speeds == [11.11]


def test_a_variant_is_timed_against_the_default_run_of_its_own_round() -> None:
    from longscribe.benchmarks.runner import RunResult, paired_ratios

    def run(seconds: float, wall: float) -> RunResult:
        return RunResult("x", 100.0, 0.1, seconds, 1.0, 500, 0.05, 0.02, "cmd", wall_seconds=wall)

    # The machine slows down in the second round: both runs of a round see it.
    auto = [run(10.0, 11.0), run(20.0, 22.0), run(10.0, 11.0)]
    diarize = [run(13.0, 15.0), run(25.0, 27.5), run(14.0, 15.4)]
    paired = paired_ratios(diarize, auto)
    assert paired["rounds"] == [1.3, 1.25, 1.4] and paired["median"] == 1.3
    assert paired["whole_rounds"] == [1.364, 1.25, 1.4] and paired["whole_median"] == 1.364
    assert paired_ratios(diarize[:2], auto[:2])["median"] == 1.275, "even count: the middle two's mean"
