"""``POST /v1/jobs`` with ``url=``: off by default, private hosts refused at every hop, limits kept,
allowed hosts end to end (a real server fetching from a real local HTTP server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from servers import Server, job_folders
from webhost import Route, WebHost, rss, web_host

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def host() -> Iterator[WebHost]:
    with web_host() as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("urls")
    args = ["--model", "tiny.en", "--allow-url", "--allow-url-hosts", "localhost", "--max-upload", "1.5MB"]
    with Server(root / "data", args) as server:
        yield server


def at(host: WebHost, path: str, name: str = "localhost") -> str:
    return f"http://{name}:{host.port}{path}"


def test_private_hosts_are_refused_at_every_hop_and_nothing_is_fetched(
    server: Server, host: WebHost, data_dir: Path
) -> None:
    host.file("/private.flac", data_dir / "ljspeech/LJ001-0002.wav", "audio/x-wav")
    host.routes["/hop"] = Route(status=302, location=at(host, "/private.flac", "127.0.0.1"))
    before = job_folders(server.data)
    asked = len(host.requests)
    for url in (at(host, "/private.flac", "127.0.0.1"), at(host, "/hop"), "http://[::1]:9/x.mp3", "file:///etc/passwd"):
        reply = server.form("/v1/jobs", {"url": url})
        error = reply.json()["error"]
        assert reply.status == 403 and error["param"] == "url", (url, reply.body)
        assert "refused" in error["message"] and "\n" not in error["message"]
    assert [p for p, _ in host.requests[asked:]] == ["/hop"]  # the private address itself never asked
    assert job_folders(server.data) == before


def test_an_allowed_host_end_to_end_and_a_feed(server: Server, host: WebHost, data_dir: Path) -> None:
    url = host.file("/talks/jfk.flac", data_dir / "jfk.flac", "audio/flac").replace("127.0.0.1", "localhost")
    reply = server.form("/v1/jobs", {"url": url, "language": "en"})
    assert reply.status == 202, reply.body
    job = reply.json()
    assert job["file"] == "jfk" and job["url"] == url
    done = server.wait_job(job["id"])
    assert done["status"] == "done", done
    text = server.request("GET", f"/v1/jobs/{job['id']}/result?format=txt").text.lower()
    assert "ask not what your country can do for you" in " ".join(text.split())
    info = json.loads(server.request("GET", f"/v1/jobs/{job['id']}/result?format=json").body)["info"]
    assert info["source"] == {"url": url} and info["path"] == "jfk"

    episodes = []
    for i, clip in enumerate(["LJ001-0005.wav", "LJ001-0011.wav", "LJ001-0016.wav"]):
        media = host.file(f"/ep/{i}.wav", data_dir / "ljspeech" / clip, "audio/x-wav").replace("127.0.0.1", "localhost")
        episodes.append((f"Episode {i}", media, f"g{i}", f"Mon, 0{i + 2} Nov 2026 10:00:00 GMT"))
    host.routes["/feed.xml"] = Route(rss("Show", episodes), "application/rss+xml")
    feed = server.form("/v1/jobs", {"url": at(host, "/feed.xml"), "latest": "2"})
    assert feed.status == 202, feed.body
    listed = feed.json()
    assert [j["file"] for j in listed["data"]] == ["Episode 2", "Episode 1"] and listed["errors"] == []
    for item in listed["data"]:
        assert server.wait_job(item["id"])["status"] == "done"
    info = json.loads(server.request("GET", f"/v1/jobs/{listed['data'][0]['id']}/result?format=json").body)["info"]
    assert info["source"]["title"] == "Episode 2" and info["source"]["feed_title"] == "Show"


def test_limits_and_bad_requests(server: Server, host: WebHost, data_dir: Path) -> None:
    host.routes["/big.mp3"] = Route((data_dir / "lucier.mp3").read_bytes() * 3, "audio/mpeg")  # 2.1 MB
    big = at(host, "/big.mp3")
    host.routes["/page"] = Route(b"<html>private words</html>", "text/html")
    host.routes["/feed2.xml"] = Route(rss("Show", []), "application/rss+xml")
    cases = [
        ({"url": big}, 413, "download limit"),
        ({"url": at(host, "/missing.mp3")}, 502, "HTTP 404"),
        ({"url": at(host, "/page")}, 415, "web page"),
        ({"url": at(host, "/feed2.xml")}, 400, "latest=N"),
        ({"url": at(host, "/feed2.xml"), "latest": "3"}, 422, "no episode"),
        ({"url": ""}, 400, "url is empty"),
    ]
    for fields, status, message in cases:
        reply = server.form("/v1/jobs", fields)
        assert reply.status == status and message in reply.json()["error"]["message"], (fields, reply.body)
        assert b"private words" not in reply.body
    with_file = server.upload("/v1/jobs", data_dir / "jfk.flac", {"url": big})
    assert with_file.status == 400 and "not both" in with_file.json()["error"]["message"]
    openai = server.form("/v1/audio/transcriptions", {"url": big, "model": "whisper-1"})
    assert openai.status == 400 and "POST /v1/jobs" in openai.json()["error"]["message"]
