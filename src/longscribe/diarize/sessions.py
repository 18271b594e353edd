"""The two ONNX models, loaded once: local speaker segmentation and the voice embedding."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from longscribe.errors import ModelNotFoundError

SEGMENTATION = "segmentation-3.0.onnx"
EMBEDDING = "campplus-cn-en-common.onnx"
WINDOW = 160_000
"""Samples the segmentation model was trained on (10 s)."""
FRAME_HOP = 270
"""Samples between the segmentation model's output frames."""
FRAME_CENTER = 495
"""Sample at the centre of the first output frame's receptive field."""
POWERSET = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]], dtype=np.float32)
"""The segmentation model's seven classes as the local speakers (of three) they hold: at most two at once."""


def bundled_dir() -> Path:
    return Path(str(resources.files("longscribe.diarize") / "models"))


class DiarizationModels:
    """onnxruntime sessions for both models (CPU; ``threads`` intra-op threads each)."""

    def __init__(self, directory: str | Path | None = None, threads: int = 1) -> None:
        import onnxruntime as ort

        folder = Path(directory) if directory is not None else bundled_dir()
        missing = [name for name in (SEGMENTATION, EMBEDDING) if not (folder / name).is_file()]
        if missing:
            raise ModelNotFoundError("diarization", [str(folder / name) for name in missing])
        self.directory = folder
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.enable_cpu_mem_arena = (
            False  # the arena holds its peak for good; flat memory matters more (docs/benchmarks.md)
        )
        options.enable_mem_pattern = False
        providers = ["CPUExecutionProvider"]
        self._segmentation = ort.InferenceSession(str(folder / SEGMENTATION), options, providers=providers)
        self._embedding = ort.InferenceSession(str(folder / EMBEDDING), options, providers=providers)

    def segment(self, windows: np.ndarray) -> np.ndarray:
        """Local speaker activity of ``(n, 160000)`` windows: ``(n, frames, 3)``, 1 where a speaker speaks
        (the most likely of the seven classes, frame by frame)."""
        log_probs = self._segmentation.run(None, {"input": windows[:, None, :].astype(np.float32)})[0]
        return np.asarray(POWERSET[np.argmax(log_probs, axis=-1)], dtype=np.float32)

    def embed(self, features: np.ndarray) -> np.ndarray:
        """A unit-length voice embedding of ``(frames, 80)`` filterbank features."""
        vector = np.asarray(self._embedding.run(None, {"input": features[None].astype(np.float32)})[0][0])
        return np.asarray(vector / max(float(np.linalg.norm(vector)), 1e-9), dtype=np.float32)
