"""The run plan, the one place a run's model, placement and beam size are decided (and a cluster's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from longscribe.options import TranscribeOptions
from longscribe.placement import plan
from longscribe.placement.actors import cluster_plan
from longscribe.placement.hardware import detect
from longscribe.placement.placing import place
from longscribe.placement.tuning import Config, Run, TuneResult, save_tuned, tune
from machines import linux

HW = detect(linux())  # 4 physical cores, 8 logical, no GPU


@pytest.fixture
def cache(tmp_path: Path) -> str:
    return str(tmp_path / "cache")


def test_defaults_come_from_placement_and_the_options_default_beam(cache: str) -> None:
    run = plan(TranscribeOptions(model="tiny.en", cache_dir=cache), HW)
    assert run.placement == place(HW, model_bytes=run.model.model_bytes)
    assert run.beam_size == TranscribeOptions().beam == 5
    assert run.reasons[0] == "model tiny.en: as asked"
    assert run.decoding(TranscribeOptions()).beam_size == 5


def test_what_is_asked_is_what_is_planned(cache: str) -> None:
    asked = TranscribeOptions(model="tiny.en", cache_dir=cache, beam_size=2, batch_size=3, workers=1, cpu_threads=2)
    run = plan(asked, HW)
    assert (run.beam_size, run.placement.batch_size, run.placement.workers, run.placement.threads) == (2, 3, 1, 2)


def _tuned(cache: str, beam: int) -> None:
    def fake_run(config: Config, repeats: int) -> Run:
        faster = {1: 1.0, 2: 0.5, 4: 0.4, 8: 0.3}.get(config.workers, 1.0)
        text = "a b c" if config.beam_size == beam or config.beam_size == 5 else "a b x"
        return Run(10.0 * faster * (0.5 if config.beam_size == beam else 1.0), text, 4 * repeats)

    result: TuneResult = tune(HW, place(HW), fake_run, lambda ref, hyp: 0.0 if ref == hyp else 1.0)
    run = plan(TranscribeOptions(model="tiny.en", cache_dir=cache), HW)
    save_tuned(HW, run.model.path, run.placement.engine, result, Path(cache))


def test_a_tuned_machine_sets_speed_always_and_the_beam_only_when_asked(cache: str) -> None:
    _tuned(cache, beam=3)
    speed = plan(TranscribeOptions(model="tiny.en", cache_dir=cache), HW)
    assert speed.tuned is not None and "tuned on this machine" in speed.reasons[-1]
    best = speed.tuned["best"]
    default = place(HW)
    assert (best["workers"], best["batch_size"]) != (default.workers, default.batch_size), "the test needs a change"
    assert (speed.placement.workers, speed.placement.batch_size) == (best["workers"], best["batch_size"])
    assert speed.beam_size == 5, "the beam changes words: tuned only with use_tuning"
    assert plan(TranscribeOptions(model="tiny.en", cache_dir=cache, use_tuning=True), HW).beam_size == best["beam_size"]
    given = plan(TranscribeOptions(model="tiny.en", cache_dir=cache, use_tuning=True, beam_size=4, workers=1), HW)
    assert (given.beam_size, given.placement.workers) == (4, 1)


def test_model_auto_picks_a_model_and_says_why(cache: str) -> None:
    run = plan(TranscribeOptions(model="auto", cache_dir=cache, quality="fast"), HW, audio_seconds=600)
    assert run.model.name != "auto" and run.model_reason
    assert run.reasons[0].startswith(f"model {run.model.name}: ")


def test_a_cluster_plan_has_one_worker_per_actor_and_the_smallest_batch_unless_one_is_given(cache: str) -> None:
    run = plan(TranscribeOptions(model="tiny.en", cache_dir=cache), HW)
    actors = [
        {"node": "a", "device": "cpu", "compute_type": "int8", "batch_size": 8},
        {"node": "a", "device": "cpu", "compute_type": "int8", "batch_size": 4},
        {"node": "b", "device": "cpu", "compute_type": "int8", "batch_size": 8},
    ]
    cluster = cluster_plan(run, TranscribeOptions(ray="local"), actors)
    assert (cluster.placement.engine, cluster.placement.workers, cluster.placement.batch_size) == ("ray", 3, 4)
    assert cluster.placement.reasons[-1] == "Ray (local): 3 actor(s) on 2 node(s)"
    assert cluster_plan(run, TranscribeOptions(ray="local", batch_size=2), actors).placement.batch_size == 2
    assert cluster.model == run.model and cluster.beam_size == run.beam_size
