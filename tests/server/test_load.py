"""Many clients at once: every request is answered (a transcript, or 429 when the line is full), none is
lost or done twice, memory stays bounded, and a slow upload does not hold up anyone else."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from longscribe.benchmarks.measure import peak_rss_mib
from servers import Reply, Server, multipart, send_raw

pytestmark = pytest.mark.slow
CLIENTS = 20
MAX_QUEUE = 6
TEXT_ANEW: dict[str, str | list[str]] = {"response_format": "text", "again": "true"}
"""Every request a job of its own: without ``again`` the same recording would be answered from a finished job."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("load") / "data"
    with Server(data, ["--model", "tiny.en", "--max-queue", str(MAX_QUEUE)]) as server:
        yield server


def test_twenty_clients_at_once_are_served_or_told_to_come_back(server: Server, sample_mp3: Path) -> None:
    start = threading.Barrier(CLIENTS)

    def client(n: int) -> Reply:
        start.wait(30)
        return server.upload("/v1/audio/transcriptions", sample_mp3, TEXT_ANEW, filename=f"c{n}.mp3")

    with ThreadPoolExecutor(CLIENTS) as pool:
        replies = list(pool.map(client, range(CLIENTS)))
    served = [r for r in replies if r.status == 200]
    refused = [r for r in replies if r.status == 429]
    assert len(served) + len(refused) == CLIENTS, [r.status for r in replies]
    assert MAX_QUEUE <= len(served) < CLIENTS and refused  # the line was full for some
    assert len({r.text for r in served}) == 1 and "ask not what your country" in served[0].text
    assert all(r.headers["retry-after"] and r.json()["error"]["code"] == "queue_full" for r in refused)
    for n in range(len(refused)):  # a client that comes back is served
        again = server.upload("/v1/audio/transcriptions", sample_mp3, TEXT_ANEW, filename=f"r{n}.mp3")
        assert again.status == 200 and again.text == served[0].text
    jobs = server.request("GET", "/v1/jobs").json()["data"]
    names = sorted(j["file"] for j in jobs)
    assert len(jobs) == CLIENTS and len(set(names)) == CLIENTS, names  # none lost, none twice
    assert all(j["status"] == "done" for j in jobs)
    assert server.proc is not None and 0 < peak_rss_mib(server.proc.pid) < 1200


def test_a_slow_upload_does_not_hold_up_the_others(server: Server, data_dir: Path, sample_mp3: Path) -> None:
    body, content_type = multipart((data_dir / "jfk.flac").read_bytes(), "slow.flac", {"response_format": "text"})
    head = (f"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(body)}"
            f"\r\nContent-Type: {content_type}\r\n\r\n").encode()  # fmt: skip
    slow: dict[str, object] = {}
    started = threading.Event()

    def upload_slowly() -> None:
        slow["answer"] = send_raw(server.port, head, body, bytes_per_second=100_000, sent_head=started)  # ~12 s
        slow["ended"] = time.monotonic()

    thread = threading.Thread(target=upload_slowly)
    thread.start()
    assert started.wait(30), "the slow upload never started"
    fast = server.upload("/v1/audio/transcriptions", sample_mp3, {"response_format": "text"})
    fast_ended = time.monotonic()
    thread.join(120)
    assert fast.status == 200 and "ask not" in fast.text
    answer = slow["answer"]
    assert isinstance(answer, bytes) and answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b"ask not what your country" in answer
    assert fast_ended < float(slow["ended"]) - 5  # type: ignore[arg-type]
