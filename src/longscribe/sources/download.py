"""Recordings at a URL, downloaded once into a spool that the decoder reads as it grows.

The pipeline reads its input twice (one pass plans the chunks, one reads them) and a resumed job
reads it again from the start, so the bytes are written once, as they arrive, to a spool file in
the job store's ``downloads/`` folder, and every pass reads that file while the download goes on:
transcription starts with the first bytes, memory stays flat, and the file is deleted when the job
is finished. A connection dropped mid-way is resumed with ``Range`` from the last byte written (up
to ``FetchLimits.retries`` tries in a row without progress), and so is a spool left by a killed run
when the remote file is unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import shutil
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx

from longscribe import __version__
from longscribe.errors import FetchError, FetchTooLargeError, InputError, OptionsError

log = logging.getLogger(__name__)

BLOCK = 64 * 1024
FEED_MAX_BYTES = 32 * 1024 * 1024
"""The largest feed document read."""
SPOOL_DIR = "downloads"
"""The spool's folder inside the job store."""
AUDIO, FEED, PAGE = "audio", "feed", "page"
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")
_PAGE_TYPES = ("text/html", "application/xhtml+xml")
_NOT_AUDIO_TYPES = ("application/json", "text/plain", "text/css", "application/javascript", "image/")


def is_url(text: str) -> bool:
    """Whether a command-line input names a recording on the web rather than a path."""
    return text.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class FetchLimits:
    """How far a download may go. A limit reached is a :class:`~longscribe.errors.FetchError`
    naming the URL."""

    timeout: float = 30.0
    """Seconds to connect, and seconds without a byte before the connection counts as dropped."""
    max_bytes: int = 4 * 1024**3
    """The largest recording downloaded."""
    max_redirects: int = 5
    retries: int = 3
    """Dropped connections resumed in a row without a byte arriving in between."""
    check_url: Callable[[str], None] | None = None
    """Called with every URL before it is requested, redirects included; raises
    :class:`~longscribe.errors.URLRefusedError` to refuse one (the server's
    :class:`~longscribe.sources.guard.HostGuard`)."""
    max_seconds: float | None = None
    """The longest a whole download may take (the server's limit; the command has none)."""

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise OptionsError(f"--download-timeout must be more than 0 seconds, got {self.timeout:g}", "timeout")
        if self.max_bytes < 1 or self.max_redirects < 0 or self.retries < 0 or (self.max_seconds or 1) <= 0:
            raise OptionsError("download limits must be positive", "max_bytes")


