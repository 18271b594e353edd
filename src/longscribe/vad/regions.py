"""Speech probabilities -> speech regions, one frame at a time.

The same hysteresis as silero-vad (enter above ``threshold``, leave after
``min_silence`` below ``threshold - 0.15``), with one change: a region that
grows past the chunk limit is cut at its quietest point in the last half,
found on smoothed probabilities, instead of mid-word.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from longscribe.options import VadOptions
from longscribe.types import SAMPLE_RATE, Span
from longscribe.vad.silero import FRAME

SMOOTH_FRAMES = 5  # 160 ms: the middle of a pause, not a dip inside a word


@dataclass
class RegionTracker:
    """Stateful: call :meth:`push` per probability, :meth:`finish` at the end."""

    options: VadOptions
    max_frames: int

    def __post_init__(self) -> None:
        ms_to_frames = SAMPLE_RATE / 1000 / FRAME
        self._threshold = self.options.threshold
        self._neg_threshold = max(self._threshold - 0.15, 0.01)
        self._min_silence = int(self.options.min_silence_ms * ms_to_frames)
        self._min_speech = int(self.options.min_speech_ms * ms_to_frames)
        self._frame = 0
        self._start: int | None = None
        self._silence_from: int | None = None
        self._probs: list[float] = []

    def push_many(self, probs: Iterable[float]) -> Iterator[Span]:
        for p in probs:
            yield from self.push(float(p))

    def push(self, p: float) -> Iterator[Span]:
        i = self._frame
        self._frame += 1
        if self._start is None:
            if p >= self._threshold:
                self._start, self._silence_from, self._probs = i, None, [p]
            return
        self._probs.append(p)
        if p >= self._threshold:
            self._silence_from = None
        elif p < self._neg_threshold:
            if self._silence_from is None:
                self._silence_from = i
            if i + 1 - self._silence_from >= self._min_silence:
                yield from self._close(self._silence_from)
                return
        if i + 1 - self._start > self.max_frames:
            yield from self._cut_long_region()

    def finish(self) -> Iterator[Span]:
        if self._start is not None:
            end = self._silence_from if self._silence_from is not None else self._frame
            yield from self._close(end)

    @property
    def open_since(self) -> int | None:
        """First frame of the region still being tracked, if any."""
        return self._start

    @property
    def silent_since(self) -> int | None:
        """First frame of the silence that will close the open region if it lasts, if one has begun."""
        return self._silence_from

    def _close(self, end: int) -> Iterator[Span]:
        assert self._start is not None
        if end - self._start >= max(self._min_speech, 1):
            yield Span(self._start * FRAME, end * FRAME)
        self._start, self._silence_from, self._probs = None, None, []

    def _cut_long_region(self) -> Iterator[Span]:
        assert self._start is not None
        probs = np.asarray(self._probs, dtype=np.float32)
        smooth = np.convolve(probs, np.ones(SMOOTH_FRAMES) / SMOOTH_FRAMES, mode="same")
        half = len(smooth) // 2
        cut = half + int(np.argmin(smooth[half:]))
        cut = max(cut, 1)
        start = self._start
        yield Span(start * FRAME, (start + cut) * FRAME)
        self._start = start + cut
        self._probs = self._probs[cut:]
        if self._silence_from is not None and self._silence_from < self._start:
            self._silence_from = self._start
