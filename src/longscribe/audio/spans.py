"""Read the samples of increasing spans from one sequential decode pass."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from longscribe.audio.decode import AudioStream
from longscribe.types import SAMPLE_RATE, AudioArray, Span

READ_WINDOW = 10 * SAMPLE_RATE


class SpanReader:
    """Hands out the audio of spans that move forward in time.

    Keeps only the samples from the earliest span still to be read onwards, so
    memory is bounded by the longest chunk, not by the file.
    """

    def __init__(self, stream: AudioStream) -> None:
        self._windows: Iterator[AudioArray] = stream.windows(READ_WINDOW)
        self._buffer: AudioArray = np.zeros(0, dtype=np.float32)
        self._base = 0  # timeline position of _buffer[0]
        self._exhausted = False

    def read(self, spans: Sequence[Span]) -> AudioArray:
        """The samples of ``spans`` laid end to end (zeros past the end of the file)."""
        parts = [self._read_one(span) for span in spans]
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _read_one(self, span: Span) -> AudioArray:
        if span.start < self._base:
            raise ValueError(f"span starts at {span.start}, already released up to {self._base}")
        self._fill_to(span.end)
        lo = span.start - self._base
        hi = span.end - self._base
        out = self._buffer[lo:hi].copy()
        if out.shape[0] < span.length:  # past the end of the decoded audio
            out = np.pad(out, (0, span.length - out.shape[0]))
        # Keep from this span's start on: the next chunk may overlap it (no-VAD windows).
        self._buffer = self._buffer[lo:]
        self._base = span.start
        return out

    def _fill_to(self, end: int) -> None:
        parts = [self._buffer]
        have = self._base + self._buffer.shape[0]
        while have < end and not self._exhausted:
            window = next(self._windows, None)
            if window is None:
                self._exhausted = True
                break
            parts.append(window)
            have += window.shape[0]
        if len(parts) > 1:
            self._buffer = np.concatenate(parts)
