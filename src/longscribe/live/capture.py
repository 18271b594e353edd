"""Where live audio comes from: a file or network stream (played at real time or as fast as it
decodes), stdin (any container, or raw PCM), or a microphone (``longscribe[live]``).

Every capture yields 16 kHz mono float32 blocks as they arrive, and :meth:`close` (from any
thread) makes its ``blocks`` end soon after.
"""

from __future__ import annotations

import io
import queue
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

import av
import numpy as np

from longscribe.audio import AudioStream
from longscribe.audio.decode import is_stream_url
from longscribe.errors import InputError
from longscribe.types import SAMPLE_RATE, AudioArray

BLOCK = SAMPLE_RATE // 10
"""Samples per block (100 ms): how finely a live source is read."""
STDIN = "-"


class Capture(Protocol):
    name: str
    """What messages call the source."""
    speed: float | None
    """The pace it speaks at (1: real time, a live source); None: as fast as it is read (a file)."""

    def blocks(self) -> Iterator[AudioArray]: ...

    def close(self) -> None: ...


class _Stdin:
    """Standard input as a :class:`~longscribe.audio.Recording` (one pass: it cannot be read again)."""

    name = "stdin"
    identity: dict[str, Any] = {}
    about: dict[str, Any] = {}

    def reader(self) -> io.RawIOBase:
        return io.FileIO(sys.stdin.fileno(), "rb", closefd=False)


class StreamCapture:
    """Anything FFmpeg decodes: a file, stdin (``-``), or a network stream's URL.

    ``play``: a file played at this many times real time (1: as a live source would); None: read
    as fast as it decodes. Stdin and URLs are live sources, paced by whoever sends them."""

    def __init__(self, source: str, *, play: float | None = None) -> None:
        self.name = "stdin" if source == STDIN else source
        live = source == STDIN or is_stream_url(source)
        self.speed: float | None = 1.0 if live else play
        self._play = None if live else play
        self._stream = AudioStream(_Stdin() if source == STDIN else source)
        self._closed = threading.Event()

    def blocks(self) -> Iterator[AudioArray]:
        started = time.monotonic()
        played = 0
        try:
            for block in self._stream.windows(BLOCK):
                if self._closed.is_set():
                    return
                played += block.shape[0]
                if self._play is not None:
                    due = started + played / SAMPLE_RATE / self._play
                    if self._closed.wait(max(0.0, due - time.monotonic())):
                        return
                yield block
        finally:
            self._stream.close()

    def close(self) -> None:
        self._closed.set()


class PcmCapture:
    """Raw signed 16-bit little-endian mono PCM at ``rate`` Hz on stdin (``arecord``, ``sox -t raw``)."""

    def __init__(self, rate: int) -> None:
        self.name = "stdin"
        self.speed: float | None = 1.0
        self.rate = rate
        self._closed = threading.Event()

    def blocks(self) -> Iterator[AudioArray]:
        pcm = PcmDecoder(self.rate)
        size = 2 * self.rate // 10
        source = io.FileIO(sys.stdin.fileno(), "rb", closefd=False)
        while not self._closed.is_set():
            data = source.read(size)
            if not data:
                break
            yield from pcm.feed(data)
        yield from pcm.flush()

    def close(self) -> None:
        self._closed.set()


class MicrophoneCapture:
    """The default input device (or ``device``), through PortAudio (``sounddevice``)."""

    def __init__(self, device: str | int | None = None) -> None:
        self.name = "microphone"
        self.speed: float | None = 1.0
        try:
            import sounddevice  # noqa: PLC0415 (an extra)
        except ImportError as exc:
            raise InputError("microphone", "needs sounddevice: pip install 'longscribe[live]'") from exc
        except OSError as exc:  # the package is there, PortAudio is not
            raise InputError("microphone", f"PortAudio is not installed ({exc})") from exc
        self._sd = sounddevice
        try:
            sounddevice.check_input_settings(device=device, channels=1, samplerate=SAMPLE_RATE, dtype="float32")
        except Exception as exc:  # sounddevice raises PortAudioError or ValueError
            raise InputError("microphone", f"no usable input device ({exc})") from exc
        self.device = device
        self._queue: queue.Queue[AudioArray | None] = queue.Queue()

    def blocks(self) -> Iterator[AudioArray]:
        def heard(data: np.ndarray, frames: int, when: Any, status: Any) -> None:
            self._queue.put(data[:, 0].copy())

        with self._sd.InputStream(
            device=self.device, channels=1, samplerate=SAMPLE_RATE, dtype="float32", blocksize=BLOCK, callback=heard
        ):
            while (block := self._queue.get()) is not None:
                yield block

    def close(self) -> None:
        self._queue.put(None)


class PcmDecoder:
    """Raw signed 16-bit little-endian mono PCM at ``rate`` Hz, in pieces of any size -> 16 kHz samples."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        self._rest = b""

    def feed(self, data: bytes) -> list[AudioArray]:
        data = self._rest + data
        cut = len(data) - len(data) % 2  # a sample split between two pieces waits for its other byte
        data, self._rest = data[:cut], data[cut:]
        if not data:
            return []
        frame = av.AudioFrame.from_ndarray(np.frombuffer(data, dtype="<i2").reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.rate
        return self._out(frame)

    def flush(self) -> list[AudioArray]:
        return self._out(None)

    def _out(self, frame: av.AudioFrame | None) -> list[AudioArray]:
        return [f.to_ndarray().reshape(-1).astype(np.float32, copy=False) for f in self._resampler.resample(frame)]


def open_capture(
    source: str | None, *, speed: float | None = None, pcm_rate: int | None = None, device: str | None = None
) -> Capture:
    """The capture for a ``longscribe live`` source: None is the microphone, ``-`` stdin (raw PCM
    with ``pcm_rate``), anything else a file or stream URL."""
    if source is None:
        return MicrophoneCapture(int(device) if device and device.isdigit() else device)
    if pcm_rate is not None:
        if source != STDIN:
            raise InputError(source, "raw PCM (--pcm-rate) is read from stdin only: give - as the source")
        return PcmCapture(pcm_rate)
    return StreamCapture(source, play=speed)
