"""How fast a transcript page opens and searches in headless Chromium (Debian's ``chromium``, Playwright).

    python bench/html_load.py PAGE.html [--repeat 5] [--query river] [--json OUT]

prints, per run, the time from navigation to the page's ``load`` event, to the first
sentence on screen, and how long a search takes (typing a word until its count shows).
Make the page first, e.g. ``longscribe transcribe long266.wav -f html --html-audio none``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--query", default="the")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "apt-get install chromium"
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
        for _ in range(args.repeat):
            page = browser.new_page()
            started = time.perf_counter()
            page.goto(args.page.resolve().as_uri(), wait_until="load")
            loaded = time.perf_counter() - started
            page.locator("main .s").first.wait_for()
            shown = time.perf_counter() - started
            sentences = page.locator("main .s").count()
            started = time.perf_counter()
            page.fill("#search", args.query)
            page.wait_for_function("document.getElementById('count').textContent !== ''")
            searched = time.perf_counter() - started - 0.15  # less the page's typing debounce
            matches = page.locator("#count").inner_text()
            runs.append({"load_s": round(loaded, 3), "first_sentence_s": round(shown, 3),
                         "search_s": round(searched, 3), "sentences": sentences, "matches": matches})  # fmt: skip
            page.close()
        browser.close()
    for run in runs:
        print(json.dumps(run))
    summary = {
        "page": str(args.page),
        "bytes": args.page.stat().st_size,
        "median_load_s": statistics.median(r["load_s"] for r in runs),
        "median_search_s": statistics.median(r["search_s"] for r in runs),
        "runs": runs,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
