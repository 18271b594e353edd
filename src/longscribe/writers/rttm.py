"""RTTM, the diarization format NIST defined: one ``SPEAKER`` line per turn (overlaps included)."""

from __future__ import annotations

from pathlib import PurePath

from longscribe.types import Segment, TranscriptInfo
from longscribe.writers.registry import Writer, register


def rttm_lines(uri: str, info: TranscriptInfo) -> list[str]:
    """``SPEAKER <uri> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>``, in time order; fields hold no spaces."""
    uri = "_".join(uri.split()) or "audio"
    return [
        f"SPEAKER {uri} 1 {t.start_s:.3f} {t.end_s - t.start_s:.3f} <NA> <NA> {'_'.join(t.speaker.split())} <NA> <NA>"
        for t in sorted(info.speaker_turns, key=lambda t: (t.start, t.speaker))
    ]


@register
class RttmWriter(Writer):
    """Who speaks when, from the run's speaker turns (``--diarize``); not part of ``-f all`` without it."""

    extension = "rttm"
    order = 8
    needs_speakers = True

    def segment(self, index: int, segment: Segment) -> None:
        pass

    def end(self, info: TranscriptInfo) -> None:
        uri = PurePath(info.path.replace("\\", "/")).stem
        self.out.writelines(line + "\n" for line in rttm_lines(uri, info))
