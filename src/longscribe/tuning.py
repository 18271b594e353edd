"""``longscribe tune``: find the fastest configuration on this machine that keeps the text.

On a real-speech sample (60-120 s; longscribe ships one), the reference
configuration (beam 5, one worker, batch 1) is decoded first; then one knob
at a time — compute type, workers x threads, batch size, beam size — each
candidate is timed, and kept only if its WER against the reference's own
transcript stays within ``TOLERANCE``. The winner is cached per (hardware,
model, engine) in the user cache; ``transcribe`` applies it unless a flag says
otherwise, and ``devices`` shows it.

A sample of a few chunks cannot show what a batch size does on a long file:
with 4 chunks, 2 workers and batch 4, one worker gets everything. So each
candidate runs on the sample said ``repeats`` times over (separated by
silence, so every pass is chunked alike), enough for every worker to get at
least two full batches, and is timed per pass.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from longscribe.hardware import Hardware
from longscribe.models.resolve import cache_dir
from longscribe.selection import ENV_COMPUTE_TYPE, Placement

log = logging.getLogger(__name__)

TOLERANCE = 0.003  # 0.3 WER points against the reference configuration's transcript
SAMPLE = Path(__file__).parent / "data" / "tune_sample.mp3"


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
        from longscribe.bench.data import write_repeated

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
    parts = [hw.os, hw.arch, hw.cpu.model, str(hw.cpu.physical_cores), ",".join(sorted(hw.cpu.flags))]
    parts += [f"{d.name}:{d.memory_total}" for d in hw.cuda]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def cache_key(hw: Hardware, model_path: str, engine: str) -> str:
    model = Path(model_path) / "model.bin"
    size = model.stat().st_size if model.is_file() else 0
    return f"{hardware_key(hw)}|{Path(model_path).name}:{size}|{engine}"


def _cache_file() -> Path:
    return cache_dir() / "tuning.json"


def load_tuned(hw: Hardware, model_path: str, engine: str) -> dict[str, Any] | None:
    try:
        table = json.loads(_cache_file().read_text())
    except (OSError, ValueError):
        return None
    entry = table.get(cache_key(hw, model_path, engine))
    return entry if isinstance(entry, dict) else None


def save_tuned(hw: Hardware, model_path: str, engine: str, result: TuneResult) -> Path:
    path = _cache_file()
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


def with_tuning(
    hw: Hardware,
    placement: Placement,
    model_path: str,
    *,
    compute_type: str | None,
    workers: int | None,
    batch_size: int | None,
    beam_size_set: bool,
    env: Mapping[str, str],
) -> tuple[Placement, int | None, dict[str, Any] | None]:
    """The cached tuning for this hardware/model/engine applied to ``placement`` (knobs given explicitly win).

    Returns the placement, the tuned beam size (None when not to apply) and the cache entry (None if untuned).
    """
    tuned = load_tuned(hw, model_path, placement.engine)
    if tuned is None:
        return placement, None, None
    flags = {
        "compute_type": compute_type or env.get(ENV_COMPUTE_TYPE),
        "workers": workers,
        "batch_size": batch_size,
        "beam_size_set": beam_size_set,
    }
    placement, beam = apply_tuned(placement, tuned, flags=flags)
    return placement, beam, tuned


def apply_tuned(placement: Placement, tuned: dict[str, Any], *, flags: dict[str, Any]) -> tuple[Placement, int | None]:
    """The placement with the tuned knobs the user did not set; also the tuned beam size (or None if set)."""
    best = tuned["best"]
    changes: dict[str, Any] = {}
    if flags.get("compute_type") is None:
        changes["compute_type"] = best["compute_type"]
    if flags.get("workers") is None:
        changes["workers"], changes["threads"] = best["workers"], best["threads"]
    if flags.get("batch_size") is None:
        changes["batch_size"] = best["batch_size"]
    reason = f"tuned on this machine ({tuned.get('date', '?')}): {Config(**best).label()}, {tuned.get('speedup', 1)}x"
    placement = replace(placement, **changes, reasons=(*placement.reasons, reason))
    return placement, None if flags.get("beam_size_set") else int(best["beam_size"])
