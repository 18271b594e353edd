"""One decode pass over a file -> the ordered list of chunks to transcribe (streamed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from longscribe.audio.decode import AudioStream
from longscribe.options import MAX_CHUNK_SECONDS, TranscribeOptions, VadOptions
from longscribe.types import SAMPLE_RATE, AudioArray, Chunk, Span
from longscribe.vad.chunks import Packer, Padder, fixed_windows
from longscribe.vad.regions import RegionTracker
from longscribe.vad.silero import FRAME, SileroStream

PLAN_WINDOW = 30 * SAMPLE_RATE
REGION_SHARE = 2
"""With aligned timestamps, speech regions longer than 1/REGION_SHARE of a chunk are cut at
their quietest point, so a long stretch of speech can be split between two chunks where it
pauses and chunks pack fuller. With decoded timestamps regions may still fill a chunk
(docs/benchmarks.md has both measured)."""


PAUSE_MS = 200
"""The shortest pause recorded in a chunk (``Chunk.pauses``) as a place where the language may
change: turns in a conversation are often closer than VAD's ``min_silence_ms``."""


class Pauses:
    """The middles of the pauses of at least :data:`PAUSE_MS` that VAD's probabilities show."""

    def __init__(self, options: VadOptions) -> None:
        self._tracker = RegionTracker(replace(options, min_silence_ms=PAUSE_MS, min_speech_ms=0), 1 << 40)
        self._last_end: int | None = None
        self._open: int | None = None
        self.found: list[int] = []

    def push_many(self, probs: npt.NDArray[np.float32]) -> None:
        """Each pause is found as the speech after it starts, before any region around it is yielded."""
        for p in probs:
            for region in self._tracker.push(float(p)):
                self._last_end = region.end
            start = self._tracker.open_since
            if start is not None and start != self._open:
                self._open = start
                if self._last_end is not None:
                    self.found.append((self._last_end + start * FRAME) // 2)

    def take(self, chunk: Chunk) -> Chunk:
        """``chunk`` with the pauses inside it; the ones before its end are forgotten."""
        inside = tuple(p for p in self.found if chunk.start < p < chunk.end)
        self.found = [p for p in self.found if p >= chunk.end]
        return replace(chunk, pauses=inside)


Tap = Callable[[AudioArray], None]
"""Sees every block of the decode pass, in order (the speaker track listens here)."""


def _blocks(stream: AudioStream, tap: Tap | None) -> Iterator[AudioArray]:
    for window in stream.windows(PLAN_WINDOW):
        if tap is not None:
            tap(window)
        yield window


def speech_spans(
    stream: AudioStream, options: TranscribeOptions, limit: int, tap: Tap | None = None, pauses: Pauses | None = None
) -> Iterator[Span]:
    """Padded speech regions in time order, each no longer than ``limit``; one decode pass.
    ``pauses`` is told the probabilities too, each before the regions they end are yielded."""
    pad = options.vad_options.speech_pad_ms * SAMPLE_RATE // 1000
    silero = SileroStream()
    share = REGION_SHARE if options.aligned else 1
    longest = min(limit, max(limit // share, 4 * pad))  # very short chunks: as long as the chunk
    tracker = RegionTracker(options.vad_options, max_frames=max(1, (longest - 2 * pad) // FRAME))
    padder = Padder(pad)
    for window in _blocks(stream, tap):
        probs = silero.feed(window)
        if pauses is not None:
            pauses.push_many(probs)
        for region in tracker.push_many(probs):
            yield from padder.push(region)
    probs = silero.flush()
    if pauses is not None:
        pauses.push_many(probs)
    for region in [*tracker.push_many(probs), *tracker.finish()]:
        yield from padder.push(region)
    yield from padder.finish(stream.decoded)


def plan_chunks(stream: AudioStream, options: TranscribeOptions, tap: Tap | None = None) -> Iterator[Chunk]:
    """Chunks in time order, each yielded as soon as it is final (fixed windows: at the end)."""
    limit = int(options.chunk_limit * SAMPLE_RATE)
    if options.vad:
        packer = Packer(limit)
        pauses = Pauses(options.vad_options)
        for span in speech_spans(stream, options, limit, tap, pauses):
            yield from map(pauses.take, packer.push(span))
        yield from map(pauses.take, packer.finish())
        return
    # Fixed windows: VAD only to guard against text invented over silence (a short list of spans).
    if options.speech_guard:
        speech: list[Span] | None = list(speech_spans(stream, options, limit, tap))
    else:
        speech = None
        for _ in _blocks(stream, tap):
            pass
    window = int(MAX_CHUNK_SECONDS * SAMPLE_RATE)
    yield from fixed_windows(stream.decoded, window, int(options.overlap_seconds * SAMPLE_RATE), speech)
