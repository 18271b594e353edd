"""The CLI as a user runs it: real subprocesses, real files, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import encode, tone, write_wav  # noqa: E402
from longscribe.writers import WRITERS

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]


def longscribe(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, cwd=cwd, env=os.environ.copy()
    )


def wav_with_unknown_codec() -> bytes:
    """A RIFF/WAVE file whose format tag (0x1234) no FFmpeg decoder knows."""
    import struct

    data = b"\x00\x01" * 16000
    fmt = struct.pack("<HHIIHH", 0x1234, 1, 16000, 32000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.fixture
def bad_inputs(tmp_path: Path, data_dir: Path) -> dict[str, Path]:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.mp3").write_bytes(b"")
    (bad / "notes.mp3").write_text("not audio at all\n" * 50)
    encode(bad / "silent-video.mp4", np.zeros(0, dtype=np.float32), "", video=True)
    data = (data_dir / "longform_en_asterisk.mp3").read_bytes()
    (bad / "cut.mp3").write_bytes(data[: len(data) // 40])
    (bad / "odd.wav").write_bytes(wav_with_unknown_codec())
    no_audio = tmp_path / "no-audio"
    no_audio.mkdir()
    (no_audio / "readme.txt").write_text("nothing to hear")
    return {
        "missing": bad / "missing.wav",
        "directory": no_audio,
        "codec": bad / "odd.wav",
        "empty": bad / "empty.mp3",
        "text": bad / "notes.mp3",
        "video": bad / "silent-video.mp4",
        "truncated": bad / "cut.mp3",
    }


def test_bad_inputs_get_one_line_each_and_the_good_files_still_finish(
    tmp_path: Path, data_dir: Path, bad_inputs: dict[str, Path]
) -> None:
    out = tmp_path / "out"
    files = [str(data_dir / "jfk.flac"), *map(str, bad_inputs.values()), str(data_dir / "ljspeech/LJ001-0002.wav")]
    run = longscribe("transcribe", *files, "--model", "tiny.en", "-o", str(out), "-f", "txt,json")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("longscribe: error:")]
    expected = {
        "missing": "no such file",
        "directory": "holds no audio or video files",
        "codec": "unsupported audio format",
        "empty": "file is empty",
        "text": "not a readable audio",
        "video": "has no audio track",
    }
    for key, problem in expected.items():
        lines = [e for e in errors if str(bad_inputs[key]) + ":" in e]
        assert len(lines) == 1 and problem in lines[0], (key, errors)
    warning = [line for line in run.stderr.splitlines() if "cut.mp3" in line and "decoding stopped at" in line]
    assert len(warning) == 1, run.stderr
    assert (out / "jfk.txt").read_text().lower().startswith("and so my fellow americans")
    assert (out / "LJ001-0002.txt").exists() and (out / "cut.txt").read_text().strip()
    assert json.loads((out / "cut.json").read_text())["info"]["complete"] is False
    assert sorted(p.name for p in out.iterdir() if p.name != ".longscribe") == sorted(
        f"{stem}.{ext}" for stem in ("jfk", "LJ001-0002", "cut") for ext in ("txt", "json")
    ), "bad inputs must leave no output, not even a temp file"
    assert "longscribe summary" in run.stderr and "failed" in run.stderr


def test_unknown_model_is_one_line_naming_what_was_tried(tmp_path: Path, data_dir: Path) -> None:
    run = longscribe("transcribe", str(data_dir / "jfk.flac"), "--model", "huge-v9", "-o", str(tmp_path))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[0].startswith("longscribe: error: ")
    assert "model 'huge-v9' not found" in run.stderr and "hub" in run.stderr
    assert [p.name for p in tmp_path.iterdir()] in ([], [".longscribe"])


def test_unwritable_output_dir_fails_before_any_work(tmp_path: Path, data_dir: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    run = longscribe("transcribe", str(data_dir / "jfk.flac"), "--model", "tiny.en", "-o", str(blocker / "out"))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"{blocker / 'out'}:" in run.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    run = longscribe("transcribe", str(tmp_path / "nope.wav"), "--debug", "--model", "tiny.en")
    assert run.returncode == 1 and "Traceback" in run.stderr


def test_silence_and_tones_give_an_empty_transcript_not_invented_text(tmp_path: Path) -> None:
    audio = np.concatenate([np.zeros(20 * 16000, np.float32), tone(10.0, 440), np.zeros(20 * 16000, np.float32)])
    write_wav(tmp_path / "quiet.wav", audio)
    run = longscribe("transcribe", str(tmp_path / "quiet.wav"), "--model", "base", "-o", str(tmp_path), "-f", "txt,srt")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "quiet.txt").read_text() == "" and (tmp_path / "quiet.srt").read_text() == ""


def test_the_readme_sample_command_works(tmp_path: Path) -> None:
    run = longscribe("transcribe", str(ROOT / "samples" / "jfk.mp3"), "-o", str(tmp_path))
    assert run.returncode == 0, run.stderr
    text = " ".join((tmp_path / "jfk.txt").read_text().lower().split())  # one segment per line
    assert "ask not what your country can do for you" in text
    assert {p.suffix for p in tmp_path.iterdir() if not p.name.startswith(".")} == {
        ".txt",
        ".srt",
        ".vtt",
        ".json",
        ".tsv",
        ".html",
        ".md",
        *([".docx"] if WRITERS["docx"].available() else []),  # with the docx extra
    }
    assert "language en" in run.stderr


def test_a_folder_of_recordings_is_one_batch_and_skip_existing_skips_done_ones(tmp_path: Path, data_dir: Path) -> None:
    talks = tmp_path / "talks"
    (talks / "day2").mkdir(parents=True)
    (talks / "b.flac").write_bytes((data_dir / "jfk.flac").read_bytes())
    (talks / "day2" / "a.wav").write_bytes((data_dir / "ljspeech" / "LJ001-0002.wav").read_bytes())
    (talks / "notes.txt").write_text("not audio")
    out = tmp_path / "out"
    first = longscribe("transcribe", str(talks), "--model", "tiny.en", "-o", str(out), "-f", "txt")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.glob("*.txt")) == ["a.txt", "b.txt"]
    assert first.stderr.index("b.flac") < first.stderr.index("a.wav"), "sorted by path"
    second = longscribe("transcribe", str(talks), "--model", "tiny.en", "-o", str(out), "-f", "txt", "--skip-existing")
    assert second.returncode == 0 and second.stderr.count("outputs exist, skipped") == 2


def _samples(path: Path) -> np.ndarray:
    from longscribe.audio import AudioStream

    with AudioStream(path) as stream:
        return np.concatenate(list(stream.windows(30 * 16000)))


def test_inputs_with_the_same_name_never_overwrite_each_other(tmp_path: Path, data_dir: Path) -> None:
    jfk, lj = _samples(data_dir / "jfk.flac"), _samples(data_dir / "ljspeech" / "LJ001-0005.wav")
    talks = tmp_path / "talks"
    talks.mkdir()
    encode(talks / "talk.m4a", jfk, "aac")
    at_48k = np.interp(np.arange(3 * lj.shape[0]) / 3, np.arange(lj.shape[0]), lj).astype(np.float32)
    encode(talks / "talk.webm", at_48k, "libopus", rate=48000)  # Opus runs at 48 kHz
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write_wav(tmp_path / "a" / "talk.wav", lj)
    write_wav(tmp_path / "b" / "talk.wav", jfk)
    out = tmp_path / "out"
    run = longscribe(
        "transcribe", str(talks), str(tmp_path / "a" / "talk.wav"), str(tmp_path / "b" / "talk.wav"),
        "--model", "tiny.en", "-o", str(out), "-f", "txt",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*.txt"))
    assert written == ["a/talk.wav.txt", "b/talk.wav.txt", "talk.m4a.txt", "talk.webm.txt"]

    def said(name: str) -> str:
        return " ".join((out / name).read_text().lower().split())

    assert "ask not what your country" in said("talk.m4a.txt") and "movable metal letters" in said("talk.webm.txt")
    assert "ask not what your country" in said("b/talk.wav.txt") and "movable metal letters" in said("a/talk.wav.txt")
    assert "written as" in run.stderr and "another input has the same name; writing talk.m4a.*" in run.stderr


def test_a_vocabulary_from_the_flag_and_a_file_is_in_the_json_and_one_too_long_is_one_line(
    tmp_path: Path, data_dir: Path
) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("# the speech's names\nKennedy\n\nAmericans  # given twice: taken once\n")
    jfk = str(data_dir / "jfk.flac")
    run = longscribe("transcribe", jfk, "--model", "tiny.en", "-o", str(tmp_path), "-f", "json",
                     "--vocabulary", "Americans, Boston", "--vocabulary-file", str(terms))  # fmt: skip
    assert run.returncode == 0, run.stderr
    info = json.loads((tmp_path / "jfk.json").read_text())["info"]
    assert info["options"]["vocabulary"] == ["Americans", "Boston", "Kennedy"]
    many = ", ".join(f"Zebulon Quixotic{k} Xylophonist" for k in range(60))  # 60 terms, far over 223 tokens
    run = longscribe("transcribe", jfk, "--model", "tiny.en", "-o", str(tmp_path / "long"), "--vocabulary", many)
    assert run.returncode != 0 and "Traceback" not in run.stderr
    assert "vocabulary is" in run.stderr and "the prompt holds 223" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) <= 2, run.stderr
