"""What cheaper decoding buys on a long file: speed and WER per beam size, and beam only where doubtful.

    python bench/decoding_cost.py FILE REFERENCE.txt --language en [--model base] [--json OUT]

One process, malloc set as the ``longscribe`` command sets it (``longscribe.memory``; without
it the encoder runs slower and the speeds are not the command's), the model loaded once,
every configuration run on the whole file in turn:
beam 5 (the default), 3, 2 and 1 (greedy), and greedy and beam 5 with the CPU workers'
encoders allowed to run at the same time (by default they take turns, see
``longscribe.engines.ct2``; that is patched here, on the engine, for the measurement only).
Each reports wall seconds, WER/CER and the engine's stage seconds.

Then, from the per-chunk texts of the greedy and the beam-5 runs, "beam only where the greedy
text is doubtful": for each threshold on the greedy chunk's average log-probability (and a
compression ratio over 2.0), the transcript made of the beam text of the doubtful chunks and
the greedy text of the others, with its WER and the share of chunks that would need the beam.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from longscribe import memory  # noqa: E402

memory.configure()  # first, as the command does: before any thread or big allocation

from longscribe import Transcriber  # noqa: E402
from longscribe.metrics import error_rates  # noqa: E402
from longscribe.placement.hardware import detect  # noqa: E402

CONFIGS = [(5, True), (3, True), (2, True), (1, True), (1, False), (5, False)]
THRESHOLDS = (-0.15, -0.2, -0.25, -0.3, -0.4, -0.6)
DOUBTFUL_RATIO = 2.0


def run(base: Transcriber, path: str, beam: int, turns: bool, reference: str, language: str) -> dict[str, Any]:
    engine: Any = base.engine
    kept = engine._encoding
    if not turns:
        engine._encoding = contextlib.nullcontext()
    before = engine.stage_seconds()
    started = time.perf_counter()
    try:
        chunks: dict[int, list[Any]] = defaultdict(list)
        for segment in base.with_options(beam_size=beam).transcribe(path):
            chunks[segment.chunk].append(segment)
        wall = time.perf_counter() - started
    finally:
        engine._encoding = kept
    per_chunk = {
        c: {
            "text": " ".join(s.text.strip() for s in segments),
            "avg_logprob": segments[0].avg_logprob,
            "compression_ratio": segments[0].compression_ratio,
        }
        for c, segments in sorted(chunks.items())
    }
    rates = error_rates(reference, " ".join(c["text"] for c in per_chunk.values()), language)
    stages = {k: round(v - before.get(k, 0.0), 1) for k, v in engine.stage_seconds().items()}
    name = f"beam {beam}" + ("" if turns else ", encoders not in turns")
    return {
        "config": name,
        "beam_size": beam,
        "encoders_in_turns": turns,
        "wall_seconds": round(wall, 1),
        "wer": round(100 * rates.wer, 2),
        "cer": round(100 * rates.cer, 2),
        "chunks": len(per_chunk),
        "stages": stages,
        "per_chunk": per_chunk,
    }


def beam_where_doubtful(greedy: dict[int, Any], beam: dict[int, Any], reference: str, language: str) -> list[Any]:
    keys = sorted(set(greedy) | set(beam))
    rows = []
    for threshold in THRESHOLDS:

        def doubtful(k: int, t: float = threshold) -> bool:
            g = greedy.get(k)
            return g is None or g["avg_logprob"] < t or g["compression_ratio"] > DOUBTFUL_RATIO

        text = " ".join((beam if doubtful(k) else greedy).get(k, {}).get("text", "") for k in keys)
        rates = error_rates(reference, text, language)
        share = sum(doubtful(k) for k in keys) / max(1, len(keys))
        rows.append(
            {
                "avg_logprob_below": threshold,
                "beam_share": round(share, 3),
                "wer": round(100 * rates.wer, 2),
                "cer": round(100 * rates.cer, 2),
            }
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("file")
    p.add_argument("reference", type=Path)
    p.add_argument("--language", required=True)
    p.add_argument("--model", default="base")
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    reference = args.reference.read_text(encoding="utf-8")
    base = Transcriber(model=args.model, language=args.language)
    runs = []
    for beam, turns in CONFIGS:
        row = run(base, args.file, beam, turns, reference, args.language)
        print(json.dumps({k: v for k, v in row.items() if k != "per_chunk"}), flush=True)
        runs.append(row)
    greedy = {int(k): v for k, v in runs[CONFIGS.index((1, True))]["per_chunk"].items()}
    beam5 = {int(k): v for k, v in runs[CONFIGS.index((5, True))]["per_chunk"].items()}
    hybrid = beam_where_doubtful(greedy, beam5, reference, args.language)
    for row in hybrid:
        print(json.dumps(row), flush=True)
    if args.json:
        report = {
            "date": date.today().isoformat(),
            "file": args.file,
            "model": args.model,
            "machine": {"cpu": detect().cpu.model, "cores": os.cpu_count(), "python": platform.python_version()},
            "runs": runs,
            "beam_where_doubtful": hybrid,
        }
        args.json.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
