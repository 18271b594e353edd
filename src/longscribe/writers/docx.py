"""Word (docx): a title, a line about the recording, then paragraphs opened by their time and speaker.

It uses Word's own styles (``Heading 1`` for the title, ``Normal`` for the rest), so the document
can be restyled, and pastes cleanly into qualitative-analysis tools. Needs python-docx
(``longscribe[docx]``).
"""

from __future__ import annotations

import time

from longscribe.types import Segment, TranscriptInfo
from longscribe.writers.paragraphs import Paragraphs, clock
from longscribe.writers.registry import Writer, register


@register
class DocxWriter(Writer):
    extension = "docx"
    order = 7
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    binary = True
    needs = ("docx", "docx")

    def begin(self) -> None:
        self._paragraphs = Paragraphs()
        self._blocks: list[tuple[int, str | None, list[str]]] = []

    def segment(self, index: int, segment: Segment) -> None:
        text = " ".join(segment.text.split())
        if not text:
            return
        if self._paragraphs.starts(segment) or not self._blocks:
            self._blocks.append((segment.start, segment.speaker, []))
        self._blocks[-1][2].append(text)

    def end(self, info: TranscriptInfo) -> None:
        import docx  # the extra: only asked for when the format is

        name = info.title
        document = docx.Document()
        document.core_properties.title = name
        document.add_heading(name, level=1)
        about = [*(info.origin or [name]), clock(info.duration), time.strftime("%Y-%m-%d")]
        if info.revision:
            about.append(f"revision {info.revision}")
        document.add_paragraph(style="Normal").add_run(" · ".join(about)).italic = True
        for start, speaker, texts in self._blocks:
            paragraph = document.add_paragraph(style="Normal")
            paragraph.add_run(f"[{clock(start)}] " + (f"{speaker}: " if speaker else "")).bold = True
            paragraph.add_run(" ".join(texts))
        document.save(self.out)
