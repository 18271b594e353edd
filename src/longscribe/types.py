"""Typed values that flow through the pipeline.

Positions are integer sample indices at 16 kHz on the original file's timeline;
seconds only appear at the edges (writers, display) through the ``*_s`` properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000
"""Every position in longscribe is a sample index at this rate."""

AudioArray = npt.NDArray[np.float32]


def seconds(samples: int) -> float:
    """Samples -> seconds, for display and writers."""
    return samples / SAMPLE_RATE


def samples(secs: float) -> int:
    """Seconds -> nearest sample index."""
    return int(round(secs * SAMPLE_RATE))


@dataclass(frozen=True)
class Span:
    """A half-open sample range ``[start, end)`` on the original timeline."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Chunk:
    """What one engine call decodes: at most 30 s of audio.

    The audio of a chunk is its spans laid end to end (one contiguous span
    as longscribe plans them, so timestamps map back by an offset); ``keep``
    is the part of the timeline this chunk is the authority for (all of it
    with VAD; up to the middle of the right overlap for fixed windows);
    ``speech`` holds the VAD speech regions (padded) inside it: text the
    model produces outside them is dropped as invented.
    """

    index: int
    spans: tuple[Span, ...]
    keep: Span
    speech: tuple[Span, ...] | None = None
    """None: not known (no speech guard); () : VAD heard no speech in this chunk."""
    pauses: tuple[int, ...] = field(default=(), compare=False)
    """Short pauses inside its speech (their middles, in order), where a language may change. A hint,
    not part of what the chunk is: a job stored before they were recorded resumes with the same chunks."""

    @property
    def num_samples(self) -> int:
        return sum(s.length for s in self.spans)

    @property
    def start(self) -> int:
        return self.spans[0].start

    @property
    def end(self) -> int:
        return self.spans[-1].end

    def to_absolute(self, local: int, *, is_end: bool = False) -> int:
        """Map a position inside the chunk's audio to the original timeline.

        A position exactly on the seam between two spans belongs to the later
        span for a start and to the earlier one for an end.
        """
        local = max(0, min(local, self.num_samples))
        offset = 0
        for i, span in enumerate(self.spans):
            last = i == len(self.spans) - 1
            inside = local < offset + span.length or (is_end and local == offset + span.length)
            if inside or last:
                return span.start + min(local - offset, span.length)
            offset += span.length
        raise AssertionError("unreachable")


@dataclass(frozen=True, eq=False)
class ChunkAudio:
    """A chunk together with its samples (float32, mono, 16 kHz)."""

    chunk: Chunk
    audio: AudioArray

    def piece(self, span: Span) -> ChunkAudio:
        """The part of this chunk within ``span`` (positions on the file's timeline, inside the chunk)
        as a chunk of its own: its audio, and its speech regions cut to the span."""
        chunk = self.chunk
        speech = None
        if chunk.speech is not None:
            inside = [s for s in chunk.speech if s.end > span.start and s.start < span.end]
            speech = tuple(Span(max(s.start, span.start), min(s.end, span.end)) for s in inside)
        audio = self.audio[span.start - chunk.start : span.end - chunk.start]
        return ChunkAudio(Chunk(chunk.index, (span,), span, speech), audio)


class _Timed:
    """Seconds views of integer ``start``/``end`` sample positions."""

    start: int
    end: int

    @property
    def start_s(self) -> float:
        return seconds(self.start)

    @property
    def end_s(self) -> float:
        return seconds(self.end)


@dataclass(frozen=True)
class Word(_Timed):
    start: int
    end: int
    text: str
    probability: float


@dataclass(frozen=True)
class Segment(_Timed):
    """One line of transcript on the original timeline."""

    start: int
    end: int
    text: str
    words: tuple[Word, ...] = ()
    chunk: int = 0
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    language: str | None = None
    """The language this segment was decoded in."""
    speaker: str | None = None
    """Who says it (with diarization): ``SPEAKER_00``, ``SPEAKER_01`` ... in order of first
    appearance, or the name given for them. A segment never spans two speakers."""
    edited: bool = False
    """A correction changed it (its text, words, times or speaker): in a revision after the first."""


