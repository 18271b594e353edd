"""`longscribe tune` for real, and how `devices` and `transcribe` use a cached result: speed knobs always,
text knobs (beam size, compute type) only with --tuned, a value given never overridden."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from longscribe.models import resolve_model
from longscribe.placement import detect
from longscribe.placement.tuning import cache_key

pytestmark = pytest.mark.model


def longscribe(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LONGSCRIBE_CACHE_DIR": str(cache)}  # never the suite's shared cache
    return subprocess.run([sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env=env)


def transcribed(cache: Path, clip: Path, out: Path, *flags: str) -> dict[str, object]:
    run = longscribe(cache, "transcribe", str(clip), "--model", "tiny.en", "-o", str(out), "-f", "json", *flags)
    assert run.returncode == 0, run.stderr
    doc: dict[str, object] = json.loads((out / f"{clip.stem}.json").read_text())
    return doc


@pytest.fixture
def cached_tuning(tmp_path: Path) -> Path:
    """A tuning entry for tiny.en on this machine that asks for beam 2 and batch 3 (as if measured)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    entry = {
        "best": {"compute_type": "int8_float32", "workers": 1, "threads": 2, "batch_size": 3, "beam_size": 2},
        "reference": {"compute_type": "int8", "workers": 1, "threads": 2, "batch_size": 1, "beam_size": 5},
        "speedup": 1.5,
        "trials": [],
        "date": "2026-12-01",
    }
    key = cache_key(detect(), resolve_model("tiny.en").path, "ct2")
    (cache / "tuning.json").write_text(json.dumps({key: entry}))
    return cache


@pytest.mark.slow
def test_a_cached_tuning_sets_speed_knobs_and_never_the_text_unless_asked(
    cached_tuning: Path, data_dir: Path, tmp_path: Path
) -> None:
    clip = data_dir / "lucier.mp3"
    plain = transcribed(cached_tuning, clip, tmp_path / "plain")
    info = plain["info"]
    assert info["options"]["beam_size"] == 5 and info["compute_type"] == "int8"  # type: ignore[index]
    assert any("tuned on this machine" in c and "batch_size 3" in c for c in info["choices"])  # type: ignore[index]
    untuned = transcribed(tmp_path / "empty-cache", clip, tmp_path / "untuned")
    assert plain["segments"] == untuned["segments"], "workers, threads and batch size changed the text"
    tuned = transcribed(cached_tuning, clip, tmp_path / "tuned", "--tuned")
    assert tuned["info"]["options"]["beam_size"] == 2 and tuned["info"]["compute_type"] == "int8_float32"  # type: ignore[index]
    given = transcribed(cached_tuning, clip, tmp_path / "given", "--tuned", "--beam-size", "5")
    assert given["info"]["options"]["beam_size"] == 5, "a beam size given is never overridden"  # type: ignore[index]
    devices = json.loads(longscribe(cached_tuning, "devices", "--model", "tiny.en", "--json").stdout)
    assert devices["tuned"]["batch_size"] == 3 and devices["would_use"]["batch_size"] == 3
    assert devices["would_use"]["beam_size"] == 5


@pytest.mark.slow
def test_tune_measures_and_caches_a_configuration_that_keeps_the_text(data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    tuned = longscribe(cache, "tune", "--model", "tiny.en", "--sample", str(data_dir / "jfk.flac"), "--json")
    assert tuned.returncode == 0, tuned.stderr
    result = json.loads(tuned.stdout)
    assert result["reference"]["beam_size"] == 5 and result["reference"]["workers"] == 1
    knobs = {k for t in result["trials"] for k, v in t["config"].items() if v != result["reference"][k]}
    assert {"workers", "batch_size", "beam_size"} <= knobs, "every knob was tried"
    entry = json.loads((cache / "tuning.json").read_text())
    assert list(entry.values())[0]["best"] == result["best"]
    out = tmp_path / "out"
    with_tuning = transcribed(cache, data_dir / "jfk.flac", out)
    without = transcribed(tmp_path / "no-cache", data_dir / "jfk.flac", tmp_path / "plain")
    assert with_tuning["text"] == without["text"], "the tuned speed knobs changed the text"
