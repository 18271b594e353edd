"""`longscribe bench` end to end on a short real clip: every run, every field, valid JSON and a plot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from longscribe.engines import allocator

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


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "longscribe", "bench", *args], capture_output=True, text=True, env=os.environ.copy()
    )


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
    for r in report["runs"]:
        profile = r["profile"]
        assert (set(profile) == STAGES) is r["name"].startswith("longscribe"), profile
        if profile:  # where the time goes: the stages account for the engine's time
            assert profile["engine.encode"] > 0 and profile["engine.decode"] > 0
            inside = sum(v for k, v in profile.items() if k.startswith("engine."))
            assert 0.6 * profile["engine"] <= inside <= profile["engine"] + 0.01
    assert "| longscribe auto |" in run.stdout
    assert (tmp_path / "bench.png").read_bytes()[:4] == b"\x89PNG"


def test_limit_needs_a_timed_reference(data_dir: Path, tmp_path: Path) -> None:
    run = bench(str(data_dir / "jfk.flac"), "--reference", str(data_dir / "jfk.txt"), "--limit", "5", "--no-baselines")
    assert run.returncode == 1 and "segments.tsv" in run.stderr


def test_unknown_baseline_is_a_one_line_error(data_dir: Path) -> None:
    run = bench(str(data_dir / "jfk.flac"), "--reference", str(data_dir / "jfk.txt"), "--baselines", "sequental")
    assert run.returncode == 2 and "unknown baseline 'sequental'" in run.stderr and len(run.stderr.splitlines()) == 1


def test_batched_with_longscribes_malloc_tunables_is_a_baseline_of_its_own(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    clip, reference = str(data_dir / "jfk.flac"), str(data_dir / "jfk.txt")
    run = bench(
        clip, "--reference", reference, "--model", "tiny.en", "--baselines", "batched,batched-tuned", "--json", str(out)
    )
    assert run.returncode == 0, run.stderr
    plain, tuned, ours = json.loads(out.read_text())["runs"]
    assert (plain["name"], tuned["name"]) == (
        "faster-whisper batched",
        "faster-whisper batched, longscribe's malloc tunables",
    )
    assert not plain["command"].startswith("GLIBC_TUNABLES=")
    assert tuned["command"].startswith("GLIBC_TUNABLES=glibc.malloc.") is allocator.supported()
    assert set(ours["ratios"]) == {plain["name"], tuned["name"]}
    assert tuned["wer"] == plain["wer"], "the allocator changes the speed, not the text"
