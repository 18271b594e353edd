"""Load on ``longscribe serve``: many clients posting a short clip to ``/v1/audio/transcriptions`` at once.

    python bench/server_load.py CLIP [--model tiny.en] [--jobs 1] [--requests 60] [--concurrency 1,4,20] [--json OUT]

starts a server on 127.0.0.1 (a free port, a fresh data folder), then for each
concurrency sends ``--requests`` requests, each as soon as a client is free, and
reports requests/s, the latency of each request (upload to transcript: p50, p95,
max), how many got 429 (the line was full), and the server's peak resident memory.
A 429 is retried after a second, as a client following ``Retry-After`` would (sooner).
"""

from __future__ import annotations

import argparse
import http.client
import json
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from longscribe.benchmarks.measure import peak_rss_mib
from longscribe.placement import detect


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clip", type=Path)
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", default="1,4,20")
    parser.add_argument("--jobs", type=int, default=1, help="the server's --jobs (jobs transcribed at once)")
    parser.add_argument("--max-queue", type=int, default=64)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    body, content_type = form(args.clip)
    with tempfile.TemporaryDirectory() as data:
        server, port = start(args.model, Path(data), args.jobs, args.max_queue)
        try:
            post(port, body, content_type)  # warm-up
            runs = [load(port, body, content_type, int(c), args.requests) for c in args.concurrency.split(",")]
            peak = peak_rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(60)
    doc = {
        "date": date.today().isoformat(),
        "command": " ".join(["python", *sys.argv]),
        "clip": args.clip.name,
        "clip_bytes": len(body),
        "model": args.model,
        "jobs": args.jobs,
        "cpu": detect().cpu.model,
        "python": platform.python_version(),
        "runs": runs,
        "server_peak_rss_mib": round(peak, 1),
    }
    for run in runs:
        print(
            f"concurrency {run['concurrency']:>3}: {run['requests_per_second']:.2f} req/s, p50 {run['p50_s']:.2f} s,"
            f" p95 {run['p95_s']:.2f} s, max {run['max_s']:.2f} s, 429s {run['refused']}"
        )
    print(f"server peak RSS {peak:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


def form(clip: Path) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{clip.name}"\r\n\r\n'
    field = 'Content-Disposition: form-data; name="response_format"\r\n\r\ntext'
    tail = f"\r\n--{boundary}\r\n{field}\r\n--{boundary}--\r\n"
    return head.encode() + clip.read_bytes() + tail.encode(), f"multipart/form-data; boundary={boundary}"


def start(model: str, data: Path, jobs: int, max_queue: int) -> tuple[subprocess.Popen[bytes], int]:
    log = data / "server.log"
    argv = [sys.executable, "-m", "longscribe", "serve", "--model", model, "--port", "0",
            "--data-dir", str(data / "jobs"), "--jobs", str(jobs), "--max-queue", str(max_queue)]  # fmt: skip
    with open(log, "wb") as out:
        server = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    for _ in range(1200):
        found = re.search(rb"at http://127\.0\.0\.1:(\d+)/", log.read_bytes())
        if found:
            port = int(found.group(1))
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return server, port
            except OSError:
                pass
        if server.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()}")
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def post(port: int, body: bytes, content_type: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("POST", "/v1/audio/transcriptions", body, {"Content-Type": content_type})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def load(port: int, body: bytes, content_type: str, concurrency: int, requests: int) -> dict[str, Any]:
    refused = [0]

    def one(_: int) -> float:
        started = time.perf_counter()
        while (status := post(port, body, content_type)) == 429:
            refused[0] += 1
            time.sleep(1.0)
        assert status == 200, status
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = sorted(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": requests,
        "seconds": round(wall, 2),
        "requests_per_second": round(requests / wall, 3),
        "p50_s": round(statistics.median(latencies), 3),
        "p95_s": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 3),
        "max_s": round(latencies[-1], 3),
        "refused": refused[0],
    }


if __name__ == "__main__":
    raise SystemExit(main())
