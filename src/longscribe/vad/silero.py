"""Silero VAD (the ONNX model faster-whisper ships), run over a stream.

The LSTM state and the 64-sample context carry over from one window to the
next, so the probabilities equal those of one pass over the whole file while
only one window is held.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from longscribe.types import AudioArray

FRAME = 512
"""Samples per VAD decision (32 ms at 16 kHz)."""
CONTEXT = 64


@lru_cache(maxsize=1)
def _session() -> Any:
    import onnxruntime  # with telemetry off: longscribe/__init__.py sets ORT_DISABLE_TELEMETRY first
    from faster_whisper.utils import get_assets_path

    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.enable_cpu_mem_arena = False
    opts.log_severity_level = 4
    path = os.path.join(get_assets_path(), "silero_vad_v6.onnx")
    return onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=opts)


class SileroStream:
    """Feed audio windows of any length; get one speech probability per 512 samples."""

    def __init__(self) -> None:
        self._session = _session()
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._rest = np.zeros(0, dtype=np.float32)

    def feed(self, audio: AudioArray) -> npt.NDArray[np.float32]:
        data = np.concatenate([self._rest, audio]) if self._rest.shape[0] else audio
        whole = data.shape[0] - data.shape[0] % FRAME
        self._rest = data[whole:].copy()
        return self._run(data[:whole])

    def flush(self) -> npt.NDArray[np.float32]:
        """Probabilities for the last partial frame, zero-padded."""
        if not self._rest.shape[0]:
            return np.zeros(0, dtype=np.float32)
        last = np.pad(self._rest, (0, FRAME - self._rest.shape[0]))
        self._rest = np.zeros(0, dtype=np.float32)
        return self._run(last)

    def _run(self, audio: AudioArray) -> npt.NDArray[np.float32]:
        if not audio.shape[0]:
            return np.zeros(0, dtype=np.float32)
        frames = audio.reshape(-1, FRAME)
        context = np.empty((frames.shape[0], CONTEXT), dtype=np.float32)
        context[0] = self._context
        context[1:] = frames[:-1, -CONTEXT:]
        self._context = frames[-1, -CONTEXT:].copy()
        batch = np.concatenate([context, frames], axis=1)
        out, self._h, self._c = self._session.run(None, {"input": batch, "h": self._h, "c": self._c})
        return np.asarray(out, dtype=np.float32).reshape(-1)
