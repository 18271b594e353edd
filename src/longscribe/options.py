"""TranscribeOptions: every knob in one frozen dataclass, validated once.

Variants are made with :func:`dataclasses.replace`, which validates again. An
invalid value raises :class:`~longscribe.errors.OptionsError` naming the field.
Limits that depend on the machine (cores, memory) are applied when a run is
planned (:mod:`longscribe.placement`), not here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from types import MappingProxyType
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
RAY_AUDIO = ("auto", "arrays")
LANGUAGE_FIRST = "first"
"""``language="first"``: identify the language on the first chunk and keep it for the whole file."""
MAX_CHUNK_SECONDS = 30.0
DECODED_CHUNK_SECONDS = 24.0
"""With decoded timestamps Whisper drops the last phrase of a window filled to 30 s; 6 s of
headroom stops that (docs/benchmarks.md). Decoding text only, it does not: chunks fill the window."""
DEFAULT_BEAM_SIZE = 5
MAX_BEAM = 64
MAX_BATCH = 1024
MAX_WORKERS = 1024
MAX_THREADS = 4096
MAX_TEMPERATURE = 2.0
MAX_VOCABULARY_TERMS = 200
MAX_TERM_CHARS = 100
FORBIDDEN_IN_TERMS = "<>\r\n"
"""A term is a single-line literal: no line breaks, and no angle brackets (Whisper's special tokens)."""


@dataclass(frozen=True)
class VadOptions:
    """Silero VAD settings (same meaning as silero-vad's / faster-whisper's)."""

    threshold: float = 0.5
    min_speech_ms: int = 0
    min_silence_ms: int = 1000
    speech_pad_ms: int = 400

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        _number(self, "threshold", low=0.0, high=1.0, open_low=True, open_high=True)
        for name in ("min_speech_ms", "min_silence_ms", "speech_pad_ms"):
            _integer(self, name, low=0, high=3_600_000)


DIARIZE_MODES = ("speakers", "channels")
MAX_SPEAKERS = 64
DIARIZE_WINDOW_SECONDS = 10.0
"""The diarization models' window: ``hop_seconds`` is at most this."""


@dataclass(frozen=True)
class DiarizeOptions:
    """How speakers are found (``TranscribeOptions.diarize``); validated when made."""

    num_speakers: int | None = None
    """The number of speakers when known; None: estimated (within min..max)."""
    min_speakers: int = 1
    max_speakers: int | None = None
    threshold: float = 0.4
    """Cosine distance under which two voices' clusters merge (when the count is not given)."""
    hop_seconds: float = 2.5
    """Seconds between window starts: smaller is more accurate at speaker changes and slower."""
    min_embed_seconds: float = 0.5
    """Speech of a local speaker alone in a window needed to embed their voice."""
    max_linked: int = 3
    """A window whose one voice goes on from the one voice of the window before (speaking in the same
    places where the two overlap) is linked to it instead of embedded again, at most this many windows
    in a row; 0: every window is embedded. In long turns most windows hear what the one before heard,
    and the embeddings are much of the cost of finding speakers."""
    max_embed_seconds: float | None = 3.0
    """At most this much of a local speaker's speech in a window is embedded, the part nearest the
    window's middle (the cost grows with it; the windows overlap, so the rest is near the middle of
    others); None: all of it."""
    min_turn_seconds: float = 0.1
    min_speaker_seconds: float = 2.0
    """A speaker heard for less in all (when the count is estimated) is merged into the closest others."""
    fill_gap_seconds: float = 0.1
    speaker_names: tuple[str, ...] = ()
    """Names for the speakers in order of first appearance (the rest stay ``SPEAKER_NN``)."""
    models: str | None = None
    """A folder with pyannote-compatible ``segmentation-3.0.onnx`` and ``campplus-cn-en-common.onnx``;
    None: the models in the package."""
    voices: tuple[str, ...] | None = None
    """Name the speakers who sound like voices of the voice library: these voices, or every one (an
    empty tuple); None: none. Unmatched speakers keep ``speaker_names``' names or ``SPEAKER_NN``."""
    voice_library: str | None = None
    """The voice library's folder; None: the user's (``voices`` in the user data directory)."""
    voice_threshold: float = 0.78
    """Cosine similarity a speaker's voice must have with an enrolled voice to take its name (chosen
    on conversations of voices enrolled from other clips: docs/benchmarks.md, "Voices by name")."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        _integer(self, "num_speakers", low=1, high=MAX_SPEAKERS)
        _integer(self, "min_speakers", low=1, high=MAX_SPEAKERS)
        _integer(self, "max_speakers", low=1, high=MAX_SPEAKERS)
        if self.max_speakers is not None and self.max_speakers < self.min_speakers:
            raise OptionsError(
                f"max_speakers ({self.max_speakers}) must not be below min_speakers ({self.min_speakers})",
                "max_speakers",
            )
        _number(self, "threshold", low=0.0, high=2.0, open_low=True, open_high=True)
        _number(self, "hop_seconds", low=0.5, high=DIARIZE_WINDOW_SECONDS)
        _number(self, "min_embed_seconds", low=0.1, high=DIARIZE_WINDOW_SECONDS)
        _integer(self, "max_linked", low=0, high=8)
        if self.max_embed_seconds is not None:  # None: all of it
            _number(self, "max_embed_seconds", low=self.min_embed_seconds, high=DIARIZE_WINDOW_SECONDS)
        for name in ("min_turn_seconds", "min_speaker_seconds", "fill_gap_seconds"):
            _number(self, name, low=0.0, high=3600.0)
        names = self.speaker_names
        if not isinstance(names, tuple) or not all(isinstance(n, str) and n.strip() == n and n for n in names):
            raise OptionsError(f"speaker_names must be non-empty names, got {names!r}", "speaker_names")
        if len(set(names)) != len(names):
            raise OptionsError(f"speaker_names must differ from each other, got {names!r}", "speaker_names")
        if self.models is not None and (not isinstance(self.models, str) or not self.models.strip()):
            raise OptionsError(f"models must be a folder, got {self.models!r}", "models")
        voices = self.voices
        if voices is not None and (
            not isinstance(voices, tuple) or not all(isinstance(n, str) and n.strip() == n and n for n in voices)
        ):
            raise OptionsError(f"voices must be names of enrolled voices, got {voices!r}", "voices")
        if self.voice_library is not None and (
            not isinstance(self.voice_library, str) or not self.voice_library.strip()
        ):
            raise OptionsError(f"voice_library must be a folder, got {self.voice_library!r}", "voice_library")
        _number(self, "voice_threshold", low=0.0, high=1.0, open_low=True)


def speaker_fields(
    diarize: str | None,
    *,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    speaker_names: tuple[str, ...] = (),
    models: str | None = None,
    voices: tuple[str, ...] | None = None,
    voice_library: str | None = None,
    spelled: Callable[[str], str] = str,
) -> dict[str, Any]:
    """``diarize`` and ``diarize_options`` from the speaker settings a front end takes (the command's
    flags, the server's form fields), checked once for both: the counts, names, models and voices
    need ``diarize``, and channels need no models and know no voices. ``spelled`` names a field as
    the front end shows it."""
    given = [
        name
        for name, value in (
            ("num_speakers", num_speakers),
            ("min_speakers", min_speakers),
            ("max_speakers", max_speakers),
            ("speaker_names", speaker_names or None),
            ("diarization_models", models),
            ("voices", voices),
            ("voice_library", voice_library),
        )
        if value is not None
    ]
    if diarize is None:
        if given:
            raise OptionsError(f"{spelled(given[0])} needs {spelled('diarize')}", given[0])
        return {}
    for name in ("diarization_models", "voices", "voice_library"):
        if diarize == "channels" and name in given:
            raise OptionsError(
                f"{spelled(name)} is for {spelled('diarize')} speakers (channels need no models and know no voices)",
                name,
            )
    if voice_library is not None and voices is None:
        raise OptionsError(f"{spelled('voice_library')} needs {spelled('voices')}", "voice_library")
    options = DiarizeOptions(
        num_speakers=num_speakers,
        min_speakers=1 if min_speakers is None else min_speakers,
        max_speakers=max_speakers,
        speaker_names=speaker_names,
        models=models,
        voices=voices,
        voice_library=voice_library,
    )
    return {"diarize": diarize, "diarize_options": options}


@dataclass(frozen=True)
class LiveOptions:
    """How a live stream is cut into utterances and when its words are final (``longscribe.live``).

    The turn-detection names are OpenAI's Realtime ``server_vad`` ones. An utterance starts when the
    speech probability reaches ``threshold`` and ends after ``silence_duration_ms`` below it; while it
    lasts, its audio is decoded again every ``step_seconds`` and a word is final once two decodes in a
    row agree on it (LocalAgreement-2).
    """

    threshold: float = VadOptions.threshold
    prefix_padding_ms: int = 300
    """Audio kept before the detected start of speech."""
    silence_duration_ms: int = 500
    """Silence that ends an utterance."""
    step_seconds: float = 1.0
    """How much new audio comes between two decodes of an utterance still being spoken."""
    partial_beam_size: int = 1
    """The beam of those decodes (greedy: they are many, and two must agree anyway); an utterance's
    last decode, as it ends, uses the transcription's beam."""
    window_seconds: float = 15.0
    """Past this, the decoded window starts again after the last final sentence end (its text becomes
    the prompt), so a decode costs the same in the first minute and the fifth hour."""
    max_lag_seconds: float = 4.0
    """How long audio may wait to be heard before the stream is behind (reported once): the utterance
    being spoken is then not decoded again until it has caught up; its last decode, as it ends, is
    always made."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        _number(self, "threshold", low=0.0, high=1.0, open_low=True, open_high=True)
        _integer(self, "prefix_padding_ms", low=0, high=5_000)
        _integer(self, "silence_duration_ms", low=100, high=10_000)
        _number(self, "step_seconds", low=0.1, high=10.0)
        _integer(self, "partial_beam_size", low=1, high=MAX_BEAM)
        _number(self, "window_seconds", low=2.0, high=25.0)
        _number(self, "max_lag_seconds", low=0.5, high=600.0)

    @property
    def vad(self) -> VadOptions:
        """The VAD settings that find the utterances."""
        return VadOptions(threshold=self.threshold, min_silence_ms=self.silence_duration_ms, speech_pad_ms=0)


def temperature_ladder(start: float = 0.0, step: float = 0.2) -> tuple[float, ...]:
    """Whisper's fallback temperatures: ``start``, then ``step`` more each time, up to 1 (step 0: ``start``
    only). openai-whisper's ``--temperature_increment_on_fallback`` is ``step``; the API's ``temperature``
    is ``start``."""
    if step == 0:
        return (start,)
    steps = int(round((1.0 - start) / step, 6))
    return tuple(round(start + k * step, 3) for k in range(steps + 1)) or (start,)


TEXT: Mapping[str, str] = MappingProxyType({"kind": "text"})
"""A field that can change the words: part of a job's key (a job resumes only with the same values)."""
PLACEMENT: Mapping[str, str] = MappingProxyType({"kind": "placement"})
"""A field that decides what is loaded and where, and how fast it runs: fixed once a model is loaded."""
SPEAKERS: Mapping[str, str] = MappingProxyType({"kind": "speakers"})
"""A field that adds who speaks, per transcription, without changing the words."""
KINDS = (TEXT["kind"], PLACEMENT["kind"], SPEAKERS["kind"])


def fields_of(kind: Mapping[str, str]) -> tuple[str, ...]:
    """The names of :class:`TranscribeOptions`'s fields of this kind, in declaration order."""
    return tuple(f.name for f in fields(TranscribeOptions) if f.metadata.get("kind") == kind["kind"])


@dataclass(frozen=True)
class TranscribeOptions:
    """Everything that shapes a transcription. Defaults live here and nowhere else.

    Every field says what kind it is (:data:`TEXT`, :data:`PLACEMENT` or :data:`SPEAKERS`, in its
    metadata): the job key is made of the ``TEXT`` fields, and a variant of a loaded Transcriber
    (``with_options``) may change any field but the ``PLACEMENT`` ones (:func:`fields_of`)."""

    model: str = field(default="base", metadata=PLACEMENT)
    """A name (tiny.en, base, ...), a model dir, a hub id, or "auto" (see quality, deadline)."""
    device: str | None = field(default=None, metadata=PLACEMENT)
    """auto, cpu, cuda, cuda:N, metal or mlx-cpu (MLX's CPU backend); None: auto."""
    compute_type: str | None = field(default=None, metadata=PLACEMENT)
    """None: the best for the device."""
    quality: str = field(default="balanced", metadata=PLACEMENT)
    """With model="auto": fast, balanced or best (speed the model must reach)."""
    deadline_seconds: float | None = field(default=None, metadata=PLACEMENT)
    """With model="auto": finish the input within this many seconds."""
    cpu_threads: int = field(default=0, metadata=PLACEMENT)
    """CTranslate2 intra-op threads per worker; 0 = chosen (cores / workers)."""
    workers: int | None = field(default=None, metadata=PLACEMENT)
    """Concurrent engine calls (CTranslate2 inter-op workers); None = chosen for the device."""
    language: str | None = field(default=None, metadata=TEXT)
    """A language code (``en``) for the whole file; None (or "auto"): identified for every chunk, each
    stretch of speech decoded in its own language; "first": identified once, on the first chunk."""
    task: Task = field(default="transcribe", metadata=TEXT)
    beam_size: int | None = field(default=None, metadata=TEXT)
    """None: 5 (or the tuned beam size, with ``use_tuning``). A value given is never overridden."""
    best_of: int = field(default=5, metadata=TEXT)
    """Sampled candidates per chunk in a temperature fallback."""
    patience: float = field(default=1.0, metadata=TEXT)
    length_penalty: float = field(default=1.0, metadata=TEXT)
    temperatures: tuple[float, ...] = field(default=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), metadata=TEXT)
    """The first for every chunk; the others, in order, for the chunks the fallback policy retries."""
    compression_ratio_threshold: float | None = field(default=2.4, metadata=TEXT)
    log_prob_threshold: float | None = field(default=-1.0, metadata=TEXT)
    no_speech_threshold: float | None = field(default=0.6, metadata=TEXT)
    condition_on_previous_text: bool = field(default=False, metadata=TEXT)
    initial_prompt: str | None = field(default=None, metadata=TEXT)
    """Text that prompts every chunk (with ``condition_on_previous_text``, the first; the others
    get the previous text)."""
    vocabulary: tuple[str, ...] = field(default=(), metadata=TEXT)
    """Names and jargon, spelled as they should be written: every chunk's prompt starts with them
    (before the initial prompt or the previous text), which biases decoding towards these spellings."""
    word_timestamps: bool = field(default=False, metadata=TEXT)
    timestamps: str = field(default="aligned", metadata=TEXT)
    """How segments get their times. "aligned": Whisper decodes text only (no timestamp
    tokens), chunks fill its 30 s window, and words are timed by cross-attention alignment,
    then grouped into sentences; "decoded": Whisper's own timestamp tokens cut the segments
    (chunks stop at 24 s, where Whisper still finishes its last phrase). Fixed windows
    (``vad=False``) always use decoded timestamps."""
    vad: bool = field(default=True, metadata=TEXT)
    vad_options: VadOptions = field(default_factory=VadOptions, metadata=TEXT)
    speech_guard: bool = field(default=True, metadata=TEXT)
    """Drop text the model puts where VAD heard no speech (Whisper invents "Thank you." in silence)."""
    chunk_seconds: float | None = field(default=None, metadata=TEXT)
    """Longest VAD chunk; None: 30 s with aligned timestamps, 24 s with decoded ones."""
    overlap_seconds: float = field(default=6.0, metadata=TEXT)
    """Only without VAD: overlap between neighbouring 30 s windows; it must be longer
    than the tail Whisper may drop at a window's end."""
    batch_size: int | None = field(default=None, metadata=PLACEMENT)
    """Chunks per engine call; None: chosen for the device (GPU: from free memory)."""
    use_tuning: bool = field(default=False, metadata=PLACEMENT)
    """Let this machine's ``longscribe tune`` result also set beam size and compute type (they can
    change the text). Its workers, threads and batch size are used whenever not given."""
    seed: int = field(default=0, metadata=TEXT)
    """Seeds temperature-fallback sampling, so reruns give the same text."""
    ray: str | None = field(default=None, metadata=PLACEMENT)
    """Run on Ray: "local" (start one here), "auto" (the running cluster) or a cluster address."""
    ray_audio: str = field(default="auto", metadata=PLACEMENT)
    """On Ray: "auto" lets actors that can read the input themselves get chunk spans only; "arrays"
    always sends the samples."""
    cache_dir: str | None = field(default=None, metadata=PLACEMENT)
    """Where assembled models and tuning results live; None: the user cache (platformdirs)."""
    diarize: str | None = field(default=None, metadata=SPEAKERS)
    """Who speaks when: "speakers" (voices told apart by models; True says the same), "channels"
    (each channel of a multi-channel file is one speaker) or None (no speakers; False says the
    same). Never changes the text."""
    diarize_options: DiarizeOptions = field(default_factory=DiarizeOptions, metadata=SPEAKERS)

    def __post_init__(self) -> None:
        if self.language == "auto":  # the default, however it is spelled
            object.__setattr__(self, "language", None)
        if isinstance(self.diarize, bool):  # Transcriber(diarize=True), as the flag reads
            object.__setattr__(self, "diarize", "speakers" if self.diarize else None)
        if self.diarize is not None:  # speakers are told word by word: a segment is cut where they change
            object.__setattr__(self, "word_timestamps", True)
        self.validate()

    def validate(self) -> None:
        """Raise OptionsError, naming the field, for any value that cannot be right on any machine."""
        _types(self)
        if not self.model.strip():
            raise OptionsError("model must not be empty", "model")
        if self.device is not None and not re.fullmatch(r"(auto|cpu|metal|mlx-cpu|cuda(:\d+)?)", self.device):
            devices = "auto, cpu, cuda, cuda:N, metal or mlx-cpu"
            raise OptionsError(f"device must be {devices}, got {self.device!r}", "device")
        _choice(self, "quality", QUALITIES)
        _choice(self, "compute_type", COMPUTE_TYPES)
        _choice(self, "task", ("transcribe", "translate"))
        _choice(self, "timestamps", TIMESTAMPS)
        _choice(self, "ray_audio", RAY_AUDIO)
        _choice(self, "diarize", DIARIZE_MODES)
        if self.language not in (None, LANGUAGE_FIRST) and not (
            2 <= len(self.language) <= 3 and self.language.isalpha()
        ):
            raise OptionsError(
                f"language must be a code such as 'en', auto or first, got {self.language!r}", "language"
            )
        _number(self, "deadline_seconds", low=0.0, open_low=True)
        _integer(self, "cpu_threads", low=0, high=MAX_THREADS)
        _integer(self, "workers", low=1, high=MAX_WORKERS)
        _integer(self, "beam_size", low=1, high=MAX_BEAM)
        _integer(self, "best_of", low=1, high=MAX_BEAM)
        _integer(self, "batch_size", low=1, high=MAX_BATCH)
        _integer(self, "seed", low=0, high=2**31 - 1)
        _number(self, "patience", low=0.0, high=100.0, open_low=True)
        _number(self, "length_penalty", low=0.0, high=100.0)
        _number(self, "compression_ratio_threshold", low=0.0, open_low=True)
        _number(self, "log_prob_threshold", high=0.0)
        _number(self, "no_speech_threshold", low=0.0, high=1.0)
        _number(self, "chunk_seconds", low=1.0, high=MAX_CHUNK_SECONDS)
        _number(self, "overlap_seconds", low=1.0, high=MAX_CHUNK_SECONDS / 3)
        temperatures = self.temperatures
        if not temperatures or any(not _finite(t) or not 0 <= t <= MAX_TEMPERATURE for t in temperatures):
            raise OptionsError(
                f"temperatures must be values within 0..{MAX_TEMPERATURE:g}, got {temperatures!r}", "temperatures"
            )
        if list(temperatures) != sorted(temperatures):
            raise OptionsError(f"temperatures must be increasing, got {temperatures!r}", "temperatures")
        check_vocabulary(self.vocabulary)
        self.vad_options.validate()
        self.diarize_options.validate()
        for name in ("ray", "cache_dir"):
            value = getattr(self, name)
            if value is not None and not value.strip():
                raise OptionsError(f"{name} must not be empty", name)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def given_language(self) -> str | None:
        """The language every chunk is decoded in, when one is given; None: identified."""
        return None if self.language in (None, LANGUAGE_FIRST) else self.language

    @property
    def beam(self) -> int:
        """The beam size to decode with: the one given, else the default."""
        return self.beam_size or DEFAULT_BEAM_SIZE

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


