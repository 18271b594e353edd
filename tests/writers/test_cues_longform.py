"""Subtitles of the two long-form recordings (English 31 min, Spanish 29 min), cut by the real pipeline."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("name", ["longform_en_asterisk", "longform_es_asterisk"])
def test_every_cue_of_a_long_recording_keeps_the_limits_and_says_every_word(
    data_dir: Path, tmp_path: Path, name: str
) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "longscribe", "transcribe", str(data_dir / f"{name}.mp3"), "--model", "base",
         "-o", str(tmp_path), "-f", "txt,srt", "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    limits = CueOptions()
    cues = srt_cues((tmp_path / f"{name}.srt").read_text())
    lines = [line for _, _, cue_lines in cues for line in cue_lines]
    for (start, end, cue_lines), following in zip(cues, [*cues[1:], None]):
        assert 1 <= len(cue_lines) <= limits.max_line_count, cue_lines
        assert all(len(line) <= limits.max_line_width or " " not in line for line in cue_lines), cue_lines
        assert 0 < end - start <= limits.max_cue_duration + 0.001, (start, end, cue_lines)
        if following is not None:
            assert following[0] - end >= limits.gap - 0.001, (end, following)
    said = " ".join(lines).split()
    assert said == (tmp_path / f"{name}.txt").read_text().split(), "the cues say the transcript's words, in order"
    widths = [len(line) for line in lines]
    print(f"{name}: {len(cues)} cues, median {statistics.median(widths):.0f} characters a line, max {max(widths)}")
