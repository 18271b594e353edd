"""The engine runtime: it runs what the plan decided, and for an injected engine what the options say."""

from __future__ import annotations

from pathlib import Path

from longscribe.engines import FakeEngine
from longscribe.options import TranscribeOptions
from longscribe.pipeline.engine_runtime import INJECTED_BATCH_SIZE, EngineRuntime
from longscribe.placement.hardware import detect
from machines import linux

HW = detect(linux())


def test_the_runtime_runs_the_plans_batch_and_workers_and_an_injected_engine_the_options(tmp_path: Path) -> None:
    runtime = EngineRuntime(
        TranscribeOptions(model="tiny.en", cache_dir=str(tmp_path / "cache"), batch_size=3), hardware=HW
    )
    runtime.load()
    assert runtime.plan is not None
    assert (runtime.batch_size, runtime.workers) == (3, runtime.plan.placement.workers)
    runtime.unload()
    injected = EngineRuntime(TranscribeOptions(), engine=FakeEngine())
    assert (injected.batch_size, injected.workers, injected.plan) == (INJECTED_BATCH_SIZE, 1, None)
    assert injected.decoding(TranscribeOptions()).beam_size == 5
