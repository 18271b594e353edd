"""The Engine protocol over remote workers: batches go to idle workers, lost ones are replaced.

Transport-free: ``call(handle, method, *args)`` runs a worker method and
returns its result (Ray: ``ray.get(handle.method.remote(*args))``; the
scheduling simulation: a direct call). The driver keeps everything stateful —
chunk planning (VAD), the job store, stitching, the progress bar — and the
batch scheduler runs as many batches at once as there are workers, so the
chunks of one long file are decoded by all workers together, results
committed in order as they come back.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from longscribe.cluster.dispatch import Retry, WorkerSet
from longscribe.cluster.worker import empty_audio
from longscribe.engines.base import DecodeRequest, EngineBase
from longscribe.options import TranscribeOptions
from longscribe.types import ChunkAudio, ChunkTranscript

log = logging.getLogger(__name__)

Call = Callable[..., Any]


class ClusterEngine(EngineBase):
    """Looks like one engine to the pipeline; is ``size`` workers (see :class:`~.worker.EngineWorker`).

    ``send_audio``: always send chunk samples, even to workers that could read the input themselves.
    """

    def __init__(
        self,
        handles: Sequence[Any],
        lost: tuple[type[BaseException], ...],
        call: Call,
        *,
        send_audio: bool = False,
    ) -> None:
        self._call = call
        self._send_audio = send_audio
        self.described: list[dict[str, Any]] = [call(h, "describe") for h in handles]
        first = self.described[0]
        self.name, self.device, self.compute_type = first["engine"], first["device"], first["compute_type"]
        self.multilingual = bool(first.get("multilingual", True))
        self.batch_size = min(int(d["batch_size"]) for d in self.described)
        names = [f"{d['node']}:{d['pid']}" for d in self.described]
        self.workers: WorkerSet[Any] = WorkerSet(handles, names, lost=lost)
        self.path: str | None = None
        self.shared = False
        self._file_start = 0  # retries before the current input began

    @property
    def size(self) -> int:
        return len(self.workers.handles)

    @property
    def retries(self) -> list[Retry]:
        return self.workers.retries

    def open_input(self, path: str) -> bool:
        """Start an input: send chunk spans instead of samples when every worker can read ``path`` itself."""
        self._file_start = len(self.retries)
        stat = os.stat(path)
        answers = [
            self._call(h, "can_read", path, stat.st_size, stat.st_mtime_ns) for h in self.workers.alive_handles()
        ]
        self.path, self.shared = path, bool(answers) and all(answers) and not self._send_audio
        log.info("cluster: %s reaches the workers as %s", path, "a shared path" if self.shared else "chunk arrays")
        return self.shared

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        if not batch:
            return []
        path = self.path if self.shared else None
        payload = [ChunkAudio(item.chunk, empty_audio()) for item in batch] if path else list(batch)

        def call(handle: Any) -> list[ChunkTranscript]:
            result: list[ChunkTranscript] = self._call(handle, "transcribe", payload, options, request, path)
            return result

        return self.workers.run(call, tuple(item.chunk.index for item in batch))

    def report(self) -> dict[str, Any]:
        """The cluster as the current input saw it (retries since :meth:`open_input`)."""
        return {
            "workers": self.size,
            "alive": self.workers.alive,
            "audio": "path" if self.shared else "arrays",
            "nodes": sorted({d["node"] for d in self.described}),
            "retries": [vars(r) for r in self.retries[self._file_start :]],
        }

    def close(self) -> None:
        """Nothing to release for direct workers; Ray's subclass stops its actors."""
        return None
