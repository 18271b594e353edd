"""Kaldi's log mel filterbank, the features the CAM++ speaker-embedding model was trained on.

Computed as Kaldi's ``compute-fbank-feats`` does with the settings of that model
(25 ms frames every 10 ms, edges snipped, DC removed, pre-emphasis 0.97, Povey window,
512-point power spectrum, 80 mel bins from 20 Hz to Nyquist, no dither, no energy) and
then mean-normalised over the stretch, as the model expects. tools/export_diarization_models.py
checks it against the C++ extractor the models were shipped with.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000
FRAME = 400
"""Samples a frame (25 ms)."""
HOP = 160
"""Samples between frames (10 ms)."""
FFT = 512
BINS = 80
LOW_HZ = 20.0
PREEMPHASIS = 0.97
FLOOR = float(np.finfo(np.float32).eps)


def _mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, list[tuple[int, int, np.ndarray]]]:
    """The Povey window and each mel bin's weights as Kaldi builds them: (first FFT bin, last + 1,
    the weights of the bins between), a short contiguous range each."""
    n = np.arange(FRAME, dtype=np.float64)
    window = (0.5 - 0.5 * np.cos(2 * np.pi * n / (FRAME - 1))) ** 0.85
    low, high = _mel(LOW_HZ), _mel(SAMPLE_RATE / 2)
    delta = (high - low) / (BINS + 1)
    left = low + delta * np.arange(BINS)
    center, right = left + delta, left + 2 * delta
    mel = _mel(np.arange(FFT // 2) * SAMPLE_RATE / FFT)[:, None]
    rising = (mel - left) / (center - left)
    falling = (right - mel) / (right - center)
    weights = np.where((mel > left) & (mel < right), np.where(mel <= center, rising, falling), 0.0)
    ranges = []
    for column in weights.T.astype(np.float32):
        used = np.flatnonzero(column)
        ranges.append((int(used[0]), int(used[-1]) + 1, column[used[0] : used[-1] + 1]))
    return window.astype(np.float32), ranges


def num_frames(samples: int) -> int:
    return 0 if samples < FRAME else 1 + (samples - FRAME) // HOP


def fbank(samples: np.ndarray) -> np.ndarray:
    """Mean-normalised log mel energies, ``(frames, 80)`` float32, of 16 kHz mono samples
    (any scale: the normalisation removes it). Fewer than 400 samples are zero-padded to one frame."""
    samples = np.asarray(samples, dtype=np.float32)
    if len(samples) < FRAME:
        samples = np.pad(samples, (0, FRAME - len(samples)))
    count = num_frames(len(samples))
    starts = np.arange(count)[:, None] * HOP
    frames = samples[starts + np.arange(FRAME)].astype(np.float32)
    frames -= frames.mean(axis=1, keepdims=True)
    frames[:, 1:] -= PREEMPHASIS * frames[:, :-1].copy()
    frames[:, 0] *= 1.0 - PREEMPHASIS
    window, ranges = _tables()
    spectrum = np.fft.rfft(frames * window, n=FFT)[:, : FFT // 2]
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    # Summed over each mel bin's few FFT bins, as Kaldi does, rather than as one matrix product:
    # numpy hands the product to a multithreaded BLAS whose idle threads then spin on the cores
    # the transcription needs (docs/benchmarks.md, "Tried and not kept").
    mel = np.empty((count, BINS), dtype=np.float32)
    for k, (first, last, weights) in enumerate(ranges):
        mel[:, k] = (power[:, first:last] * weights).sum(axis=1)
    energies = np.log(np.maximum(mel, FLOOR))
    return np.asarray(energies - energies.mean(axis=0, keepdims=True), dtype=np.float32)
