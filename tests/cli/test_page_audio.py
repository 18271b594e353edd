"""Which recording an HTML page plays: beside the page, copied there, a URL, or the input by a relative path."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from longscribe.cli.outputs import PageAudio, page_audio


def test_the_default_is_the_input_by_a_relative_path_with_a_note_when_it_is_not_beside_the_page(
    tmp_path: Path,
) -> None:
    (tmp_path / "rec").mkdir()
    recording = tmp_path / "rec" / "talk.mp3"
    recording.write_bytes(b"x")
    away = page_audio(None, str(recording), tmp_path / "out" / "talk.html")
    assert away.src == "../rec/talk.mp3" and away.copy_from is None
    assert away.note is not None and "../rec/talk.mp3" in away.note and "--html-audio copy" in away.note
    beside = page_audio(None, str(recording), tmp_path / "rec" / "talk.html")
    assert beside == PageAudio("talk.mp3")
    assert page_audio("none", str(recording), tmp_path / "talk.html") == PageAudio(None)
    url = "https://media.example.org/ep12.mp3"
    assert page_audio(url, str(recording), tmp_path / "talk.html") == PageAudio(url)


def test_copy_puts_the_recording_beside_the_page_once(tmp_path: Path) -> None:
    recording = tmp_path / "talk.mp3"
    recording.write_bytes(b"audio bytes")
    page = tmp_path / "out" / "episode.html"
    page.parent.mkdir()
    audio = page_audio("copy", str(recording), page)
    assert audio.src == "episode.mp3" and audio.note is None
    audio.place(page)
    copied = page.parent / "episode.mp3"
    assert copied.read_bytes() == b"audio bytes"
    before = copied.stat().st_ino
    audio.place(page)  # an identical copy is there: left alone
    assert copied.stat().st_ino == before
    assert page_audio("copy", str(copied), page) == PageAudio("episode.mp3")  # already beside it


@pytest.mark.model
def test_the_command_copies_the_recording_and_the_page_plays_it(data_dir: Path, tmp_path: Path) -> None:
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "longscribe", "transcribe", str(data_dir / "jfk.flac"), "--model", "tiny.en"]
        return subprocess.run([*argv, "-f", "html", *extra], capture_output=True, text=True, env=os.environ)

    default = run("-o", str(tmp_path / "a"))
    assert default.returncode == 0, default.stderr
    assert "jfk.html plays " in default.stderr and "--html-audio copy" in default.stderr
    copied = run("-o", str(tmp_path / "b"), "--html-audio", "copy")
    assert copied.returncode == 0, copied.stderr
    assert "--html-audio copy" not in copied.stderr
    assert (tmp_path / "b" / "jfk.flac").read_bytes() == (data_dir / "jfk.flac").read_bytes()
    assert re.search(r'<audio id="player"[^>]* src="jfk.flac"', (tmp_path / "b" / "jfk.html").read_text())
