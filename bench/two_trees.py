"""The same command from two source trees, in paired rounds: is a change as fast, as lean and as worded?

    git worktree add /tmp/before <commit>
    python bench/two_trees.py --before /tmp/before/src --after src --rounds 3 --out docs/results/OUT.json

Each round runs ``longscribe transcribe FILE -f txt`` once from each tree (fresh processes, the
order alternating between rounds) and records wall seconds, peak RSS and whether the text is the
same; the median of the per-round ratios (after over before) is the answer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from longscribe.cli.bench import machine  # noqa: E402
from longscribe.placement import detect  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def run(src: str, file: Path, model: str) -> tuple[float, int, str]:
    out = Path(tempfile.mkdtemp(prefix="two-trees-"))
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    command = [sys.executable, "-m", "longscribe", "transcribe", str(file), "-o", str(out), "-f", "txt", "--quiet"]
    started = time.perf_counter()
    proc = subprocess.Popen([*command, "--model", model], env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"{src}: the command failed ({status})")
    return time.perf_counter() - started, usage.ru_maxrss // 1024, (out / f"{file.stem}.txt").read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the src/ folder of the code before")
    parser.add_argument("--after", required=True, help="the src/ folder of the code after")
    parser.add_argument("--file", type=Path, default=DATA / "longform_en_asterisk.mp3")
    parser.add_argument("--model", default="base")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    for r in range(args.rounds):
        order = ("before", "after") if r % 2 == 0 else ("after", "before")
        row: dict[str, object] = {"round": r}
        texts = {}
        for name in order:
            seconds, peak, texts[name] = run(getattr(args, name), args.file, args.model)
            row[f"{name}_s"], row[f"{name}_peak_mib"] = round(seconds, 2), peak
        row["after_over_before"] = round(float(row["after_s"]) / float(row["before_s"]), 4)  # type: ignore[arg-type]
        row["same_text"] = texts["before"] == texts["after"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    report = {
        "file": args.file.name,
        "model": args.model,
        "machine": machine(detect()),
        "rounds": rows,
        "median_after_over_before": statistics.median(float(r["after_over_before"]) for r in rows),  # type: ignore[arg-type]
        "same_text": all(r["same_text"] for r in rows),
    }
    print(json.dumps(report, indent=1))
    if args.out:
        args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
