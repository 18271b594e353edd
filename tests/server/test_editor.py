"""The editor in a real browser (Debian's chromium, headless, through Playwright) against a real server.

A conversation is corrected on the service page: a word typed over, a speaker renamed, a
segment given to the other speaker. The edits survive a reload and are in every download
(srt, txt, docx); undo and redo are saves too; a second tab's stale save gets the conflict
message; markup typed into the transcript stays text. Then the same edits on the standalone
page (``-f html``), its "download corrected JSON" and ``export --apply`` give the outputs
the server gives for its revision.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import Server, conversation, until

KEY = "editor-key-42"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[tuple[Server, str]]:
    with conversation(tmp_path_factory.mktemp("editor") / "data", data_dir / "pyannote_sample.wav", KEY) as served:
        yield served


def saved(page: Any, revision: int) -> None:
    until(page, f"document.getElementById('save-state').textContent === 'saved · revision {revision}'")


def open_job(browser: Any, server: Server, job_id: str, errors: list[str]) -> Any:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    page.goto(f"{server.url}/#/jobs/{job_id}")
    page.wait_for_selector("#key-form:not([hidden])", timeout=10_000)
    page.fill("#key", KEY)
    page.click("#key-form button")
    page.wait_for_selector("#segments li .w", timeout=15_000)
    return page


def edit_word(page: Any, segment: int, word: int, text: str) -> None:
    page.click(f'#segments li[data-index="{segment}"] .w[data-word="{word}"]')
    page.fill("#segments input.edit", text)
    page.press("#segments input.edit", "Enter")  # saved; the next segment's first word opens
    page.press("#segments input.edit", "Escape")


def the_edits(page: Any, first: int) -> int:
    """A word typed over, SPEAKER_00 renamed, the first segment of SPEAKER_01 given to Ana; returns
    the segment given."""
    edit_word(page, 0, 0, "Greetings")
    saved(page, first)
    page.click("#segments li.turn .who >> nth=0")
    page.fill("#segments input.who-edit", "Ana")
    page.press("#segments input.who-edit", "Enter")
    saved(page, first + 1)
    given = page.eval_on_selector('#segments li[data-speaker="SPEAKER_01"]', "li => +li.dataset.index")
    page.click(f'#segments li[data-index="{given}"] .w[data-word="0"]')
    page.press("#segments input.edit", "Escape")
    page.fill("#to-speaker", "Ana")
    page.click("#move-segment")
    saved(page, first + 2)
    return int(given)


def speakers_and_text(page: Any) -> list[tuple[str, str]]:
    words = "l => Array.from(l.querySelectorAll('.w')).map(w => w.textContent).join(' ')"
    return page.eval_on_selector_all("#segments li", f"ls => ls.map(l => [l.dataset.speaker, ({words})(l)])")


def test_edits_on_the_page_are_saved_downloaded_undone_and_a_stale_tab_is_told(
    browser: Any, served: tuple[Server, str], tmp_path: Path
) -> None:
    server, job_id = served
    errors: list[str] = []
    page = open_job(browser, server, job_id, errors)
    low = page.locator("#segments .w.low").count()
    doc = server.request("GET", f"/v1/jobs/{job_id}/result?format=json").json()
    assert low == sum(w["probability"] < 0.5 for s in doc["segments"] for w in s["words"])
    given = the_edits(page, 1)
    shot = Path(os.environ.get("LONGSCRIBE_SCREENSHOT_DIR", tmp_path)) / "editor.png"
    page.screenshot(path=str(shot))
    page.keyboard.press("Control+z")  # undone and redone: each a save; the segment goes back to SPEAKER_01
    saved(page, 4)
    assert speakers_and_text(page)[given][0] == "SPEAKER_01"
    page.keyboard.press("Control+Shift+z")
    saved(page, 5)
    assert speakers_and_text(page)[given][0] == "Ana"
    rows = speakers_and_text(page)  # the rest of a segment, from its second word on, to a new speaker
    cut = next(i for i, (who, text) in enumerate(rows) if who == "SPEAKER_01" and len(text.split()) >= 3)
    page.click(f'#segments li[data-index="{cut}"] .w[data-word="1"]')
    page.press("#segments input.edit", "Escape")
    page.fill("#to-speaker", "Ben")
    page.click("#move-rest")
    saved(page, 6)
    after = speakers_and_text(page)
    assert list(after[cut]) == ["SPEAKER_01", rows[cut][1].split()[0]]
    assert after[cut + 1][0] == "Ben" and after[cut + 1][1] == " ".join(rows[cut][1].split()[1:])
    moved = f"{len(rows[cut][1].split()) - 1} words moved from SPEAKER_01 to Ben"

    page.reload()
    page.wait_for_selector("#segments li .w", timeout=15_000)
    rows = speakers_and_text(page)
    assert rows[0][1].startswith("Greetings") and rows[0][0] == "Ana"
    assert rows[given][0] == "Ana" and "SPEAKER_00" not in {r[0] for r in rows}
    assert page.locator("#segments li.edited").count() >= 3, "the word, the renamed speaker's and the given segment"

    links = page.eval_on_selector_all("#downloads a", "as => as.map(a => [a.textContent, a.href])")
    assert [name for name, _ in links] == ["txt", "srt", "vtt", "tsv", "json", "html", "md", "docx", "rttm"]
    files = {name: page.evaluate("u => fetch(u).then(r => r.text())", href) for name, href in links if name != "docx"}
    assert files["srt"].count("[Ana] Greetings") == 1 and files["txt"].startswith("Ana: Greetings")
    docx = pytest.importorskip("docx")
    body = server.request("GET", f"/v1/jobs/{job_id}/result?format=docx").body
    assert docx.Document(io.BytesIO(body)).paragraphs[2].text.startswith("[00:00:06] Ana: Greetings")

    page.click(f'#segments li[data-index="{cut + 1}"] .who')  # Ben renamed SPEAKER_01: the two are merged
    page.fill("#segments input.who-edit", "SPEAKER_01")
    page.press("#segments input.who-edit", "Enter")
    saved(page, 7)
    assert {who for who, _ in speakers_and_text(page)} == {"Ana", "SPEAKER_01"}
    summaries = [r["summary"] for r in server.request("GET", f"/v1/jobs/{job_id}/revisions").json()["data"]]
    assert summaries[6:] == [moved, "Ben merged into SPEAKER_01"]

    page.keyboard.press("Control+Space")
    until(page, "!document.getElementById('player').paused")
    page.keyboard.press("Control+Space")
    until(page, "document.getElementById('player').paused")
    page.click("#next-low")  # the first word the model was unsure of, open to correct
    first_low = next(w["word"].strip() for s in doc["segments"] for w in s["words"] if w["probability"] < 0.5)
    assert page.input_value("#segments input.edit") == first_low
    page.press("#segments input.edit", "Escape")

    stale = open_job(browser, server, job_id, errors)  # opened at revision 7
    edit_word(page, 1, 0, "Hey")
    saved(page, 8)
    edit_word(stale, 2, 0, "Hullo")
    until(stale, "document.getElementById('save-state').classList.contains('bad')")
    assert "changed elsewhere" in stale.inner_text("#save-state")
    assert server.request("GET", f"/v1/jobs/{job_id}/result?format=json").headers["etag"] == '"8"'

    edit_word(page, 1, 0, '<img src=x onerror="alert(1)"> <script>alert(2)</script>')  # stays text
    saved(page, 9)
    page.reload()
    page.wait_for_selector("#segments li .w", timeout=15_000)
    assert speakers_and_text(page)[1][1].startswith('<img src=x onerror="alert(1)"> <script>alert(2)</script>')
    assert page.locator("#segments img, #segments script").count() == 0
    assert errors == []
    stale.close()
    page.close()


def longscribe(*args: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([sys.executable, "-m", "longscribe", *args], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run


def test_the_standalone_page_s_corrections_applied_give_the_server_s_outputs(
    browser: Any, served: tuple[Server, str], data_dir: Path, tmp_path: Path
) -> None:
    server, job_id = served
    recording = tmp_path / "pyannote_sample.wav"
    recording.write_bytes((data_dir / "pyannote_sample.wav").read_bytes())
    out = tmp_path / "out"
    longscribe("transcribe", str(recording), "--model", "tiny.en", "--diarize", "-o", str(out), "-f", "html")
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    page.goto((out / "pyannote_sample.html").as_uri())
    page.click("#edit")
    page.wait_for_selector("#segments li .w")
    assert page.is_hidden("main") and page.is_visible("#editor")
    the_edits_here(page)
    shot = Path(os.environ.get("LONGSCRIBE_SCREENSHOT_DIR", tmp_path)) / "standalone-editor.png"
    page.screenshot(path=str(shot))
    with page.expect_download() as download:
        page.click("#download-json")
    corrected = tmp_path / download.value.suggested_filename
    download.value.save_as(corrected)
    assert corrected.name == "pyannote_sample.corrected.json" and json.loads(corrected.read_text())["revision"] == 0
    longscribe("export", str(recording), "-o", str(out), "--apply", str(corrected), "-f", "srt,txt,vtt")
    for fmt in ("srt", "txt", "vtt"):
        mine = (out / f"pyannote_sample.{fmt}").read_text()
        theirs = server.request("GET", f"/v1/jobs/{job_id}/result?format={fmt}&revision=3").text
        assert mine == theirs, fmt
    assert "Greetings" in (out / "pyannote_sample.srt").read_text()
    listed = longscribe("export", str(recording), "-o", str(out), "--list-revisions").stdout.splitlines()
    assert [line.split("\t")[0] for line in listed] == ["0", "1"]
    assert errors == []
    page.close()


def the_edits_here(page: Any) -> None:
    """The server page's edits, on a page that cannot save: each is made, none is saved."""
    edit_word(page, 0, 0, "Greetings")
    page.click("#segments li.turn .who >> nth=0")
    page.fill("#segments input.who-edit", "Ana")
    page.press("#segments input.who-edit", "Enter")
    given = page.eval_on_selector('#segments li[data-speaker="SPEAKER_01"]', "li => +li.dataset.index")
    page.click(f'#segments li[data-index="{given}"] .w[data-word="0"]')
    page.press("#segments input.edit", "Escape")
    page.fill("#to-speaker", "Ana")
    page.click("#move-segment")
    assert "download the corrected JSON" in page.inner_text("#save-state")