_BOOLS = ("condition_on_previous_text", "word_timestamps", "vad", "speech_guard", "use_tuning")
_STRINGS = ("model", "quality", "task", "timestamps", "ray_audio")
_OPTIONAL_STRINGS = ("device", "compute_type", "language", "initial_prompt", "ray", "cache_dir", "diarize")


def _types(options: TranscribeOptions) -> None:
    """Wrong types give the same one-line error as wrong values (not an AttributeError later)."""
    for name in _BOOLS:
        if not isinstance(getattr(options, name), bool):
            raise OptionsError(f"{name} must be True or False, got {getattr(options, name)!r}", name)
    for name in (*_STRINGS, *_OPTIONAL_STRINGS):
        value = getattr(options, name)
        if not isinstance(value, str) and not (value is None and name in _OPTIONAL_STRINGS):
            raise OptionsError(f"{name} must be a string, got {value!r}", name)
    if not isinstance(options.temperatures, tuple) or not all(_is_number(t) for t in options.temperatures):
        raise OptionsError(f"temperatures must be a tuple of numbers, got {options.temperatures!r}", "temperatures")
    if not isinstance(options.vad_options, VadOptions):
        raise OptionsError(f"vad_options must be VadOptions, got {options.vad_options!r}", "vad_options")
    if not isinstance(options.diarize_options, DiarizeOptions):
        raise OptionsError(
            f"diarize_options must be DiarizeOptions, got {options.diarize_options!r}", "diarize_options"
        )


