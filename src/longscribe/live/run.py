"""A live session over a capture: one thread reads the source, the caller's thread decodes.

Whatever a live source said while a decode ran is heard at once by the next one, with how long
it waited (a CPU too slow for the model then decodes less often, see ``LiveSession.push``); a
source that is not paced (a file read as fast as it decodes) is heard block by block, the same
way every run. Every sample heard is appended to a WAV recording (its header is rewritten with
each block, so a recording cut off by a crash is still a file to transcribe).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from longscribe.audio.wav import open_wav, write_samples
from longscribe.live.capture import Capture
from longscribe.live.events import LiveEvent
from longscribe.live.utterances import LiveSession
from longscribe.types import AudioArray

log = logging.getLogger(__name__)

_END = object()
QUEUED = 100
"""Blocks read ahead of the decoder from a source that is not paced."""


class LiveRun:
    """``for event in LiveRun(session, capture, record=path).events(): ...``; :meth:`stop` (from any
    thread, or a signal handler) ends the stream: the events of what was heard still follow."""

    def __init__(self, session: LiveSession, capture: Capture, *, record: Path | None = None) -> None:
        self.session = session
        self.capture = capture
        self.record = record
        # A paced source is never made to wait (a microphone would drop samples); a file read as
        # fast as it decodes is read ahead by at most QUEUED blocks.
        self._queue: queue.Queue[object] = queue.Queue(QUEUED if capture.speed is None else 0)
        self._failure: BaseException | None = None

    def events(self) -> Iterator[LiveEvent]:
        reader = threading.Thread(target=self._read, name="longscribe-capture", daemon=True)
        recording = open_wav(self.record) if self.record is not None else None
        reader.start()
        try:
            ended = False
            while not ended:
                blocks, arrived, ended = self._waiting()
                if not blocks:
                    continue
                audio = np.concatenate(blocks)
                if recording is not None:
                    write_samples(recording, audio)
                if self.capture.speed is None:
                    for block in blocks:
                        yield from self.session.push(block)
                else:
                    lag = (time.monotonic() - arrived) * self.capture.speed
                    yield from self.session.push(audio, lag=lag)
            yield from self.session.close()
        finally:
            self.capture.close()
            if recording is not None:
                recording.close()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        self.capture.close()

    def _read(self) -> None:
        try:
            for block in self.capture.blocks():
                self._queue.put((time.monotonic(), block))
        except BaseException as exc:  # handed to the decoding thread, which raises it
            self._failure = exc
        finally:
            self._queue.put(_END)

    def _waiting(self) -> tuple[list[AudioArray], float, bool]:
        """Every block waiting, when the first of them arrived, and whether the source has ended
        (waits until the source says something)."""
        items = [self._queue.get()]
        while items[-1] is not _END:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        ended = items[-1] is _END
        timed: list[tuple[float, AudioArray]] = [item for item in items if item is not _END]  # type: ignore[misc]
        return [block for _, block in timed], timed[0][0] if timed else time.monotonic(), ended
