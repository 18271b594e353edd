"""``longscribe live`` as a user runs it: a file at real time, stdin, a stream URL, Ctrl-C, kill -9,
the final pass; real processes, the real tiny.en model."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

from audio_fixtures import pcm16
from longscribe.metrics import diarization_error_rate, error_rates, read_rttm
from webhost import web_host

pytestmark = pytest.mark.model
TINY = ["--model", "tiny.en", "--language", "en"]


def live(*args: str, cwd: Path, stdin: bytes | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "longscribe", "live", *args, *TINY],
        cwd=cwd,
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=timeout,
    )
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def transcribe(recording: Path, out: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "longscribe", "transcribe", str(recording), "-o", out, "-f", "txt", *TINY]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def recordings(out: Path) -> list[Path]:
    return sorted((out / ".longscribe" / "live").glob("*.wav"))


def seconds(wav: Path) -> float:
    with wave.open(str(wav)) as w:
        return w.getnframes() / w.getframerate()


def test_a_file_played_at_real_time_prints_lines_and_writes_growing_outputs(data_dir: Path, tmp_path: Path) -> None:
    jfk = str(data_dir / "jfk.flac")
    done = live(jfk, "--realtime", "--speed", "4", "-o", "out", "-f", "txt,srt,json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    reference = (data_dir / "jfk.txt").read_text()
    assert error_rates(reference, done.stdout).wer <= 0.25, done.stdout
    assert len(done.stdout.strip().splitlines()) >= 2  # a line per utterance, as each ends
    out = tmp_path / "out"
    assert (out / "jfk.txt").read_text() == done.stdout
    document = json.loads((out / "jfk.json").read_text())
    assert " ".join(s["text"].strip() for s in document["segments"]) == " ".join(done.stdout.split("\n")).strip()
    assert document["info"]["duration"] == pytest.approx(11.0, abs=0.1)
    assert "-->" in (out / "jfk.srt").read_text()
    [recording] = recordings(out)
    assert seconds(recording) == pytest.approx(11.0, abs=0.05)


def test_the_final_pass_writes_what_transcribe_writes_for_the_recording(data_dir: Path, tmp_path: Path) -> None:
    done = live(str(data_dir / "jfk.flac"), "--final-pass", "-o", "out", "-f", "txt,json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [recording] = recordings(tmp_path / "out")
    again = transcribe(recording, "again", tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out" / "jfk.txt").read_text() == (tmp_path / "again" / f"{recording.stem}.txt").read_text()
    info = json.loads((tmp_path / "out" / "jfk.json").read_text())["info"]
    assert Path(info["path"]).name == recording.name and info["duration"] == pytest.approx(11.0, abs=0.1)


def test_speakers_are_labelled_as_each_utterance_ends(data_dir: Path, tmp_path: Path) -> None:
    """--diarize live: each line says its speaker as it is printed; the turns the JSON keeps score
    well against the sample's RTTM; the final pass labels the whole recording again."""
    sample = str(data_dir / "pyannote_sample.wav")
    done = live(sample, "--diarize", "-o", "out", "-f", "txt,json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    labels = list(dict.fromkeys(line.split(":")[0] for line in done.stdout.strip().splitlines()))
    # The first "Hello?" (0.4 s) makes a speaker (nobody was heard before it), taken over by the
    # first voice heard at length unless it is the same one: two speakers either way.
    assert labels == ["SPEAKER_00", "SPEAKER_01"], done.stdout
    info = json.loads((tmp_path / "out" / "pyannote_sample.json").read_text())["info"]
    reference = read_rttm((data_dir / "pyannote_sample.rttm").read_text())
    errors = diarization_error_rate(reference, [tuple(turn) for turn in info["speaker_turns"]])
    assert errors.der <= 0.10, errors
    assert [s["speaker"] for s in info["speakers"]] == labels
    final = live(sample, "--diarize", "--final-pass", "-o", "final", "-f", "json", cwd=tmp_path)
    assert final.returncode == 0, final.stderr
    info = json.loads((tmp_path / "final" / "pyannote_sample.json").read_text())["info"]
    assert info["options"]["diarize"] == "speakers" and info["job"] is not None  # written by the file pipeline
    errors = diarization_error_rate(reference, [tuple(turn) for turn in info["speaker_turns"]])
    assert errors.der <= 0.10 and errors.speakers == 2, errors


def test_stdin_in_a_container_or_as_raw_pcm(data_dir: Path, tmp_path: Path) -> None:
    reference = (data_dir / "jfk.txt").read_text()
    flac = (data_dir / "jfk.flac").read_bytes()
    done = live("-", "-o", "out", "-f", "txt", cwd=tmp_path, stdin=flac)
    assert done.returncode == 0, done.stderr
    assert error_rates(reference, done.stdout).wer <= 0.25, done.stdout
    pcm = pcm16(data_dir / "jfk.flac", 24000)  # as the Realtime API sends it
    done = live("-", "--pcm-rate", "24000", "-o", "out", "-f", "txt", cwd=tmp_path, stdin=pcm)
    assert done.returncode == 0, done.stderr
    assert error_rates(reference, done.stdout).wer <= 0.25, done.stdout


def test_a_stream_url(data_dir: Path, tmp_path: Path) -> None:
    with web_host() as host:
        url = host.file("/radio/jfk.flac", data_dir / "jfk.flac", content_type="audio/flac")
        done = live(url, "-o", "out", "-f", "txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert error_rates((data_dir / "jfk.txt").read_text(), done.stdout).wer <= 0.25, done.stdout
    assert (tmp_path / "out" / "jfk.txt").is_file()


def start(source: Path, cwd: Path, *flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "longscribe", "live", str(source), "--realtime", *flags, "-o", "out", *TINY],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip(), proc.stderr.read() if proc.stderr else ""
    return line


def test_ctrl_c_ends_the_stream_and_writes_everything(data_dir: Path, tmp_path: Path) -> None:
    proc = start(data_dir / "lucier.mp3", tmp_path, "-f", "txt,json")
    first_line(proc)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "ending the stream" in stderr
    document = json.loads((tmp_path / "out" / "lucier.json").read_text())  # whole: the info was written
    heard = document["info"]["duration"]
    assert 2.0 < heard < 60.0
    [recording] = recordings(tmp_path / "out")
    assert seconds(recording) == pytest.approx(heard, abs=0.2)


def test_kill_9_leaves_the_lines_so_far_and_a_recording_to_transcribe(data_dir: Path, tmp_path: Path) -> None:
    proc = start(data_dir / "lucier.mp3", tmp_path, "--speed", "2", "-f", "txt")
    line = first_line(proc)
    time.sleep(2.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    out = tmp_path / "out"
    written = (out / "lucier.txt").read_text()  # one line a segment; the terminal's line is an utterance's
    assert " ".join(written.split()).startswith(" ".join(line.split())), (written, line)
    [recording] = recordings(out)
    assert seconds(recording) > 3.0  # the header says what was written before the kill
    done = transcribe(recording, "file", tmp_path)
    assert done.returncode == 0, done.stderr
    assert line.split()[0].lower().strip(",.") in (tmp_path / "file" / f"{recording.stem}.txt").read_text().lower()


def test_bad_sources_are_one_line_each(tmp_path: Path, data_dir: Path) -> None:
    for args, expected, code in (
        ([str(tmp_path / "missing.wav")], "missing.wav: no such file", 1),
        ([str(data_dir / "jfk.flac"), "--pcm-rate", "16000"], "read from stdin only", 1),
        ([str(data_dir / "jfk.flac"), "--realtime", "--speed", "0"], "--speed must be above 0", 2),
        ([str(data_dir / "jfk.flac"), "--diarize", "channels"], "--diarize channels is for files", 2),
    ):
        done = live(*args, cwd=tmp_path)
        assert done.returncode == code, done.stderr
        assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_no_microphone_is_one_clear_line(tmp_path: Path) -> None:
    done = live(cwd=tmp_path)  # no PortAudio here, or no input device: either is said in one line
    assert done.returncode == 1
    assert "microphone: " in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    said = done.stderr.split("microphone: ", 1)[1]
    assert said.startswith(("PortAudio is not installed", "no usable input device", "needs sounddevice")), said
