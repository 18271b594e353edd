"""Shared fixtures: the real data folder, generated audio files, loaded models."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Before longscribe (and so onnxruntime / huggingface_hub) is imported anywhere.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LONGSCRIBE_CACHE_DIR", str(Path(tempfile.gettempdir()) / "longscribe-test-cache"))


def pytest_configure(config: pytest.Config) -> None:
    """Malloc as the ``longscribe`` command sets it, before any thread starts: the in-process runs
    here then cost what the command's do (glibc's defaults make the encoder slower, docs/benchmarks.md)."""
    from longscribe import memory

    memory.configure()


ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real speech the tests run on; without it they fail (a skipped test would pass unseen)."""
    if not (DATA / "manifest.tsv").is_file():
        pytest.fail(f"real speech data not found at {DATA}: the tests need ../shared/data next to the project")
    return DATA


@pytest.fixture(scope="session")
def voices_dir() -> Path:
    """Voices the diarizer was not tuned on (data/voices, in the repository)."""
    return ROOT / "data" / "voices"


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


LONGFORM = "longform_en_asterisk"


@pytest.fixture(scope="session")
def ten_minutes(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The first ~10 minutes of the English long-form file, cut in a pause, and its reference."""
    from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_slice

    segments = read_segments(data_dir / f"{LONGFORM}.segments.tsv")
    cut = pause_before(segments, 600.0)
    path = write_slice(data_dir / f"{LONGFORM}.mp3", tmp_path_factory.mktemp("slice") / "en10.wav", cut)
    return path, reference_text(segments, cut)


@pytest.fixture(scope="session")
def ten_minutes_base(base_transcriber: object, ten_minutes: tuple[Path, str]) -> list[object]:
    """The 10-minute slice transcribed once with base and the defaults, for every test that reads it."""
    return list(base_transcriber.transcribe(ten_minutes[0]))  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def whole_english_tiny(tiny_transcriber: object, data_dir: Path) -> object:
    """The whole 31-minute English long-form file with tiny.en: (transcription, its segments)."""
    transcription = tiny_transcriber.transcribe(data_dir / f"{LONGFORM}.mp3")  # type: ignore[attr-defined]
    return transcription, list(transcription)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"]  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright (never a downloaded browser)."""
    yield from chromium()


def chromium(*args: str) -> Iterator[Any]:
    """Debian's chromium with ``args`` besides the usual ones (skipped, or failed in CI, without it)."""
    if CHROMIUM is None:
        if os.environ.get("LONGSCRIBE_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium); CI needs it for the page tests")
        pytest.skip("no chromium here (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*ARGS, *args])
        yield browser
        browser.close()
