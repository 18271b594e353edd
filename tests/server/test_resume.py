"""A job survives its server: killed (SIGKILL) or stopped (SIGTERM) mid-job, the next ``longscribe serve``
finishes it from its last committed chunk, and the result is what an uninterrupted run writes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from servers import Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def uninterrupted(ten_minutes: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("uninterrupted")
    argv = [sys.executable, "-m", "longscribe", "transcribe", str(ten_minutes[0]), "--model", "tiny.en",
            "-o", str(out), "-f", "txt,srt,json", "--quiet"]  # fmt: skip
    subprocess.run(argv, check=True, timeout=600)
    return out


def committed(data: Path) -> int:
    with sqlite3.connect(f"file:{data / 'store' / 'jobs.sqlite'}?mode=ro", uri=True, timeout=5) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_job_outlives_its_server(
    sig: int, ten_minutes: tuple[Path, str], uninterrupted: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    first = Server(data, ["--model", "tiny.en"]).start()
    try:
        reply = first.upload("/v1/jobs", ten_minutes[0], filename="talk.wav")
        assert reply.status == 202, reply.body
        job_id = reply.json()["id"]
        first.wait_job(job_id, until=lambda j: j["progress"]["done_seconds"] > 120, timeout=300)
        sent = time.monotonic()
        code = first.stop(sig, timeout=60)  # SIGTERM: the decodes in flight are abandoned, it exits at once
        took = time.monotonic() - sent
    finally:
        first.__exit__()
    assert code in ((-signal.SIGKILL,) if sig == signal.SIGKILL else (0, -signal.SIGTERM)), (code, first.output())
    if sig == signal.SIGTERM:
        assert "Traceback" not in first.output(), first.output()
        assert took <= 5.0, f"the server took {took:.1f} s to stop"
    kept = committed(data)
    assert kept >= 4, kept

    with Server(data, ["--model", "tiny.en"]) as second:
        assert "1 unfinished job(s) resumed" in second.output()
        job = second.wait_job(job_id, timeout=600)
        assert job["status"] == "done", job
        for fmt in ("txt", "srt"):
            served = second.request("GET", f"/v1/jobs/{job_id}/result?format={fmt}").text
            assert served == (uninterrupted / f"{ten_minutes[0].stem}.{fmt}").read_text(), fmt
        info = second.request("GET", f"/v1/jobs/{job_id}/result?format=json").json()["info"]
        assert info["job"]["resumed_chunks"] >= kept  # committed chunks were not decoded again
