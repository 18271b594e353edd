"""``transcribe --diarize`` end to end: real models on real speech, real files, a real kill."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from audio_fixtures import tone, write_wav
from longscribe.audio import AudioStream
from longscribe.benchmarks.recordings import CONVERSATION_VOICES, write_conversation
from longscribe.metrics import diarization_error_rate, read_rttm
from longscribe.types import SAMPLE_RATE
from processes import kill_when

pytestmark = pytest.mark.model
ARGS = ["--model", "tiny.en", "--quiet"]


def longscribe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "longscribe", *args], capture_output=True, text=True)


def test_the_pyannote_sample_gets_its_two_speakers_and_the_words_do_not_change(data_dir: Path, tmp_path: Path) -> None:
    sample = data_dir / "pyannote_sample.wav"
    run = longscribe("transcribe", str(sample), "-o", str(tmp_path / "d"), "-f", "json,txt,rttm,vtt", "--diarize",
                     "--speaker-names", "Ana", *ARGS)  # fmt: skip
    assert run.returncode == 0, run.stderr
    plain = longscribe("transcribe", str(sample), "-o", str(tmp_path / "p"), "-f", "json", *ARGS)
    assert plain.returncode == 0, plain.stderr
    reference = read_rttm((data_dir / "pyannote_sample.rttm").read_text())
    found = read_rttm((tmp_path / "d" / "pyannote_sample.rttm").read_text())
    errors = diarization_error_rate(reference, found)
    assert errors.speakers == 2 and errors.der <= 0.05, errors
    doc = json.loads((tmp_path / "d" / "pyannote_sample.json").read_text())
    without = json.loads((tmp_path / "p" / "pyannote_sample.json").read_text())
    assert doc["text"] == without["text"], "--diarize changed the words"
    words = [w["word"] for s in doc["segments"] for w in s["words"]]
    assert "".join(words) == "".join(s["text"] for s in without["segments"])
    assert [s["speaker"] for s in doc["speakers"]] == ["Ana", "SPEAKER_01"]
    assert all(w["speaker"] == s["speaker"] for s in doc["segments"] for w in s["words"])
    assert len({s["speaker"] for s in doc["segments"]}) == 2
    lines = (tmp_path / "d" / "pyannote_sample.txt").read_text().splitlines()
    assert lines and all(line.startswith(("Ana: ", "SPEAKER_01: ")) for line in lines)
    assert "<v SPEAKER_01>" in (tmp_path / "d" / "pyannote_sample.vtt").read_text()
    talk = {s["speaker"]: s["seconds"] for s in doc["speakers"]}
    assert all(8 < seconds < 16 for seconds in talk.values()), talk


def test_speakers_named_from_the_voice_library(data_dir: Path, tmp_path: Path) -> None:
    """The pyannote sample's second voice enrolled from the 6 s it speaks alone: ``--voices`` names
    that speaker (its similarity in the JSON), the one whose long turn ends at 28.5 s, and
    ``--speaker-names`` names the other; a voice that is not enrolled, or ``--voices`` without
    speakers, is refused before any work."""
    sample = data_dir / "pyannote_sample.wav"
    library = ["--voice-library", str(tmp_path / "lib")]
    assert longscribe("voices", "add", "Ana", f"{sample}@21.8-27.8", *library).returncode == 0
    run = longscribe("transcribe", str(sample), "-o", str(tmp_path / "d"), "-f", "json,txt", "--diarize",
                     "--voices", "--speaker-names", "Ben", *library, *ARGS)  # fmt: skip
    assert run.returncode == 0, run.stderr
    speakers = json.loads((tmp_path / "d" / "pyannote_sample.json").read_text())["speakers"]
    by_name = {s["speaker"]: s for s in speakers}
    assert sorted(by_name) == ["Ana", "Ben"] and abs(by_name["Ana"]["last"] - 28.5) < 0.5, speakers
    assert by_name["Ana"]["voice"] == "Ana" and by_name["Ana"]["similarity"] >= 0.78 and "voice" not in by_name["Ben"]
    lines = (tmp_path / "d" / "pyannote_sample.txt").read_text().splitlines()
    assert {line.split(":")[0] for line in lines} == {"Ana", "Ben"}
    missing = longscribe("transcribe", str(sample), "-o", str(tmp_path / "m"), "--diarize", "--voices", "Ana,Cy",
                         *library, *ARGS)  # fmt: skip
    assert missing.returncode == 1 and "no voice named 'Cy'" in missing.stderr
    twice = longscribe("transcribe", str(sample), "-o", str(tmp_path / "t"), "--diarize", "--voices",
                       "--speaker-names", "Ana", *library, *ARGS)  # fmt: skip
    assert twice.returncode == 1 and "speaker name 'Ana' is an enrolled voice's name too" in twice.stderr
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").glob("*.json"))
    channels = longscribe("transcribe", str(sample), "--diarize", "channels", "--voices", *library, *ARGS)
    assert channels.returncode == 2 and "--voices is for --diarize speakers" in channels.stderr


def test_a_finished_job_names_its_speakers_again_from_its_stored_voices(data_dir: Path, tmp_path: Path) -> None:
    """``voices add --from`` takes a speaker's voice from a finished job; ``export --voices`` and a
    rerun of ``transcribe --voices`` name the speakers against the library as it is now, from the
    windows the job stored: nothing is transcribed again, and the words stay."""
    sample = data_dir / "pyannote_sample.wav"
    store = ["--job-dir", str(tmp_path / "d" / ".longscribe")]
    library = ["--voice-library", str(tmp_path / "lib")]
    first = longscribe("transcribe", str(sample), "-o", str(tmp_path / "d"), "-f", "json", "--diarize", *ARGS)
    assert first.returncode == 0, first.stderr
    before = json.loads((tmp_path / "d" / "pyannote_sample.json").read_text())
    assert [s["speaker"] for s in before["speakers"]] == ["SPEAKER_00", "SPEAKER_01"]
    taken = longscribe("voices", "add", "Ben", "--from", str(sample), "--speaker", "SPEAKER_01", *store, *library)
    assert taken.returncode == 0, taken.stderr
    assert longscribe("voices", "add", "Ana", f"{sample}@21.8-27.8", *library).returncode == 0
    export = longscribe("export", str(sample), "-o", str(tmp_path / "e"), "-f", "json", *store, "--voices", *library)
    assert export.returncode == 0, export.stderr
    named = json.loads((tmp_path / "e" / "pyannote_sample.json").read_text())
    by_name = {s["speaker"]: s for s in named["speakers"]}
    assert sorted(by_name) == ["Ana", "Ben"] and by_name["Ben"]["similarity"] > 0.99, named["speakers"]
    assert abs(by_name["Ana"]["last"] - 28.5) < 0.5 and named["text"] == before["text"]
    again = longscribe("transcribe", str(sample), "-o", str(tmp_path / "d"), "-f", "json", "--diarize", "--voices",
                       *library, *ARGS)  # fmt: skip
    assert again.returncode == 0, again.stderr
    rerun = json.loads((tmp_path / "d" / "pyannote_sample.json").read_text())
    job = rerun["info"]["job"]
    assert job["resumed_chunks"] == rerun["info"]["chunks"] and job["resumed_speaker_windows"] > 0, job
    assert [s["speaker"] for s in rerun["speakers"]] == [s["speaker"] for s in named["speakers"]]
    wrong = longscribe("voices", "add", "Cy", "--from", str(sample), "--speaker", "SPEAKER_07", *store, *library)
    assert wrong.returncode == 1 and "no speaker 'SPEAKER_07' (speakers: Ana, Ben)" in wrong.stderr, wrong.stderr
    alone = longscribe("voices", "add", "Cy", "--from", str(sample), *library)
    assert alone.returncode == 2 and "--from" in alone.stderr and len(alone.stderr.strip().splitlines()) == 1
    plain = longscribe("transcribe", str(sample), "-o", str(tmp_path / "p"), "-f", "json", *ARGS)
    assert plain.returncode == 0, plain.stderr
    plain_store = str(tmp_path / "p" / ".longscribe")
    nobody = longscribe(
        "export", str(sample), "-o", str(tmp_path / "p"), "--job-dir", plain_store, "--voices", *library
    )
    assert nobody.returncode == 1 and "transcribed without --diarize" in nobody.stderr, nobody.stderr


def stereo_call(data_dir: Path, target: Path) -> list[tuple[float, float, str]]:
    """Two voices of a conversation, each on its own channel with the other's bleed 30 dB down."""
    voices = {name: [data_dir / f for f in CONVERSATION_VOICES[name]] for name in ("allison", "lj")}
    mono = target.with_suffix(".mono.wav")
    turns = write_conversation(voices, mono, minutes=0.75, seed=3, gap_seconds=(0.3, 0.6))
    with AudioStream(mono) as stream:
        audio = np.concatenate(list(stream.windows(30 * SAMPLE_RATE)))
    owner = np.full(len(audio), -1)
    for start, end, who in turns:
        owner[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)] = ["allison", "lj"].index(who)
    bleed = 10 ** (-30 / 20)
    channels = np.stack([audio * np.where(owner == k, 1.0, bleed) for k in (0, 1)], axis=1)
    write_wav(target, channels.astype(np.float32))
    return turns


