"""``transcribe`` on feeds and URLs served by a real local HTTP server, as a user runs it (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webhost import Route, WebHost, rss, web_host

pytestmark = pytest.mark.model
DATES = ["Mon, 02 Nov 2026 10:00:00 GMT", "Tue, 03 Nov 2026 10:00:00 GMT", "Wed, 04 Nov 2026 10:00:00 GMT"]
CLIPS = ["ljspeech/LJ001-0005.wav", "ljspeech/LJ001-0011.wav", "ljspeech/LJ001-0016.wav", "ljspeech/LJ001-0020.wav"]
TITLES = ["Pilot: how it/began", "Ep. 2 — the press 🎙️", "../../escape", "Ep. 4"]


def longscribe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env=os.environ.copy(), timeout=300
    )


@pytest.fixture
def host() -> WebHost:
    with web_host() as running:
        yield running


def publish(host: WebHost, data_dir: Path, count: int) -> str:
    episodes = []
    for i in range(count):
        url = host.file(f"/media/{i}.wav", data_dir / CLIPS[i], "audio/x-wav")
        episodes.append((TITLES[i], url, f"show-{i}", DATES[i] if i < 3 else "Thu, 05 Nov 2026 10:00:00 GMT"))
    host.routes["/feed.xml"] = Route(rss("The Show", episodes), "application/rss+xml; charset=utf-8")
    return host.url("/feed.xml")


def page(title: str, body: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def transcribed(run: subprocess.CompletedProcess[str]) -> list[str]:
    return [line.split(" (The Show)")[0] for line in run.stderr.splitlines() if "of audio in" in line]


def test_a_feed_is_transcribed_once_per_episode_newest_first(host: WebHost, data_dir: Path, tmp_path: Path) -> None:
    feed = publish(host, data_dir, 3)
    args = ["transcribe", feed, "--latest", "2", "--feed-dir", str(tmp_path), "--model", "tiny.en", "-f", "txt,json"]
    first = longscribe(*args)
    assert first.returncode == 0, first.stderr
    assert transcribed(first) == ["../../escape", "Ep. 2 — the press 🎙️"]
    show = tmp_path / "The Show"
    assert sorted(p.name for p in show.iterdir()) == [
        "Ep. 2 — the press 🎙️.json",
        "Ep. 2 — the press 🎙️.txt",
        "_.._escape.json",
        "_.._escape.txt",
    ]
    info = json.loads((show / "_.._escape.json").read_text())["info"]
    assert info["source"]["title"] == "../../escape" and info["source"]["guid"] == "show-2"
    assert info["source"]["feed_title"] == "The Show" and info["source"]["published"].startswith("2026-11-04")
    assert "first importance" in (show / "Ep. 2 — the press 🎙️.txt").read_text()
    assert list((tmp_path / ".longscribe" / "downloads").iterdir()) == []  # finished jobs leave no spool

    again = longscribe(*args)
    assert again.returncode == 0 and transcribed(again) == [], again.stderr
    assert again.stderr.count("transcribed before") == 2
    media = [p for p, _ in host.requests if p.startswith("/media/")]
    assert sorted(media) == ["/media/1.wav", "/media/2.wav"]  # each fetched once; none on the rerun

    publish(host, data_dir, 4)  # a new episode: the only one the next run does
    third = longscribe(*args)
    assert third.returncode == 0 and transcribed(third) == ["Ep. 4"], third.stderr

    every = longscribe("transcribe", feed, "-o", str(tmp_path / "flat"), "--model", "tiny.en", "-f", "txt")
    assert every.returncode == 1 and "a feed of 4 episode(s): choose them with --latest N" in every.stderr
    saved = tmp_path / "show.rss"  # a feed saved as a file: its episodes still come from the web
    saved.write_bytes(host.routes["/feed.xml"].body)
    local = longscribe("transcribe", str(saved), "--latest", "1", "-o", str(tmp_path / "flat"), "--model", "tiny.en")
    assert local.returncode == 0 and transcribed(local) == ["Ep. 4"], local.stderr
    assert (tmp_path / "flat" / "Ep. 4.html").is_file()


def test_urls_a_dropped_connection_and_bad_urls(host: WebHost, data_dir: Path, tmp_path: Path) -> None:
    clip = data_dir / "jfk.flac"
    good = host.file("/talks/jfk.flac?token=1", clip, "audio/flac", drop_after=400_000, drop_on=2)
    host.routes["/page"] = Route(b"<html>secret page</html>", "text/html")
    host.file("/media/talk.wav", data_dir / CLIPS[3], "audio/x-wav")
    host.file("/media/talk.mp4", data_dir / CLIPS[3], "video/mp4")
    host.routes["/talk"] = Route(page("A talk: on type", '<audio src="/media/talk.wav"></audio>'), "text/html")
    host.routes["/video"] = Route(page("Film", '<video src="/media/talk.mp4"></video>'), "text/html")
    host.routes["/loop"] = Route(status=302, location="/loop")
    bad = {
        "404": host.url("/missing.mp3"),
        "page": host.url("/page"),
        "loop": host.url("/loop"),
        "video": host.url("/video"),
    }
    out = tmp_path / "out"
    run = longscribe(
        "transcribe", *bad.values(), good, host.url("/talk"), "--download-timeout", "1", "-o", str(out),
        "--model", "tiny.en", "-f", "json",
    )  # fmt: skip
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("longscribe: error:")]
    for url, problem in [
        (bad["404"], "HTTP 404"),
        (bad["page"], "is a web page with no recording"),
        (bad["video"], "offers its sound only inside a video"),
        (bad["loop"], "more than 5 redirects"),
    ]:
        assert len([e for e in errors if f"{url}: " in e and problem in e]) == 1, (url, errors)
    assert "secret" not in run.stderr and "Traceback" not in run.stderr
    assert "/media/talk.mp4" not in [p for p, _ in host.requests]  # never the video
    (named,) = out.glob("A talk_ on type*.json")  # the page's title, as yt-dlp gives it ("... (1)")
    talk = json.loads(named.read_text())
    assert talk["info"]["source"]["url"] == host.url("/talk")
    assert talk["info"]["source"]["title"].startswith("A talk: on type")
    assert "middle ages" in talk["text"].lower()
    assert host.ranges_asked("/talks/jfk.flac") == ["", "", "bytes=400000-"]  # a look, then the resumed fetch

    local = longscribe("transcribe", str(clip), "-o", str(tmp_path / "local"), "--model", "tiny.en", "-f", "json")
    assert local.returncode == 0
    remote = json.loads((out / "jfk.json").read_text())
    clean = json.loads((tmp_path / "local" / "jfk.json").read_text())
    assert remote["segments"] == clean["segments"] and remote["text"]
    assert remote["info"]["path"] == good and remote["info"]["source"] == {"url": good}

    again = longscribe("transcribe", good, "-o", str(out), "--model", "tiny.en", "-f", "json")
    assert again.returncode == 0 and "transcribed before" in again.stderr, again.stderr
    assert not list((out / ".longscribe" / "downloads").iterdir())
    exported = longscribe("export", good, "-o", str(tmp_path / "exported"), "-f", "txt")
    assert exported.returncode == 0, exported.stderr
    assert "ask not what your country" in " ".join((tmp_path / "exported" / "jfk.txt").read_text().lower().split())
