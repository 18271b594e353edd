"""Speed through a finished run, part by part: does a long run slow down as it goes?

    longscribe transcribe LONG.wav -o OUT -f txt
    python bench/throughput.py OUT/.longscribe/jobs.sqlite [--parts 9] [--json OUT.json]

Reads the job store the run left (each chunk's commit time and the audio it covers) and
splits the input into ``--parts`` stretches of equal audio: for each, the wall seconds from
the last chunk committed before it to its own last chunk, and the speed in × real time.
Even stretches mean the code's cost per audio hour does not grow with the run; a run that
slows in every stretch alike against a shorter one points at the machine. Reads only: the
run has finished (or another process owns the store); nothing is decoded here.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
from pathlib import Path

from longscribe.types import SAMPLE_RATE


def stretches(commits: list[tuple[int, float]], started: float, parts: int) -> list[dict[str, float]]:
    """``commits``: (end sample of the chunk's audio, commit time) in chunk order; ``started``:
    when the job was created. Each stretch: its audio seconds, wall seconds and speed."""
    total = commits[-1][0]
    out: list[dict[str, float]] = []
    before_sample, before_time = 0, started
    for part in range(1, parts + 1):
        bound = total * part / parts
        inside = [(end, t) for end, t in commits if before_sample < end <= bound]
        if not inside:
            continue
        end, last = inside[-1]
        audio, wall = (end - before_sample) / SAMPLE_RATE, last - before_time
        out.append({"audio_seconds": round(audio, 1), "wall_seconds": round(wall, 2), "speed": round(audio / wall, 1)})
        before_sample, before_time = end, last
    return out


def read_job(store: Path, job: str | None) -> tuple[str, float, list[tuple[int, float]]]:
    """The job's input, creation time and (end sample, commit time) per chunk; the latest job by default."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        query = "SELECT id, input, created FROM jobs " + ("WHERE id = ?" if job else "ORDER BY created DESC LIMIT 1")
        row = db.execute(query, (job,) if job else ()).fetchone()
        if row is None:
            raise SystemExit(f"{store}: no such job")
        rows = db.execute("SELECT result, committed FROM chunks WHERE job = ? ORDER BY idx", (row[0],)).fetchall()
    finally:
        db.close()
    commits = [(int(json.loads(result)["chunk"]["keep"][1]), float(committed)) for result, committed in rows]
    if not commits:
        raise SystemExit(f"{store}: job {row[0]} has no chunks")
    return str(row[1]), float(row[2]), commits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path, help="the run's jobs.sqlite")
    parser.add_argument("--job", help="a job id (default: the latest)")
    parser.add_argument("--parts", type=int, default=9)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    path, started, commits = read_job(args.store, args.job)
    parts = stretches(commits, started, max(1, args.parts))
    print(f"{path}: {len(commits)} chunks")
    print("| stretch | audio s | wall s | × real time |\n|---|---|---|---|")
    for i, part in enumerate(parts, 1):
        print(f"| {i} | {part['audio_seconds']:.0f} | {part['wall_seconds']:.1f} | {part['speed']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"input": path, "chunks": len(commits), "stretches": parts}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
