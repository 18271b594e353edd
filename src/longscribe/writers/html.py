"""A transcript page: one self-contained HTML file (its CSS and JS inline, nothing fetched).

Paragraphs open with their time; a click on a sentence plays the recording from there, and
the sentence playing is marked and kept in view; a search box marks and counts matches. The
recording is ``OutputOptions.audio`` (a path relative to the page, or a URL); when it cannot
be loaded the page says so and plays a file the reader opens. "Edit" opens the editor the
service page has (``page/editor.js``) on the segments, each of which follows its sentence as
JSON data; it cannot save, so it offers the corrected JSON for ``export --apply``. Everything
from the transcript is escaped; sentences are streamed into the file and the header is
written last.
"""

from __future__ import annotations

import json
import time
from html import escape
from importlib import resources

from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo
from longscribe.writers.paragraphs import Paragraphs, clock
from longscribe.writers.registry import Writer, register


def _asset(name: str) -> str:
    return resources.files("longscribe.writers").joinpath("page", name).read_text(encoding="utf-8")


def _script_string(value: object) -> str:
    """JSON (a JavaScript literal) that cannot end, or change how the page reads, the script element
    it is in: no ``<`` at all."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


def _data(segment: Segment) -> dict[str, object]:
    """What the editor edits of a segment, compactly (words as ``[start, end, word, probability]``)."""
    out: dict[str, object] = {"start": round(segment.start_s, 3), "end": round(segment.end_s, 3), "text": segment.text}
    if segment.speaker is not None:
        out["speaker"] = segment.speaker
    if segment.language is not None:
        out["language"] = segment.language
    if segment.edited:
        out["edited"] = True
    if segment.words:
        out["w"] = [[round(w.start_s, 3), round(w.end_s, 3), w.text, round(w.probability, 3)] for w in segment.words]
    return out


def _seconds(samples: int) -> str:
    return f"{samples / SAMPLE_RATE:.2f}"


@register
class HtmlWriter(Writer):
    extension = "html"
    order = 5
    media_type = "text/html; charset=utf-8"

    def begin(self) -> None:
        self._paragraphs = Paragraphs()
        self._open = False
        audio = self.options.audio
        src = f' src="{escape(audio)}"' if audio else ""
        player = (
            f'<audio id="player" controls preload="metadata"{src}></audio>'
            '<label id="open" hidden><span id="why">recording not found</span> — open it'
            '<input id="file" type="file" accept="audio/*,video/*"></label>'
        )
        self.out.write(
            '<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="longscribe">\n'
            f"<title>Transcript</title>\n<style>\n{_asset('transcript.css')}{_asset('editor.css')}</style>\n"
            "</head>\n<body>\n"
            f'<div id="bar">{player}<input id="search" type="search" placeholder="Search the transcript"'
            ' aria-label="Search the transcript"><span id="count" aria-live="polite"></span>'
            '<button id="edit" type="button">Edit</button></div>\n'
            '<section id="editor" hidden><div id="editor-tools" class="editor-tools"></div><ol id="segments"></ol>'
            "</section>\n<main>\n"
        )

    def segment(self, index: int, segment: Segment) -> None:
        self.out.write(f'<script type="application/json" class="d">{_script_string(_data(segment))}</script>')
        text = " ".join(segment.text.split())
        if not text:
            return
        start = _seconds(segment.start)
        if self._paragraphs.starts(segment):
            lang = f' lang="{escape(segment.language)}"' if segment.language else ""
            self.out.write(
                ("</p>\n" if self._open else "")
                + f'<p{lang}><a class="stamp" href="#t={start}" data-start="{start}">{clock(segment.start)}</a>'
                + (f' <b class="who">{escape(segment.speaker)}</b>' if segment.speaker else "")
            )
            self._open = True
        marked = " edited" if segment.edited else ""
        self.out.write(
            f' <span class="s{marked}" data-start="{start}" data-end="{_seconds(segment.end)}">{escape(text)}</span>'
        )

    def end(self, info: TranscriptInfo) -> None:
        if self._open:
            self.out.write("</p>\n")
        name = info.title
        languages = " → ".join(info.language_runs) if info.language_runs else info.language or "-"
        facts = [
            *info.origin,
            clock(info.duration),
            f"language {languages}",
            *([f"{len(info.speakers)} speaker(s)"] if info.speakers else []),
            f"model {info.model}",
            time.strftime("%Y-%m-%d"),
        ]
        about = {
            "file": name,
            "duration": round(info.duration_s, 3),
            "languages": info.language_runs,
            "model": info.model,
            "revision": info.revision,
        }
        title = _script_string(name + " — transcript")
        self.out.write(
            "</main>\n"
            f'<section id="about"><h1>{escape(name)}</h1><p>{escape(" · ".join(facts))}</p></section>\n'
            f'<script type="application/json" id="info">{_script_string(about)}</script>\n'
            f"<script>\ndocument.title = {title};\n{_asset('editor.js')}{_asset('transcript.js')}</script>\n"
            "</body>\n</html>\n"
        )