class Fetcher:
    """One HTTP client and its limits, for every URL of a run."""

    def __init__(self, limits: FetchLimits | None = None, *, client: httpx.Client | None = None) -> None:
        self.limits = limits or FetchLimits()
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(self.limits.timeout),
            headers={"User-Agent": f"longscribe/{__version__}"},
            follow_redirects=False,  # each hop is checked here
        )

    def close(self) -> None:
        self._client.close()

    def open(
        self,
        url: str,
        start: int = 0,
        validator: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        name: str | None = None,
    ) -> httpx.Response:
        """A streamed GET of ``url`` (from byte ``start``), redirects followed and checked; raises
        :class:`InputError` naming ``name`` (default: the URL) for an error status or a connection
        that cannot be made."""
        target, url = url, name or url
        sent = {**(headers or {}), "Accept-Encoding": "identity"}  # byte offsets must be the file's
        if start:
            sent["Range"] = f"bytes={start}-"
            if validator:
                sent["If-Range"] = validator
        for _ in range(self.limits.max_redirects + 1):
            if self.limits.check_url is not None:
                self.limits.check_url(target)
            try:
                response = self._client.send(self._client.build_request("GET", target, headers=sent), stream=True)
            except (httpx.HTTPError, httpx.InvalidURL, ssl.SSLError) as exc:
                raise FetchError(url, describe(exc, self.limits)) from exc
            if response.is_redirect:
                response.close()
                location = response.headers.get("location", "")
                if not location:
                    raise FetchError(url, f"HTTP {response.status_code} redirect without a Location")
                target = str(response.url.join(location))
                continue
            if response.status_code >= 400 and response.status_code != 416:
                response.close()
                raise FetchError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
            return response
        raise FetchError(url, f"more than {self.limits.max_redirects} redirects")

    def probe(self, url: str) -> tuple[str, bytes]:
        """What ``url`` serves (:data:`AUDIO`, :data:`FEED` or :data:`PAGE`) and, for a feed, the document."""
        response = self.open(url)
        try:
            kind = _kind(response.headers.get("content-type", ""), b"")
            if kind == AUDIO and not response.headers.get("content-type", "").startswith(("audio/", "video/")):
                head = next(response.iter_raw(512), b"")
                kind = _kind(response.headers.get("content-type", ""), head)
                if kind == FEED:
                    return kind, head + self._read_rest(url, response, len(head))
            if kind == FEED:
                return kind, self._read_rest(url, response, 0)
            if kind == PAGE:
                return kind, b""
            _check_type(url, response)
            return kind, b""
        except httpx.HTTPError as exc:
            raise FetchError(url, describe(exc, self.limits)) from exc
        finally:
            response.close()

    def _read_rest(self, url: str, response: httpx.Response, have: int) -> bytes:
        blocks = []
        for block in response.iter_raw(BLOCK):
            have += len(block)
            if have > FEED_MAX_BYTES:
                raise FetchError(url, f"feed larger than {FEED_MAX_BYTES // 2**20} MiB")
            blocks.append(block)
        return b"".join(blocks)


