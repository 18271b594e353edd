"""Test and benchmark inputs built from real recordings: slices and long concatenations.

Written as 16 kHz mono 16-bit WAV, streamed window by window, so building a
4-hour input needs no more memory than a 30 s one.
"""

from __future__ import annotations

import csv
import wave
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longscribe.audio import AudioStream
from longscribe.types import SAMPLE_RATE

WINDOW = 30 * SAMPLE_RATE


@dataclass(frozen=True)
class RefSegment:
    start: float
    end: float
    text: str


def read_segments(tsv: str | Path) -> list[RefSegment]:
    """A ``*.segments.tsv`` reference (start_s, end_s, text; header line)."""
    with open(tsv, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [RefSegment(float(r[0]), float(r[1]), r[2]) for r in rows[1:] if len(r) >= 3]


def reference_text(segments: Iterable[RefSegment], until: float | None = None) -> str:
    """Text of the segments that end before ``until`` seconds (all when None)."""
    return " ".join(s.text for s in segments if until is None or s.end <= until)


def _write_samples(out: wave.Wave_write, audio: np.ndarray) -> None:
    pcm = np.clip(audio, -1.0, 1.0 - 1 / 32768) * 32768
    out.writeframes(pcm.astype("<i2").tobytes())


def _open_wav(path: str | Path) -> wave.Wave_write:
    out = wave.open(str(path), "wb")
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(SAMPLE_RATE)
    return out


def write_slice(source: str | Path, target: str | Path, seconds: float) -> Path:
    """The first ``seconds`` of ``source`` as a WAV file."""
    remaining = int(seconds * SAMPLE_RATE)
    with AudioStream(source) as stream, _open_wav(target) as out:
        for window in stream.windows(WINDOW):
            take = window[:remaining]
            _write_samples(out, take)
            remaining -= take.shape[0]
            if remaining <= 0:
                break
    return Path(target)


def write_repeated(source: str | Path, target: str | Path, times: int, gap_seconds: float) -> Path:
    """``source`` (a short clip) said ``times`` over, ``gap_seconds`` of silence between, as a WAV file."""
    with AudioStream(source) as stream:
        audio = np.concatenate([np.zeros(0, dtype=np.float32), *stream.windows(WINDOW)])
    gap = np.zeros(int(gap_seconds * SAMPLE_RATE), dtype=np.float32)
    with _open_wav(target) as out:
        for i in range(times):
            if i:
                _write_samples(out, gap)
            _write_samples(out, audio)
    return Path(target)


def write_concat(sources: Sequence[str | Path], target: str | Path, minutes: float) -> list[tuple[str, float]]:
    """Concatenate ``sources`` round-robin until ``minutes`` of audio; returns (source, offset_s) per piece."""
    goal = int(minutes * 60 * SAMPLE_RATE)
    written = 0
    pieces: list[tuple[str, float]] = []
    with _open_wav(target) as out:
        while written < goal:
            for source in sources:
                if written >= goal:
                    break
                pieces.append((str(source), written / SAMPLE_RATE))
                with AudioStream(source) as stream:
                    for window in stream.windows(WINDOW):
                        take = window[: goal - written]
                        _write_samples(out, take)
                        written += take.shape[0]
                        if written >= goal:
                            break
    return pieces


def pause_before(segments: Sequence[RefSegment], seconds: float) -> float:
    """A cut point in the pause just before ``seconds``, so no reference segment is split."""
    ended = [s for s in segments if s.end <= seconds]
    if not ended:
        return seconds
    last = ended[-1]
    following = [s for s in segments if s.start >= last.end]
    return (last.end + following[0].start) / 2 if following else last.end
