"""`longscribe tune` for real on a short clip; `devices` and `transcribe` then use its result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model


def test_tune_caches_a_configuration_that_devices_and_transcribe_use(data_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "LONGSCRIBE_CACHE_DIR": str(tmp_path / "cache")}  # never the suite's shared cache

    def longscribe(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env=env)

    tuned = longscribe("tune", "--model", "tiny.en", "--sample", str(data_dir / "jfk.flac"), "--json")
    assert tuned.returncode == 0, tuned.stderr
    result = json.loads(tuned.stdout)
    assert result["reference"]["beam_size"] == 5 and result["reference"]["workers"] == 1
    assert len(result["trials"]) >= 6 and result["speedup"] >= 1.0
    best = next(t for t in result["trials"] if t["config"] == result["best"])
    assert best["wer"] <= 0.003
    assert (tmp_path / "cache" / "tuning.json").exists()
    devices = json.loads(longscribe("devices", "--model", "tiny.en", "--json").stdout)
    assert devices["tuned"]["batch_size"] == result["best"]["batch_size"]
    assert any("tuned on this machine" in r for r in devices["would_use"]["reasons"])
    out = tmp_path / "out"
    run = longscribe("transcribe", str(data_dir / "jfk.flac"), "--model", "tiny.en", "-o", str(out), "-f", "json")
    info = json.loads((out / "jfk.json").read_text())["info"]
    assert any("tuned on this machine" in c for c in info["choices"]), run.stderr
    assert info["options"]["beam_size"] == result["best"]["beam_size"]
