"""Shared fixtures: the real data folder, generated audio files, loaded models."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before longscribe (and so onnxruntime / huggingface_hub) is imported anywhere.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LONGSCRIBE_CACHE_DIR", str(Path(tempfile.gettempdir()) / "longscribe-test-cache"))

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real speech the tests run on; without it they fail (a skipped test would pass unseen)."""
    if not (DATA / "manifest.tsv").is_file():
        pytest.fail(f"real speech data not found at {DATA}: the tests need ../shared/data next to the project")
    return DATA


@pytest.fixture(scope="session")
def sample_mp3() -> Path:
    return ROOT / "samples" / "jfk.mp3"


@pytest.fixture(scope="session")
def tiny_transcriber() -> Iterator[object]:
    from longscribe import Transcriber

    yield Transcriber(model="tiny.en", language="en")


@pytest.fixture(scope="session")
def base_transcriber() -> Iterator[object]:
    from longscribe import Transcriber

    yield Transcriber(model="base")
