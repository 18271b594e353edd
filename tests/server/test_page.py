"""The service page in a real browser (Debian's chromium, headless): upload, follow, read, play, search, delete."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import Server

KEY = "page-key-42"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("page") / "data"
    with Server(data, ["--model", "tiny.en", "--api-key", KEY], key=KEY) as server:
        yield server


def until(page: Any, expression: str, timeout: float = 10) -> None:
    """Poll ``expression`` in the page (Playwright's wait_for_function would eval, which the page's policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.1)


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
    page.set_input_files("#file", str(data_dir / "lucier.mp3"))
    page.wait_for_selector("#jobs li button.open", timeout=120_000)  # queued, running, done: followed live
    assert "done" in page.inner_text("#jobs li .state")
    page.click("#jobs li button.open")
    page.wait_for_selector("#segments li", timeout=10_000)
    items = page.query_selector_all("#segments li")
    assert len(items) > 8
    target = items[5]
    start = float(target.get_attribute("data-start"))
    target.click()
    until(page, f"Math.abs(document.getElementById('player').currentTime - {start}) < 1.5")
    page.wait_for_selector("#segments li.now", timeout=10_000)  # the segment playing is marked
    shot = Path(os.environ.get("LONGSCRIBE_SCREENSHOT_DIR", tmp_path)) / "server-page.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    page.fill("#filter", "resonant")
    shown = [li for li in page.query_selector_all("#segments li") if li.is_visible()]
    assert 1 <= len(shown) < len(items) and all("resonant" in li.inner_text().lower() for li in shown)
    links = page.eval_on_selector_all("#downloads a", "as => as.map(a => a.textContent)")
    assert links == ["txt", "srt", "vtt", "json", "tsv", "html", "md"]
    srt = page.eval_on_selector("#downloads a:nth-child(2)", "a => fetch(a.href).then(r => r.text())")
    assert srt.startswith("1\n00:00:")
    page.click("#jobs li button.delete")
    until(page, "document.querySelectorAll('#jobs li').length === 0")
    assert page.is_hidden("#viewer") and server.request("GET", "/v1/jobs").json()["data"] == []
    assert errors == []
    page.close()
