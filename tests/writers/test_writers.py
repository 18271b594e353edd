from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import IO

import pytest

from longscribe import OutputError, Segment, TranscriptInfo, Word
from longscribe.errors import OptionsError
from longscribe.types import SAMPLE_RATE
from longscribe.writers import OutputSet, parse_formats
from longscribe.writers.subtitles import format_timestamp

S = SAMPLE_RATE


def info() -> TranscriptInfo:
    return TranscriptInfo("in.wav", "base", "/m", "path", "cpu", "int8", language="en", duration=90 * S, complete=True)


def segments() -> list[Segment]:
    return [
        Segment(0, 59 * S + S * 999 // 1000, " Hello <world> & you --> there", words=(Word(0, S, " Hello", 0.9),)),
        Segment(10 * 3600 * S + 5 * S, 10 * 3600 * S + 7 * S, " tab\there\nnewline"),
    ]


def write(tmp_path: Path, formats: str, segs: list[Segment], words: bool = False) -> dict[str, Path]:
    with OutputSet(tmp_path, "in", parse_formats(formats), words=words) as out:
        for s in segs:
            out.write(s)
        return out.commit(info())


def test_timestamps_at_zero_just_under_a_minute_and_past_ten_hours() -> None:
    assert format_timestamp(0, decimal=",") == "00:00:00,000"
    assert format_timestamp(59 * S + S * 999 // 1000, decimal=",") == "00:00:59,999"
    assert format_timestamp(10 * 3600 * S + 61 * S + S // 2, decimal=".") == "10:01:01.500"
    assert format_timestamp(123 * 3600 * S, decimal=".") == "123:00:00.000"


def test_srt_and_vtt_cues_are_well_formed_and_escaped(tmp_path: Path) -> None:
    paths = write(tmp_path, "srt,vtt", segments())
    srt = paths["srt"].read_text()
    assert srt.startswith("1\n00:00:00,000 --> 00:00:59,999\nHello <world> & you -> there\n\n2\n10:00:05,000")
    vtt = paths["vtt"].read_text()
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:59.999\nHello &lt;world&gt; &amp; you -&gt; there\n\n")
    assert "tab here newline" in vtt


def test_txt_tsv_and_json_carry_the_same_segments(tmp_path: Path) -> None:
    paths = write(tmp_path, "all", segments(), words=True)
    assert set(paths) == {"txt", "srt", "vtt", "json", "tsv"}
    assert paths["txt"].read_text().splitlines()[0] == "Hello <world> & you --> there"
    tsv = paths["tsv"].read_text().splitlines()
    assert tsv[0] == "start\tend\ttext" and tsv[2].startswith("36005000\t36007000\ttab here newline")
    doc = json.loads(paths["json"].read_text())
    assert [s["start"] for s in doc["segments"]] == [0.0, 36005.0]
    assert doc["segments"][0]["words"] == [{"start": 0.0, "end": 1.0, "word": " Hello", "probability": 0.9}]
    assert doc["info"]["model"] == "base" and doc["info"]["compute_type"] == "int8" and doc["language"] == "en"


def test_empty_transcript_gives_valid_empty_files(tmp_path: Path) -> None:
    paths = write(tmp_path, "all", [])
    assert paths["txt"].read_text() == "" and paths["srt"].read_text() == ""
    assert paths["vtt"].read_text() == "WEBVTT\n\n"
    assert json.loads(paths["json"].read_text())["segments"] == []


def test_a_crash_mid_write_leaves_no_file_under_the_final_name(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        with OutputSet(tmp_path, "in", ("srt", "json")) as out:
            out.write(segments()[0])
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_disk_full_while_writing_is_a_clear_output_error(tmp_path: Path) -> None:
    class FullDisk:
        def __init__(self, path: Path) -> None:
            self.inner = open(path, "w")

        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    def opener(path: Path) -> IO[str]:
        return FullDisk(path)  # type: ignore[return-value]

    with pytest.raises(OutputError, match="no space left"):
        with OutputSet(tmp_path, "in", ("txt",), opener=opener) as out:
            out.write(segments()[0])
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused() -> None:
    with pytest.raises(OptionsError, match="docx"):
        parse_formats("srt,docx")