def test_speakers_by_channel_are_exact_and_a_mono_file_is_refused(data_dir: Path, tmp_path: Path) -> None:
    call = tmp_path / "call.wav"
    reference = stereo_call(data_dir, call)
    run = longscribe("transcribe", str(call), "-o", str(tmp_path), "-f", "rttm,txt", "--diarize", "channels", *ARGS)
    assert run.returncode == 0, run.stderr
    errors = diarization_error_rate(reference, read_rttm((tmp_path / "call.rttm").read_text()))
    assert errors.speakers == 2 and errors.der <= 0.03, errors
    mono = write_wav(tmp_path / "mono.wav", tone(2.0))
    refused = longscribe("transcribe", str(mono), "-o", str(tmp_path / "m"), "--diarize", "channels", *ARGS)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip().splitlines() == [
        f"longscribe: error: {mono}: has one channel: speakers by channel need two or more (use --diarize)"
    ]
    assert not (tmp_path / "m").exists() or not any((tmp_path / "m").rglob("*.*")), "nothing written, no job"


def test_silence_and_a_clip_shorter_than_a_window(data_dir: Path, tmp_path: Path) -> None:
    quiet = write_wav(tmp_path / "quiet.wav", np.zeros(4 * SAMPLE_RATE, dtype=np.float32))
    run = longscribe("transcribe", str(quiet), str(data_dir / "jfk.flac"), "-o", str(tmp_path), "-f", "json,rttm",
                     "--diarize", *ARGS)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "quiet.rttm").read_text() == ""
    assert json.loads((tmp_path / "quiet.json").read_text())["segments"] == []
    jfk = json.loads((tmp_path / "jfk.json").read_text())
    assert {s["speaker"] for s in jfk["segments"]} == {"SPEAKER_00"} and len(jfk["speakers"]) == 1


