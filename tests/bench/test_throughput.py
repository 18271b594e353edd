"""bench/throughput.py reads a job store and tells a run that slows as it goes from an even one."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from longscribe.jobs.store import JobStore
from longscribe.types import SAMPLE_RATE

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "throughput.py"


def _store(tmp_path: Path, seconds_per_chunk: list[float]) -> Path:
    """A job of 30 s chunks, created at t=100, each committed ``seconds_per_chunk[i]`` after the last."""
    store = JobStore(tmp_path)  # the schema; the rows are written here, at times of the test's choosing
    store.close()
    path = store.path
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO jobs (id, input, fingerprint, options, status, created, updated) VALUES (?,?,?,?,?,?,?)",
        ("j1", "/x/long.wav", "f", "{}", "complete", 100.0, 200.0),
    )
    now = 100.0
    for idx, took in enumerate(seconds_per_chunk):
        now += took
        chunk = {"index": idx, "keep": [idx * 30 * SAMPLE_RATE, (idx + 1) * 30 * SAMPLE_RATE]}
        db.execute(
            "INSERT INTO chunks (job, idx, result, committed) VALUES (?,?,?,?)",
            ("j1", idx, json.dumps({"chunk": chunk}), now),
        )
    db.commit()
    db.close()
    return path


def _stretches(path: Path, tmp_path: Path, parts: int) -> list[dict[str, float]]:
    out = tmp_path / "t.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--parts", str(parts), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "/x/long.wav: 8 chunks" in done.stdout
    return list(json.loads(out.read_text())["stretches"])


def test_a_run_that_slows_in_its_second_half_shows_it(tmp_path: Path) -> None:
    path = _store(tmp_path, [1.0] * 4 + [2.0] * 4)  # 30 s of audio a second, then 15
    parts = _stretches(path, tmp_path, 2)
    assert [p["audio_seconds"] for p in parts] == [120.0, 120.0]
    assert [p["wall_seconds"] for p in parts] == [4.0, 8.0]  # the first from the job's creation
    assert [p["speed"] for p in parts] == [30.0, 15.0]


def test_an_even_run_is_even_and_empty_stretches_are_left_out(tmp_path: Path) -> None:
    path = _store(tmp_path, [1.5] * 8)
    parts = _stretches(path, tmp_path, 16)  # more stretches than chunks: only those that end a chunk
    assert len(parts) == 8
    assert {p["speed"] for p in parts} == {20.0}
