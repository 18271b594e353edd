"""Make audio/video files of every kind on disk, with PyAV, for decode and error tests."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np

from longscribe.types import SAMPLE_RATE


def write_wav(path: Path, audio: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 1) -> Path:
    """``audio`` mono (the same on every one of ``channels``) or ``(samples, channels)``."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2")
    if audio.ndim == 2:
        channels, pcm = audio.shape[1], pcm.reshape(-1)
    elif channels > 1:
        pcm = np.repeat(pcm[:, None], channels, axis=1).reshape(-1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def read_samples(path: Path, start: float = 0.0, end: float | None = None) -> np.ndarray:
    """16 kHz mono samples of a real file from ``start`` to ``end`` seconds (decoded only as far as needed)."""
    from longscribe.audio import AudioStream

    last = None if end is None else int(end * SAMPLE_RATE)
    blocks, held = [], 0
    with AudioStream(path) as stream:
        for block in stream.windows(30 * SAMPLE_RATE):
            blocks.append(block)
            held += len(block)
            if last is not None and held >= last:
                break
    return np.concatenate(blocks)[int(start * SAMPLE_RATE) : last]


def pcm16(path: Path, rate: int) -> bytes:
    """The file as raw mono signed 16-bit little-endian PCM at ``rate`` Hz (what a Realtime client sends)."""
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
        frames = [f for frame in container.decode(audio=0) for f in resampler.resample(frame)]
        frames += resampler.resample(None)
    return b"".join(np.asarray(f.to_ndarray()).astype("<i2").tobytes() for f in frames)


def tone(seconds: float, freq: float = 440.0, rate: int = SAMPLE_RATE, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def encode(path: Path, audio: np.ndarray, codec: str, *, rate: int = SAMPLE_RATE, video: bool = False) -> Path:
    """Encode mono float audio into ``path`` (container from the suffix), optionally with a video track."""
    out = av.open(str(path), "w")
    vstream = None
    if video:
        vstream = out.add_stream("mpeg4", rate=10)
        vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
    astream = out.add_stream(codec, rate=rate, layout="mono") if codec else None
    if astream is not None:
        fmt = astream.codec_context.format.name
        frame_size = astream.codec_context.frame_size or 1024
        pos = 0
        while pos < audio.shape[0]:
            block = audio[pos : pos + frame_size]
            if block.shape[0] < frame_size and frame_size and codec in ("aac", "libopus", "opus", "libvorbis", "mp3"):
                block = np.pad(block, (0, frame_size - block.shape[0]))
            data = block.reshape(1, -1)
            if fmt.startswith("s16"):
                data = (data * 32767).astype(np.int16)
            elif fmt.startswith("s32"):
                data = (data * 2147483647).astype(np.int32)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout="mono")
            frame.sample_rate = rate
            frame.pts = pos
            for packet in astream.encode(frame):
                out.mux(packet)
            pos += block.shape[0]
        for packet in astream.encode(None):
            out.mux(packet)
    if vstream is not None:
        for i in range(20):
            img = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 10, dtype=np.uint8), format="rgb24")
            for packet in vstream.encode(img):
                out.mux(packet)
        for packet in vstream.encode(None):
            out.mux(packet)
    out.close()
    return path
