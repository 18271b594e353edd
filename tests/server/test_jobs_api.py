"""Durable jobs over HTTP: submit, follow, fetch every format, list, delete; what a bad request gets."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audio_fixtures import encode, tone
from servers import Server, job_folders, multipart, send_raw

KEY = "test-key-0123456789"
MAX_UPLOAD = 2_000_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("jobs")
    key_file = root / "key"
    key_file.write_text(KEY + "\n")
    args = ["--model", "tiny.en", "--api-key-file", str(key_file), "--max-upload", str(MAX_UPLOAD), "--verbose"]
    with Server(root / "data", args, key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def clip(data_dir: Path) -> Path:
    return data_dir / "jfk.flac"


def nothing_left(server: Server, before: list[Path], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while job_folders(server.data) != before:
        assert time.monotonic() < deadline, f"left behind: {set(job_folders(server.data)) - set(before)}"
        time.sleep(0.1)


def test_a_url_is_refused_unless_the_server_allows_urls(server: Server) -> None:
    reply = server.form("/v1/jobs", {"url": "https://example.org/talk.mp3"})
    assert reply.status == 403 and "--allow-url" in reply.json()["error"]["message"]


def test_a_job_from_upload_to_deletion(server: Server, clip: Path) -> None:
    reply = server.upload("/v1/jobs", clip, {"language": "en", "word_timestamps": "true"})
    assert reply.status == 202, reply.body
    job = reply.json()
    assert job["status"] in ("queued", "running") and job["file"] == "jfk.flac" and len(job["id"]) >= 20
    assert reply.headers["location"] == f"/v1/jobs/{job['id']}"
    events = list(server.events(f"/v1/jobs/{job['id']}/events"))
    kinds = [e["type"] for e in events]
    assert (
        "segment" in kinds and "progress" in kinds and events[-1] == {"type": "status", "status": "done", "error": None}
    )
    done = server.job(job["id"])
    assert done["status"] == "done" and done["language"] == "en" and done["duration"] == pytest.approx(11.0, abs=0.1)
    assert done["progress"]["done_seconds"] == pytest.approx(11.0, abs=0.1)
    text = server.request("GET", f"/v1/jobs/{job['id']}/result?format=txt")
    assert text.status == 200 and "ask not what your country can do for you" in " ".join(text.text.lower().split())
    assert 'filename="jfk.txt"' in text.headers["content-disposition"]
    for fmt in ("srt", "vtt", "tsv", "json", "html", "md"):
        assert server.request("GET", f"/v1/jobs/{job['id']}/result?format={fmt}").status == 200, fmt
    doc = json.loads(server.request("GET", f"/v1/jobs/{job['id']}/result?format=json").body)
    assert doc["segments"][0]["words"]  # asked for
    segment_text = " ".join(e["text"].strip() for e in events if e["type"] == "segment")
    assert segment_text == doc["text"]
    audio = server.request("GET", f"/v1/jobs/{job['id']}/audio")
    assert audio.body == clip.read_bytes() and audio.headers["x-content-type-options"] == "nosniff"
    listed = server.request("GET", "/v1/jobs").json()["data"]
    assert job["id"] in [j["id"] for j in listed]
    assert server.request("GET", f"/v1/jobs/{job['id']}/result?format=pdf").status == 400
    deleted = server.request("DELETE", f"/v1/jobs/{job['id']}")
    assert deleted.status == 200 and deleted.json()["deleted"] is True
    assert server.request("GET", f"/v1/jobs/{job['id']}").status == 404
    assert not (server.data / "jobs" / job["id"]).exists()


def test_the_key_is_asked_on_every_api_route_and_nowhere_else(server: Server) -> None:
    for method, path in (("GET", "/v1/models"), ("GET", "/v1/jobs"), ("GET", "/v1/jobs/x"), ("DELETE", "/v1/jobs/x"),
                         ("POST", "/v1/audio/transcriptions"), ("POST", "/v1/jobs"), ("GET", "/metrics")):  # fmt: skip
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
            reply = server.request(method, path, b"", headers)
            assert reply.status == 401, (method, path, headers, reply.status)
            assert reply.json()["error"]["type"] == "authentication_error"
    assert server.request("GET", f"/v1/models?access_token={KEY}", headers={"Authorization": ""}).status == 200
    for path in ("/healthz", "/readyz", "/", "/page/app.js"):
        assert server.request("GET", path, headers={"Authorization": ""}).status == 200, path
    metrics = server.request("GET", "/metrics").text
    assert "longscribe_queue_length 0" in metrics and "longscribe_audio_seconds_transcribed_total" in metrics


def test_unknown_jobs_and_files_are_404(server: Server) -> None:
    for path in ("/v1/jobs/nope", "/v1/jobs/nope/result", "/v1/jobs/nope/events", "/v1/jobs/nope/audio", "/page/x.js"):
        reply = server.request("GET", path)
        assert reply.status == 404 and reply.json()["error"]["code"] == "not_found", path
    assert server.request("DELETE", "/v1/jobs/nope").status == 404


def test_what_is_not_audio_is_refused_and_leaves_nothing(server: Server, tmp_path: Path) -> None:
    before = job_folders(server.data)
    for data, name, status, words in (
        (b"not audio at all\n" * 200, "notes.mp3", 415, "not audio"),
        (b"", "empty.wav", 400, "empty"),
        (bytes(range(256)) * 50, "noise.flac", 415, "not audio"),
    ):
        reply = server.upload("/v1/audio/transcriptions", data, filename=name)
        assert reply.status == status, (name, reply.body)
        message = reply.json()["error"]["message"]
        assert words in message and "\n" not in message and str(server.data) not in message, message
    bare = server.request("POST", "/v1/jobs", b"file=x", {"Content-Type": "application/x-www-form-urlencoded"})
    assert bare.status == 400 and "multipart/form-data" in bare.json()["error"]["message"]
    nothing_left(server, before)


def test_uploads_over_the_limit_are_413_however_they_come(server: Server) -> None:
    before = job_folders(server.data)
    big = bytes(MAX_UPLOAD + 10)
    assert server.upload("/v1/jobs", big, filename="big.wav").status == 413  # announced by Content-Length
    body, content_type = multipart(big, "big.wav", {})
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 65536]), body[i : i + 65536]) for i in range(0, len(body), 65536)
    )
    head = (f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nConnection: close\r\n"
            f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()  # fmt: skip
    answer = send_raw(server.port, head, chunks + b"0\r\n\r\n")  # no length given: counted as it streams
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    nothing_left(server, before)


def test_a_client_gone_mid_upload_leaves_no_partial_file(server: Server, clip: Path) -> None:
    before = job_folders(server.data)
    body, content_type = multipart(clip.read_bytes(), "jfk.flac", {})
    head = (f"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Length: {len(body)}\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode()  # fmt: skip
    assert send_raw(server.port, head, body, stop_at=len(body) // 2) == b""
    nothing_left(server, before)
    assert server.request("GET", "/healthz").status == 200


def test_a_file_name_is_only_a_name(server: Server, clip: Path) -> None:
    reply = server.upload("/v1/jobs", clip, filename="../../escaped.flac")
    assert reply.status == 202
    job = server.wait_job(reply.json()["id"])
    assert job["status"] == "done" and job["file"] == "../../escaped.flac"
    assert not list(server.data.parent.rglob("escaped*")) and not (server.data.parent.parent / "escaped.flac").exists()
    result = server.request("GET", f"/v1/jobs/{job['id']}/result?format=txt")
    assert 'filename="escaped.txt"' in result.headers["content-disposition"]
    assert sorted(p.name for p in (server.data / "jobs" / job["id"]).iterdir() if not p.name.startswith("result")) == [
        "audio",
        "job.json",
    ]


def test_a_truncated_recording_gives_what_it_holds_and_a_warning(server: Server, data_dir: Path) -> None:
    whole = (data_dir / "longform_en_asterisk.mp3").read_bytes()  # 31 minutes announced
    reply = server.upload("/v1/jobs", whole[: len(whole) // 40], filename="cut.mp3")
    assert reply.status == 202, reply.body
    job = server.wait_job(reply.json()["id"])
    assert job["status"] == "done" and 35 < job["duration"] < 60, job
    assert len(job["warnings"]) == 1 and "decoding stopped at 0:" in job["warnings"][0], job
    assert len(server.request("GET", f"/v1/jobs/{job['id']}/result?format=txt").text.split()) > 50


def test_a_recording_without_speech_is_an_empty_transcript(server: Server, tmp_path: Path) -> None:
    path = encode(tmp_path / "tone.mp3", tone(5.0), "mp3")
    reply = server.upload("/v1/audio/transcriptions", path, {"response_format": "verbose_json"})
    assert reply.status == 200 and reply.json()["text"] == "" and reply.json()["segments"] == []


def test_the_same_recording_asked_the_same_way_gives_the_finished_job(server: Server, clip: Path) -> None:
    audio = clip.read_bytes()
    first = server.upload("/v1/jobs", audio, {"language": "en"}, filename="meeting4.flac")
    assert first.status == 202, first.body
    done = server.wait_job(first.json()["id"])
    assert done["status"] == "done" and done["options"] == {"task": "transcribe", "language": "en"}
    again = server.upload("/v1/jobs", audio, {"language": "en"}, filename="renamed.flac")
    assert again.status == 200 and again.json()["reused"] is True and again.json()["id"] == done["id"]
    assert again.headers["x-longscribe-reused"] == "true"
    sync = server.upload("/v1/audio/transcriptions", audio, {"language": "en", "response_format": "text"})
    assert sync.status == 200 and sync.headers["x-longscribe-job"] == done["id"]
    assert sync.text.split() == server.request("GET", f"/v1/jobs/{done['id']}/result?format=txt").text.split()
    other = server.upload("/v1/jobs", audio, {"language": "en", "word_timestamps": "true"})
    forced = server.upload("/v1/jobs", audio, {"language": "en", "again": "true"})
    assert other.status == forced.status == 202, "other options, or again=true: transcribed anew"
    ids = {done["id"], other.json()["id"], forced.json()["id"]}
    assert len(ids) == 3
    for job_id in ids:
        server.wait_job(job_id)
        assert server.request("DELETE", f"/v1/jobs/{job_id}").status == 200
