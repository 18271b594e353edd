"""``longscribe tune``: find the fastest configuration on this machine that keeps the text.

On a real-speech sample the reference configuration (beam 5, one worker, batch 1) is
decoded first; then one knob at a time (compute type, workers x threads, batch, beam) each
candidate is timed and kept only if its WER against the reference's own transcript stays
within ``TOLERANCE``. The winner is cached per hardware, model and engine. Each candidate
hears the sample said ``repeats`` times over, so that every worker gets full batches, and is
timed per pass: a few chunks alone would make any batch look slow. Runs take its speed knobs
whenever not given, and its compute type and beam (which change words) only when asked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from longscribe.audio.wav import write_repeated
from longscribe.options import TranscribeOptions
from longscribe.placement.hardware import Hardware
from longscribe.placement.placing import Placement

log = logging.getLogger(__name__)

TOLERANCE = 0.003  # 0.3 WER points against the reference configuration's transcript
SAMPLE = Path(__file__).parents[1] / "data" / "tune_sample.mp3"


@dataclass(frozen=True)
class Config:
    compute_type: str
    workers: int
    threads: int
    batch_size: int
    beam_size: int

    def label(self) -> str:
        threads = f"{self.workers}x{self.threads} threads"
        return f"{self.compute_type}, {threads}, batch {self.batch_size}, beam {self.beam_size}"


@dataclass
class Trial:
    config: Config
    seconds: float
    """Per pass over the sample."""
    wer: float
    """Against the reference configuration's transcript."""
    repeats: int = 1


@dataclass(frozen=True)
class Run:
    """What a runner reports: wall seconds, the text, and how many chunks the input had."""

    seconds: float
    text: str
    chunks: int


@dataclass
class TuneResult:
    best: Config
    reference: Config
    trials: list[Trial] = field(default_factory=list)
    speedup: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "best": asdict(self.best),
            "reference": asdict(self.reference),
            "speedup": round(self.speedup, 2),
            "trials": [
                {
                    "config": asdict(t.config),
                    "seconds": round(t.seconds, 2),
                    "wer": round(t.wer, 4),
                    "passes": t.repeats,
                }
                for t in self.trials
            ],
            "date": time.strftime("%Y-%m-%d"),
        }


Runner = Callable[[Config, int], Run]
"""Transcribe the sample, said this many times over, with a configuration."""
MAX_REPEATS = 8


PASS_GAP_SECONDS = 30.0  # longer than any chunk: passes never share one


class SamplePasses:
    """WAV files of the sample said 1..n times over, written on first use into a temporary folder.

    One pass is a WAV too, so every candidate hears the same samples.
    """

    def __init__(self, sample: Path) -> None:
        self.sample = sample
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> SamplePasses:
        self._dir = tempfile.TemporaryDirectory(prefix="longscribe-tune-")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._dir is not None:
            self._dir.cleanup()

    def get(self, times: int) -> Path:

        assert self._dir is not None, "use SamplePasses as a context manager"
        path = Path(self._dir.name) / f"sample-x{times}.wav"
        if not path.exists():
            write_repeated(self.sample, path, times, PASS_GAP_SECONDS)
        return path


