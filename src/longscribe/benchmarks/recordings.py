"""Test and benchmark inputs built from real recordings: slices and long concatenations.

Written as 16 kHz mono 16-bit WAV, streamed window by window, so building a
4-hour input needs no more memory than a 30 s one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from longscribe.audio import AudioStream
from longscribe.audio.wav import WINDOW, open_wav, write_samples
from longscribe.types import SAMPLE_RATE


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


def write_slice(source: str | Path, target: str | Path, seconds: float) -> Path:
    """The first ``seconds`` of ``source`` as a WAV file."""
    remaining = int(seconds * SAMPLE_RATE)
    with AudioStream(source) as stream, open_wav(target) as out:
        for window in stream.windows(WINDOW):
            take = window[:remaining]
            write_samples(out, take)
            remaining -= take.shape[0]
            if remaining <= 0:
                break
    return Path(target)


def write_concat(sources: Sequence[str | Path], target: str | Path, minutes: float) -> list[tuple[str, float]]:
    """Concatenate ``sources`` round-robin until ``minutes`` of audio; returns (source, offset_s) per piece."""
    goal = int(minutes * 60 * SAMPLE_RATE)
    written = 0
    pieces: list[tuple[str, float]] = []
    with open_wav(target) as out:
        while written < goal:
            for source in sources:
                if written >= goal:
                    break
                pieces.append((str(source), written / SAMPLE_RATE))
                with AudioStream(source) as stream:
                    for window in stream.windows(WINDOW):
                        take = window[: goal - written]
                        write_samples(out, take)
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


def _speech_frames(audio: np.ndarray) -> np.ndarray:
    """Silero's speech probability per 512 samples of ``audio``."""
    from longscribe.vad.silero import SileroStream

    stream = SileroStream()
    return np.concatenate([stream.feed(audio), stream.flush()])


def _regions(probs: np.ndarray, frame: int, *, fill: float = 0.3, shortest: float = 0.2) -> list[tuple[int, int]]:
    """Speech regions (samples) where silero says >= 0.5, pauses under ``fill`` s bridged."""
    speech = np.concatenate([[0], (probs >= 0.5).astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(speech))
    runs: list[list[int]] = []
    for start, end in zip(edges[::2] * frame, edges[1::2] * frame):
        if runs and start - runs[-1][1] < fill * SAMPLE_RATE:
            runs[-1][1] = int(end)
        else:
            runs.append([int(start), int(end)])
    return [(a, b) for a, b in runs if b - a >= shortest * SAMPLE_RATE]


CONVERSATION_VOICES = {
    "jfk": ["jfk.flac"],
    "lucier": ["lucier.mp3"],
    "allison": ["longform_en_asterisk.mp3"],
    "galdos": ["librivox_es_galdos.mp3"],
    "lj": [f"ljspeech/LJ001-00{n}.wav" for n in ("02", "05", "08", "11", "16", "20")],
}
"""Five voices of ../shared/data that occur nowhere else in each other's files (paths within it)."""


def write_conversation(
    voices: dict[str, Sequence[str | Path]],
    target: str | Path,
    *,
    minutes: float,
    seed: int = 0,
    turn_seconds: tuple[float, float] | Mapping[str, tuple[float, float]] = (2.0, 15.0),
    gap_seconds: tuple[float, float] = (0.3, 1.0),
    weights: Mapping[str, float] | None = None,
) -> list[tuple[float, float, str]]:
    """A conversation of several voices as a WAV file, and who speaks when in it.

    Each voice's recordings are taken in order, a turn of ``turn_seconds`` at a time (one range for
    all, or one per voice; cut at the quietest moment near the planned end), turns of a different
    voice each time (chosen with the odds ``weights`` gives, evenly without), a pause of
    ``gap_seconds`` between; a voice whose audio runs out stops. Returns ``(start_s, end_s, voice)``
    for every stretch of speech (silero VAD on each turn, pauses under 0.3 s bridged): the reference
    for a diarization score."""
    from longscribe.vad.silero import FRAME as VAD_FRAME

    rng = np.random.default_rng(seed)
    ranges = {n: turn_seconds if isinstance(turn_seconds, tuple) else turn_seconds[n] for n in voices}
    goal = int(minutes * 60 * SAMPLE_RATE)
    # No voice can use more than the whole conversation and the silences cut from its turns:
    # twice the goal and a turn, so a long source is not decoded (and its speech found) to the end.
    most = 2 * goal + int((max(high for _, high in ranges.values()) + 60) * SAMPLE_RATE)
    audio = {name: _first_samples(sources, most) for name, sources in voices.items()}
    probs = {name: _speech_frames(samples) for name, samples in audio.items()}
    used = dict.fromkeys(voices, 0)
    written, previous = 0, None
    turns: list[tuple[float, float, str]] = []
    with open_wav(target) as out:
        while written < goal:
            left = [n for n in voices if n != previous and len(audio[n]) - used[n] >= ranges[n][0] * SAMPLE_RATE]
            if not left:
                break
            if weights is None:
                name = left[int(rng.integers(len(left)))]
            else:
                odds = np.array([weights[n] for n in left])
                name = left[int(rng.choice(len(left), p=odds / odds.sum()))]
            start = used[name]
            planned = start + int(rng.uniform(*ranges[name]) * SAMPLE_RATE)
            near = probs[name][max(0, planned // VAD_FRAME - 15) : planned // VAD_FRAME + 16]
            end = (max(0, planned // VAD_FRAME - 15) + int(np.argmin(near))) * VAD_FRAME if len(near) else planned
            end = min(max(end, start + VAD_FRAME), len(audio[name]))
            piece = audio[name][start:end]
            used[name] = end
            speech = _regions(probs[name][start // VAD_FRAME : -(-end // VAD_FRAME)], VAD_FRAME)
            if not speech:
                continue
            first, last = speech[0][0], min(speech[-1][1], len(piece))
            write_samples(out, piece[first:last])
            for a, b in speech:
                turns.append(
                    ((written + a - first) / SAMPLE_RATE, (written + min(b, last) - first) / SAMPLE_RATE, name)
                )
            written += last - first
            gap = np.zeros(int(rng.uniform(*gap_seconds) * SAMPLE_RATE), dtype=np.float32)
            write_samples(out, gap)
            written += len(gap)
            previous = name
    return turns


def _first_samples(sources: Sequence[str | Path], most: int) -> np.ndarray:
    """The first ``most`` samples of ``sources`` said one after the other (all of them, if fewer)."""
    parts: list[np.ndarray] = []
    got = 0
    for source in sources:
        with AudioStream(source) as stream:
            for window in stream.windows(WINDOW):
                parts.append(window)
                got += window.shape[0]
                if got >= most:
                    return np.concatenate(parts)[:most]
    return np.concatenate(parts)


def write_rttm(turns: Iterable[tuple[float, float, str]], target: str | Path, name: str = "conversation") -> Path:
    """Turns as RTTM SPEAKER lines."""
    lines = [f"SPEAKER {name} 1 {a:.3f} {b - a:.3f} <NA> <NA> {who} <NA> <NA>\n" for a, b, who in turns]
    Path(target).write_text("".join(lines))
    return Path(target)