def vocabulary_terms(given: Iterable[str]) -> tuple[str, ...]:
    """Terms as a front end gathers them: stripped, each once, in the order given (checked by
    :func:`check_vocabulary` when the options are made)."""
    return tuple(dict.fromkeys(term.strip() for term in given))


def check_vocabulary(terms: tuple[str, ...]) -> None:
    """Raise OptionsError (field ``vocabulary``) unless ``terms`` are a vocabulary a prompt can take."""
    if not isinstance(terms, tuple) or not all(isinstance(t, str) for t in terms):
        raise OptionsError(f"vocabulary must be a tuple of terms, got {terms!r}", "vocabulary")
    if len(terms) > MAX_VOCABULARY_TERMS:
        raise OptionsError(f"vocabulary holds at most {MAX_VOCABULARY_TERMS} terms, got {len(terms)}", "vocabulary")
    for term in terms:
        if not term.strip() or term.strip() != term or len(term) > MAX_TERM_CHARS:
            raise OptionsError(
                f"vocabulary terms must be 1..{MAX_TERM_CHARS} characters without surrounding spaces, got {term!r}",
                "vocabulary",
            )
        if any(c in FORBIDDEN_IN_TERMS for c in term):
            raise OptionsError(
                f"vocabulary terms must be single-line literals without < or >, got {term!r}", "vocabulary"
            )
    if len(set(terms)) != len(terms):
        raise OptionsError(f"vocabulary terms must differ from each other, got {terms!r}", "vocabulary")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(value: float) -> bool:
    return math.isfinite(value)


