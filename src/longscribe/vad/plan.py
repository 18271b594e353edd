"""One decode pass over a file -> the ordered list of chunks to transcribe (streamed)."""

from __future__ import annotations

from collections.abc import Iterator

from longscribe.audio.decode import AudioStream
from longscribe.options import MAX_CHUNK_SECONDS, TranscribeOptions
from longscribe.types import SAMPLE_RATE, Chunk, Span
from longscribe.vad.chunks import Packer, Padder, fixed_windows
from longscribe.vad.regions import RegionTracker
from longscribe.vad.silero import FRAME, SileroStream

PLAN_WINDOW = 30 * SAMPLE_RATE


def plan_chunks(stream: AudioStream, options: TranscribeOptions) -> Iterator[Chunk]:
    """Chunks in time order, each yielded as soon as it is final."""
    limit = int(options.chunk_seconds * SAMPLE_RATE)
    if not options.vad:
        for _ in stream.windows(PLAN_WINDOW):
            pass
        window_samples = int(MAX_CHUNK_SECONDS * SAMPLE_RATE)
        yield from fixed_windows(stream.decoded, window_samples, int(options.overlap_seconds * SAMPLE_RATE))
        return
    pad = options.vad_options.speech_pad_ms * SAMPLE_RATE // 1000
    silero = SileroStream()
    tracker = RegionTracker(options.vad_options, max_frames=(limit - 2 * pad) // FRAME)
    padder = Padder(pad)
    packer = Packer(limit)

    def regions_to_chunks(regions: Iterator[Span]) -> Iterator[Chunk]:
        for region in regions:
            for span in padder.push(region):
                yield from packer.push(span)

    for window in stream.windows(PLAN_WINDOW):
        yield from regions_to_chunks(tracker.push_many(silero.feed(window)))
    yield from regions_to_chunks(tracker.push_many(silero.flush()))
    yield from regions_to_chunks(tracker.finish())
    for span in padder.finish(stream.decoded):
        yield from packer.push(span)
    yield from packer.finish()
