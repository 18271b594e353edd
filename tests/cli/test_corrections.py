"""Corrections from the command line: ``export --apply`` stores a corrected transcript as a revision,
``--revision N`` writes an older one, and transcribing again never loses them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model


def longscribe(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(
        [sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env=os.environ.copy()
    )
    assert (run.returncode == 0) == ok, run.stderr
    return run


def test_a_correction_applied_is_written_kept_and_survives_transcribing_again(tmp_path: Path, data_dir: Path) -> None:
    talk = tmp_path / "talk.wav"
    talk.write_bytes((data_dir / "pyannote_sample.wav").read_bytes())
    out = tmp_path / "out"
    command = ["transcribe", str(talk), "--model", "tiny.en", "--diarize", "-o", str(out), "-f", "json,srt,txt"]
    longscribe(*command)
    doc = json.loads((out / "talk.json").read_text())
    original = (out / "talk.srt").read_text()
    assert doc["revision"] == 0 and "[SPEAKER_00]" in original
    first = doc["segments"][0]
    first["words"][0]["word"] = " Greetings"
    first["text"] = "".join(w["word"] for w in first["words"])
    for segment in doc["segments"]:
        segment["speaker"] = {"SPEAKER_00": "Ana"}.get(segment["speaker"], segment["speaker"])
    doc["speakers"] = ["Ana", "SPEAKER_01"]
    corrected = tmp_path / "corrected.json"
    corrected.write_text(json.dumps(doc))

    longscribe("export", str(talk), "-o", str(out), "--apply", str(corrected), "-f", "srt,json,txt")
    srt = (out / "talk.srt").read_text()
    assert "[Ana] Greetings" in srt and "SPEAKER_00" not in srt
    assert json.loads((out / "talk.json").read_text())["revision"] == 1
    listed = longscribe("export", str(talk), "-o", str(out), "--list-revisions").stdout.splitlines()
    assert [line.split("\t")[::2] for line in listed] == [
        ["0", "as transcribed"],
        ["1", "1 word changed; SPEAKER_00 renamed Ana"],
    ]
    stale = longscribe("export", str(talk), "-o", str(out), "--apply", str(corrected), ok=False)
    assert stale.returncode == 1 and len(stale.stderr.strip().splitlines()) == 1
    assert "corrected.json: the correction was made from revision 0, but 1 is the latest" in stale.stderr

    again = longscribe(*command)  # the same run again: the outputs are the correction, not the machine's words
    assert "writing revision 1" in again.stderr and (out / "talk.srt").read_text() == srt
    longscribe("export", str(talk), "-o", str(out), "--revision", "0", "-f", "srt")
    assert (out / "talk.srt").read_text() == original
    voices = longscribe("export", str(talk), "-o", str(out), "--voices", ok=False)
    assert "this job has corrections" in voices.stderr

    job = doc["info"]["job"]["id"]  # and by its id, from its store (a job transcribed again is kept so: test_store.py)
    longscribe("export", job, "-o", str(tmp_path / "kept"), "--job-dir", str(out / ".longscribe"), "-f", "srt")
    assert (tmp_path / "kept" / "talk.srt").read_text() == srt