def _choice(obj: object, name: str, allowed: tuple[str, ...]) -> None:
    value = getattr(obj, name)
    if value is not None and value not in allowed:
        raise OptionsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}", name)


def _integer(obj: object, name: str, *, low: int, high: int) -> None:
    value = getattr(obj, name)
    if value is None and _optional(obj, name):
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise OptionsError(f"{name} must be a whole number, got {value!r}", name)
    if not low <= value <= high:
        raise OptionsError(f"{name} must be within {low}..{high}, got {value}", name)


def _number(
    obj: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
) -> None:
    value = getattr(obj, name)
    if value is None and _optional(obj, name):
        return
    if not _is_number(value) or not _finite(value):
        raise OptionsError(f"{name} must be a finite number, got {value!r}", name)
    too_low = low is not None and (value <= low if open_low else value < low)
    too_high = high is not None and (value >= high if open_high else value > high)
    if too_low or too_high:
        bounds = f"{'above' if open_low else 'at least'} {low:g}" if low is not None else ""
        if high is not None:
            bounds += (" and " if bounds else "") + f"{'below' if open_high else 'at most'} {high:g}"
        raise OptionsError(f"{name} must be {bounds}, got {value!r}", name)


def _optional(obj: object, name: str) -> bool:
    """The field's default is None (so None means "choose for me")."""
    default = next(f.default for f in fields(obj) if f.name == name)  # type: ignore[arg-type]
    return default is None
