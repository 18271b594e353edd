"""Requests that name a URL instead of uploading (``POST /v1/jobs`` with ``url=``): the recording, or
a feed's chosen episodes, fetched into job folders under the server's limits and guard.

Off unless the server was started with ``--allow-url``. Every hop is checked by the
:class:`~longscribe.sources.guard.HostGuard`; a download is capped by the upload limit and by
``url_max_seconds``; an error is one line naming the URL, with an HTTP status, never what was fetched.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from longscribe.errors import FetchError, FetchTooLargeError, InputError, URLRefusedError
from longscribe.server.config import ServerConfig
from longscribe.server.uploads import Upload, UploadError
from longscribe.sources import FEED, PAGE, Episode, Fetcher, choose, parse_feed
from longscribe.sources.download import download

MAX_EPISODES = 20
"""The most episodes one request may ask for (``latest``)."""


def check_allowed(config: ServerConfig, upload: Upload) -> str:
    """The URL asked for, when this server fetches URLs and no file came with it."""
    url = (upload.one("url") or "").strip()
    if not config.allow_url:
        raise UploadError(403, "this server does not fetch URLs (it was not started with --allow-url)", "url")
    if upload.size:
        raise UploadError(400, "send a file or a url, not both", "url")
    if not url:
        raise UploadError(400, "url is empty", "url")
    return url


async def episodes_at(config: ServerConfig, url: str, upload: Upload) -> list[Episode]:
    """A feed's episodes chosen by ``latest`` (newest first); [] when ``url`` is a recording."""
    kind, document = await asyncio.to_thread(_probe, config, url)
    if kind == PAGE:
        raise UploadError(415, f"{url}: is a web page; this server fetches recordings and feeds", "url")
    if kind != FEED:
        if upload.one("latest") is not None:
            raise UploadError(400, "latest is for feeds, and this url is a recording", "latest")
        return []
    latest = _latest(upload.one("latest"))
    try:
        chosen = choose(parse_feed(document, url), latest=latest)
    except InputError as exc:
        raise UploadError(422, str(exc), "url") from exc
    if not chosen:
        raise UploadError(422, f"{url}: the feed has no episode with a recording", "url")
    return chosen


async def fetch_into(config: ServerConfig, url: str, target: Path) -> int:
    """Download the recording at ``url`` into ``target``; its size."""
    fetcher = Fetcher(config.fetch_limits())
    try:
        return await asyncio.to_thread(download, url, fetcher, target)
    except InputError as exc:
        raise upload_error(exc) from exc
    finally:
        fetcher.close()


def upload_error(exc: InputError) -> UploadError:
    """The HTTP status for what went wrong with a URL: refused 403, too large 413, unreachable 502,
    not audio 415."""
    if isinstance(exc, URLRefusedError):
        return UploadError(403, str(exc), "url")
    if isinstance(exc, FetchTooLargeError):
        return UploadError(413, str(exc), "url")
    if isinstance(exc, FetchError):
        return UploadError(502, str(exc), "url")
    return UploadError(415, str(exc), "url")


def _probe(config: ServerConfig, url: str) -> tuple[str, bytes]:
    fetcher = Fetcher(config.fetch_limits())
    try:
        return fetcher.probe(url)
    except InputError as exc:
        raise upload_error(exc) from exc
    finally:
        fetcher.close()


def _latest(text: str | None) -> int:
    try:
        latest = int((text or "").strip())
    except ValueError:
        latest = 0
    if not 1 <= latest <= MAX_EPISODES:
        raise UploadError(400, f"a feed needs latest=N, N within 1..{MAX_EPISODES} (got {text!r})", "latest")
    return latest
