"""Recordings that are not local files: URLs, podcast feeds, and the names their outputs get."""

from longscribe.sources.download import AUDIO, FEED, PAGE, SPOOL_DIR, Fetcher, FetchLimits, RemoteFile, is_url
from longscribe.sources.names import safe_name, url_name
from longscribe.sources.pages import PageAudio, resolve_page
from longscribe.sources.podcast import Episode, choose, parse_feed

__all__ = [
    "AUDIO",
    "FEED",
    "PAGE",
    "SPOOL_DIR",
    "Episode",
    "FetchLimits",
    "PageAudio",
    "Fetcher",
    "RemoteFile",
    "choose",
    "is_url",
    "parse_feed",
    "resolve_page",
    "safe_name",
    "url_name",
]
