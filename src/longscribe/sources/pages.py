"""Web pages that play a recording (a lecture video, a conference talk), resolved with yt-dlp to their
audio stream: the extra ``longscribe[video]``.

Only an audio-only stream is taken: a page that offers its sound only inside a video is refused
rather than downloading the frames.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from longscribe.errors import InputError

log = logging.getLogger(__name__)

EXTRA = "longscribe[video]"
AUDIO_ONLY = "bestaudio[vcodec=none]/bestaudio"


@dataclass(frozen=True)
class PageAudio:
    """A page's audio stream, as yt-dlp found it."""

    page: str
    url: str
    """The stream itself (often signed, and only valid for hours: resolve again before fetching)."""
    title: str
    headers: dict[str, str] = field(default_factory=dict)
    """What the stream must be requested with (yt-dlp's ``http_headers``)."""


def available() -> bool:
    try:
        import yt_dlp  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_page(page: str, timeout: float = 30.0) -> PageAudio:
    """The audio stream of the recording a page plays; :class:`InputError` naming the page when yt-dlp
    is missing, finds no recording, or finds one without an audio-only stream."""
    try:
        import yt_dlp
    except ImportError:
        raise InputError(page, f"is a web page, not audio or a feed; for a video page install {EXTRA}") from None
    settings = {
        "format": AUDIO_ONLY,
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "socket_timeout": timeout,
        "logger": _Quiet(),
    }
    try:
        with yt_dlp.YoutubeDL(settings) as ydl:
            info: dict[str, Any] = ydl.extract_info(page, download=False)
    except yt_dlp.utils.DownloadError as exc:
        raise InputError(page, _reason(str(exc))) from exc
    if info.get("_type") == "playlist":  # a page with media tags: the first recording, the page's title
        entries = [e for e in info.get("entries") or [] if e]
        if not entries:
            raise InputError(page, "is a web page with no recording on it")
        info = {**entries[0], "title": info.get("title") or entries[0].get("title")}
    url = info.get("url")
    if not url or info.get("vcodec") not in (None, "none") or info.get("acodec") == "none":
        raise InputError(page, "offers its sound only inside a video: longscribe does not download video")
    title = str(info.get("title") or page)
    log.info("%s: audio stream %s (%s)", page, info.get("format_id"), info.get("ext"))
    return PageAudio(page, str(url), title, {str(k): str(v) for k, v in (info.get("http_headers") or {}).items()})


def _reason(text: str) -> str:
    line = text.replace("ERROR: ", "").splitlines()[0] if text else "yt-dlp failed"
    if "Requested format is not available" in line:
        return "offers its sound only inside a video: longscribe does not download video"
    if "Unsupported URL" in line:
        return "is a web page with no recording yt-dlp can find"
    return f"yt-dlp: {line}"


class _Quiet:
    """yt-dlp's messages go to this module's log, never to the terminal."""

    def debug(self, message: str) -> None:
        log.debug("%s", message)

    def info(self, message: str) -> None:
        log.debug("%s", message)

    def warning(self, message: str) -> None:
        log.info("%s", message)

    def error(self, message: str) -> None:
        log.info("%s", message)
