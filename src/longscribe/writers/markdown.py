"""Markdown: paragraphs, each opened by its time in bold brackets, for notes and wikis."""

from __future__ import annotations

import re

from longscribe.types import Segment, TranscriptInfo
from longscribe.writers.paragraphs import Paragraphs, clock
from longscribe.writers.registry import Writer, register

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def escape(text: str) -> str:
    """Text that Markdown shows as written (no emphasis, links, tags or headings made of it)."""
    return _SPECIAL.sub(r"\\\1", text)


@register
class MarkdownWriter(Writer):
    extension = "md"
    order = 6
    media_type = "text/markdown; charset=utf-8"

    def begin(self) -> None:
        self._paragraphs = Paragraphs()
        self._open = False

    def segment(self, index: int, segment: Segment) -> None:
        text = escape(" ".join(segment.text.split()))
        if not text:
            return
        if self._paragraphs.starts(segment):
            who = f"**{escape(segment.speaker)}:** " if segment.speaker else ""
            self.out.write(("\n\n" if self._open else "") + f"**[{clock(segment.start)}]** {who}{text}")
            self._open = True
        else:
            self.out.write(f" {text}")

    def end(self, info: TranscriptInfo) -> None:
        if self._open:
            self.out.write("\n")