@dataclass(frozen=True)
class SpeakerTurn(_Timed):
    """One speaker speaking from ``start`` to ``end``; turns of two speakers may overlap."""

    start: int
    end: int
    speaker: str


@dataclass(frozen=True)
class DecodedSegment:
    """A segment as an engine returns it: positions local to the chunk's audio."""

    start: int
    end: int
    text: str
    tokens: tuple[int, ...] = ()
    words: tuple[Word, ...] = ()
    language: str | None = None
    """Set when the chunk was cut where its language changes; None: the chunk's language."""

    def shifted(self, offset: int) -> DecodedSegment:
        """The segment and its words ``offset`` samples later (a piece's segment placed in its chunk)."""
        words = tuple(Word(w.start + offset, w.end + offset, w.text, w.probability) for w in self.words)
        return replace(self, start=self.start + offset, end=self.end + offset, words=words)


Candidates = tuple[tuple[str, float], ...]
"""Languages and their probabilities, most likely first."""


@dataclass(frozen=True)
class ChunkTranscript:
    """An engine's result for one chunk."""

    chunk: Chunk
    segments: tuple[DecodedSegment, ...]
    language: str
    """The language the chunk was decoded in."""
    language_probability: float = 1.0
    candidates: Candidates = ()
    """What language identification heard in this chunk (most likely first); () when the language was given."""
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    temperature: float = 0.0
    truncated: bool = False
    """The decode ran to the model's maximum length (a sign of a loop)."""
    skipped_reason: str | None = None
    """Set when the chunk's text was dropped (e.g. silence); segments is then empty."""
    decisions: tuple[str, ...] = ()
    """What the quality guard did with this chunk (retries, temperatures, drops), in order."""


