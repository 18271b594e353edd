"""JSON: segments (and words when asked), then the full text and the run's info.

Segments are streamed into the file as they come (only their text is kept,
for the ``text`` field); ``text`` and ``info`` follow them in the same object.
"""

from __future__ import annotations

import json
from typing import Any

from longscribe.types import Segment, TranscriptInfo, seconds
from longscribe.writers.registry import Writer, register


def _s(samples: int) -> float:
    return round(seconds(samples), 3)


def segment_dict(index: int, segment: Segment, *, words: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": index,
        "start": _s(segment.start),
        "end": _s(segment.end),
        "text": segment.text,
        "chunk": segment.chunk,
        "avg_logprob": round(segment.avg_logprob, 4),
        "no_speech_prob": round(segment.no_speech_prob, 4),
        "compression_ratio": round(segment.compression_ratio, 3),
        "language": segment.language,
        "edited": segment.edited,
    }
    who = {"speaker": segment.speaker} if segment.speaker is not None else {}
    out.update(who)
    if words:
        out["words"] = [
            {"start": _s(w.start), "end": _s(w.end), "word": w.text, "probability": round(w.probability, 4), **who}
            for w in segment.words
        ]
    return out


@register
class JsonWriter(Writer):
    extension = "json"
    order = 4
    media_type = "application/json"

    def begin(self) -> None:
        self._texts: list[str] = []
        self.out.write('{"segments": [')

    def segment(self, index: int, segment: Segment) -> None:
        self.out.write(
            ("\n" if index == 0 else ",\n")
            + json.dumps(segment_dict(index, segment, words=self.options.words), ensure_ascii=False)
        )
        self._texts.append(segment.text)

    def end(self, info: TranscriptInfo) -> None:
        text = json.dumps("".join(self._texts).strip(), ensure_ascii=False)
        self.out.write(
            f'\n],\n"text": {text},\n"language": {json.dumps(info.language)},\n"revision": {info.revision},\n'
        )
        if info.speakers:
            self.out.write(f'"speakers": {json.dumps(info.speakers, ensure_ascii=False)},\n')
        self.out.write(f'"info": {json.dumps(info.as_dict(), ensure_ascii=False, indent=1)}\n}}\n')
