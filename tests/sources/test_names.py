"""Output names made from untrusted titles: one file name, never a path, never empty, never too long."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from longscribe.sources import safe_name, url_name
from longscribe.sources.names import MAX_NAME_BYTES

NASTY = st.sampled_from(["/", "..", "\x00", "\\", ":", "\n", "🎙️", "👩🏽‍💻", " ", ".", "CON", "é", "a" * 300])
TITLES = st.lists(st.one_of(NASTY, st.text(max_size=40)), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(TITLES)
def test_a_title_becomes_one_safe_file_name(title: str) -> None:
    name = safe_name(title)
    assert name and name == name.strip() and not name.startswith(".")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert Path(name).name == name and Path(name).parent == Path(".")
    assert name.split(".")[0].casefold() not in {"con", "nul", "aux", "prn"}


def test_titles_keep_their_words() -> None:
    assert safe_name("Episode 12: What/Why? 🎙️") == "Episode 12_ What_Why_ 🎙️"
    assert safe_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_name("..") == "recording"
    assert safe_name("a\x00b") == "a_b"
    assert safe_name("é" * 300).encode() == ("é" * (MAX_NAME_BYTES // 2)).encode()
    assert safe_name("con") == "recording_con"
    long_reserved = safe_name("CON.." + "a" * 200)  # hypothesis found it: the prefix came after the cut
    assert long_reserved.startswith("recording_CON") and len(long_reserved.encode()) == MAX_NAME_BYTES


def test_a_url_is_named_after_its_file() -> None:
    assert url_name("https://cdn.example.org/shows/ep%2012.mp3?token=abc#t=3") == "ep 12"
    assert url_name("https://example.org/") == "example.org"
    assert url_name("https://example.org/a/../../x.m4a") == "x"
