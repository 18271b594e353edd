"""Scaling on Ray: the same input through 1..N actors of a local Ray, against the local pipeline.

    python bench/cluster_scaling.py --model tiny.en --minutes 10 --out docs/results/cluster-scaling-tiny.en.json

Each run is a fresh ``longscribe transcribe`` process (``--ray local`` starts a
Ray inside it, so start-up is in the wall time; ``transcribe s`` is the
pipeline's own time after the actors are up). Text is checked to equal the
local run's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from longscribe.benchmarks.recordings import pause_before, read_segments, write_slice

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="longscribe-scaling-"))
    segments = read_segments(DATA / "longform_en_asterisk.segments.tsv")
    cut = pause_before(segments, args.minutes * 60)
    audio = write_slice(DATA / "longform_en_asterisk.mp3", work / "talk.wav", cut)
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    runs = []
    configs = [("local", [])] + [(f"ray, {n} actor(s)", ["--ray", "local", "--workers", str(n)]) for n in args.actors]
    reference = None
    for label, extra in configs:
        out = work / label.replace(" ", "_").replace(",", "")
        cmd = [sys.executable, "-m", "longscribe", "transcribe", str(audio), "-o", str(out), "-f", "txt,json"]
        started = time.perf_counter()
        done = subprocess.run([*cmd, "--model", args.model, "--quiet", *extra], env=env)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{label}: exit {done.returncode}")
        info = json.loads((out / "talk.json").read_text())["info"]
        text = (out / "talk.txt").read_text()
        reference = reference or text
        runs.append(
            {
                "run": label,
                "audio_seconds": round(info["duration"], 1),
                "wall_seconds": round(wall, 1),
                "transcribe_seconds": info["timings"]["transcribe"],
                "x_real_time": round(info["duration"] / info["timings"]["transcribe"], 1),
                "same_text_as_local": text == reference,
                "cluster": info.get("cluster", {}),
            }
        )
        print(json.dumps(runs[-1]), flush=True)
    doc = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} CPUs, {platform.python_version()}",
        "model": args.model,
        "audio": f"longform_en_asterisk first {cut:.0f} s",
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
