"""Feeds read with feedparser: the episodes with recordings, newest first, chosen as asked."""

from __future__ import annotations

import datetime as dt

import pytest

from longscribe.errors import InputError
from longscribe.sources import choose, parse_feed
from webhost import rss

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Lectures</title><id>urn:x</id>
<entry><title>Old</title><id>urn:old</id><updated>2025-01-01T00:00:00Z</updated>
 <link rel="enclosure" type="audio/mp4" href="https://example.org/old.m4a"/></entry>
<entry><title>Text only</title><id>urn:text</id><updated>2026-01-01T00:00:00Z</updated>
 <link rel="alternate" href="https://example.org/post"/></entry>
<entry><title>New</title><id>urn:new</id><updated>2026-02-01T00:00:00Z</updated>
 <link rel="enclosure" type="audio/mp4" href="https://example.org/new.m4a"/></entry>
</feed>"""


def test_rss_episodes_newest_first_with_their_metadata() -> None:
    document = rss(
        "Show",
        [
            ("One", "https://x/1.mp3", "g1", "Mon, 02 Nov 2026 10:00:00 GMT"),
            ("Three", "https://x/3.mp3", "g3", "Wed, 04 Nov 2026 10:00:00 GMT"),
            ("Two", "https://x/2.mp3", "g2", "Tue, 03 Nov 2026 08:30:00 +0000"),
        ],
    )
    episodes = parse_feed(document, "https://x/feed")
    assert [e.title for e in episodes] == ["Three", "Two", "One"]
    assert episodes[1].about() == {
        "url": "https://x/2.mp3",
        "title": "Two",
        "published": "2026-11-03T08:30:00+00:00",
        "guid": "g2",
        "feed_title": "Show",
        "feed": "https://x/feed",
    }
    assert [e.title for e in choose(episodes, latest=2)] == ["Three", "Two"]
    assert [e.title for e in choose(episodes, since=dt.date(2026, 11, 3))] == ["Three", "Two"]
    assert [e.title for e in choose(episodes, since=dt.date(2026, 11, 3), latest=1)] == ["Three"]
    assert len(choose(episodes, every=True)) == 3


def test_atom_enclosures_only() -> None:
    episodes = parse_feed(ATOM, "lectures.atom")
    assert [(e.title, e.url, e.guid) for e in episodes] == [
        ("New", "https://example.org/new.m4a", "urn:new"),
        ("Old", "https://example.org/old.m4a", "urn:old"),
    ]
    assert episodes[0].feed_name == "Lectures"


def test_not_a_feed() -> None:
    with pytest.raises(InputError, match=r"^notes\.xml: not"):
        parse_feed(b"this is not xml at all", "notes.xml")
