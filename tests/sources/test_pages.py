"""Web pages without the ``video`` extra: one line saying which extra to install."""

from __future__ import annotations

import sys

import pytest

from longscribe.errors import InputError
from longscribe.sources import resolve_page


def test_a_page_without_yt_dlp_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yt_dlp", None)  # as if it were not installed
    with pytest.raises(InputError) as caught:
        resolve_page("https://example.org/talks/42")
    assert str(caught.value) == (
        "https://example.org/talks/42: is a web page, not audio or a feed; for a video page install longscribe[video]"
    )
