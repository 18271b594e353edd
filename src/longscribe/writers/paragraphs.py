"""Segments grouped into paragraphs for reading (html, md): a new one at a long pause, a change of
language or a change of speaker."""

from __future__ import annotations

from dataclasses import dataclass

from longscribe.types import SAMPLE_RATE, Segment

PAUSE = 2.0
"""Seconds of silence that start a new paragraph."""
LONG_PARAGRAPH = 8
"""Segments after which a shorter pause (``SHORT_PAUSE``) is enough."""
SHORT_PAUSE = 0.8


@dataclass
class Paragraphs:
    """Feed segments in order; ``starts`` says whether a segment opens a new paragraph."""

    _last_end: int | None = None
    _language: str | None = None
    _speaker: str | None = None
    _count: int = 0

    def starts(self, segment: Segment) -> bool:
        gap = (segment.start - self._last_end) / SAMPLE_RATE if self._last_end is not None else None
        new = (
            gap is None
            or gap >= PAUSE
            or (self._count >= LONG_PARAGRAPH and gap >= SHORT_PAUSE)
            or (segment.language is not None and segment.language != self._language)
            or segment.speaker != self._speaker
        )
        self._count = 1 if new else self._count + 1
        self._last_end, self._language, self._speaker = segment.end, segment.language, segment.speaker
        return new


def clock(samples: int) -> str:
    """``HH:MM:SS``."""
    total = samples // SAMPLE_RATE
    hours, rest = divmod(total, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
