"""Plain text and tab-separated values."""

from __future__ import annotations

from longscribe.types import Segment
from longscribe.writers.registry import Writer, register


@register
class TxtWriter(Writer):
    """One segment per line, as openai-whisper writes it."""

    extension = "txt"
    order = 0

    def segment(self, index: int, segment: Segment) -> None:
        who = f"{segment.speaker}: " if segment.speaker else ""
        self.out.write(who + segment.text.strip() + "\n")


@register
class TsvWriter(Writer):
    """``start<TAB>end<TAB>text`` with integer milliseconds, as openai-whisper writes it, then ``language``
    and ``speaker`` (empty without diarization)."""

    extension = "tsv"
    order = 3
    media_type = "text/tab-separated-values; charset=utf-8"

    def begin(self) -> None:
        self.out.write("start\tend\ttext\tlanguage\tspeaker\n")

    def segment(self, index: int, segment: Segment) -> None:
        text = " ".join(segment.text.split())  # no tabs or newlines inside a field
        start, end = segment.start * 1000 // 16000, segment.end * 1000 // 16000
        speaker = " ".join((segment.speaker or "").split())
        self.out.write(f"{start}\t{end}\t{text}\t{segment.language or ''}\t{speaker}\n")
