"""One decode pass over a file -> the ordered list of chunks to transcribe (streamed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from longscribe.audio.decode import AudioStream
from longscribe.options import MAX_CHUNK_SECONDS, TranscribeOptions
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


Tap = Callable[[AudioArray], None]
"""Sees every block of the decode pass, in order (the speaker track listens here)."""


def _blocks(stream: AudioStream, tap: Tap | None) -> Iterator[AudioArray]:
    for window in stream.windows(PLAN_WINDOW):
        if tap is not None:
            tap(window)
        yield window


def speech_spans(stream: AudioStream, options: TranscribeOptions, limit: int, tap: Tap | None = None) -> Iterator[Span]:
    """Padded speech regions in time order, each no longer than ``limit``; one decode pass."""
    pad = options.vad_options.speech_pad_ms * SAMPLE_RATE // 1000
    silero = SileroStream()
    share = REGION_SHARE if options.aligned else 1
    longest = min(limit, max(limit // share, 4 * pad))  # very short chunks: as long as the chunk
    tracker = RegionTracker(options.vad_options, max_frames=max(1, (longest - 2 * pad) // FRAME))
    padder = Padder(pad)
    for window in _blocks(stream, tap):
        for region in tracker.push_many(silero.feed(window)):
            yield from padder.push(region)
    for region in [*tracker.push_many(silero.flush()), *tracker.finish()]:
        yield from padder.push(region)
    yield from padder.finish(stream.decoded)


def plan_chunks(stream: AudioStream, options: TranscribeOptions, tap: Tap | None = None) -> Iterator[Chunk]:
    """Chunks in time order, each yielded as soon as it is final (fixed windows: at the end)."""
    limit = int(options.chunk_limit * SAMPLE_RATE)
    if options.vad:
        packer = Packer(limit)
        for span in speech_spans(stream, options, limit, tap):
            yield from packer.push(span)
        yield from packer.finish()
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
