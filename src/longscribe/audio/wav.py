"""Writing 16 kHz mono 16-bit WAV files, window by window (inputs built for tuning, tests and benchmarks)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from longscribe.audio.decode import AudioStream
from longscribe.types import SAMPLE_RATE

WINDOW = 30 * SAMPLE_RATE
WAV_HEADER = 44
"""Bytes before the samples of a file :func:`open_wav` writes."""


def write_samples(out: wave.Wave_write, audio: np.ndarray) -> None:
    """Float samples in -1..1 as 16-bit PCM."""
    pcm = np.clip(audio, -1.0, 1.0 - 1 / 32768) * 32768
    out.writeframes(pcm.astype("<i2").tobytes())


def open_wav(path: str | Path) -> wave.Wave_write:
    """A WAV file to write 16 kHz mono 16-bit samples into."""
    out = wave.open(str(path), "wb")
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(SAMPLE_RATE)
    return out


def write_repeated(source: str | Path, target: str | Path, times: int, gap_seconds: float) -> Path:
    """``source`` (a short clip) said ``times`` over, ``gap_seconds`` of silence between, as a WAV file."""
    with AudioStream(source) as stream:
        audio = np.concatenate([np.zeros(0, dtype=np.float32), *stream.windows(WINDOW)])
    gap = np.zeros(int(gap_seconds * SAMPLE_RATE), dtype=np.float32)
    with open_wav(target) as out:
        for i in range(times):
            if i:
                write_samples(out, gap)
            write_samples(out, audio)
    return Path(target)
