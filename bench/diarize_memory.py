"""What ``--diarize`` costs on a long recording: wall time and peak memory, with and without.

    python bench/make_long.py --minutes 266 --english-only --out /tmp/long266.wav
    python bench/diarize_memory.py /tmp/long266.wav --json docs/results/OUT.json

Runs ``longscribe transcribe --model base`` on the file in a fresh process, then the same with
``--diarize`` (each measured by ``longscribe.benchmarks.measure.run_measured``: wall time and the
process's peak RSS), and scores both transcripts against the file's ``.segments.tsv`` (written
by make_long.py), so the words can be seen to be the same.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from longscribe.benchmarks.measure import run_measured
from longscribe.benchmarks.recordings import read_segments, reference_text
from longscribe.metrics import error_rates

MIB = 2**20


def run(audio: Path, extra: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "longscribe", "transcribe", str(audio), "--model", "base", *extra,
                   "-o", out, "-f", "json", "--quiet", "--job-dir", f"{out}/jobs"]  # fmt: skip
        measured = run_measured(command)
        if measured.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {measured.stderr.strip()[-500:]}")
        document = json.loads((Path(out) / f"{audio.stem}.json").read_text(encoding="utf-8"))
    info = document["info"]
    reference = reference_text(read_segments(audio.with_suffix(".segments.tsv")))
    errors = error_rates(reference, document["text"], "en")
    speakers = info.get("speakers") or []
    talk = sorted((s["seconds"] for s in speakers), reverse=True)
    return {
        "name": " ".join(["longscribe", *extra]),
        "wall_seconds": round(measured.wall_seconds, 1),
        "peak_rss_mib": round(measured.peak_rss_bytes / MIB),
        "audio_seconds": info["duration"],
        "timings": info["timings"],
        "wer": round(errors.wer, 4),
        "cer": round(errors.cer, 4),
        "speakers_talk_seconds": talk,
        "text": document["text"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("audio", type=Path, help="a file with its .segments.tsv beside it (bench/make_long.py)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    plain, diarized = run(args.audio, []), run(args.audio, ["--diarize"])
    same_text = plain.pop("text") == diarized.pop("text")
    report = {
        "date": date.today().isoformat(),
        "command": " ".join(["python", *sys.argv]),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "runs": [plain, diarized],
        "same_text": same_text,
        "wall_ratio": round(diarized["wall_seconds"] / plain["wall_seconds"], 2),
        "peak_growth_mib": diarized["peak_rss_mib"] - plain["peak_rss_mib"],
    }
    for row in report["runs"]:
        wer = 100 * row["wer"]
        print(f"{row['name']:<24} {row['wall_seconds']:8.1f} s  peak {row['peak_rss_mib']} MiB  WER {wer:.2f} %")
    print(f"--diarize: {report['wall_ratio']}x the time, +{report['peak_growth_mib']} MiB, same text: {same_text}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
