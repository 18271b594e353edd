"""`longscribe bench` end to end on a short real clip: every run, every field, valid JSON and a plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model
FIELDS = {
    "name",
    "audio_seconds",
    "load_seconds",
    "transcribe_seconds",
    "speed",
    "peak_rss_mib",
    "wer",
    "cer",
    "command",
    "ratios",
    "speeds",
    "profile",
    "wall_seconds",
    "whole_speed",
    "whole_ratios",
    "startup_seconds",
    "first_chunk_seconds",
    "chunk_fill",
    "against_auto",
}
STAGES = {
    "engine",
    "decode_vad",
    "engine.features",
    "engine.encode",
    "engine.language",
    "engine.decode",
    "engine.align",
}


def _field(cpuinfo: str, name: str) -> str:
    line = next(line for line in cpuinfo.splitlines() if line.split(":")[0].strip() == name)
    return line.split(":", 1)[1].strip()


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "longscribe", "bench", *args], capture_output=True, text=True, env=os.environ.copy()
    )


@pytest.mark.slow
def test_bench_on_a_short_clip_reports_every_run_and_field(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    clip, reference = str(data_dir / "jfk.flac"), str(data_dir / "jfk.txt")
    png = str(tmp_path / "bench.png")
    run = bench(
        clip,
        "--reference",
        reference,
        "--model",
        "tiny.en",
        "--config",
        "--beam-size 1",
        "--repeat",
        "2",
        "--json",
        str(out),
        "--plot",
        png,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text())
    names = [r["name"] for r in report["runs"]]
    assert names == [
        "faster-whisper sequential",
        "faster-whisper batched",
        "longscribe auto",
        "longscribe --beam-size 1",
    ]
    for r in report["runs"]:
        assert set(r) == FIELDS
        assert 10.5 < r["audio_seconds"] < 11.5 and r["speed"] > 0 and r["peak_rss_mib"] > 100
        assert len(r["speeds"]) == 2 and r["speed"] in r["speeds"], "two repeats, the median one reported"
        assert max(r["speeds"]) < 3 * min(r["speeds"]), "each repeat transcribes anew (none resumes the last)"
        assert r["wer"] <= 0.1
    assert set(report["runs"][2]["ratios"]) == {"faster-whisper sequential", "faster-whisper batched"}
    assert report["runs"][2]["whole_ratios"].keys() == report["runs"][2]["ratios"].keys()
    paired = report["runs"][3]["against_auto"]  # the variant against the default run, round by round
    assert len(paired["rounds"]) == 2 and min(paired["rounds"]) <= paired["median"] <= max(paired["rounds"])
    assert all(r["against_auto"] == {} for r in report["runs"][:3])
    assert "longscribe --beam-size 1: " in run.stdout and "the time of longscribe auto" in run.stdout
    for r in report["runs"]:  # the whole process takes longer than its transcription: load, imports
        assert r["wall_seconds"] > r["load_seconds"] + r["transcribe_seconds"]
        assert r["whole_speed"] == pytest.approx(r["audio_seconds"] / r["wall_seconds"], rel=0.02)
        ours = r["name"].startswith("longscribe")
        if ours:  # one 11 s chunk: a window a third full, decoded after model load
            assert 0.3 < r["chunk_fill"] < 0.4, r["chunk_fill"]
            assert 0 < r["first_chunk_seconds"] <= r["transcribe_seconds"]
            assert r["startup_seconds"] > r["load_seconds"]
        else:
            assert r["chunk_fill"] is None and r["first_chunk_seconds"] is None and r["whole_ratios"] == {}
    for r in report["runs"]:
        profile = r["profile"]
        assert (set(profile) == STAGES) is r["name"].startswith("longscribe"), profile
        if profile:  # where the time goes: the stages account for the engine's time
            assert profile["engine.encode"] > 0 and profile["engine.decode"] > 0
            inside = sum(v for k, v in profile.items() if k.startswith("engine."))
            assert 0.6 * profile["engine"] <= inside <= profile["engine"] + 0.01
    assert "| longscribe auto |" in run.stdout
    machine = report["machine"]  # what the speeds belong to
    cpuinfo = Path("/proc/cpuinfo").read_text()
    assert machine["cpu"] in cpuinfo and machine["logical_cores"] == os.cpu_count()
    assert f"family {_field(cpuinfo, 'cpu family')} model {_field(cpuinfo, 'model')}" in machine["cpu_id"]
    assert machine["versions"]["ctranslate2"] and machine["measured"][:4].isdigit()
    assert run.stdout.startswith(f"{machine['cpu']} ({machine['cpu_id']}), ")
    assert (tmp_path / "bench.png").read_bytes()[:4] == b"\x89PNG"


def test_limit_needs_a_timed_reference(data_dir: Path, tmp_path: Path) -> None:
    run = bench(str(data_dir / "jfk.flac"), "--reference", str(data_dir / "jfk.txt"), "--limit", "5", "--no-baselines")
    assert run.returncode == 2 and "segments.tsv" in run.stderr and len(run.stderr.splitlines()) == 1


def test_a_missing_reference_is_one_line_naming_it(data_dir: Path, tmp_path: Path) -> None:
    run = bench(str(data_dir / "jfk.flac"), "--reference", str(tmp_path / "missing.txt"))
    assert (
        run.returncode == 1 and run.stderr == f"longscribe: error: {tmp_path / 'missing.txt'}: no such reference file\n"
    )


def test_bench_says_what_it_will_run_and_refuses_a_baseline_that_cannot_fit(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from unittest import mock

    from longscribe.cli.main import main

    argv = ["bench", str(data_dir / "jfk.flac"), "--reference", str(data_dir / "jfk.txt"), "--baselines", "sequential"]
    with mock.patch("longscribe.benchmarks.setup.BenchSetup.audio_seconds", return_value=30 * 3600.0):  # a 30-hour file
        code = main(argv, {})
    stderr = capsys.readouterr().err
    assert code == 1 and "Traceback" not in stderr and len(stderr.splitlines()) == 1
    assert "faster-whisper sequential would need ~" in stderr and "for 1800 min of audio" in stderr
    assert "GiB are available" in stderr and "--baselines" in stderr
    planned = bench(str(data_dir / "jfk.flac"), "--reference", str(data_dir / "jfk.txt"), "--model", "tiny.en",
                    "--no-baselines")  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    assert "bench: 0.2 min of audio, 1 round(s)" in planned.stderr and "bench:   longscribe: ~" in planned.stderr


def test_unknown_baseline_is_a_one_line_error(data_dir: Path) -> None:
    run = bench(str(data_dir / "jfk.flac"), "--reference", str(data_dir / "jfk.txt"), "--baselines", "sequental")
    assert run.returncode == 2 and "unknown baseline 'sequental'" in run.stderr and len(run.stderr.splitlines()) == 1


def test_batched_with_longscribes_malloc_settings_is_a_baseline_of_its_own(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    clip, reference = str(data_dir / "jfk.flac"), str(data_dir / "jfk.txt")
    run = bench(
        clip, "--reference", reference, "--model", "tiny.en", "--baselines", "batched,batched-tuned", "--json", str(out)
    )
    assert run.returncode == 0, run.stderr
    plain, tuned, ours = json.loads(out.read_text())["runs"]
    assert (plain["name"], tuned["name"]) == (
        "faster-whisper batched",
        "faster-whisper batched, longscribe's malloc settings",
    )
    assert "--tuned-malloc" not in plain["command"] and tuned["command"].endswith("--tuned-malloc")
    assert set(ours["ratios"]) == {plain["name"], tuned["name"]}
    assert tuned["wer"] == plain["wer"], "malloc settings change the speed, not the text"
