from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import IO

import pytest

from longscribe import OutputError, Segment, TranscriptInfo, Word
from longscribe.errors import OptionsError
from longscribe.types import SAMPLE_RATE
from longscribe.writers import OutputOptions, OutputSet, parse_formats
from longscribe.writers.cues import CueOptions
from longscribe.writers.subtitles import format_timestamp

S = SAMPLE_RATE


def info() -> TranscriptInfo:
    return TranscriptInfo("in.wav", "base", "/m", "path", "cpu", "int8", language="en", duration=90 * S, complete=True)


def segments() -> list[Segment]:
    return [
        Segment(0, 59 * S + S * 999 // 1000, " Hello <world> & you --> there", words=(Word(0, S, " Hello", 0.9),)),
        Segment(10 * 3600 * S + 5 * S, 10 * 3600 * S + 7 * S, " tab\there\nnewline"),
    ]


def write(
    tmp_path: Path, formats: str, segs: list[Segment], words: bool = False, style: str = "cues"
) -> dict[str, Path]:
    options = OutputOptions(words=words, cues=CueOptions(style=style), audio="talk.mp3")
    with OutputSet(tmp_path, "in", parse_formats(formats), options) as out:
        for s in segs:
            out.write(s)
        return out.commit(info())


def test_timestamps_at_zero_just_under_a_minute_and_past_ten_hours() -> None:
    assert format_timestamp(0, decimal=",") == "00:00:00,000"
    assert format_timestamp(59 * S + S * 999 // 1000, decimal=",") == "00:00:59,999"
    assert format_timestamp(10 * 3600 * S + 61 * S + S // 2, decimal=".") == "10:01:01.500"
    assert format_timestamp(123 * 3600 * S, decimal=".") == "123:00:00.000"


def test_srt_and_vtt_cues_are_well_formed_and_escaped(tmp_path: Path) -> None:
    paths = write(tmp_path, "srt,vtt", segments(), style="none")
    srt = paths["srt"].read_text()
    assert srt.startswith("1\n00:00:00,000 --> 00:00:59,999\nHello <world> & you -> there\n\n2\n10:00:05,000")
    vtt = paths["vtt"].read_text()
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:59.999\nHello &lt;world&gt; &amp; you -&gt; there\n\n")
    assert "tab here newline" in vtt


def test_txt_tsv_and_json_carry_the_same_segments(tmp_path: Path) -> None:
    paths = write(tmp_path, "all", segments(), words=True)
    assert set(paths) == {"txt", "srt", "vtt", "json", "tsv", "html", "md", "docx"}
    assert paths["txt"].read_text().splitlines()[0] == "Hello <world> & you --> there"
    tsv = paths["tsv"].read_text().splitlines()
    assert tsv[0] == "start\tend\ttext\tlanguage\tspeaker" and tsv[2].startswith("36005000\t36007000\ttab here newline")
    doc = json.loads(paths["json"].read_text())
    assert [s["start"] for s in doc["segments"]] == [0.0, 36005.0]
    assert doc["segments"][0]["words"] == [{"start": 0.0, "end": 1.0, "word": " Hello", "probability": 0.9}]
    assert doc["info"]["model"] == "base" and doc["info"]["compute_type"] == "int8" and doc["language"] == "en"


def test_empty_transcript_gives_valid_empty_files(tmp_path: Path) -> None:
    paths = write(tmp_path, "all", [])
    assert paths["txt"].read_text() == "" and paths["srt"].read_text() == ""
    assert paths["vtt"].read_text() == "WEBVTT\n\n" and paths["md"].read_text() == ""
    assert json.loads(paths["json"].read_text())["segments"] == []
    page = paths["html"].read_text()
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>") and "<main>\n</main>" in page


def timed(start_s: float, text: str, step: float = 0.3, language: str | None = "en") -> Segment:
    words = tuple(
        Word(int((start_s + i * step) * S), int((start_s + (i + 0.8) * step) * S), f" {t}", 0.9)
        for i, t in enumerate(text.split())
    )
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words), words, language=language)


def test_subtitles_are_cut_from_word_times_and_karaoke_marks_each_word(tmp_path: Path) -> None:
    segs = [timed(0.0, "First sentence here."), timed(1.5, "And a second one, rather longer than the first.")]
    paths = write(tmp_path, "srt,vtt", segs)
    srt = paths["srt"].read_text().split("\n\n")
    assert srt[0] == "1\n00:00:00,000 --> 00:00:01,000\nFirst sentence here.", "a second at least"
    karaoke = OutputOptions(cues=CueOptions(highlight_words=True))
    with OutputSet(tmp_path / "k", "in", ("srt", "vtt"), karaoke) as out:
        out.write(segs[0])
        written = out.commit(info())
    cues = written["srt"].read_text().strip().split("\n\n")
    assert len(cues) == 3 and "<u>sentence</u>" in cues[1] and cues[1].count("<u>") == 1
    vtt = written["vtt"].read_text()
    assert "<00:00:00.300><c>sentence</c>" in vtt


def test_the_html_page_escapes_the_transcript_and_groups_paragraphs(tmp_path: Path) -> None:
    segs = [
        timed(0.0, "Hello there."),
        timed(1.0, "<script>alert(1)</script> & more."),
        timed(9.0, "After a long pause."),
        timed(10.5, "Hola amigos.", language="es"),
    ]
    page = write(tmp_path, "html", segs)["html"].read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in page
    assert page.count("<p lang=") == 3 and '<p lang="es">' in page
    assert '<audio id="player" controls preload="metadata" src="talk.mp3">' in page
    assert 'class="s" data-start="9.00"' in page and ">00:00:09</a>" in page
    assert "http://" not in page and "https://" not in page, "nothing fetched"


def test_markdown_has_timed_paragraphs_and_escapes_markup(tmp_path: Path) -> None:
    segs = [timed(0.0, "Stars *like* this."), timed(1.0, "Go on."), timed(65.0, "# Not a heading.")]
    md = write(tmp_path, "md", segs)["md"].read_text()
    assert md == "**[00:00:00]** Stars \\*like\\* this. Go on.\n\n**[00:01:05]** \\# Not a heading.\n"


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
    with pytest.raises(OptionsError, match="pdf"):
        parse_formats("srt,pdf")


def test_the_registry_says_which_formats_need_speakers_and_in_what_order_formats_come() -> None:
    """One home: the command, export and the server all ask parse_formats."""
    assert parse_formats("all") == ("txt", "srt", "vtt", "tsv", "json", "html", "md", "docx")
    assert parse_formats("all", speakers=True)[-1] == "rttm"
    assert parse_formats("rttm,srt", speakers=True) == ("rttm", "srt")
    with pytest.raises(OptionsError, match=r"-f rttm needs speakers \(--diarize\)"):
        parse_formats("srt,rttm")
