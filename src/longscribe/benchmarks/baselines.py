"""Run faster-whisper's own pipelines on a file, for comparison (one per process).

``python -m longscribe.benchmarks.baselines {sequential,batched} FILE --model base`` prints
one JSON object: text, audio seconds, load and transcription seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="longscribe.benchmarks.baselines")
    parser.add_argument("mode", choices=("sequential", "batched"))
    parser.add_argument("file")
    parser.add_argument("--model", default="base")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--beam-size", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--tuned-malloc", action="store_true", help="longscribe's malloc settings (longscribe.memory)")
    args = parser.parse_args(argv)
    if args.tuned_malloc:
        from longscribe import memory

        memory.configure()

    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from longscribe.models import resolve_model

    started = time.perf_counter()
    model = WhisperModel(
        resolve_model(args.model).path, device="cpu", compute_type=args.compute_type, cpu_threads=args.threads
    )
    load = time.perf_counter() - started
    started = time.perf_counter()
    audio = _input(args.file)
    if args.mode == "sequential":
        segments, info = model.transcribe(audio, beam_size=args.beam_size)
    else:
        pipeline = BatchedInferencePipeline(model)
        segments, info = pipeline.transcribe(audio, beam_size=args.beam_size, batch_size=args.batch_size)
    text = " ".join(s.text.strip() for s in segments)
    elapsed = time.perf_counter() - started
    json.dump(
        {
            "text": text,
            "audio_seconds": info.duration,
            "load_seconds": load,
            "transcribe_seconds": elapsed,
            "language": info.language,
        },
        sys.stdout,
    )
    return 0


def _input(path: str) -> Any:
    """The path, for faster-whisper to decode as its users run it; with PyAV 19 or newer, whose
    ``av.open`` lost a keyword faster-whisper 1.2 passes, the samples decoded here instead (16 kHz
    mono float32, the whole file in memory, as faster-whisper holds it)."""
    import av

    if int(av.__version__.split(".")[0]) < 19:
        return path
    import numpy as np

    from longscribe.audio import AudioStream

    with AudioStream(path) as stream:
        return np.concatenate([np.zeros(0, dtype=np.float32), *stream.windows(30 * 16_000)])


if __name__ == "__main__":
    sys.exit(main())
