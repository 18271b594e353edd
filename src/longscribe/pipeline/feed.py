"""Decode + VAD + chunk audio in a background thread, ahead of inference.

Two sequential decode passes run in the same thread: one plans chunks (VAD),
one reads each planned chunk's samples. A bounded queue between this thread
and the engine keeps memory flat however long the file is, while decoding
overlaps inference (PyAV, onnxruntime and CTranslate2 release the GIL).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

import numpy as np

from longscribe.audio import AudioStream, Source, SpanReader
from longscribe.options import TranscribeOptions
from longscribe.pipeline.speakers import SpeakerTrack
from longscribe.types import ChunkAudio
from longscribe.vad import plan_chunks

_DONE = object()
_PUT_TIMEOUT = 0.2


class ChunkFeed:
    """An iterator of ChunkAudio in time order; opening errors raise in the caller's thread."""

    def __init__(self, path: Source, options: TranscribeOptions, depth: int) -> None:
        self._options = options
        self.speakers: SpeakerTrack | None = None
        """Set before iterating to find who speaks as the audio streams; its turns are ready when the
        iteration ends."""
        self._plan_stream = AudioStream(path)
        self._read_stream = AudioStream(path)
        self.expected_samples = self._plan_stream.expected_samples
        self.channels = self._plan_stream.channels
        self.speech_samples = 0
        self.busy_seconds = 0.0
        self.read_audio = True
        """False: chunks come without samples (a Ray cluster whose actors read the file themselves)."""
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="longscribe-feed", daemon=True)

    @property
    def decoded_samples(self) -> int:
        return self._plan_stream.decoded

    @property
    def warnings(self) -> list[str]:
        seen: list[str] = []
        for w in self._plan_stream.warnings + self._read_stream.warnings:
            if w not in seen:
                seen.append(w)
        return seen

    def __iter__(self) -> Iterator[ChunkAudio]:
        self._thread.start()
        try:
            while True:
                item = self._queue.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                assert isinstance(item, ChunkAudio)
                yield item
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        self._plan_stream.close()
        self._read_stream.close()

    def _produce(self) -> None:
        try:
            reader = SpanReader(self._read_stream)
            track = self.speakers
            chunks = plan_chunks(self._plan_stream, self._options, track.feed if track else None)
            heard: list[tuple[int, int]] | None = []
            while True:
                started = time.perf_counter()  # busy time only, not time blocked on a full queue
                chunk = next(chunks, None)
                if chunk is None:
                    break
                audio = reader.read(chunk.spans) if self.read_audio else np.zeros(0, dtype=np.float32)
                if chunk.speech is None:
                    self.speech_samples += chunk.keep.length
                    heard = None
                else:
                    if heard is not None:
                        heard.extend((s.start, s.end) for s in chunk.speech)
                    self.speech_samples += sum(
                        min(s.end, chunk.keep.end) - max(s.start, chunk.keep.start)
                        for s in chunk.speech
                        if s.start < chunk.keep.end
                    )
                self.busy_seconds += time.perf_counter() - started
                if not self._put(ChunkAudio(chunk, audio)):
                    return
            if track is not None:
                track.finish(heard)
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_PUT_TIMEOUT)
                return True
            except queue.Full:
                continue
        return False