class RemoteFile:
    """A recording at a URL, downloading into its spool from the moment it is opened.

    It is an input like a path: :class:`~longscribe.audio.AudioStream` reads it through
    :meth:`reader`, the job store knows it by ``name`` (the URL) and ``identity`` (the URL and the
    server's ETag, Last-Modified and Content-Length: a changed remote file is a new job; ``extra``
    adds to it, e.g. an episode's GUID). ``about`` is what the transcript records of where it came
    from, besides the URL. A page's stream is fetched from ``fetch_url`` with ``headers`` (what
    yt-dlp found) and known by the page's URL. Without ``spool_dir`` the spool is a temporary file,
    removed by :meth:`close`.
    """

    def __init__(
        self,
        url: str,
        fetcher: Fetcher,
        spool_dir: str | Path | None = None,
        *,
        extra: dict[str, Any] | None = None,
        about: dict[str, Any] | None = None,
        fetch_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.name = url
        self.about: dict[str, Any] = {"url": url, **(about or {})}
        self._fetcher = fetcher
        self._fetch_url = fetch_url or url
        self._headers = headers
        limits = fetcher.limits
        response = self._open(0, None)
        try:
            _check_type(url, response)
            length = _length(response)
            if length is not None and length > limits.max_bytes:
                raise FetchTooLargeError(url, f"{_size(length)}, over the {_size(limits.max_bytes)} download limit")
        except BaseException:
            response.close()
            raise
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        self.length = length
        self.identity: dict[str, Any] = {
            "url": url,
            "etag": etag,
            "last_modified": modified,
            "length": length,
            **(extra or {}),
        }
        self._validator = etag if etag and not etag.startswith("W/") else modified
        self._temp = None if spool_dir is not None else tempfile.mkdtemp(prefix="longscribe-")
        folder = Path(spool_dir if spool_dir is not None else self._temp)  # type: ignore[arg-type]
        folder.mkdir(parents=True, exist_ok=True)
        prefix = hashlib.sha256(url.encode()).hexdigest()[:16]
        tag = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()[:12]
        self.spool = folder / f"{prefix}-{tag}.part"
        for stale in folder.glob(f"{prefix}-*.part"):  # the same URL before its file changed
            if stale != self.spool:
                stale.unlink(missing_ok=True)
        self.spool.touch()
        self._written = self.spool.stat().st_size
        self._done = False
        self._error: InputError | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._deadline: float | None = None
        self._response: httpx.Response | None = response
        """The response being read: :meth:`close` closes it, so that a stalled read ends at once."""
        if self._written:
            response.close()
            self._response = None
            log.info("%s: resuming the download at byte %d", url, self._written)
            if length is not None and self._written >= length:
                self._done = True
        self._thread = threading.Thread(
            target=self._download, args=(self._response,), name="longscribe-download", daemon=True
        )
        if not self._done:
            self._thread.start()

    @property
    def downloaded(self) -> int:
        """Bytes in the spool so far."""
        return self._written

    def reader(self) -> io.RawIOBase:
        """A new read-only, seekable file over the recording; reads wait for the bytes to arrive."""
        return _SpoolReader(self)

    def close(self) -> None:
        """Stop the download; the spool stays for a later run to continue (unless it is a temporary
        one, or empty)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        response = self._response
        if response is not None:  # a read that waits on a silent server ends now, not at its timeout
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            with contextlib.suppress(OSError):
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
        if self._thread.is_alive():
            self._thread.join()
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
        elif self._written == 0:
            self.spool.unlink(missing_ok=True)

    def discard(self) -> None:
        """Stop and delete the spool: the job that needed it is finished."""
        self.close()
        self.spool.unlink(missing_ok=True)

    def __enter__(self) -> RemoteFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_for(self, end: int) -> int:
        """Block until byte ``end`` has arrived or the download has ended; the bytes there now.
        Raises the download's error once the bytes before it are used up."""
        with self._cond:
            while self._written < end and not self._done and self._error is None:
                if self._stop.is_set():
                    raise FetchError(self.name, "download stopped")
                self._cond.wait()
            if self._written < end and self._error is not None:
                raise self._error
            return self._written

    def size(self) -> int:
        """The recording's size in bytes (waits for the end when the server did not say)."""
        if self.length is not None:
            return self.length
        self.wait_for(2**62)
        return self._written

    def _download(self, response: httpx.Response | None) -> None:
        limits = self._fetcher.limits
        self._deadline = None if limits.max_seconds is None else time.monotonic() + limits.max_seconds
        failures = 0
        try:
            complete = False
            with open(self.spool, "ab") as out:
                while not complete and not self._stop.is_set():
                    before = self._written
                    try:
                        if response is None:
                            response = self._open(self._written, self._validator)
                            self._response = response
                            if self._stop.is_set():  # closed while it connected
                                break
                        complete = self._receive(response, out)
                    except (httpx.TransportError, httpx.StreamError, FetchError) as exc:
                        if self._stop.is_set():
                            break
                        if isinstance(exc, FetchError) and response is not None:  # a limit, a changed file
                            raise
                        failures = 0 if self._written > before else failures + 1
                        if failures > limits.retries:
                            reason = exc.problem if isinstance(exc, FetchError) else describe(exc, limits)
                            raise FetchError(
                                self.name, f"download failed at {_size(self._written)} ({reason})"
                            ) from exc
                        log.info("%s: connection lost at byte %d (%s); resuming", self.name, self._written, exc)
                        self._stop.wait(min(0.2 * 2**failures, 5.0))
                    finally:
                        self._response = None
                        if response is not None:
                            response.close()
                        response = None
            if complete:
                with self._cond:
                    self._done = True
                    self._cond.notify_all()
        except InputError as exc:
            self._fail(exc)
        except OSError as exc:
            self._fail(InputError(self.name, f"cannot write {self.spool} ({exc.strerror or exc})"))
        except Exception as exc:  # the thread's end: whatever broke is handed to the readers
            if not self._stop.is_set():
                log.exception("%s: download failed", self.name)
                self._fail(FetchError(self.name, f"download failed ({type(exc).__name__})"))

    def _open(self, start: int, validator: str | None) -> httpx.Response:
        return self._fetcher.open(self._fetch_url, start, validator, headers=self._headers, name=self.name)

    def _receive(self, response: httpx.Response, out: io.BufferedWriter) -> bool:
        """Append what ``response`` brings; whether the recording is complete."""
        skip = 0
        if response.status_code == 416:  # asked from past the end: it is all here
            return True
        if response.status_code == 200 and self._written:  # the server ignored Range (or the file changed)
            if _length(response) != self.length:
                raise FetchError(self.name, "the remote file changed during the download")
            skip = self._written
        for block in response.iter_raw():  # as received: a block cut short by a drop is kept
            if self._stop.is_set():
                return False
            if skip:
                dropped = min(skip, len(block))
                block, skip = block[dropped:], skip - dropped
                if not block:
                    continue
            out.write(block)
            out.flush()
            with self._cond:
                self._written += len(block)
                self._cond.notify_all()
            if self._deadline is not None and time.monotonic() > self._deadline:
                raise FetchError(self.name, f"the download took longer than {self._fetcher.limits.max_seconds:g} s")
            if self._written > self._fetcher.limits.max_bytes:
                raise FetchTooLargeError(self.name, f"over the {_size(self._fetcher.limits.max_bytes)} download limit")
        if self.length is not None and self._written < self.length:
            raise httpx.RemoteProtocolError("the connection closed before the end")
        return True

    def _fail(self, error: InputError) -> None:
        with self._cond:
            self._error = error
            self._cond.notify_all()


def download(url: str, fetcher: Fetcher, target: Path) -> int:
    """Fetch the recording at ``url`` whole into ``target`` (the server's URL jobs); its size."""
    remote = RemoteFile(url, fetcher, target.parent)
    try:
        size = remote.wait_for(2**62)
        remote.close()
        remote.spool.replace(target)
    except BaseException:
        remote.discard()
        raise
    return size


class _SpoolReader(io.RawIOBase):
    """One pass over a :class:`RemoteFile`'s spool."""

    def __init__(self, remote: RemoteFile) -> None:
        super().__init__()
        self._remote = remote
        self._file = open(remote.spool, "rb")  # noqa: SIM115 (closed by close())
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        there = self._remote.wait_for(self._pos + 1)
        count = min(len(view), there - self._pos)
        if count <= 0:
            return 0
        self._file.seek(self._pos)
        got = self._file.readinto(view[:count])
        self._pos += got
        return got

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos}.get(whence)
        if base is None:
            base = self._remote.size()
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._file.close()
        super().close()


