"""TranscribeOptions: every knob in one frozen dataclass, validated once.

Variants are made with :func:`dataclasses.replace`, which validates again.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from longscribe.errors import OptionsError

Task = Literal["transcribe", "translate"]
DEVICES = ("auto", "cpu", "cuda", "metal", "mlx-cpu")
QUALITIES = ("fast", "balanced", "best")
COMPUTE_TYPES = (
    "auto",
    "default",
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float16",
    "bfloat16",
    "float32",
)
TIMESTAMPS = ("aligned", "decoded")
MAX_CHUNK_SECONDS = 30.0
DECODED_CHUNK_SECONDS = 24.0
"""With decoded timestamps Whisper drops the last phrase of a window filled to 30 s; 6 s of
headroom stops that (base, long-form English file: WER 9.6 % at 30 s, 4.8 % at 24 s, before
tails are decoded again). Decoding text only, it does not: chunks fill the whole window."""


@dataclass(frozen=True)
class VadOptions:
    """Silero VAD settings (same meaning as silero-vad's / faster-whisper's)."""

    threshold: float = 0.5
    min_speech_ms: int = 0
    min_silence_ms: int = 1000
    speech_pad_ms: int = 400

    def validate(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise OptionsError(f"VAD threshold must be in (0, 1), got {self.threshold}")
        for name in ("min_speech_ms", "min_silence_ms", "speech_pad_ms"):
            if getattr(self, name) < 0:
                raise OptionsError(f"VAD {name} must be >= 0")


@dataclass(frozen=True)
class TranscribeOptions:
    """Everything that shapes a transcription. Defaults live here and nowhere else."""

    model: str = "base"
    """A name (tiny.en, base, ...), a model dir, a hub id, or "auto" (see quality, deadline)."""
    device: str | None = None
    """auto, cpu, cuda, cuda:N, metal or mlx-cpu (MLX's CPU backend); None: $LONGSCRIBE_DEVICE, else auto."""
    compute_type: str | None = None
    """None: $LONGSCRIBE_COMPUTE_TYPE, else the best for the device."""
    quality: str = "balanced"
    """With model="auto": fast, balanced or best (speed the model must reach)."""
    deadline_seconds: float | None = None
    """With model="auto": finish the input within this many seconds."""
    cpu_threads: int = 0
    """CTranslate2 intra-op threads per worker; 0 = chosen (cores / workers)."""
    workers: int | None = None
    """Concurrent engine calls (CTranslate2 inter-op workers); None = chosen for the device."""
    language: str | None = None
    task: Task = "transcribe"
    beam_size: int = 5
    best_of: int = 5
    patience: float = 1.0
    length_penalty: float = 1.0
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    compression_ratio_threshold: float | None = 2.4
    log_prob_threshold: float | None = -1.0
    no_speech_threshold: float | None = 0.6
    condition_on_previous_text: bool = False
    initial_prompt: str | None = None
    word_timestamps: bool = False
    timestamps: str = "aligned"
    """How segments get their times. "aligned": Whisper decodes text only (no timestamp
    tokens), chunks fill its 30 s window, and words are timed by cross-attention alignment,
    then grouped into sentences; "decoded": Whisper's own timestamp tokens cut the segments
    (chunks stop at 24 s, where Whisper still finishes its last phrase). Aligned is faster
    and more accurate on the long-form files (docs/benchmarks.md). Fixed windows
    (``vad=False``) always use decoded timestamps."""
    vad: bool = True
    vad_options: VadOptions = field(default_factory=VadOptions)
    speech_guard: bool = True
    """Drop text the model puts where VAD heard no speech (Whisper invents "Thank you." in silence)."""
    chunk_seconds: float | None = None
    """Longest VAD chunk; None: 30 s with aligned timestamps, 24 s with decoded ones."""
    overlap_seconds: float = 6.0
    """Only without VAD: overlap between neighbouring 30 s windows; it must be longer
    than the tail Whisper may drop at a window's end."""
    batch_size: int | None = None
    """Chunks per engine call; None: chosen for the device (GPU: from free memory)."""
    use_tuning: bool = True
    """Apply this machine's ``longscribe tune`` result (for knobs not set explicitly; beam only when 5)."""
    seed: int = 0
    """Seeds temperature-fallback sampling, so reruns give the same text."""
    ray: str | None = None
    """Run on Ray: "local" (start one here), "auto" (the running cluster) or a cluster address."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not self.model:
            raise OptionsError("model must not be empty")
        if self.device is not None and not re.fullmatch(r"(auto|cpu|metal|mlx-cpu|cuda(:\d+)?)", self.device):
            raise OptionsError(f"device must be auto, cpu, cuda, cuda:N, metal or mlx-cpu, got {self.device!r}")
        if self.quality not in QUALITIES:
            raise OptionsError(f"quality must be one of {', '.join(QUALITIES)}, got {self.quality!r}")
        if self.deadline_seconds is not None and self.deadline_seconds <= 0:
            raise OptionsError("deadline must be positive")
        if self.compute_type is not None and self.compute_type not in COMPUTE_TYPES:
            raise OptionsError(f"compute type must be one of {', '.join(COMPUTE_TYPES)}, got {self.compute_type!r}")
        if self.task not in ("transcribe", "translate"):
            raise OptionsError(f"task must be transcribe or translate, got {self.task!r}")
        if self.language is not None and not (2 <= len(self.language) <= 3 and self.language.isalpha()):
            raise OptionsError(f"language must be a language code such as 'en', got {self.language!r}")
        for name in ("beam_size", "best_of", "batch_size", "workers"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise OptionsError(f"{name.replace('_', ' ')} must be >= 1")
        if self.cpu_threads < 0:
            raise OptionsError("cpu threads must be >= 0")
        if self.patience <= 0:
            raise OptionsError("patience must be > 0")
        if not self.temperatures or any(t < 0 for t in self.temperatures):
            raise OptionsError("temperatures must be a non-empty list of values >= 0")
        if list(self.temperatures) != sorted(self.temperatures):
            raise OptionsError("temperatures must be increasing")
        if self.timestamps not in TIMESTAMPS:
            raise OptionsError(f"timestamps must be aligned or decoded, got {self.timestamps!r}")
        if self.chunk_seconds is not None and not 1.0 <= self.chunk_seconds <= MAX_CHUNK_SECONDS:
            raise OptionsError(f"chunk length must be within 1..{MAX_CHUNK_SECONDS:g} s")
        if not 1.0 <= self.overlap_seconds <= MAX_CHUNK_SECONDS / 3:
            raise OptionsError(f"window overlap must be within 1..{MAX_CHUNK_SECONDS / 3:g} s")
        self.vad_options.validate()
        if self.ray is not None and not self.ray.strip():
            raise OptionsError("ray: give auto, local or a cluster address")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def aligned(self) -> bool:
        """Text-only decoding timed by alignment (VAD chunks only: fixed windows stitch on decoded times)."""
        return self.timestamps == "aligned" and self.vad

    @property
    def chunk_limit(self) -> float:
        """The longest VAD chunk, in seconds."""
        if self.chunk_seconds is not None:
            return self.chunk_seconds
        return MAX_CHUNK_SECONDS if self.aligned else DECODED_CHUNK_SECONDS

    @property
    def needs_alignment(self) -> bool:
        """Word timings are needed for aligned segments, and to stitch overlapping windows."""
        return self.word_timestamps or self.aligned or not self.vad
