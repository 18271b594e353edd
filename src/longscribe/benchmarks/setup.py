"""What a ``longscribe bench`` run will do, checked before anything starts: inputs, runs, time and memory.

Each run's time and peak memory are estimated from the audio's length, the
model and the cores here, by the rates measured on the development machine
(docs/benchmarks.md); a run whose peak would not fit in the memory available
is refused up front instead of being killed by the kernel an hour in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from longscribe.audio import AudioStream, check_input
from longscribe.errors import InputError, LongscribeError, OptionsError
from longscribe.models.catalog import BY_NAME

BASELINES = {
    "sequential": "faster-whisper sequential",
    "batched": "faster-whisper batched",
    "batched-tuned": "faster-whisper batched, longscribe's malloc settings",
}
"""``--baselines`` names -> run names. ``batched-tuned`` runs the batched pipeline with the
malloc settings the ``longscribe`` command applies to itself (:mod:`longscribe.memory`; not
what faster-whisper's users run; for a like-for-like comparison), the others without them."""
MAX_REPEATS = 20


@dataclass(frozen=True)
class Cost:
    """How one kind of run scales: base on two cores (docs/benchmarks.md, the 10 / 31 / 266-minute runs)."""

    speed: float
    """Times real time."""
    fixed_mib: float
    mib_per_minute: float
    """Memory that grows with the audio (faster-whisper holds the whole file and its features)."""


COSTS = {
    "sequential": Cost(13.5, 400.0, 52.0),
    "batched": Cost(40.0, 1000.0, 9.6),
    "batched-tuned": Cost(45.0, 1000.0, 9.6),
    "longscribe": Cost(55.0, 800.0, 0.0),
    "longscribe --diarize": Cost(36.0, 850.0, 0.0),
}
REFERENCE_MODEL = "base"
REFERENCE_CORES = 2


@dataclass(frozen=True)
class Estimate:
    name: str
    minutes: float
    """Wall time of one run."""
    peak_mib: float


@dataclass
class BenchSetup:
    file: Path
    reference: Path
    model: str = "base"
    language: str = "en"
    limit: float | None = None
    """Seconds from the start; cut in the pause before it when the reference is timed."""
    configs: list[str] = field(default_factory=list)
    baselines: tuple[str, ...] = ("sequential", "batched")
    """faster-whisper pipelines to run (none: only longscribe)."""
    repeats: int = 1
    """Runs of each, interleaved round by round; the median (by transcription time) is reported."""

    def validate(self) -> None:
        """Raise, naming the file or the option, for anything that would fail later (or never finish)."""
        check_input(self.file)
        if not self.reference.exists():
            raise InputError(str(self.reference), "no such reference file")
        if not self.reference.is_file():
            raise InputError(str(self.reference), "the reference must be a text file or a *.segments.tsv")
        try:
            with open(self.reference, encoding="utf-8") as f:
                f.read(1)
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(str(self.reference), f"cannot read the reference ({exc})") from exc
        if self.limit is not None:
            if not math.isfinite(self.limit) or self.limit <= 0:
                raise OptionsError(f"--limit must be a positive number of seconds, got {self.limit:g}", "limit")
            if not self.reference.name.endswith(".segments.tsv"):
                raise OptionsError(f"{self.reference}: --limit needs a timed reference (*.segments.tsv)", "limit")
        if not (2 <= len(self.language) <= 3 and self.language.isalpha()):
            raise OptionsError(f"--language must be a language code such as 'en', got {self.language!r}", "language")
        self.check_baselines()
        if not 1 <= self.repeats <= MAX_REPEATS:
            raise OptionsError(f"--repeat must be within 1..{MAX_REPEATS}, got {self.repeats}", "repeats")
        if not self.model.strip():
            raise OptionsError("--model must not be empty", "model")

    def check_baselines(self) -> None:
        unknown = [b for b in self.baselines if b not in BASELINES]
        if unknown:
            raise OptionsError(f"unknown baseline {unknown[0]!r} ({', '.join(BASELINES)})", "baselines")

    def audio_seconds(self) -> float:
        """How much audio each run transcribes (what the container announces, cut at ``limit``)."""
        with AudioStream(self.file) as stream:
            total = (stream.expected_samples or 0) / 16_000
        return min(total, self.limit) if self.limit else total

    def runs(self) -> list[str]:
        return [*self.baselines, "longscribe", *(f"longscribe {c}" for c in self.configs)]


def estimate(setup: BenchSetup, audio_seconds: float, physical_cores: int) -> list[Estimate]:
    """Each run's rough wall time and peak memory on this machine."""
    spec, reference = BY_NAME.get(setup.model), BY_NAME[REFERENCE_MODEL]
    model_speed = spec.cpu_speed / reference.cpu_speed if spec else 1.0
    cores = max(1, physical_cores) / REFERENCE_CORES
    minutes = audio_seconds / 60
    out = []
    for name in setup.runs():
        kind = (
            ("longscribe --diarize" if "--diarize" in name else "longscribe") if name.startswith("longscribe") else name
        )
        cost = COSTS[kind]
        wall = audio_seconds / (cost.speed * model_speed * cores) / 60
        out.append(Estimate(BASELINES.get(name, name), wall, cost.fixed_mib + cost.mib_per_minute * minutes))
    return out


def check_memory(estimates: list[Estimate], available_bytes: int, audio_seconds: float) -> None:
    """Refuse a run whose estimated peak does not fit in the memory available now."""
    available_mib = available_bytes / 2**20
    for e in estimates:
        if available_bytes and e.peak_mib > 0.9 * available_mib:
            raise LongscribeError(
                f"{e.name} would need ~{e.peak_mib / 1024:.1f} GiB for {audio_seconds / 60:.0f} min of audio and"
                f" {available_mib / 1024:.1f} GiB are available: leave it out (--baselines) or bench less (--limit)"
            )
