"""Whisper's log-mel features of one 30 s window, the same bits in every process.

faster-whisper projects the power spectrum onto the mel bands with one matrix product,
which numpy hands to its BLAS; OpenBLAS sums in another order with several threads, so the
words followed ``OMP_NUM_THREADS`` (which Ray sets per actor). Here each band sums its few
FFT bins with element-wise numpy operations, in one fixed order whatever the environment;
everything else is faster-whisper's own computation, step for step.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from longscribe.engines.whisper import MEL_FRAMES, WINDOW_SAMPLES
from longscribe.types import SAMPLE_RATE, AudioArray

N_FFT = 400
HOP = 160


class LogMel:
    """``LogMel(n_mels)(audio)``: the ``(n_mels, 3000)`` float32 features of a chunk of at most 30 s."""

    def __init__(self, n_mels: int = 80) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        self._stft = FeatureExtractor.stft
        filters = FeatureExtractor.get_mel_filters(SAMPLE_RATE, N_FFT, n_mels=n_mels).astype(np.float32)
        self._bands: list[tuple[int, int, npt.NDArray[np.float32]]] = []
        for row in filters:
            used = np.flatnonzero(row)
            first, last = int(used[0]), int(used[-1]) + 1
            self._bands.append((first, last, np.ascontiguousarray(row[first:last, None])))
        self._hann = np.hanning(N_FFT + 1)[:-1].astype(np.float32)

    def __call__(self, audio: AudioArray) -> npt.NDArray[np.float32]:
        # zero-padded to 30 s in the sample domain, as Whisper was trained, then faster-whisper's padding
        waveform = np.zeros(WINDOW_SAMPLES + HOP, dtype=np.float32)
        waveform[: min(audio.shape[0], WINDOW_SAMPLES)] = audio[:WINDOW_SAMPLES]
        spectrum = self._stft(waveform, N_FFT, HOP, window=self._hann, return_complex=True).astype(np.complex64)
        power = np.abs(spectrum[..., :-1]) ** 2
        mel = np.empty((len(self._bands), power.shape[1]), dtype=np.float32)
        for k, (first, last, weights) in enumerate(self._bands):
            mel[k] = (power[first:last] * weights).sum(axis=0)
        log_spec = np.log10(np.clip(mel, 1e-10, None))
        log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
        return np.ascontiguousarray((log_spec[:, :MEL_FRAMES] + 4.0) / 4.0, dtype=np.float32)