@pytest.fixture(scope="module")
def conversation(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    voices = {name: [data_dir / f for f in files] for name, files in CONVERSATION_VOICES.items() if name != "galdos"}
    target = tmp_path_factory.mktemp("talk") / "talk.wav"
    write_conversation(voices, target, minutes=2, seed=2)
    return target


def speaker_windows(out: Path) -> int:
    db = out / ".longscribe" / "jobs.sqlite"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM speaker_windows").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_kill_9_then_rerun_gives_the_same_speakers_without_recomputing_them(conversation: Path, tmp_path: Path) -> None:
    args = ["-f", "json,rttm", "--diarize", "--max-speakers", "6", *ARGS]
    reference = longscribe("transcribe", str(conversation), "-o", str(tmp_path / "ref"), *args)
    assert reference.returncode == 0, reference.stderr
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "longscribe", "transcribe", str(conversation), "-o", str(out),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    kill_when(proc, lambda: speaker_windows(out) >= 24)
    saved = speaker_windows(out)
    assert not (out / "talk.json").exists()
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    with sqlite3.connect(broken / ".longscribe" / "jobs.sqlite") as conn:
        conn.execute("UPDATE speaker_windows SET data = substr(data, 1, 100) WHERE start = 0")
    refused = longscribe("transcribe", str(conversation), "-o", str(broken), *args)
    assert refused.returncode != 0 and "unreadable speaker window of 100 bytes" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    started = time.perf_counter()
    rerun = longscribe("transcribe", str(conversation), "-o", str(out), *args)
    assert rerun.returncode == 0, rerun.stderr
    print(f"{saved} windows saved; the rerun took {time.perf_counter() - started:.1f}s")
    assert (out / "talk.rttm").read_text() == (tmp_path / "ref" / "talk.rttm").read_text()
    doc = json.loads((out / "talk.json").read_text())
    want = json.loads((tmp_path / "ref" / "talk.json").read_text())
    assert doc["segments"] == want["segments"] and doc["speakers"] == want["speakers"]
    windows = int(np.ceil((doc["info"]["duration"] - 10) / 2.5)) + 1
    assert saved <= doc["info"]["job"]["resumed_speaker_windows"] < windows, "stored ones reused, the rest computed"
    assert len(doc["speakers"]) >= 3
