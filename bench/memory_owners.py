"""Who holds the memory at a run's high-water mark, from memray captures.

    pip install memray
    memray run --native -o /tmp/run.bin -m longscribe transcribe FILE --model base --diarize -o /tmp/out
    python bench/memory_owners.py /tmp/run.bin [...] --json docs/results/OUT.json

Each allocation live at the high-water mark (the moment the most memory was allocated and not
yet freed) is put down to its owner by its stack: the diarizer, the VAD, the engine's Python
side, CTranslate2's threads, the rest. This is what the program asks malloc for; a process's
peak RSS is larger (libraries' code and data, and heap memory malloc keeps after it was freed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

MIB = 2**20


def owner(record: Any) -> str:
    files = " ".join(frame[1] for frame in record.stack_trace(max_stacks=40))
    if "/diarize/" in files or "pipeline/speakers.py" in files:
        return "diarization"
    if "/vad/" in files:
        return "VAD"
    if "faster_whisper" in files or "/engines/" in files:
        return "engine, Python side (model, features)"
    if files:
        return "other Python"
    native = " ".join(frame[0] for frame in record.native_stack_trace(max_stacks=12))
    if any(name in native for name in ("ctranslate2", "dnnl", "mkl")):
        return "engine, CTranslate2 threads"
    return "other native"


def owners(capture: Path) -> dict[str, Any]:
    from memray import FileReader

    held: Counter[str] = Counter()
    for record in FileReader(str(capture)).get_high_watermark_allocation_records(merge_threads=True):
        held[owner(record)] += record.size
    return {
        "high_water_mark_mib": round(sum(held.values()) / MIB, 1),
        "by_owner_mib": {name: round(size / MIB, 1) for name, size in held.most_common()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("captures", type=Path, nargs="+", help="memray run --native outputs")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args()
    report = {capture.name: owners(capture) for capture in args.captures}
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
