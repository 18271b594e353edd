"""What a live session says as the audio comes in, in order, for each utterance (``item``)."""

from __future__ import annotations

from dataclasses import dataclass

from longscribe.types import Segment, Word


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began at ``start`` (samples on the stream's timeline, the prefix padding included)."""

    item: int
    start: int


@dataclass(frozen=True)
class SpeechStopped:
    """Speech ended at ``end``; the utterance's words follow in :class:`Completed`."""

    item: int
    end: int


@dataclass(frozen=True)
class Delta:
    """Words of the utterance that became final: they never change again."""

    item: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words)


@dataclass(frozen=True)
class Partial:
    """What the latest decode heard past the final words: replaced by the next one."""

    item: int
    text: str


@dataclass(frozen=True)
class Completed:
    """The utterance's final text as segments (each sentence one); empty when nothing was said."""

    item: int
    start: int
    end: int
    segments: tuple[Segment, ...]

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.segments).strip()


@dataclass(frozen=True)
class Lagging:
    """The stream is further behind than ``LiveOptions.max_lag_seconds``: said once per stream."""

    behind_seconds: float


LiveEvent = SpeechStarted | SpeechStopped | Delta | Partial | Completed | Lagging
