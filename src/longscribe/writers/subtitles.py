"""SRT and WebVTT: cues cut for reading (:mod:`longscribe.writers.cues`), or one per segment."""

from __future__ import annotations

from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo
from longscribe.writers.cues import Cue, CueBuilder, line_text
from longscribe.writers.registry import Writer, register


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


class _CueWriter(Writer):
    """Streams segments through a cue builder (or one cue per segment with style "none")."""

    decimal = ","

    def begin(self) -> None:
        self._builder = CueBuilder(self.options.cues)
        self._count = 0

    def segment(self, index: int, segment: Segment) -> None:
        if self.options.cues.style == "none":
            cue = Cue(segment.start, segment.end, (), segment.speaker)
            self.cue(cue, self.voice(cue, cue_text(segment.text)))
            return
        for cue in self._builder.add(segment):
            self.write_cue(cue)

    def end(self, info: TranscriptInfo) -> None:
        if self.options.cues.style != "none":
            for cue in self._builder.finish():
                self.write_cue(cue)

    def write_cue(self, cue: Cue) -> None:
        lines = "\n".join(cue_text(line_text(line)) for line in cue.lines)
        if not self.options.cues.highlight_words:
            self.cue(cue, self.voice(cue, lines))
        else:
            self.highlighted(cue)

    def voice(self, cue: Cue, text: str) -> str:
        """The cue's text as it says who speaks (SRT: ``[SPEAKER_00] text``)."""
        return f"[{cue_text(cue.speaker)}] {text}" if cue.speaker else text

    def timing(self, start: int, end: int) -> str:
        return f"{format_timestamp(start, decimal=self.decimal)} --> {format_timestamp(end, decimal=self.decimal)}"

    def cue(self, cue: Cue, text: str) -> None:
        raise NotImplementedError

    def highlighted(self, cue: Cue) -> None:
        raise NotImplementedError


@register
class SrtWriter(_CueWriter):
    extension = "srt"
    order = 1
    media_type = "application/x-subrip; charset=utf-8"

    def cue(self, cue: Cue, text: str) -> None:
        self._count += 1
        self.out.write(f"{self._count}\n{self.timing(cue.start, cue.end)}\n{text}\n\n")

    def highlighted(self, cue: Cue) -> None:
        """As openai-whisper does: the cue again for each word, that word underlined while it is spoken."""
        words = cue.words
        for k, word in enumerate(words):
            start = word.start if k else cue.start
            end = words[k + 1].start if k + 1 < len(words) else cue.end
            lines = [
                " ".join(f"<u>{w.text.strip()}</u>" if w is word else w.text.strip() for w in line)
                for line in cue.lines
            ]
            self.cue(Cue(start, max(end, start + 1), cue.lines), self.voice(cue, cue_text_lines(lines)))


@register
class VttWriter(_CueWriter):
    extension = "vtt"
    order = 2
    media_type = "text/vtt; charset=utf-8"
    decimal = "."

    def begin(self) -> None:
        super().begin()
        self.out.write("WEBVTT\n\n")

    def cue(self, cue: Cue, text: str) -> None:
        self.out.write(f"{self.timing(cue.start, cue.end)}\n{text}\n\n")

    def voice(self, cue: Cue, text: str) -> str:
        """Escaped, behind a voice tag when the speaker is known: ``<v SPEAKER_00>text``."""
        return f"<v {_voice_name(cue.speaker)}>{escape(text)}" if cue.speaker else escape(text)

    def highlighted(self, cue: Cue) -> None:
        """WebVTT karaoke: each word after a timestamp tag, inside ``<c>``, so a player marks it in time."""
        lines = []
        for line in cue.lines:
            parts = [f"<{format_timestamp(w.start, decimal='.')}><c>{escape(w.text.strip())}</c>" for w in line]
            lines.append(" ".join(parts))
        voice = f"<v {_voice_name(cue.speaker)}>" if cue.speaker else ""
        self.out.write(f"{self.timing(cue.start, cue.end)}\n{voice}" + "\n".join(lines) + "\n\n")


def _voice_name(name: str) -> str:
    """A voice tag's annotation: escaped, on one line, without the ``>`` that would end the tag."""
    return escape(" ".join(name.split()))


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cue_text_lines(lines: list[str]) -> str:
    return "\n".join(" ".join(line.split()).replace("-->", "->") for line in lines)
