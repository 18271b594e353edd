"""A real ``longscribe serve`` process on 127.0.0.1 for the tests, and a small HTTP client (stdlib only).

The server runs in its own process (as users run it), on a free port it reports; every
wait is bounded, and the tests stop it (SIGTERM, or SIGKILL where the test is about that).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

START_SECONDS = 120


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Server:
    """``longscribe serve --port 0`` with ``args``; ``url`` once it listens."""

    data: Path
    args: list[str] = field(default_factory=list)
    key: str | None = None
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    port: int = 0
    log: Path | None = None

    def start(self) -> Server:
        self.log = self.data.parent / f"{self.data.name}-server-{uuid.uuid4().hex[:6]}.log"
        argv = [sys.executable, "-m", "longscribe", "serve", "--port", "0", "--data-dir", str(self.data), *self.args]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            found = re.search(rb"serving \S+ at http://127\.0\.0\.1:(\d+)/", self.log.read_bytes())
            if found:
                self.port = int(found.group(1))
                self.url = f"http://127.0.0.1:{self.port}"
                if self._healthy():
                    return self
            assert self.proc.poll() is None, f"the server exited: {self.output()}"
            time.sleep(0.1)
        raise AssertionError(f"the server did not start in {START_SECONDS} s: {self.output()}")

    def _healthy(self) -> bool:
        try:
            return self.request("GET", "/healthz").status == 200
        except OSError:
            return False

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    # -- HTTP ---------------------------------------------------------------

    def auth(self, headers: dict[str, str] | None = None) -> dict[str, str]:
        out = dict(headers or {})
        if self.key is not None and "Authorization" not in out:
            out["Authorization"] = f"Bearer {self.key}"
        return out

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 300,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=self.auth(headers))
            response = conn.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def upload(
        self,
        path: str,
        audio: Path | bytes,
        fields: dict[str, str | list[str]] | None = None,
        *,
        filename: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        """A multipart POST of ``audio`` (a file or bytes) in the field ``file``, with ``fields``."""
        data = audio.read_bytes() if isinstance(audio, Path) else audio
        name = filename if filename is not None else (audio.name if isinstance(audio, Path) else "clip.wav")
        body, content_type = multipart(data, name, fields or {})
        return self.request("POST", path, body, {"Content-Type": content_type, **(headers or {})})

    def form(self, path: str, fields: dict[str, str | list[str]]) -> Reply:
        """A multipart POST of ``fields`` without a file (``url=``)."""
        body, content_type = multipart(None, "", fields)
        return self.request("POST", path, body, {"Content-Type": content_type})

    def job(self, job_id: str) -> dict[str, Any]:
        reply = self.request("GET", f"/v1/jobs/{job_id}")
        assert reply.status == 200, (reply.status, reply.body)
        result: dict[str, Any] = reply.json()
        return result

    def wait_job(self, job_id: str, until: Any = None, timeout: float = 600) -> dict[str, Any]:
        """Poll the job until ``until(job)`` (default: finished), within ``timeout`` seconds."""
        until = until or (lambda j: j["status"] in ("done", "failed"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if until(job):
                return job
            assert self.proc is None or self.proc.poll() is None, f"the server exited: {self.output()}"
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} did not get there in {timeout} s: {self.job(job_id)}")

    def events(self, path: str, timeout: float = 300) -> Iterator[dict[str, Any]]:
        """The ``data:`` lines of a server-sent event stream, parsed, until it ends."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=self.auth())
            response = conn.getresponse()
            assert response.status == 200, (response.status, response.read())
            for line in response:
                if line.startswith(b"data: "):
                    yield json.loads(line[6:])
        finally:
            conn.close()


def multipart(data: bytes | None, filename: str, fields: dict[str, str | list[str]]) -> tuple[bytes, str]:
    """A multipart/form-data body: ``fields``, and ``data`` as the file part unless None."""
    boundary = f"longscribe-test-{uuid.uuid4().hex}"
    parts = []
    for name, values in fields.items():
        for value in [values] if isinstance(values, str) else values:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if data is not None:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def send_raw(
    port: int,
    head: bytes,
    body: bytes,
    *,
    bytes_per_second: float | None = None,
    stop_at: int | None = None,
    sent_head: threading.Event | None = None,
) -> bytes:
    """Send a request by hand: ``body`` paced at ``bytes_per_second``, or cut off after ``stop_at`` bytes
    (then the connection is closed without reading); ``sent_head`` is set once the server has the
    request's head. Returns what the server answered (b"" when cut off)."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(head)
        if sent_head is not None:
            sent_head.set()
        step = 10_000
        for offset in range(0, len(body), step):
            if stop_at is not None and offset >= stop_at:
                return b""
            sock.sendall(body[offset : offset + step])
            if bytes_per_second:
                time.sleep(step / bytes_per_second)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@contextlib.contextmanager
def conversation(data: Path, recording: Path, key: str) -> Iterator[tuple[Server, str]]:
    """A server (tiny.en, ``key``) holding one finished job: ``recording`` with its speakers found."""
    with Server(data, ["--model", "tiny.en", "--api-key", key], key=key) as server:
        reply = server.upload("/v1/jobs", recording, {"diarize": "true"})
        assert reply.status == 202, reply.body
        job_id = reply.json()["id"]
        assert server.wait_job(job_id)["status"] == "done"
        yield server, job_id


def until(page: Any, expression: str, timeout: float = 15) -> None:
    """Poll ``expression`` in a browser page (the service page's policy forbids Playwright's eval-based waits)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.1)


def job_folders(data: Path) -> list[Path]:
    jobs = data / "jobs"
    return sorted(p for p in jobs.iterdir() if p.is_dir()) if jobs.is_dir() else []
