"""The progress bar's label: the file's name, short enough to leave the bar room in 80 columns."""

from __future__ import annotations

from longscribe.cli.progress import NAME_WIDTH, short_name


def test_the_label_is_the_file_name_shortened_from_the_middle() -> None:
    long = "/home/ana/podcasts/2026/episode-117-interview-with-the-author-of-the-book.mp3"
    label = short_name(long)
    assert len(label) == NAME_WIDTH and "/" not in label
    assert label.startswith("episode-117") and label.endswith("book.mp3") and "…" in label
    assert short_name("talks/jfk.flac") == "jfk.flac"
