"""Podcast feeds (RSS, Atom): the episodes whose enclosures are recordings, newest first."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import feedparser

from longscribe.errors import InputError
from longscribe.sources.names import safe_name

_MEDIA_PREFIXES = ("audio/", "video/")


@dataclass(frozen=True)
class Episode:
    """One recording of a feed."""

    url: str
    """The enclosure: the recording itself."""
    title: str
    guid: str
    """The feed's id for the episode (its enclosure URL when it gives none): what a rerun recognises."""
    published: dt.datetime | None
    feed_title: str
    feed: str
    """The feed's URL or path."""

    @property
    def output_name(self) -> str:
        return safe_name(self.title, fallback="episode")

    @property
    def feed_name(self) -> str:
        """The feed's folder under ``--feed-dir``."""
        return safe_name(self.feed_title, fallback="feed")

    def about(self) -> dict[str, Any]:
        """What the transcript says of where it came from (``info.source``)."""
        return {
            "url": self.url,
            "title": self.title,
            "published": self.published.isoformat() if self.published else None,
            "guid": self.guid,
            "feed_title": self.feed_title,
            "feed": self.feed,
        }


def parse_feed(document: bytes | str, feed: str) -> list[Episode]:
    """The episodes of a feed document that have a recording, newest first (undated ones last, in
    the feed's order). Raises :class:`InputError` naming ``feed`` for a document that is not a feed."""
    parsed = feedparser.parse(document)
    if parsed.get("bozo") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise InputError(feed, f"not a readable RSS or Atom feed ({reason})" if reason else "not a feed")
    if not parsed.entries and not parsed.feed:
        raise InputError(feed, "not an RSS or Atom feed")
    feed_title = str(parsed.feed.get("title") or feed)
    episodes: list[Episode] = []
    for entry in parsed.entries:
        url = _enclosure(entry)
        if url is None:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = dt.datetime.fromtimestamp(calendar.timegm(stamp), dt.timezone.utc) if stamp else None
        title = str(entry.get("title") or url.rsplit("/", 1)[-1])
        guid = str(entry.get("id") or entry.get("guid") or url)
        episodes.append(Episode(url, title, guid, published, feed_title, feed))
    oldest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return sorted(episodes, key=lambda e: e.published or oldest, reverse=True)


def choose(
    episodes: list[Episode], *, latest: int | None = None, since: dt.date | None = None, every: bool = False
) -> list[Episode]:
    """The episodes asked for (``--latest N``, ``--since DATE``, ``--all``), newest first."""
    if every:
        return list(episodes)
    chosen = episodes
    if since is not None:
        chosen = [e for e in chosen if e.published is not None and e.published.date() >= since]
    if latest is not None:
        chosen = chosen[:latest]
    return chosen


def _enclosure(entry: Any) -> str | None:
    links = [*entry.get("enclosures", []), *(link for link in entry.get("links", []) if link.get("rel") == "enclosure")]
    for link in links:
        href = link.get("href") or link.get("url")
        if href and str(link.get("type", "audio/")).startswith(_MEDIA_PREFIXES):
            return str(href)
    return None
