"""Autotune's choice logic with injected timings, its cache, and how transcribe applies it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from longscribe.options import TranscribeOptions
from longscribe.placement.hardware import detect
from longscribe.placement.placing import place
from longscribe.placement.tuning import Config, Run, apply_tuned, load_tuned, repeats_for, save_tuned, tune
from longscribe.types import SAMPLE_RATE
from machines import linux

HW = detect(linux())  # 4 physical cores, int8 / int8_float32 / float32


SAMPLE_CHUNKS = 4
RUNS: list[tuple[Config, int]] = []


def fake_run(config: Config, repeats: int) -> Run:
    """Faster with more workers, smaller beams and float32 slower; beam 1 changes the text.

    Like the real pipeline, a worker with less than a full batch to do idles: the time per
    pass is only this good when every worker gets full batches.
    """
    RUNS.append((config, repeats))
    seconds = 10.0 / config.workers * (1.5 if config.compute_type == "float32" else 1.0)
    seconds *= {5: 1.0, 3: 0.8, 1: 0.6}[config.beam_size] * (1.0 - 0.02 * config.batch_size)
    chunks = SAMPLE_CHUNKS * repeats
    busy = min(config.workers, -(-chunks // config.batch_size))
    seconds *= repeats * config.workers / busy
    text = "a b c d e f g h i j" if config.beam_size > 1 else "a b c d e f g h i x"
    return Run(seconds, " ".join([text] * repeats), chunks)


def word_error(ref: str, hyp: str) -> float:
    r, h = ref.split(), hyp.split()
    return sum(a != b for a, b in zip(r, h)) / len(r)


def test_the_fastest_configuration_within_tolerance_wins() -> None:
    result = tune(HW, place(HW), fake_run, word_error)
    assert result.reference == Config("int8", 1, 4, 1, 5)
    assert result.best == Config("int8", 4, 1, 8, 3), "beam 1 is faster but changes 10 % of the words"
    assert result.speedup > 4
    assert all(t.wer > 0.003 for t in result.trials if t.config.beam_size == 1)
    assert all(t.wer == 0.0 for t in result.trials if t.config.beam_size > 1), "repeated text against repeated text"


def test_every_worker_gets_two_full_batches_of_the_repeated_sample() -> None:
    RUNS.clear()
    result = tune(HW, place(HW), fake_run, word_error)
    assert RUNS[0] == (result.reference, 1), "the reference runs the sample once"
    for config, repeats in RUNS[1:]:
        assert repeats == repeats_for(config, SAMPLE_CHUNKS)
        assert SAMPLE_CHUNKS * repeats >= min(2 * config.workers * config.batch_size, 8 * SAMPLE_CHUNKS)
    assert repeats_for(Config("int8", 4, 1, 8, 5), SAMPLE_CHUNKS) == 8, "capped"
    assert repeats_for(Config("int8", 1, 4, 1, 5), SAMPLE_CHUNKS) == 1


def test_passes_of_the_sample_are_separated_by_silence(tmp_path: Path) -> None:
    from longscribe.audio import AudioStream
    from longscribe.placement.tuning import PASS_GAP_SECONDS, SAMPLE, SamplePasses

    with SamplePasses(SAMPLE) as passes:
        once, thrice = passes.get(1), passes.get(3)
        with AudioStream(once) as a, AudioStream(thrice) as b:
            one = np.concatenate(list(a.windows(SAMPLE_RATE * 60)))
            three = np.concatenate(list(b.windows(SAMPLE_RATE * 60)))
    gap = int(PASS_GAP_SECONDS * SAMPLE_RATE)
    assert three.shape[0] == 3 * one.shape[0] + 2 * gap
    second = one.shape[0] + gap
    assert np.array_equal(three[second : second + one.shape[0]], one)
    assert not np.any(three[one.shape[0] : second])
    assert not once.exists(), "temporary files are removed"


def test_results_are_cached_per_hardware_model_and_engine(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"x" * 10)
    result = tune(HW, place(HW), fake_run, word_error)
    save_tuned(HW, str(model), "ct2", result, tmp_path)
    assert load_tuned(HW, str(model), "ct2", tmp_path)["best"]["workers"] == 4  # type: ignore[index]
    assert load_tuned(HW, str(model), "mlx", tmp_path) is None
    other = detect(linux(logical_cores=lambda: 2, cpuinfo=lambda: "model name : Other CPU\nflags : avx2\n"))
    assert load_tuned(other, str(model), "ct2", tmp_path) is None
    (tmp_path / "tuning.json").write_text("[1, 2]")
    assert load_tuned(HW, str(model), "ct2", tmp_path) is None, "a damaged cache is no tuning, not a crash"


def test_tuning_sets_speed_knobs_left_open_and_text_knobs_only_when_asked() -> None:
    tuned = tune(HW, place(HW), fake_run, word_error).as_dict()
    assert tuned["best"]["beam_size"] == 3
    tuned["best"]["compute_type"] = "int8_float32"  # as if it had been faster here
    speed, beam = apply_tuned(place(HW), tuned, TranscribeOptions())
    assert (speed.workers, speed.threads, speed.batch_size, speed.compute_type, beam) == (4, 1, 8, "int8", None)
    assert "tuned on this machine" in speed.reasons[-1]
    asked, beam = apply_tuned(place(HW), tuned, TranscribeOptions(use_tuning=True))
    assert (asked.compute_type, beam) == ("int8_float32", 3)


def test_values_given_are_never_overridden_by_tuning() -> None:
    tuned = tune(HW, place(HW), fake_run, word_error).as_dict()
    given = TranscribeOptions(use_tuning=True, batch_size=3, beam_size=5, workers=2, compute_type="int8")
    kept, beam = apply_tuned(place(HW, batch_size=3, workers=2, compute_type="int8"), tuned, given)
    assert (kept.batch_size, kept.workers, kept.compute_type, beam) == (3, 2, "int8", None)


def test_a_variant_decodes_with_its_own_beam_size_and_others_with_the_plans() -> None:
    from longscribe.placement.plan import RunPlan

    run = RunPlan(model=None, placement=place(HW), beam_size=3, cache=Path("."))  # type: ignore[arg-type]
    assert run.decoding(TranscribeOptions()).beam_size == 3
    assert run.decoding(TranscribeOptions(beam_size=1)).beam_size == 1
