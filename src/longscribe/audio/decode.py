"""Decode any file FFmpeg reads into bounded windows of 16 kHz mono float32.

Only one window (plus one decoded frame) is held at a time, so memory does not
depend on the file's duration.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import av
import numpy as np

from longscribe.errors import AudioDecodeError, InputError, NoAudioStreamError
from longscribe.types import SAMPLE_RATE, AudioArray

log = logging.getLogger(__name__)

MAX_BAD_PACKETS = 20
"""Consecutive undecodable packets after which the rest of the file is given up."""
TRUNCATION_TOLERANCE = SAMPLE_RATE  # 1 s: container durations are estimates


class Recording(Protocol):
    """An input that is not a local file (:class:`longscribe.sources.RemoteFile`, a download)."""

    name: str
    """What messages and the job store call it (its URL)."""
    identity: dict[str, Any]
    """What identifies its content: another identity is another job."""
    about: dict[str, Any]
    """What the transcript says of where it came from (``TranscriptInfo.source``)."""

    def reader(self) -> io.RawIOBase:
        """A new file object for one pass over its bytes."""
        ...


Source = str | Path | Recording
"""What can be transcribed: a path, or a recording that is not a file."""


def source_name(source: Source) -> str:
    """The path or URL messages name an input by."""
    return str(source) if isinstance(source, (str, Path)) else source.name


def check_input(path: str | Path) -> Path:
    """Fail early, with the file's name, on inputs that cannot be audio."""
    p = Path(path)
    if not p.exists():
        raise InputError(str(path), "no such file")
    if p.is_dir():
        raise InputError(str(path), "is a directory, not an audio file")
    if not os.access(p, os.R_OK):
        raise InputError(str(path), "permission denied")
    if p.stat().st_size == 0:
        raise InputError(str(path), "file is empty (0 bytes)")
    return p


def format_clock(samples: int) -> str:
    total = samples // SAMPLE_RATE
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class AudioStream:
    """One pass over a file's first audio track, as float32 windows.

    ``warnings`` collects what went wrong without stopping the decode (corrupt
    packets, a file that ends before its header says it should). With
    ``keep_channels`` the windows are ``(samples, channels)`` instead of mono.
    """

    def __init__(self, path: Source, *, keep_channels: bool = False) -> None:
        self.path = source_name(path)
        self.keep_channels = keep_channels
        self._reader: io.RawIOBase | None = None
        if isinstance(path, (str, Path)):
            if not is_stream_url(str(path)):
                check_input(path)
        else:
            self._reader = path.reader()
        try:
            self._container = _open(self._reader or self.path)
        except (av.FFmpegError, UnicodeDecodeError) as exc:
            self._close_reader()
            raise AudioDecodeError(self.path, f"not a readable audio/video file ({_reason(exc)})") from exc
        except BaseException:
            self._close_reader()
            raise
        streams = self._container.streams.audio
        if not streams:
            self.close()
            raise NoAudioStreamError(self.path, "has no audio track")
        self._stream = streams[0]
        if self._stream.codec_context is None:
            self.close()
            raise AudioDecodeError(self.path, f"unsupported audio format ({_codec_name(self._stream)})")
        self._stream.codec_context.thread_type = "AUTO"
        self.channels = int(self._stream.codec_context.channels or 1)
        """The track's channel count (the windows are mixed to mono unless ``keep_channels``)."""
        self.expected_samples = _expected_samples(self._container, self._stream)
        self.decoded = 0
        self.warnings: list[str] = []

    def windows(self, size: int) -> Iterator[AudioArray]:
        """Yield consecutive windows of ``size`` samples; the last one may be shorter."""
        pending: list[AudioArray] = []
        held = 0
        for block in self._blocks():
            pending.append(block)
            held += block.shape[0]
            while held >= size:
                joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
                yield joined[:size]
                rest = joined[size:]
                pending = [rest] if rest.shape[0] else []
                held = rest.shape[0]
        if held:
            yield np.concatenate(pending) if len(pending) > 1 else pending[0]
        self._check_truncation()

    def _blocks(self) -> Iterator[AudioArray]:
        if self.keep_channels:
            layout = self._stream.codec_context.layout.name
            resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
        else:
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        bad = 0
        for packet in self._container.demux(self._stream):
            try:
                frames = packet.decode()
            except av.FFmpegError as exc:
                bad += 1
                if bad >= MAX_BAD_PACKETS:
                    self._warn(f"decoding stopped at {format_clock(self.decoded)}: {_reason(exc)}")
                    break
                continue
            bad = 0
            for frame in frames:
                frame.pts = None  # resample by sample count, ignore broken timestamps
                yield from self._resampled(resampler, frame)
        yield from self._resampled(resampler, None)
        if self.decoded == 0:
            raise AudioDecodeError(self.path, "no audio could be decoded")

    def _resampled(self, resampler: av.AudioResampler, frame: av.AudioFrame | None) -> Iterator[AudioArray]:
        try:
            out = resampler.resample(frame)
        except av.FFmpegError as exc:
            raise AudioDecodeError(self.path, f"unsupported audio format ({_reason(exc)})") from exc
        for f in out:
            array = f.to_ndarray()
            data = (
                array.T.astype(np.float32) if self.keep_channels else array.reshape(-1).astype(np.float32, copy=False)
            )
            self.decoded += data.shape[0]
            yield data

    def _check_truncation(self) -> None:
        expected = self.expected_samples
        if expected and self.decoded + TRUNCATION_TOLERANCE < expected and not self.warnings:
            self._warn(
                f"decoding stopped at {format_clock(self.decoded)} of {format_clock(expected)}"
                " (file truncated or corrupt)"
            )

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("%s: %s", self.path, message)

    def close(self) -> None:
        self._container.close()
        self._close_reader()

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def __enter__(self) -> AudioStream:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


STREAM_SCHEMES = ("http://", "https://", "icecast://", "rtmp://", "rtsp://", "srt://")
STREAM_TIMEOUT = 30.0
"""Seconds a network stream may stay silent (opening it, or between packets)."""


def is_stream_url(path: str) -> bool:
    """A network stream FFmpeg opens itself (live audio: HTTP, Icecast, HLS playlists, RTMP ...)."""
    return path.lower().startswith(STREAM_SCHEMES)


def _open(path: str | io.RawIOBase) -> av.container.InputContainer:
    """Open for reading without failing on tags that are not UTF-8 (no transcript needs them).

    PyAV before 19 raises on such tags unless told to ignore them; PyAV 19 dropped the
    keyword and decodes them with surrogate escapes.
    """
    if isinstance(path, str) and is_stream_url(path):
        return av.open(path, "r", timeout=STREAM_TIMEOUT)
    try:
        return av.open(path, "r", metadata_errors="ignore")
    except TypeError:
        return av.open(path, "r")


def _expected_samples(container: av.container.InputContainer, stream: av.AudioStream) -> int | None:
    if stream.duration is not None and stream.time_base is not None:
        return int(stream.duration * stream.time_base * SAMPLE_RATE)
    if container.duration is not None:
        return int(container.duration * SAMPLE_RATE / av.time_base)
    return None


def _codec_name(stream: av.AudioStream) -> str:
    tag = getattr(stream, "codec_tag", "") or ""
    return f"codec {tag!r} has no decoder in FFmpeg" if tag.strip("\x00") else "no decoder for this codec in FFmpeg"


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.strip().rstrip(".") or type(exc).__name__