@dataclass
class TranscriptInfo:
    """What a transcription was run with and how it went.

    Filled in as the transcription proceeds: ``language`` is known after the
    first chunk, ``duration`` and ``timings`` when the last segment has been read.
    """

    path: str
    model: str
    model_path: str
    model_source: str
    device: str
    compute_type: str
    language: str | None = None
    """The language of most of the speech (the first chunk's until the run has finished)."""
    language_probability: float = 0.0
    languages: list[dict[str, Any]] = field(default_factory=list)
    """Each language heard, in order of first appearance, with its speech seconds (``language``, ``seconds``)."""
    language_runs: list[str] = field(default_factory=list)
    """The languages in the order they were spoken, a change at a time: ``["en", "de", "en"]``."""
    duration: int = 0
    """Decoded length in samples."""
    chunks: int = 0
    chunk_audio: int = 0
    """Samples of audio in those chunks: the encoder is given a 30 s window for each, so
    ``chunk_audio / (chunks * 30 s)`` is how full the windows were."""
    speech: int = 0
    """Samples inside VAD speech regions (all of them without VAD)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds: ``load``; ``transcribe`` (wall); ``first_chunk`` (wall, until the first chunk was
    decoded); ``engine`` (engine calls, summed over workers); ``decode_vad`` (the feed thread's
    busy time); ``engine.features`` / ``.encode`` / ``.language`` / ``.decode`` / ``.align`` (the
    engine's stages, summed over workers)."""
    warnings: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    """Why this model, device, compute type and batch size were chosen."""
    fallbacks: list[str] = field(default_factory=list)
    """Recoveries during the run (e.g. out of GPU memory: smaller batch, smaller type, CPU)."""
    decisions: list[dict[str, Any]] = field(default_factory=list)
    """What the quality guard did, per chunk: retries, temperatures, dropped text."""
    job: dict[str, Any] = field(default_factory=dict)
    """The job-store record this run used: id, status (new/resumed/restarted), resumed chunks."""
    cluster: dict[str, Any] = field(default_factory=dict)
    """On Ray: actors, how audio reached them, batches retried after a lost actor."""
    complete: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    speakers: list[dict[str, Any]] = field(default_factory=list)
    """With diarization: each speaker in order of first appearance, with their talk time
    (``speaker``, ``seconds``, ``first``, ``last``; seconds)."""
    speaker_turns: list[SpeakerTurn] = field(default_factory=list)
    """With diarization: who speaks when, overlaps included (what ``-f rttm`` writes)."""
    source: dict[str, Any] = field(default_factory=dict)
    """Where a recording that is not a local file came from: its ``url``; for a feed's episode also
    ``title``, ``published`` (ISO 8601), ``guid``, ``feed_title`` and ``feed``. Empty for a file."""
    revision: int = 0
    """Which revision of the transcript the segments are: 0 as transcribed, then one per correction
    (:mod:`longscribe.revisions`). Not part of :meth:`as_dict`: it describes the text, not the run."""

    @property
    def duration_s(self) -> float:
        return seconds(self.duration)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TranscriptInfo:
        """Inverse of :meth:`as_dict` (seconds back to samples)."""
        return cls(
            path=d["path"],
            model=d["model"],
            model_path=d["model_path"],
            model_source=d["model_source"],
            device=d["device"],
            compute_type=d["compute_type"],
            language=d["language"],
            language_probability=d["language_probability"],
            languages=list(d.get("languages", [])),
            language_runs=list(d.get("language_runs", [])),
            duration=samples(d["duration"]),
            chunks=d["chunks"],
            chunk_audio=samples(d.get("chunk_audio_duration", 0.0)),
            speech=samples(d["speech_duration"]),
            timings=dict(d["timings"]),
            warnings=list(d["warnings"]),
            choices=list(d.get("choices", [])),
            fallbacks=list(d.get("fallbacks", [])),
            decisions=list(d.get("decisions", [])),
            job=dict(d.get("job", {})),
            cluster=dict(d.get("cluster", {})),
            complete=d["complete"],
            options=dict(d["options"]),
            speakers=list(d.get("speakers", [])),
            speaker_turns=[SpeakerTurn(samples(t[0]), samples(t[1]), t[2]) for t in d.get("speaker_turns", [])],
            source=dict(d.get("source", {})),
        )

    @property
    def title(self) -> str:
        """What a page or document is headed with: the episode's title, else the file's name."""
        return str(self.source.get("title") or self.path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1])

    @property
    def origin(self) -> list[str]:
        """What a page's header says of an episode besides its title: the feed's title, the date published."""
        published = self.source.get("published")
        return [str(v) for v in (self.source.get("feed_title"), published[:10] if published else None) if v]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, seconds at millisecond precision (the json writer's ``info``)."""
        return {
            "path": self.path,
            **({"source": self.source} if self.source else {}),
            "model": self.model,
            "model_path": self.model_path,
            "model_source": self.model_source,
            "device": self.device,
            "compute_type": self.compute_type,
            "language": self.language,
            "language_probability": round(self.language_probability, 4),
            "languages": self.languages,
            "language_runs": self.language_runs,
            "duration": round(seconds(self.duration), 3),
            "speech_duration": round(seconds(self.speech), 3),
            "chunks": self.chunks,
            "chunk_audio_duration": round(seconds(self.chunk_audio), 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "warnings": self.warnings,
            "choices": self.choices,
            "fallbacks": self.fallbacks,
            "decisions": self.decisions,
            "job": self.job,
            **({"cluster": self.cluster} if self.cluster else {}),
            "complete": self.complete,
            "options": self.options,
            **({"speakers": self.speakers} if self.speakers else {}),
            **(
                {"speaker_turns": [[round(t.start_s, 3), round(t.end_s, 3), t.speaker] for t in self.speaker_turns]}
                if self.speaker_turns
                else {}
            ),
        }
