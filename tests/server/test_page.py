"""The service page in a real browser (Debian's chromium, headless): upload, follow, read, play, search, delete.

The recording is a conversation uploaded with "who speaks" ticked: the transcript names the
speaker where the speaker changes, and the speaker file (RTTM) is offered with the others.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import Server, until

KEY = "page-key-42"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("page") / "data"
    with Server(data, ["--model", "tiny.en", "--api-key", KEY], key=KEY) as server:
        yield server


def test_upload_read_play_search_and_delete_through_the_page(
    browser: Any, server: Server, data_dir: Path, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/")
    page.wait_for_selector("#key-form:not([hidden])", timeout=10_000)  # the server wants a key: the page asks once
    page.fill("#key", KEY)
    page.click("#key-form button")
    until(page, "document.getElementById('model').textContent.includes('tiny.en')")
    page.check("#speakers")
    page.set_input_files("#file", str(data_dir / "pyannote_sample.wav"))
    page.wait_for_selector("#jobs li button.open", timeout=120_000)  # queued, running, done: followed live
    assert "done" in page.inner_text("#jobs li .state")
    page.click("#jobs li button.open")
    page.wait_for_selector("#segments li", timeout=10_000)
    items = page.query_selector_all("#segments li")
    assert len(items) >= 4
    turns = page.eval_on_selector_all("#segments li.turn .who", "bs => bs.map(b => b.textContent)")
    assert set(turns) == {"SPEAKER_00", "SPEAKER_01"} and turns[0] == "SPEAKER_00"
    assert all(a != b for a, b in zip(turns, turns[1:])), "a name is shown where the speaker changes, not again"
    speakers = page.eval_on_selector_all("#segments li", "ls => ls.map(l => l.dataset.speaker)")
    assert len(turns) == 1 + sum(a != b for a, b in zip(speakers, speakers[1:]))
    target = items[2]
    start = float(target.get_attribute("data-start"))
    target.click()
    until(page, f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.5")
    page.wait_for_selector("#segments li.now", timeout=10_000)  # the segment playing is marked
    shot = Path(os.environ.get("LONGSCRIBE_SCREENSHOT_DIR", tmp_path)) / "server-page.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    page.fill("#filter", "SPEAKER_01")
    shown = [li.get_attribute("data-speaker") for li in page.query_selector_all("#segments li") if li.is_visible()]
    assert shown == ["SPEAKER_01"] * speakers.count("SPEAKER_01"), "a speaker's name finds all they say"
    links = page.eval_on_selector_all("#downloads a", "as => as.map(a => a.textContent)")
    assert links == ["txt", "srt", "vtt", "tsv", "json", "html", "md", "docx", "rttm"]
    srt = page.eval_on_selector("#downloads a:nth-child(2)", "a => fetch(a.href).then(r => r.text())")
    assert srt.startswith("1\n00:00:") and "[SPEAKER_00]" in srt
    rttm = page.eval_on_selector("#downloads a:last-child", "a => fetch(a.href).then(r => r.text())")
    assert rttm.startswith("SPEAKER ") and "SPEAKER_01" in rttm
    job_id = page.get_attribute("#jobs li", "data-id")
    assert page.evaluate("location.hash") == f"#/jobs/{job_id}"
    details = page.inner_text("#jobs li .details")  # when, how long, who, how it was asked
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d · 0:\d\d · 2 speakers · auto language, who speaks", details)
    page.goto("about:blank")
    page.goto(f"{server.url}/#/jobs/{job_id}")  # the permalink, loaded afresh, opens the transcript
    page.wait_for_selector("#segments li", timeout=10_000)
    assert page.inner_text("#viewer-title") == "pyannote_sample.wav" and page.is_visible("#viewer")
    page.check("#speakers")
    page.set_input_files("#file", str(data_dir / "pyannote_sample.wav"))  # the same file, asked the same way
    page.wait_for_selector("#notice button#again", timeout=10_000)
    assert "already transcribed" in page.inner_text("#notice")
    assert len(server.request("GET", "/v1/jobs").json()["data"]) == 1, "nothing was queued"
    page.click("#jobs li button.delete")
    until(page, "document.querySelectorAll('#jobs li').length === 0")
    assert page.is_hidden("#viewer") and server.request("GET", "/v1/jobs").json()["data"] == []
    assert errors == []
    page.close()
