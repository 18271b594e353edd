"""Feeds chunks to the engine in batches and hands back transcripts in chunk order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from longscribe.engines.base import DecodeRequest, Engine
from longscribe.options import TranscribeOptions
from longscribe.types import ChunkAudio, ChunkTranscript


def batched(items: Iterable[ChunkAudio], size: int) -> Iterator[list[ChunkAudio]]:
    batch: list[ChunkAudio] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class BatchScheduler:
    """Batches of consecutive chunks through one engine.

    The file's language is detected on its first chunk and then fixed, so the
    text does not depend on the batch size. With previous-text prompting each
    chunk needs the text of the one before, so batches shrink to one chunk.
    """

    def __init__(self, engine: Engine, options: TranscribeOptions) -> None:
        self.engine = engine
        self.options = options
        self.engine_seconds = 0.0

    def run(self, chunks: Iterable[ChunkAudio], previous_text: Callable[[], str]) -> Iterator[ChunkTranscript]:
        import time

        options = self.options
        language = options.language
        size = 1 if options.condition_on_previous_text else options.batch_size
        for batch in batched(chunks, size):
            prompts = (previous_text() or None,) if options.condition_on_previous_text else ()
            started = time.perf_counter()
            results = self.engine.transcribe(batch, options, DecodeRequest(language, prompts))
            self.engine_seconds += time.perf_counter() - started
            if language is None and results:
                language = results[0].language
            yield from results