def describe(exc: BaseException, limits: FetchLimits) -> str:
    """One line for what went wrong on the wire (never the content fetched)."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer for {limits.timeout:g} s"
    text = str(exc)
    if isinstance(exc, ssl.SSLError) or "SSL" in text or "certificate" in text.lower():
        return f"TLS error ({text.split(']')[-1].strip() or text})"
    if isinstance(exc, httpx.ConnectError):
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return "cannot resolve the host name"
        return f"cannot connect ({text})"
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"not a URL longscribe can fetch ({text})"
    return text or type(exc).__name__


def _kind(content_type: str, head: bytes) -> str:
    media = content_type.split(";")[0].strip().lower()
    if media.startswith(_PAGE_TYPES):
        return PAGE
    if media.startswith(_FEED_TYPES) or head.lstrip().startswith((b"<?xml", b"<rss", b"<feed", b"<rdf")):
        return FEED
    return AUDIO


def _check_type(url: str, response: httpx.Response) -> None:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media.startswith(_PAGE_TYPES):
        raise InputError(url, f"is a web page ({media}), not audio; for a video page install longscribe[video]")
    if media.startswith(_NOT_AUDIO_TYPES):
        raise InputError(url, f"is {media}, not audio")


def _length(response: httpx.Response) -> int | None:
    if response.status_code == 206:
        total = response.headers.get("content-range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    value = response.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


def _size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
