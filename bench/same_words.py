"""Which settings change the words: one input transcribed under each environment, the bytes compared.

    python bench/same_words.py --model base --minutes 2.5 --out docs/results/same-words.json

Each run is a fresh ``longscribe transcribe`` process with its own job store, with
``OMP_NUM_THREADS`` unset unless the row sets it. A row's txt and srt are compared
with the first row's; the JSON keeps every row's checksums, words and the machine.
The variables after the first rows steer the kernels CTranslate2 and numpy's
OpenBLAS pick (``OPENBLAS_CORETYPE=Haswell`` is OpenBLAS's AVX2 path, which an
AVX2-only CPU takes by itself).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from longscribe.benchmarks.recordings import pause_before, read_segments, write_slice
from longscribe.cli.bench import machine
from longscribe.placement import detect

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

AVX2 = {"CT2_FORCE_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}
ROWS: list[tuple[str, dict[str, str], list[str]]] = [
    ("defaults", {}, []),
    ("OMP_NUM_THREADS=1", {"OMP_NUM_THREADS": "1"}, []),
    ("OMP_NUM_THREADS=2", {"OMP_NUM_THREADS": "2"}, []),
    ("--workers 1 --threads 2 --batch-size 8", {}, ["--workers", "1", "--threads", "2", "--batch-size", "8"]),
    ("OPENBLAS_CORETYPE=Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, []),
    ("AVX2 path (CT2 + OpenBLAS)", AVX2, []),
    ("AVX2 path, OMP_NUM_THREADS=1", {**AVX2, "OMP_NUM_THREADS": "1"}, []),
    ("AVX2 path, OMP_NUM_THREADS=2", {**AVX2, "OMP_NUM_THREADS": "2"}, []),
    ("CT2_USE_MKL=0 (oneDNN, as on AMD)", {"CT2_USE_MKL": "0"}, []),
    ("MKL_ENABLE_INSTRUCTIONS=AVX2", {"MKL_ENABLE_INSTRUCTIONS": "AVX2"}, []),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--minutes", type=float, default=2.5)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="longscribe-same-words-"))
    segments = read_segments(DATA / "longform_en_asterisk.segments.tsv")
    audio = write_slice(DATA / "longform_en_asterisk.mp3", work / "talk.wav", pause_before(segments, args.minutes * 60))
    base_env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    rows = []
    for i, (label, env, flags) in enumerate(ROWS):
        out = work / f"run{i}"
        command = [sys.executable, "-m", "longscribe", "transcribe", str(audio), "-o", str(out), "-f", "txt,srt"]
        done = subprocess.run(
            [*command, "--model", args.model, "--quiet", *flags], env={**base_env, **env}, capture_output=True
        )
        if done.returncode != 0:
            print(f"{label}: {done.stderr.decode().strip()}", file=sys.stderr)
            return 1
        files = {suffix: (out / f"talk.{suffix}").read_bytes() for suffix in ("txt", "srt")}
        rows.append(
            {
                "label": label,
                "env": env,
                "flags": flags,
                "md5": {suffix: hashlib.md5(data).hexdigest() for suffix, data in files.items()},
                "words": len(files["txt"].split()),
            }
        )
    first = rows[0]["md5"]
    for row in rows:
        row["same_as_defaults"] = row["md5"] == first
        print(f"{row['label']:<42} {'same' if row['same_as_defaults'] else 'DIFFERENT'}  {row['md5']['txt'][:8]}")
    report = {"model": args.model, "minutes": args.minutes, "machine": machine(detect()), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
