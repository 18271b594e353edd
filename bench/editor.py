"""How the editor copes with a long transcript, in headless Chromium (Debian's ``chromium``, Playwright).

    python bench/editor.py [--hours 4] [--json OUT]

Writes a transcript page (``-f html``) of HOURS of made-up speech (a 14-word segment every 5 s,
three speakers, one word in nine unsure) and reports its size, the time to load it, to open the
editor ("Edit"), and to apply one word typed over (from Enter until the next segment's word is
open for editing: the redraw, the undo snapshot and the counts). The service page runs the same
editor on the same segments.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo, Word
from longscribe.writers import OutputOptions, OutputSet

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
SEGMENT_SECONDS = 5.0


def write_page(folder: Path, hours: float) -> Path:
    count = int(hours * 3600 / SEGMENT_SECONDS)
    duration = int(hours * 3600 * SAMPLE_RATE)
    info = TranscriptInfo("long.wav", "base", "", "", "cpu", "int8", "en", 1.0, duration=duration)
    with OutputSet(folder, "long", ("html",), OutputOptions()) as out:
        for i in range(count):
            t = i * SEGMENT_SECONDS
            words = tuple(
                Word(
                    int((t + k * 0.35) * SAMPLE_RATE),
                    int((t + k * 0.35 + 0.3) * SAMPLE_RATE),
                    f" word{k}",
                    0.3 if k % 9 == 0 else 0.9,
                )  # fmt: skip
                for k in range(14)
            )
            text = "".join(w.text for w in words)
            out.write(Segment(words[0].start, words[-1].end, text, words, speaker=f"SPEAKER_0{i % 3}"))
        return out.commit(info)["html"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    runs = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        page_file = write_page(Path(tmp), args.hours)
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=ARGS)
        for _ in range(args.repeat):
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(page_file.as_uri())
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            page.click("#edit")
            page.wait_for_selector("#segments li .w")
            opened = time.perf_counter() - started
            page.click('#segments li[data-index="10"] .w[data-word="2"]')
            page.fill("#segments input.edit", "changed")
            started = time.perf_counter()
            page.press("#segments input.edit", "Enter")
            page.wait_for_selector('#segments li[data-index="11"] input.edit')
            edited = time.perf_counter() - started
            runs.append({"load_s": round(loaded, 3), "open_editor_s": round(opened, 3), "one_edit_s": round(edited, 3)})
            print(runs[-1])
            page.close()
        browser.close()
        size = page_file.stat().st_size
    result = {"hours": args.hours, "segments": int(args.hours * 3600 / SEGMENT_SECONDS), "page_bytes": size,
              "median": {k: sorted(r[k] for r in runs)[len(runs) // 2] for k in runs[0]}, "runs": runs}  # fmt: skip
    print(json.dumps(result["median"]), f"page {size / 1e6:.1f} MB")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
