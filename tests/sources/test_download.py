"""Downloads from a real local HTTP server: resumed with Range, refused with one line, read as they arrive."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from longscribe.audio import AudioStream
from longscribe.errors import InputError, OptionsError
from longscribe.sources import Fetcher, FetchLimits, RemoteFile
from webhost import Route, WebHost, web_host

QUICK = FetchLimits(timeout=1.0, retries=1)


@pytest.fixture
def host() -> WebHost:
    with web_host() as running:
        yield running


def decoded(source: object) -> bytes:
    with AudioStream(source) as stream:  # type: ignore[arg-type]
        return b"".join(w.tobytes() for w in stream.windows(16000))


def test_a_dropped_connection_resumes_with_range_and_decodes_the_same(
    host: WebHost, data_dir: Path, tmp_path: Path
) -> None:
    source = data_dir / "jfk.flac"
    url = host.file("/jfk.flac", source, "audio/flac", drop_after=300_000)
    with RemoteFile(url, Fetcher(QUICK), tmp_path) as remote:
        audio = decoded(remote)
        assert remote.spool.read_bytes() == source.read_bytes()
    assert host.ranges_asked("/jfk.flac") == ["", "bytes=300000-"]
    assert audio == decoded(source)


def test_a_spool_left_by_a_stopped_run_is_continued_and_a_changed_file_starts_again(
    host: WebHost, data_dir: Path, tmp_path: Path
) -> None:
    source = data_dir / "jfk.flac"
    url = host.file("/a.flac", source, "audio/flac")
    fetcher = Fetcher(QUICK)
    remote = RemoteFile(url, fetcher, tmp_path)
    remote.wait_for(2**62)
    remote.close()
    spool = remote.spool
    spool.write_bytes(spool.read_bytes()[:500_000])  # as if killed half-way
    with RemoteFile(url, fetcher, tmp_path) as again:
        assert again.spool == spool
        assert decoded(again) == decoded(source)
    assert host.ranges_asked("/a.flac")[-1] == "bytes=500000-"
    host.file("/a.flac", data_dir / "ljspeech/LJ001-0002.wav", "audio/wav")  # another ETag
    with RemoteFile(url, fetcher, tmp_path) as changed:
        assert changed.spool != spool and not spool.exists()
        assert changed.identity["etag"] != again.identity["etag"]
        changed.wait_for(2**62)
    changed.discard()
    assert list(tmp_path.iterdir()) == []


def test_reading_starts_before_the_download_ends(host: WebHost, data_dir: Path, tmp_path: Path) -> None:
    body = (data_dir / "jfk.flac").read_bytes()
    host.routes["/slow.flac"] = Route(body, "audio/flac", trickle=0.05)  # 18 pieces: about 1 s
    with RemoteFile(host.url("/slow.flac"), Fetcher(FetchLimits(timeout=5)), tmp_path) as remote:
        with AudioStream(remote) as stream:
            windows = stream.windows(16000)
            first = next(windows)
            assert len(first) == 16000 and remote.downloaded < len(body)
            rest = sum(len(w) for w in windows)
        assert remote.downloaded == len(body) and len(first) + rest == 11 * 16000


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        (Route(status=404), "HTTP 404 Not Found"),
        (Route(status=302, location="/loop"), "more than 5 redirects"),
        (Route(b"<html><body>hello</body></html>", "text/html; charset=utf-8"), "is a web page (text/html)"),
        (Route(b"<html><body>hello</body></html>" * 50, "audio/mpeg"), "not a readable audio/video file"),
        (Route(b"x" * 2000, "audio/mpeg", stall=3.0), "no answer for 1 s"),
    ],
    ids=["404", "redirect-loop", "web-page", "html-served-as-audio", "stall"],
)
def test_a_bad_url_is_one_line_naming_it(host: WebHost, tmp_path: Path, route: Route, problem: str) -> None:
    host.routes["/loop"] = route
    url = host.url("/loop")
    with pytest.raises(InputError) as caught:
        with RemoteFile(url, Fetcher(QUICK), tmp_path) as remote:
            decoded(remote)
    message = str(caught.value)
    assert message.startswith(f"{url}: ") and problem in message and "\n" not in message
    assert "hello" not in message  # never the content fetched


def test_too_big_unreachable_and_tls(host: WebHost, data_dir: Path, tmp_path: Path) -> None:
    url = host.file("/big.flac", data_dir / "jfk.flac", "audio/flac")
    with pytest.raises(InputError, match="over the 1000.0 KiB download limit"):
        RemoteFile(url, Fetcher(FetchLimits(max_bytes=1_024_000)), tmp_path)
    with pytest.raises(InputError, match="cannot resolve the host name|cannot connect"):
        RemoteFile("http://no-such-host.invalid/a.mp3", Fetcher(QUICK), tmp_path)
    with pytest.raises(InputError, match="cannot connect"):
        RemoteFile("http://127.0.0.1:9/a.mp3", Fetcher(QUICK), tmp_path)
    with pytest.raises(InputError, match=r"^https://127\.0\.0\.1:\d+/big\.flac: TLS error \("):
        RemoteFile(url.replace("http:", "https:"), Fetcher(QUICK), tmp_path)  # a plain HTTP server
    with pytest.raises(OptionsError, match="--download-timeout"):
        FetchLimits(timeout=0)


def test_every_hop_is_checked(host: WebHost, data_dir: Path, tmp_path: Path) -> None:
    url = host.file("/private.flac", data_dir / "jfk.flac", "audio/flac")
    host.routes["/public"] = Route(status=301, location=url)
    seen: list[str] = []

    def refuse_private(target: str) -> None:
        seen.append(target)
        if target.endswith("/private.flac"):
            raise InputError(target, "refused")

    with pytest.raises(InputError, match="refused"):
        RemoteFile(host.url("/public"), Fetcher(FetchLimits(check_url=refuse_private)), tmp_path)
    assert seen == [host.url("/public"), url]
    assert [p for p, _ in host.requests] == ["/public"]


def test_without_a_spool_folder_nothing_is_left(host: WebHost, data_dir: Path) -> None:
    url = host.file("/t.flac", data_dir / "jfk.flac", "audio/flac")
    with RemoteFile(url, Fetcher(QUICK)) as remote:
        digest = hashlib.sha256(decoded(remote)).hexdigest()
        spool = remote.spool
    assert not spool.exists() and not spool.parent.exists()
    assert digest == hashlib.sha256(decoded(data_dir / "jfk.flac")).hexdigest()


def test_closing_ends_a_stalled_download_at_once(host: WebHost, tmp_path: Path) -> None:
    host.routes["/stuck.mp3"] = Route(b"x" * 100_000, "audio/mpeg", stall=20)
    remote = RemoteFile(host.url("/stuck.mp3"), Fetcher(FetchLimits(timeout=30)), tmp_path)
    started = time.monotonic()
    remote.close()
    assert time.monotonic() - started < 5
    with pytest.raises(InputError, match="download stopped"):
        remote.wait_for(1)
