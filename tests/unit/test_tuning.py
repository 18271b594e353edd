"""Autotune's choice logic with injected timings, its cache, and how transcribe applies it."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_hardware import linux  # noqa: E402  (tests/unit is on sys.path)

from longscribe.hardware import detect
from longscribe.selection import place
from longscribe.tuning import Config, apply_tuned, load_tuned, save_tuned, tune

HW = detect(linux())  # 4 physical cores, int8 / int8_float32 / float32


def fake_run(config: Config) -> tuple[float, str]:
    """Faster with more workers, smaller beams and float32 slower; beam 1 changes the text."""
    seconds = 10.0 / config.workers * (1.5 if config.compute_type == "float32" else 1.0)
    seconds *= {5: 1.0, 3: 0.8, 1: 0.6}[config.beam_size] * (1.0 - 0.02 * config.batch_size)
    text = "a b c d e f g h i j" if config.beam_size > 1 else "a b c d e f g h i x"
    return seconds, text


def word_error(ref: str, hyp: str) -> float:
    r, h = ref.split(), hyp.split()
    return sum(a != b for a, b in zip(r, h)) / len(r)


def test_the_fastest_configuration_within_tolerance_wins() -> None:
    result = tune(HW, place(HW), fake_run, word_error)
    assert result.reference == Config("int8", 1, 4, 1, 5)
    assert result.best == Config("int8", 4, 1, 8, 3), "beam 1 is faster but changes 10 % of the words"
    assert result.speedup > 4
    assert all(t.wer > 0.003 for t in result.trials if t.config.beam_size == 1)


def test_results_are_cached_per_hardware_model_and_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGSCRIBE_CACHE_DIR", str(tmp_path))
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"x" * 10)
    result = tune(HW, place(HW), fake_run, word_error)
    save_tuned(HW, str(model), "ct2", result)
    assert load_tuned(HW, str(model), "ct2")["best"]["workers"] == 4  # type: ignore[index]
    assert load_tuned(HW, str(model), "mlx") is None
    other = detect(linux(logical_cores=lambda: 2, cpuinfo=lambda: "model name : Other CPU\nflags : avx2\n"))
    assert load_tuned(other, str(model), "ct2") is None


def test_flags_win_over_tuned_values() -> None:
    tuned = tune(HW, place(HW), fake_run, word_error).as_dict()
    placement, beam = apply_tuned(place(HW), tuned, flags={})
    assert (placement.workers, placement.threads, placement.batch_size, beam) == (4, 1, 8, 3)
    assert "tuned on this machine" in placement.reasons[-1]
    kept, beam = apply_tuned(place(HW, batch_size=3), tuned, flags={"batch_size": 3, "beam_size_set": True})
    assert kept.batch_size == 3 and beam is None
