"""The page's Live section in Debian's chromium with a fake microphone playing a WAV from the data:
getUserMedia -> AudioWorklet -> PCM16 -> /v1/realtime, the text shown as it comes, the session kept
as a job that is transcribed when it stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio_fixtures import read_samples, write_wav
from conftest import chromium
from longscribe.metrics import error_rates
from servers import Server, until

pytestmark = pytest.mark.model

KEY = "live-page-key"


@pytest.fixture(scope="module")
def microphone(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jfk, then 3 s of silence (the fake microphone plays it once)."""
    audio = np.concatenate([read_samples(data_dir / "jfk.flac"), np.zeros(3 * 16000, dtype=np.float32)])
    return write_wav(tmp_path_factory.mktemp("mic") / "jfk.wav", audio)


@pytest.fixture(scope="module")
def fake_mic_browser(microphone: Path) -> Iterator[Any]:
    yield from chromium(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={microphone}%noloop",
    )


def test_the_page_transcribes_the_microphone_live_and_keeps_it_as_a_job(
    fake_mic_browser: Any, data_dir: Path, tmp_path: Path
) -> None:
    reference = (data_dir / "jfk.txt").read_text()
    with Server(tmp_path / "data", ["--model", "tiny.en", "--api-key", KEY], key=KEY) as server:
        page = fake_mic_browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url + "/")
        page.wait_for_selector("#key-form:not([hidden])", timeout=10_000)
        page.fill("#key", KEY)
        page.click("#key-form button")
        page.click("#live-start")
        said = "(document.getElementById('live-final').textContent.match(/country/g) || []).length >= 2"
        until(page, said, timeout=60)  # the whole clip has been heard
        page.click("#live-stop")
        until(page, "document.getElementById('live-state').textContent.startsWith('stopped')", timeout=60)
        live = page.inner_text("#live-final")
        assert error_rates(reference, live).wer <= 0.35, live
        assert not errors, errors
        [job] = server.request("GET", "/v1/jobs").json()["data"]
        assert server.wait_job(job["id"], timeout=300)["status"] == "done"
        text = server.request("GET", f"/v1/jobs/{job['id']}/result?format=txt").text
        assert error_rates(reference, text).wer <= 0.25, text
