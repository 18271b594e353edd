"""Never lose work: real processes killed at real points, resumed to the identical transcript."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from longscribe.benchmarks.recordings import pause_before, read_segments, write_slice
from longscribe.jobs import JobStore
from processes import committed, committed_before, kill_when

pytestmark = pytest.mark.model
ARGS = ["--model", "tiny.en", "-f", "txt,json", "--quiet"]


@pytest.fixture(scope="module")
def six_minutes(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    segments = read_segments(data_dir / "longform_en_asterisk.segments.tsv")
    return write_slice(
        data_dir / "longform_en_asterisk.mp3",
        tmp_path_factory.mktemp("six") / "talk.wav",
        pause_before(segments, 360.0),
    )


@pytest.fixture(scope="module")
def reference(six_minutes: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("reference")
    run = cli("transcribe", str(six_minutes), "-o", str(out), *ARGS)
    assert run.returncode == 0, run.stderr
    doc = json.loads((out / "talk.json").read_text())
    return {"txt": (out / "talk.txt").read_text(), "segments": doc["segments"], "chunks": doc["info"]["chunks"]}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


SLOW_RENAMES = """
import os, sys, time
rename = os.replace
def slow_rename(src, dst):
    time.sleep(2)
    rename(src, dst)
os.replace = slow_rename
from longscribe.cli.main import main
sys.exit(main(sys.argv[1:]))
"""
"""The command with two seconds before each rename of a finished output: a kill lands between two of them."""


def start(*args: str, slow_renames: bool = False) -> subprocess.Popen[str]:
    """The command as a terminal's foreground job would run it. A suite started in the background
    by a shell without job control has Ctrl-C ignored, and an ignored signal stays ignored through
    exec (the command would never see it); a handled one is reset to the default."""
    launcher = ["-c", SLOW_RENAMES] if slow_renames else ["-m", "longscribe"]
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return subprocess.Popen(
            [sys.executable, *launcher, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    finally:
        signal.signal(signal.SIGINT, previous)


def same_as_reference(out: Path, reference: dict[str, object]) -> dict[str, object]:
    doc = json.loads((out / "talk.json").read_text())
    assert (out / "talk.txt").read_text() == reference["txt"]
    assert doc["segments"] == reference["segments"], "resumed transcript differs from the uninterrupted one"
    texts = [(s["start"], s["text"]) for s in doc["segments"]]
    assert len(texts) == len(set(texts)), "a segment appears twice"
    info: dict[str, object] = doc["info"]
    return info


@pytest.mark.parametrize("point", ["after the first chunk", "mid-file", "while writing the outputs"])
def test_kill_9_then_rerun_gives_the_uninterrupted_transcript(
    six_minutes: Path, reference: dict[str, object], tmp_path: Path, point: str
) -> None:
    total = int(reference["chunks"])  # type: ignore[call-overload]
    proc = start("transcribe", str(six_minutes), "-o", str(tmp_path), *ARGS, slow_renames=point.startswith("while"))
    ready = {
        "after the first chunk": lambda: len(committed(tmp_path)) >= 1,
        "mid-file": lambda: len(committed(tmp_path)) >= total // 2,
        "while writing the outputs": lambda: (tmp_path / "talk.json").exists() or (tmp_path / "talk.txt").exists(),
    }[point]
    killed_at = kill_when(proc, ready)
    assert proc.returncode == -signal.SIGKILL
    before = committed(tmp_path)
    assert 1 <= len(before) <= total
    rerun = cli("transcribe", str(six_minutes), "-o", str(tmp_path), *ARGS)
    assert rerun.returncode == 0, rerun.stderr
    info = same_as_reference(tmp_path, reference)
    kept = committed_before(tmp_path, killed_at)
    assert info["job"]["resumed_chunks"] == len(kept)  # type: ignore[index]
    after = committed(tmp_path)
    assert {i: after[i] for i in before} == before, "a committed chunk was decoded again"
    assert sorted(after) == list(range(total))
    assert not list(tmp_path.glob(".talk.*.tmp")), "temp files of the killed run are left behind"


def test_ctrl_c_stops_within_seconds_and_the_resumed_output_is_identical(six_minutes: Path, tmp_path: Path) -> None:
    """Two workers decoding batches of four chunks with base: when Ctrl-C comes after the first batch is
    committed, the next two are in flight on native threads for longer than the three seconds allowed
    (docs/benchmarks.md, "Ctrl-C"), so waiting for them would fail; stopping without them does not."""
    args = ["--model", "base", "--language", "en", "-f", "txt,json", "--quiet"]
    reference = cli("transcribe", str(six_minutes), "-o", str(tmp_path / "reference"), *args)
    assert reference.returncode == 0, reference.stderr
    out = tmp_path / "out"
    parallel = ["--workers", "2", "--threads", "1", "--batch-size", "4"]
    proc = start("transcribe", str(six_minutes), "-o", str(out), *args, *parallel)
    kill_when(proc, lambda: len(committed(out)) >= 4, signal.SIGINT, within=3.0)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 130 and "Traceback" not in stderr, stderr
    assert "stopping: saving finished chunks" in stderr
    assert "run the same command again to resume" in stderr
    assert not (out / "talk.txt").exists()
    before = committed(out)
    assert 4 <= len(before) < 15
    rerun = cli("transcribe", str(six_minutes), "-o", str(out), *args)
    assert rerun.returncode == 0, rerun.stderr
    for name in ("talk.txt", "talk.json"):
        if name == "talk.json":
            doc, ref = (json.loads((d / name).read_text()) for d in (out, tmp_path / "reference"))
            assert doc["segments"] == ref["segments"]
            assert doc["info"]["job"]["resumed_chunks"] == len(before)
        else:
            assert (out / name).read_bytes() == (tmp_path / "reference" / name).read_bytes()
    assert {i: t for i, t in committed(out).items() if i in before} == before


SECOND_CTRL_C = """
import os, signal, sys, time
from longscribe.cli.interrupt import ctrl_c
with ctrl_c(lambda text: print(text, flush=True)):
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        print("unwinding", flush=True)
        os.kill(os.getpid(), signal.SIGINT)  # while the first stop is still being handled
        time.sleep(5)
        print("still here", flush=True)
