"""`longscribe devices` and device flags on this machine, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from longscribe.placement import detect


def longscribe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_devices_json_tells_the_truth_about_this_machine() -> None:
    run = longscribe("devices", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    hw = detect()
    assert doc["schema"] == "longscribe.devices/1"
    cpu = doc["hardware"]["cpu"]
    assert cpu["physical_cores"] == hw.cpu.physical_cores and cpu["logical_cores"] == os.cpu_count()
    assert ("avx2" in cpu["flags"]) == ("avx2" in hw.cpu.flags)
    use = doc["would_use"]
    if not hw.cuda:
        assert doc["hardware"]["cuda"] == [] and use["device"] == "cpu" and use["compute_type"] == "int8"
    assert use["model"] == "base" and use["model_source"].startswith("bundle:")
    assert use["batch_size"] >= 1 and use["reasons"]


def test_devices_table_names_device_compute_type_and_model() -> None:
    run = longscribe("devices")
    assert run.returncode == 0, run.stderr
    for word in ("Hardware found", "transcribe would use", "compute type", "batch size", "model", "why"):
        assert word in run.stdout


@pytest.mark.skipif("avx2" not in detect().cpu.flags, reason="not an AVX2 CPU")
def test_devices_says_which_instruction_set_the_matrix_products_run_on_and_why_int8() -> None:
    """``ONEDNN_MAX_CPU_ISA=AVX2`` makes an AVX-512 VNNI CPU run its matrix products as an AVX2-only
    CPU would (how docs/benchmarks.md measures AVX2); ``devices`` reports that, not the CPU's flags."""
    run = longscribe("devices", "--json", env={"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["hardware"]["cpu"]["isa_label"] == "AVX2 without VNNI"
    reasons = " ".join(doc["would_use"]["reasons"])
    assert "int8: fastest type CTranslate2 offers on this CPU (AVX2 without VNNI" in reasons
    table = longscribe("devices", env={"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert "matrix products" in table.stdout and "AVX2 without VNNI" in table.stdout


@pytest.mark.skipif(bool(detect().cuda), reason="this machine has a CUDA device")
def test_asking_for_cuda_here_is_one_clear_line(tmp_path: Path, sample_mp3: Path) -> None:
    run = longscribe("transcribe", str(sample_mp3), "--device", "cuda", "-o", str(tmp_path))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "no CUDA device here" in run.stderr and "available: cpu" in run.stderr
    env_run = longscribe("devices", env={"LONGSCRIBE_DEVICE": "cuda"})
    assert env_run.returncode == 1 and "$LONGSCRIBE_DEVICE" in env_run.stderr


@pytest.mark.model
def test_model_auto_says_what_it_picked_and_why(tmp_path: Path, sample_mp3: Path) -> None:
    run = longscribe("transcribe", str(sample_mp3), "--model", "auto", "-o", str(tmp_path), "-f", "json")
    assert run.returncode == 0, run.stderr
    assert "model auto:" in run.stderr and "needs >=" in run.stderr
    info = json.loads((tmp_path / "jfk.json").read_text())["info"]
    assert info["choices"][0].startswith("model base: --quality balanced")
    assert info["compute_type"] == "int8" or detect().cuda
    assert "ask not what your country" in json.loads((tmp_path / "jfk.json").read_text())["text"].lower()