def repeats_for(config: Config, sample_chunks: int) -> int:
    """Passes over the sample that give every worker at least two full batches (at most ``MAX_REPEATS``)."""
    needed = 2 * max(1, config.workers) * config.batch_size
    return max(1, min(MAX_REPEATS, -(-needed // max(1, sample_chunks))))


def axes(hw: Hardware, placement: Placement) -> dict[str, list[Any]]:
    """The values tried for each knob, in the order they are tuned."""
    types: list[str]
    splits: list[tuple[int, int]]
    if placement.device == "cpu":
        types = [t for t in ("int8", "int8_float32", "float32") if t in hw.cpu.compute_types] or ["default"]
        cores = max(1, hw.cpu.physical_cores)
        splits = sorted({(1, cores), (min(2, cores), max(1, cores // 2)), (cores, 1)})
    else:
        types = [t for t in ("float16", "int8_float16", "int8") if t in _gpu_types(hw, placement)] or ["default"]
        splits = [(1, 0), (2, 0)]
    return {"compute_type": types, "split": splits, "batch_size": [1, 2, 4, 8], "beam_size": [5, 3, 1]}


def _gpu_types(hw: Hardware, placement: Placement) -> tuple[str, ...]:
    return next((d.compute_types for d in hw.cuda if d.index == placement.device_index), ())


def tune(hw: Hardware, placement: Placement, run: Runner, wer: Callable[[str, str], float]) -> TuneResult:
    """Coordinate search from the reference configuration; ``run`` and ``wer`` are injected (tests)."""
    grid = axes(hw, placement)
    reference = Config(
        placement.compute_type, 1, max(1, hw.cpu.physical_cores) if placement.device == "cpu" else 0, 1, 5
    )
    first = run(reference, 1)
    ref_seconds, ref_text = first.seconds, first.text
    result = TuneResult(reference, reference, [Trial(reference, ref_seconds, 0.0)])
    best, best_seconds = reference, ref_seconds
    for knob, values in grid.items():
        for value in values:
            if knob == "split":
                candidate = replace(best, workers=value[0], threads=value[1])
            else:
                candidate = replace(best, **{knob: value})
            if any(t.config == candidate for t in result.trials):
                continue
            repeats = repeats_for(candidate, first.chunks)
            timed = run(candidate, repeats)
            seconds = timed.seconds / repeats
            trial = Trial(candidate, seconds, wer(" ".join([ref_text] * repeats), timed.text), repeats)
            result.trials.append(trial)
            log.info(
                "tune: %s -> %.2fs per pass (%d), WER vs reference %.2f%%",
                candidate.label(),
                seconds,
                repeats,
                100 * trial.wer,
            )
            if trial.wer <= TOLERANCE and seconds < best_seconds:
                best, best_seconds = candidate, seconds
    result.best = best
    result.speedup = ref_seconds / best_seconds if best_seconds else 1.0
    return result


# -- cache ----------------------------------------------------------------


def hardware_key(hw: Hardware) -> str:
    parts = [hw.os, hw.arch, hw.cpu.model, str(hw.cpu.physical_cores), ",".join(sorted(hw.cpu.flags)), hw.cpu.isa]
    parts += [f"{d.name}:{d.memory_total}" for d in hw.cuda]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cache_key(hw: Hardware, model_path: str, engine: str) -> str:
    model = Path(model_path) / "model.bin"
    size = model.stat().st_size if model.is_file() else 0
    return f"{hardware_key(hw)}|{Path(model_path).name}:{size}|{engine}"


def _cache_file(cache: Path) -> Path:
    return cache / "tuning.json"


def load_tuned(hw: Hardware, model_path: str, engine: str, cache: Path) -> dict[str, Any] | None:
    """This machine's ``longscribe tune`` result for the model and engine, from ``cache``; None if untuned."""
    try:
        table = json.loads(_cache_file(cache).read_text())
    except (OSError, ValueError):
        return None
    entry = table.get(cache_key(hw, model_path, engine)) if isinstance(table, dict) else None
    return entry if isinstance(entry, dict) and isinstance(entry.get("best"), dict) else None


def save_tuned(hw: Hardware, model_path: str, engine: str, result: TuneResult, cache: Path) -> Path:
    path = _cache_file(cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        table = json.loads(path.read_text())
    except (OSError, ValueError):
        table = {}
    table[cache_key(hw, model_path, engine)] = result.as_dict()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(table, indent=1))
    tmp.replace(path)
    return path


def apply_tuned(
    placement: Placement, tuned: dict[str, Any], options: TranscribeOptions
) -> tuple[Placement, int | None]:
    """The placement with the tuned knobs ``options`` leaves open, and the tuned beam size (None: not taken).

    Workers, threads and batch size change how fast a run is, never a word of it: they are
    taken whenever not given. Compute type and beam size can change the text: they are taken
    only with ``options.use_tuning``.
    """
    best = tuned["best"]
    changes: dict[str, Any] = {}
    if options.workers is None and not options.cpu_threads:
        changes["workers"], changes["threads"] = int(best["workers"]), int(best["threads"])
    if options.batch_size is None:
        changes["batch_size"] = int(best["batch_size"])
    beam = None
    if options.use_tuning:
        if options.compute_type is None:
            changes["compute_type"] = str(best["compute_type"])
        if options.beam_size is None:
            beam = int(best["beam_size"])
    taken = ", ".join(f"{k} {v}" for k, v in changes.items() if k != "threads")
    if beam is not None:
        taken += f", beam size {beam}"
    reason = f"tuned on this machine ({tuned.get('date', '?')}): {taken or 'nothing left open'}"
    return replace(placement, **changes, reasons=(*placement.reasons, reason)), beam
