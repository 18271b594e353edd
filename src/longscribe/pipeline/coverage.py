"""Speech that no text covers: where a transcript lost words, for a warning with the times.

The VAD's speech regions come in with each chunk, the segments as they are
stitched, both in time order; a stretch between two pieces of text that holds
at least ``min_seconds`` of speech is reported. A word covers from its start
for at most as long as such a word can take (:func:`~longscribe.pipeline.stitch.longest_word`:
a word timed over many seconds hides nothing),
a segment without words its whole span. State is a few numbers and the speech
regions not yet passed, so the check costs nothing over hours.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from longscribe.audio.decode import format_clock
from longscribe.pipeline.stitch import longest_word
from longscribe.types import SAMPLE_RATE, Segment, Span

UNCOVERED_SECONDS = 5.0
"""Speech without text in one stretch, from which on it is reported."""


@dataclass(frozen=True)
class Uncovered:
    """A stretch between two pieces of text (or an end of the file) with speech in it."""

    start: int
    """First sample of speech in it."""
    end: int
    """Last sample of speech in it."""
    speech: int
    """Samples of speech in it."""

    def message(self) -> str:
        return (
            f"speech heard but not transcribed: {format_clock(self.start)}-{format_clock(self.end)}"
            f" ({self.speech / SAMPLE_RATE:.1f} s of speech)"
        )


class Coverage:
    """Feed it speech regions (:meth:`heard`) and segments (:meth:`said`) in time order; then :meth:`finish`."""

    def __init__(self, min_seconds: float = UNCOVERED_SECONDS) -> None:
        self._min = int(min_seconds * SAMPLE_RATE)
        self._speech: deque[Span] = deque()
        self._covered_until = 0
        self._gap: list[int] = []  # start, end, speech samples of the stretch so far
        self.found: list[Uncovered] = []

    def heard(self, spans: Iterable[Span]) -> None:
        self._speech.extend(spans)

    def said(self, segment: Segment) -> None:
        covers = [(w.start, min(w.end, w.start + longest_word(w.text))) for w in segment.words]
        covers = covers or [(segment.start, segment.end)]
        for start, end in covers:
            self._pass(start)
            self._close()
            self._covered_until = max(self._covered_until, end)

    def finish(self) -> list[Uncovered]:
        self._pass(None)
        self._close()
        return self.found

    def _pass(self, until: int | None) -> None:
        """Count the speech from where text last covered up to ``until`` (None: the end) as uncovered."""
        while self._speech:
            span = self._speech[0]
            start = max(span.start, self._covered_until)
            end = span.end if until is None else min(span.end, until)
            if end > start:
                if self._gap:
                    self._gap[1], self._gap[2] = end, self._gap[2] + end - start
                else:
                    self._gap = [start, end, end - start]
            if until is not None and span.end > until:
                self._covered_until = max(self._covered_until, until)
                return
            self._speech.popleft()

    def _close(self) -> None:
        if self._gap and self._gap[2] >= self._min:
            self.found.append(Uncovered(*self._gap))
        self._gap = []
