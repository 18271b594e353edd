"""``longscribe watch`` as a user runs it: real files landing in a real folder, a real kill -9."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_slice
from longscribe.metrics import error_rates
from processes import committed, kill_when

pytestmark = pytest.mark.model
WATCH = ["--model", "tiny.en", "-f", "txt,json", "--retries", "1"]


def start(in_dir: Path, out: Path, *flags: str, log: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "longscribe", "watch", str(in_dir), "-o", str(out), *WATCH, *flags],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        text=True,
        env=os.environ.copy(),
    )


def until(condition: object, seconds: float, proc: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def transcribed(log: Path, name: str) -> int:
    return sum(1 for line in log.read_text().splitlines() if f"{name}: " in line and "of audio in" in line)


def test_files_are_picked_up_once_complete_once_each_and_a_bad_one_is_listed(data_dir: Path, tmp_path: Path) -> None:
    in_dir, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "watch.log"
    in_dir.mkdir()
    proc = start(in_dir, out, "--settle", "2", "--scan-interval", "1", log=log)
    try:
        until(lambda: "watching" in log.read_text(), 120, proc, log)
        body = (data_dir / "ljspeech/LJ001-0005.wav").read_bytes()

        def write_slowly() -> None:  # 20 pieces over 20 s: never still for the 2 s settle time
            with open(in_dir / "slow.wav", "wb") as f:
                for i in range(20):
                    f.write(body[i * len(body) // 20 : (i + 1) * len(body) // 20])
                    f.flush()
                    time.sleep(1.0)

        writer = threading.Thread(target=write_slowly)
        writer.start()
        shutil.copy(data_dir / "ljspeech/LJ001-0002.wav", in_dir / "first.wav")  # two at once
        shutil.copy(data_dir / "ljspeech/LJ001-0008.wav", in_dir / "second.wav")
        (in_dir / "notes.mp3").write_text("not audio at all\n" * 20)
        until(lambda: (out / "first.txt").exists() and (out / "second.txt").exists(), 60, proc, log)
        assert not (out / "slow.txt").exists()  # still being written
        writer.join()
        until(lambda: (out / "slow.json").exists() and (out / "failed").exists(), 60, proc, log)
        time.sleep(2)  # time enough to pick anything up twice
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    text = log.read_text()
    assert "Traceback" not in text
    assert [transcribed(log, n) for n in ("slow.wav", "first.wav", "second.wav")] == [1, 1, 1], text
    slow = json.loads((out / "slow.json").read_text())
    assert abs(slow["info"]["duration"] - 8.11) < 0.05 and "printing" in slow["text"].lower()
    (note,) = (out / "failed").iterdir()
    assert note.name == "notes.mp3.txt" and "not a readable audio" in note.read_text()
    assert text.count("notes.mp3: not a readable audio") == 2  # tried, then once more after a back-off
    assert not list(out.glob("notes.*"))


def test_kill_9_mid_file_and_a_restart_resumes_it_and_does_nothing_twice(data_dir: Path, tmp_path: Path) -> None:
    in_dir, out = tmp_path / "in", tmp_path / "out"
    in_dir.mkdir()
    segments = read_segments(data_dir / "longform_en_asterisk.segments.tsv")
    cut = pause_before(segments, 240.0)  # four minutes: several batches of chunks
    write_slice(data_dir / "longform_en_asterisk.mp3", in_dir / "long.wav", cut)
    reference = reference_text(segments, cut)
    short = in_dir / "short.wav"
    shutil.copy(data_dir / "ljspeech/LJ001-0002.wav", short)
    os.utime(short, (time.time() - 600, time.time() - 600))  # older: transcribed first
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    proc = start(in_dir, out, "--settle", "0", log=first_log)
    kill_when(proc, lambda: (out / "short.txt").exists() and len(committed(out)) >= 2)
    assert transcribed(first_log, "short.wav") == 1 and not (out / "long.txt").exists()

    again = start(in_dir, out, "--settle", "0", "--once", log=second_log)
    assert again.wait(300) == 0, second_log.read_text()
    text = second_log.read_text()
    assert transcribed(second_log, "short.wav") == 0 and transcribed(second_log, "long.wav") == 1, text
    assert "long.wav: resuming job" in text
    wer = error_rates(reference, (out / "long.txt").read_text()).wer
    assert wer < 0.25, wer  # the whole ten minutes, each part once
