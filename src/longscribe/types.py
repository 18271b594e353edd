"""Typed values that flow through the pipeline.

Positions are integer sample indices at 16 kHz on the original file's timeline;
seconds only appear at the edges (writers, display) through the ``*_s`` properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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

    The audio of a chunk is its spans laid end to end (VAD speech regions with
    their padding); ``keep`` is the part of the timeline this chunk is the
    authority for. With VAD, ``keep`` covers the spans; without VAD, fixed
    windows overlap and ``keep`` is the non-overlapping middle part.
    """

    index: int
    spans: tuple[Span, ...]
    keep: Span

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


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str
    probability: float

    @property
    def start_s(self) -> float:
        return seconds(self.start)

    @property
    def end_s(self) -> float:
        return seconds(self.end)


@dataclass(frozen=True)
class Segment:
    """One line of transcript on the original timeline."""

    start: int
    end: int
    text: str
    words: tuple[Word, ...] = ()
    chunk: int = 0
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0

    @property
    def start_s(self) -> float:
        return seconds(self.start)

    @property
    def end_s(self) -> float:
        return seconds(self.end)


@dataclass(frozen=True)
class DecodedSegment:
    """A segment as an engine returns it: positions local to the chunk's audio."""

    start: int
    end: int
    text: str
    tokens: tuple[int, ...] = ()
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class ChunkTranscript:
    """An engine's result for one chunk."""

    chunk: Chunk
    segments: tuple[DecodedSegment, ...]
    language: str
    language_probability: float = 1.0
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0
    temperature: float = 0.0
    skipped_reason: str | None = None
    """Set when the chunk's text was dropped (e.g. silence); segments is then empty."""


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
    language_probability: float = 0.0
    duration: int = 0
    """Decoded length in samples."""
    chunks: int = 0
    speech: int = 0
    """Samples inside VAD speech regions (all of them without VAD)."""
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    """Why this model, device, compute type and batch size were chosen."""
    fallbacks: list[str] = field(default_factory=list)
    """Recoveries during the run (e.g. out of GPU memory: smaller batch, smaller type, CPU)."""
    complete: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return seconds(self.duration)