"""


def test_a_second_ctrl_c_ends_the_process_at_once() -> None:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (see start)
    try:
        run = subprocess.run([sys.executable, "-c", SECOND_CTRL_C], capture_output=True, text=True, timeout=4)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert run.returncode == 130, run.stderr
    assert run.stdout.splitlines() == ["stopping: saving finished chunks… (Ctrl-C again to quit at once)", "unwinding"]
    assert "stopped" in run.stderr and "Traceback" not in run.stderr


def test_changed_options_input_and_restart_start_new_jobs(six_minutes: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(six_minutes.read_bytes()[: 44 + 16000 * 2 * 40])  # the first 40 s
    out = tmp_path / "out"
    assert cli("transcribe", str(clip), "-o", str(out), *ARGS).returncode == 0
    again = cli("transcribe", str(clip), "-o", str(out), "--model", "tiny.en", "-f", "txt")
    assert "already transcribed" in again.stderr
    changed = cli("transcribe", str(clip), "-o", str(out), "--model", "tiny.en", "--beam-size", "2", "-f", "txt")
    assert "options changed, starting a new job" in changed.stderr
    clip.write_bytes(six_minutes.read_bytes()[: 44 + 16000 * 2 * 30])
    moved = cli("transcribe", str(clip), "-o", str(out), "--model", "tiny.en", "--beam-size", "2", "-f", "txt")
    assert "input changed, starting a new job" in moved.stderr
    restarted = cli("transcribe", str(clip), "-o", str(out), *ARGS, "--beam-size", "2", "--restart")
    assert restarted.returncode == 0
    assert json.loads((out / "clip.json").read_text())["info"]["job"]["resumed_chunks"] == 0


def test_export_rewrites_any_format_from_the_store(six_minutes: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(six_minutes.read_bytes()[: 44 + 16000 * 2 * 60])
    out = tmp_path / "out"
    assert (
        cli("transcribe", str(clip), "-o", str(out), "--model", "tiny.en", "-f", "srt,vtt", "--quiet").returncode == 0
    )
    first = (out / "clip.srt").read_text()
    (out / "clip.srt").unlink()
    exported = cli("export", str(clip), "-o", str(out), "-f", "srt,tsv")
    assert exported.returncode == 0, exported.stderr
    assert (out / "clip.srt").read_text() == first and (out / "clip.tsv").exists()
    missing = cli("export", str(tmp_path / "never.wav"), "-o", str(out))
    assert missing.returncode == 1 and "no job" in missing.stderr
    elsewhere = tmp_path / "elsewhere"  # the store is found where transcribe recorded it, by content
    moved = tmp_path / "moved" / "renamed.wav"
    moved.parent.mkdir()
    moved.write_bytes(clip.read_bytes())
    for target in (str(clip), str(moved)):
        again = cli("export", target, "-o", str(elsewhere), "-f", "srt")
        assert again.returncode == 0, again.stderr
        assert (elsewhere / "clip.srt").read_text() == first
        (elsewhere / "clip.srt").unlink()
    assert not (elsewhere / ".longscribe").exists(), "export made no store of its own"
    unknown = tmp_path / "unknown.wav"
    unknown.write_bytes(clip.read_bytes()[: 44 + 16000 * 2 * 5])
    nowhere = cli("export", str(unknown), "-o", str(elsewhere))
    assert nowhere.returncode == 1 and "unknown.wav: no job found" in nowhere.stderr, nowhere.stderr
    assert len(nowhere.stderr.strip().splitlines()) == 1
    narrow = cli("export", str(clip), "-o", str(out), "-f", "srt", "--max-line-width", "20", "--max-line-count", "1")
    assert narrow.returncode == 0, narrow.stderr
    cues = [block.split("\n")[2:] for block in (out / "clip.srt").read_text().strip().split("\n\n")]
    assert len(cues) > first.count("\n\n") and all(len(c) == 1 for c in cues), "cut again, without transcribing"
    assert all(len(c[0]) <= 20 or " " not in c[0] for c in cues)


def said_until(process: subprocess.Popen[str], text: str, within: float = 120.0) -> list[str]:
    """The lines ``process`` wrote on stderr up to the first holding ``text`` (all of them if it never
    did: it is killed after ``within`` seconds, which ends the reading)."""
    assert process.stderr is not None
    deadline = threading.Timer(within, process.kill)
    deadline.start()
    lines: list[str] = []
    try:
        for line in process.stderr:
            lines.append(line)
            if text in line:
                break
    finally:
        deadline.cancel()
    return lines


def test_a_second_process_refuses_a_locked_job_or_waits_for_it(six_minutes: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(six_minutes.read_bytes()[: 44 + 16000 * 2 * 20])
    out = tmp_path / "out"
    store = JobStore(out / ".longscribe")
    with store.lock(str(clip.resolve())):
        refused = cli("transcribe", str(clip), "-o", str(out), *ARGS)
        assert refused.returncode == 1 and "being transcribed by another process" in refused.stderr
        waiting = start("transcribe", str(clip), "-o", str(out), *ARGS[:-1], "--wait")  # not --quiet: it says it waits
        said = said_until(waiting, "waiting for process")
        assert f"waiting for process {os.getpid()}, which is transcribing it" in said[-1], said
        assert waiting.poll() is None, "--wait must wait for the lock"
    assert waiting.wait(120) == 0
    assert (out / "clip.txt").read_text().strip()


def test_a_corrupted_store_is_refused_clearly_and_restart_recovers(six_minutes: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.wav"
    clip.write_bytes(six_minutes.read_bytes()[: 44 + 16000 * 2 * 20])
    out = tmp_path / "out"
    (out / ".longscribe").mkdir(parents=True)
    (out / ".longscribe" / "jobs.sqlite").write_bytes(b"this is not a database" * 100)
    broken = cli("transcribe", str(clip), "-o", str(out), *ARGS)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert "corrupted" in broken.stderr and "--restart" in broken.stderr
    assert cli("transcribe", str(clip), "-o", str(out), *ARGS, "--restart").returncode == 0


def test_disk_full_while_writing_fails_that_file_only(data_dir: Path, tmp_path: Path) -> None:
    disk = tmp_path / "small-disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        (disk / "filler").write_bytes(b"x" * (64 - 12) * 1024)  # 12 KiB left: jfk fits, lucier's words do not
        run = cli(
            "transcribe",
            str(data_dir / "jfk.flac"),
            str(data_dir / "lucier.mp3"),
            "-o",
            str(disk),
            "--job-dir",
            str(tmp_path / "jobs"),
            "--model",
            "tiny.en",
            "-f",
            "txt,json",
            "--word-timestamps",
        )
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert f"{disk}: no space left on device" in run.stderr
        assert (disk / "jfk.txt").exists() and (disk / "jfk.json").exists()
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "jfk.json", "jfk.txt"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)
