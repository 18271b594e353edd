"""Output names made from what a remote recording calls itself: an episode title, a URL's file name.

A title is chosen by whoever publishes the feed, so it is untrusted: the name made from it is a single
file name on every common file system, never a path, never hidden, never empty.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

MAX_NAME_BYTES = 120
"""The longest name made, in UTF-8 bytes: room for ``.<format>`` and ``.corrected.json`` within
the 255 bytes file systems allow."""
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)


def safe_name(text: str, fallback: str = "recording") -> str:
    """``text`` as one file name: separators, control characters and the characters Windows forbids
    become ``_``, leading dots and trailing dots or spaces go, at most ``MAX_NAME_BYTES`` bytes
    (cut at a character boundary); ``fallback`` when nothing is left."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE.sub("_", name)
    name = " ".join(name.split())  # tabs, newlines, runs of spaces
    name = name.lstrip(". ").rstrip(". ")
    if name.split(".")[0].casefold() in _RESERVED:
        name = f"{fallback}_{name}"  # before the cut, which keeps the name within its bytes
    encoded = name.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        name = encoded[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(". ")
    return name if name.strip("_") else fallback


def url_name(url: str) -> str:
    """The output name a URL's recording gets: its file name without the extension (``episode`` for
    ``https://host/shows/episode.mp3?token=1``), else its host."""
    parts = urlsplit(url)
    stem = PurePosixPath(unquote(parts.path)).stem
    return safe_name(stem or parts.hostname or "", fallback="recording")
