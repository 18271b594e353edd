"""How long Ctrl-C takes: ``longscribe transcribe`` interrupted (SIGINT) some seconds into a run.

    python bench/stop_time.py --model base --at 20 --out docs/results/stop-time.json

The whole English long-form file, default settings, a fresh job store per try. The JSON keeps,
per try, the seconds from the signal to the exit, the exit code, the chunks the store kept, and
the machine.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from longscribe.cli.bench import machine
from longscribe.placement import detect

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def one(model: str, at: float, audio: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as out:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # a terminal's foreground job
        try:
            command = [sys.executable, "-m", "longscribe", "transcribe", str(audio), "-o", out, "--model", model]
            proc = subprocess.Popen([*command, "-f", "txt", "--quiet"], stderr=subprocess.PIPE, text=True)
        finally:
            signal.signal(signal.SIGINT, previous)
        time.sleep(at)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stderr = proc.communicate(timeout=600)[1]
        took = time.monotonic() - sent
        with sqlite3.connect(Path(out) / ".longscribe" / "jobs.sqlite") as db:
            kept = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    return {"signal_at_s": at, "exit_after_s": round(took, 2), "exit_code": proc.returncode, "chunks_kept": kept,
            "said": stderr.strip().splitlines()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--at", type=float, nargs="+", default=[20.0, 33.0, 47.0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    audio = DATA / "longform_en_asterisk.mp3"
    tries = [one(args.model, at, audio) for at in args.at]
    result = {"command": " ".join(sys.argv), "model": args.model, "input": audio.name, "tries": tries,
              "machine": machine(detect())}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(tries, indent=2))


if __name__ == "__main__":
    main()