def test_a_kill_9_during_autosave_loses_at_most_the_edit_in_flight(browser: Any, served: tuple[Server, str]) -> None:
    server, job_id = served
    errors: list[str] = []
    page = open_job(browser, server, job_id, errors)
    before = int(server.request("GET", f"/v1/jobs/{job_id}/result").headers["etag"].strip('"'))
    edit_word(page, 3, 0, "Kept")
    saved(page, before + 1)
    edit_word(page, 4, 0, "Inflight")  # its save is due in a moment: the server dies first
    server.stop(signal.SIGKILL)
    server.start()  # the same data folder, a new port
    again = open_job(browser, server, job_id, errors)
    rows = speakers_and_text(again)
    assert rows[3][1].startswith("Kept"), "the saved edit is there"
    latest = int(server.request("GET", f"/v1/jobs/{job_id}/result").headers["etag"].strip('"'))
    assert latest == before + 1 or (latest == before + 2 and rows[4][1].startswith("Inflight"))
    listed = server.request("GET", f"/v1/jobs/{job_id}/revisions").json()["data"]
    assert [r["revision"] for r in listed] == list(range(latest + 1))
    edit_word(again, 5, 0, "After")  # and saving goes on from there
    saved(again, latest + 1)
    assert errors == []
    page.close()
    again.close()
