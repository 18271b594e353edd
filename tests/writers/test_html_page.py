"""The transcript page in a real browser (Debian's chromium, headless, driven by Playwright; nothing downloaded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from audio_fixtures import tone, write_wav
from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo, Word
from longscribe.writers import OutputOptions, OutputSet

S = SAMPLE_RATE


def timed(start_s: float, text: str, step: float = 0.3) -> Segment:
    words = tuple(
        Word(int((start_s + i * step) * S), int((start_s + (i + 0.8) * step) * S), f" {t}", 0.9)
        for i, t in enumerate(text.split())
    )
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words), words, language="en")


SEGMENTS = [
    timed(0.5, "Good evening and welcome."),
    timed(2.5, "Tonight we talk about rivers."),
    timed(7.0, "The Danube flows through ten countries."),
    timed(10.0, '<script>window.pwned = true</script> <img src=x onerror="window.pwned=true">'),
    timed(14.0, "Thank you for listening."),
]


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page")
    write_wav(folder / "talk.wav", tone(20.0, level=0.1))
    info = TranscriptInfo("talk.wav", "base", "", "", "cpu", "int8", "en", 1.0, duration=20 * S)
    info.language_runs = ["en"]
    with OutputSet(folder, "talk", ("html",), OutputOptions(audio="talk.wav")) as out:
        for segment in SEGMENTS:
            out.write(segment)
        paths = out.commit(info)
    return paths["html"]


def test_the_page_shows_every_sentence_finds_words_and_plays_from_a_click(browser: Any, page_file: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    page.goto(page_file.as_uri())
    assert page.locator("main .s").count() == len(SEGMENTS)
    assert page.locator("#about h1").inner_text() == "talk.wav"
    page.fill("#search", "danube")
    page.wait_for_function("document.getElementById('count').textContent === '1 match'")
    assert page.locator("main mark").inner_text() == "Danube"
    page.fill("#search", "")
    page.wait_for_function("document.getElementById('count').textContent === ''")
    assert page.locator("main mark").count() == 0
    page.locator("main .s").nth(2).click()
    start = page.evaluate("document.getElementById('player').currentTime")
    assert start == pytest.approx(7.0, abs=0.05)
    page.wait_for_function("document.querySelector('main .s.now') !== null")
    assert "Danube" in page.locator("main .s.now").inner_text()
    assert page.evaluate("window.pwned === undefined"), "text from the transcript ran as script"
    assert "<script>window.pwned" in page.locator("main .s").nth(3).inner_text()
    page.close()


def test_keys_play_pause_and_move_five_seconds(browser: Any, page_file: Path) -> None:
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.evaluate("document.getElementById('player').currentTime = 10")
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(5.0, abs=0.05)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(15.0, abs=0.05)
    page.close()


def write_page(folder: Path, audio: str | None) -> Path:
    info = TranscriptInfo("talk.wav", "base", "", "", "cpu", "int8", "en", 1.0, duration=20 * S)
    with OutputSet(folder, "talk", ("html",), OutputOptions(audio=audio)) as out:
        for segment in SEGMENTS:
            out.write(segment)
        return out.commit(info)["html"]


@pytest.mark.parametrize(("audio", "why"), [("../gone/talk.wav", "recording not found"), (None, "no recording")])
def test_a_page_without_its_recording_says_so_and_plays_one_opened_by_hand(
    browser: Any, tmp_path: Path, audio: str | None, why: str
) -> None:
    page_file = write_page(tmp_path / "sent", audio)
    recording = write_wav(tmp_path / "elsewhere.wav", tone(20.0, level=0.1))
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_selector("#open", state="visible")
    assert page.locator("#open").inner_text().strip() == f"{why} — open it"
    page.set_input_files("#file", str(recording))
    page.wait_for_selector("#open", state="hidden")
    assert page.evaluate("document.getElementById('player').src").startswith("blob:")
    page.locator("main .s").nth(2).click()
    page.wait_for_function("document.getElementById('player').currentTime >= 6.9")
    assert page.evaluate("document.getElementById('player').currentTime") == pytest.approx(7.0, abs=0.3)
    page.close()


def test_a_page_with_its_recording_offers_nothing_to_open(browser: Any, page_file: Path) -> None:
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.wait_for_function("document.getElementById('player').readyState >= 1")  # metadata loaded
    assert page.locator("#open").is_hidden()
    page.close()
