"""Subtitles of long-form recordings (the whole English file, 5 minutes of the Spanish one), cut from real words."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Any

import pytest

from longscribe.types import Segment, TranscriptInfo
from longscribe.writers import OutputSet
from longscribe.writers.cues import CueOptions

pytestmark = [pytest.mark.model, pytest.mark.slow]
TIME = re.compile(r"(\d+):(\d\d):(\d\d)[,.](\d{3}) --> (\d+):(\d\d):(\d\d)[,.](\d{3})")


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def srt_cues(text: str) -> list[tuple[float, float, list[str]]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        match = TIME.fullmatch(lines[1])
        assert match, block
        g = match.groups()
        cues.append((seconds(*g[:4]), seconds(*g[4:]), lines[2:]))
    return cues


def check(segments: list[Segment], folder: Path, name: str) -> None:
    info = TranscriptInfo(name, "m", "", "", "cpu", "int8")
    with OutputSet(folder, name, ("txt", "srt")) as out:
        for segment in segments:
            out.write(segment)
        out.commit(info)
    limits = CueOptions()
    cues = srt_cues((folder / f"{name}.srt").read_text())
    lines = [line for _, _, cue_lines in cues for line in cue_lines]
    for (start, end, cue_lines), following in zip(cues, [*cues[1:], None]):
        assert 1 <= len(cue_lines) <= limits.max_line_count, cue_lines
        assert all(len(line) <= limits.max_line_width or " " not in line for line in cue_lines), cue_lines
        assert 0 < end - start <= limits.max_cue_duration + 0.001, (start, end, cue_lines)
        if following is not None:
            assert following[0] - end >= limits.gap - 0.001, (end, following)
    said = " ".join(lines).split()
    assert said == (folder / f"{name}.txt").read_text().split(), "the cues say the transcript's words, in order"
    widths = [len(line) for line in lines]
    print(f"{name}: {len(cues)} cues, median {statistics.median(widths):.0f} characters a line, max {max(widths)}")


def test_english_cues_keep_every_limit_and_say_every_word(
    whole_english_tiny: tuple[Any, list[Segment]], tmp_path: Path
) -> None:
    check(whole_english_tiny[1], tmp_path, "longform_en_asterisk")


def test_spanish_cues_keep_every_limit_and_say_every_word(
    base_transcriber: Any, data_dir: Path, tmp_path: Path
) -> None:
    from longscribe.benchmarks.recordings import pause_before, read_segments, write_slice

    cut = pause_before(read_segments(data_dir / "longform_es_asterisk.segments.tsv"), 300.0)
    spanish = write_slice(data_dir / "longform_es_asterisk.mp3", tmp_path / "es5.wav", cut)
    segments = list(base_transcriber.transcribe(spanish))
    assert {s.language for s in segments} == {"es"}
    check(segments, tmp_path, "es5")
