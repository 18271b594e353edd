"""The README's two set-up commands are the ones CI runs (a README that drifts from CI goes untested)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_COMMAND = 'pip install ".[bundled]" && longscribe transcribe samples/jfk.mp3 -o transcripts'
TEST_COMMAND = 'pip install ".[bundled,test]" && python -m pytest'


def shell_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_the_readme_shows_the_sample_and_test_commands_first() -> None:
    blocks = shell_blocks((ROOT / "README.md").read_text())
    assert blocks[:2] == [SAMPLE_COMMAND, TEST_COMMAND]


def test_ci_runs_the_readme_test_command_verbatim_and_the_sample_command_on_other_pythons() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert TEST_COMMAND in ci
    assert 'pip install -q ".[bundled]" && longscribe transcribe samples/jfk.mp3 -o' in ci
    assert (ROOT / "samples" / "jfk.mp3").is_file()
