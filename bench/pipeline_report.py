"""Numbers for docs/benchmarks.md: WER per clip, speed, peak RSS at 10 min and 2 h.

    python bench/pipeline_report.py --out docs/results/pipeline-2026-11-25.json

Every long-form run is a fresh subprocess (`longscribe transcribe` or
faster-whisper's own pipeline), timed, with its peak RSS from the kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from longscribe import Transcriber
from longscribe.benchmarks.measure import run_measured
from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_concat, write_slice
from longscribe.metrics import error_rates

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"  # --data overrides
CLIPS = [("jfk.flac", "en"), ("lucier.mp3", "en"), ("librivox_es_galdos.mp3", "es")] + [
    (f"ljspeech/LJ001-00{n}.wav", "en") for n in ("02", "05", "08", "11", "16", "20")
]


def set_data(folder: Path) -> None:
    global DATA
    DATA = folder.resolve()


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def clips(models: list[str]) -> list[dict[str, Any]]:
    rows = []
    for model in models:
        transcriber = Transcriber(model=model)
        for clip, language in CLIPS:
            if model.endswith(".en") and language != "en":
                continue
            started = time.perf_counter()
            transcription = transcriber.transcribe(DATA / clip)
            text = "".join(s.text for s in transcription)
            wall = time.perf_counter() - started
            rates = error_rates((DATA / clip).with_suffix(".txt").read_text(), text, language)
            rows.append(
                {
                    "model": model,
                    "clip": clip,
                    "language": transcription.info.language,
                    "audio_s": round(transcription.info.duration_s, 2),
                    "wall_s": round(wall, 2),
                    "speed_x": round(transcription.info.duration_s / wall, 1),
                    **rates.as_dict(),
                }
            )
    return rows


def longscribe_run(path: Path, reference: str | None, out: Path, model: str) -> dict[str, Any]:
    run = run_measured(
        [
            sys.executable,
            "-m",
            "longscribe",
            "transcribe",
            str(path),
            "--model",
            model,
            "-o",
            str(out),
            "-f",
            "json",
            "--quiet",
        ]
    )
    if run.returncode:
        raise RuntimeError(run.stderr)
    doc = json.loads((out / f"{path.stem}.json").read_text())
    info = doc["info"]
    row = {
        "runner": "longscribe",
        "model": model,
        "audio_s": info["duration"],
        "load_s": info["timings"]["load"],
        "transcribe_s": info["timings"]["transcribe"],
        "process_wall_s": round(run.wall_seconds, 1),
        "speed_x": round(info["duration"] / info["timings"]["transcribe"], 1),
        "peak_rss_mib": round(run.peak_rss_bytes / 2**20),
    }
    if reference is not None:
        row.update(error_rates(reference, doc["text"]).as_dict())
    return row


def baseline_run(mode: str, path: Path, reference: str, model: str) -> dict[str, Any]:
    run = run_measured([sys.executable, "-m", "longscribe.benchmarks.baselines", mode, str(path), "--model", model])
    if run.returncode:
        raise RuntimeError(run.stderr)
    doc = json.loads(run.stdout)
    return {
        "runner": f"faster-whisper {mode}",
        "model": model,
        "audio_s": round(doc["audio_seconds"], 1),
        "load_s": round(doc["load_seconds"], 2),
        "transcribe_s": round(doc["transcribe_seconds"], 1),
        "process_wall_s": round(run.wall_seconds, 1),
        "speed_x": round(doc["audio_seconds"] / doc["transcribe_seconds"], 1),
        "peak_rss_mib": round(run.peak_rss_bytes / 2**20),
        **error_rates(reference, doc["text"]).as_dict(),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default="base")
    parser.add_argument("--skip-long", action="store_true", help="no 2-hour run")
    parser.add_argument("--data", type=Path, default=DATA, help="the shared speech data folder")
    args = parser.parse_args()
    set_data(args.data)
    report: dict[str, Any] = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "clips": clips(["tiny.en", "base"]),
    }
    segments = read_segments(DATA / "longform_en_asterisk.segments.tsv")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cut = pause_before(segments, 600.0)
        ten = write_slice(DATA / "longform_en_asterisk.mp3", tmp / "en10.wav", cut)
        reference = reference_text(segments, cut)
        report["ten_minutes"] = [
            longscribe_run(ten, reference, tmp, args.model),
            baseline_run("sequential", ten, reference, args.model),
        ]
        if not args.skip_long:
            two = tmp / "two-hours.wav"
            write_concat([DATA / "longform_en_asterisk.mp3", DATA / "longform_es_asterisk.mp3"], two, minutes=120)
            report["two_hours"] = [longscribe_run(two, None, tmp, args.model)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
