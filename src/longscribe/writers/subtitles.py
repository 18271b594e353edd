"""SRT and WebVTT."""

from __future__ import annotations

from longscribe.types import SAMPLE_RATE, Segment
from longscribe.writers.base import Writer, register


def format_timestamp(samples: int, *, decimal: str) -> str:
    """``HH:MM:SS,mmm`` (SRT) / ``HH:MM:SS.mmm`` (VTT); hours grow past 99 if they must."""
    ms = max(0, samples) * 1000 // SAMPLE_RATE
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{ms:03d}"


def cue_text(text: str) -> str:
    """One cue line: collapse whitespace; a blank line or '-->' would end or break the cue."""
    return " ".join(text.split()).replace("-->", "->")


@register
class SrtWriter(Writer):
    extension = "srt"

    def segment(self, index: int, segment: Segment) -> None:
        start = format_timestamp(segment.start, decimal=",")
        end = format_timestamp(segment.end, decimal=",")
        self.out.write(f"{index + 1}\n{start} --> {end}\n{cue_text(segment.text)}\n\n")


@register
class VttWriter(Writer):
    extension = "vtt"

    def begin(self) -> None:
        self.out.write("WEBVTT\n\n")

    def segment(self, index: int, segment: Segment) -> None:
        start = format_timestamp(segment.start, decimal=".")
        end = format_timestamp(segment.end, decimal=".")
        text = cue_text(segment.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.out.write(f"{start} --> {end}\n{text}\n\n")
