"""A corrected transcript as a JSON document: checked field by field, read into segments.

The document has the json format's shape (what ``-f json`` writes and the page sends back):
``segments``, each with ``start``, ``end`` (seconds), ``text``, optional ``speaker`` and
``words`` (``start``, ``end``, ``word``, ``probability``), and ``speakers`` (names, or the
json format's speaker entries). Anything else in it (``text``, ``info`` ...) is ignored. A
malformed document is a :class:`~longscribe.errors.DocumentError` naming the first bad field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from longscribe.errors import DocumentError
from longscribe.types import Segment, Word, samples

MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
"""The largest document taken (a transcript of many hours with word times is a few MB)."""
MAX_SEGMENTS = 200_000
MAX_TEXT = 10_000
"""Characters in one segment's text."""
MAX_SPEAKER = 100
"""Characters in one speaker's name."""
TOLERANCE = 16
"""Samples (1 ms) a word may lie outside its segment: the json format rounds times to milliseconds."""


def words_spell(words: Sequence[Word], text: str) -> bool:
    """The words, laid end to end, are the text (whitespace aside)."""
    return "".join(w.text for w in words).split() == text.split()


def parse_document(document: Any) -> tuple[Segment, ...]:
    """The segments of a corrected transcript, checked: times in order, words that spell their
    segment's text, speakers among the document's ``speakers``."""
    if not isinstance(document, Mapping):
        raise DocumentError("the document must be a JSON object with segments", "document")
    raw = document.get("segments")
    if not isinstance(raw, list):
        raise DocumentError("segments: must be a list", "segments")
    if len(raw) > MAX_SEGMENTS:
        raise DocumentError(f"segments: more than {MAX_SEGMENTS}", "segments")
    speakers = _speakers(document.get("speakers"))
    out: list[Segment] = []
    for i, item in enumerate(raw):
        segment = _segment(item, f"segments[{i}]", speakers)
        if out and segment.start < out[-1].start:
            raise DocumentError(
                f"segments[{i}].start: times out of order ({segment.start_s:.3f} s after {out[-1].start_s:.3f} s)",
                f"segments[{i}].start",
            )
        out.append(segment)
    return tuple(out)


def _speakers(value: Any) -> set[str] | None:
    """The names the segments may use; None: the document names none (its segments may not either)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise DocumentError("speakers: must be a list of names", "speakers")
    names = set()
    for i, entry in enumerate(value):
        name = entry.get("speaker") if isinstance(entry, Mapping) else entry
        names.add(_name(name, f"speakers[{i}]"))
    return names


def _name(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_SPEAKER or not value.isprintable():
        raise DocumentError(f"{where}: a speaker is a name of 1 to {MAX_SPEAKER} printable characters", where)
    return value


def _segment(item: Any, where: str, speakers: set[str] | None) -> Segment:
    if not isinstance(item, Mapping):
        raise DocumentError(f"{where}: must be an object", where)
    start, end = _time(item, "start", where), _time(item, "end", where)
    if end < start:
        raise DocumentError(f"{where}: times out of order (ends before it starts)", f"{where}.end")
    text = item.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise DocumentError(f"{where}.text: must be text of at most {MAX_TEXT} characters", f"{where}.text")
    speaker = item.get("speaker")
    if speaker is not None:
        speaker = _name(speaker, f"{where}.speaker")
        if speakers is None or speaker not in speakers:
            raise DocumentError(
                f"{where}.speaker: {speaker!r} is not one of the document's speakers", f"{where}.speaker"
            )
    words = _words(item.get("words"), where, start, end)
    if words and not words_spell(words, text):
        raise DocumentError(f"{where}.words: the words do not add up to the segment's text", f"{where}.words")
    language = item.get("language")
    return Segment(
        start,
        end,
        text,
        words,
        chunk=_number(item, "chunk", where, int),
        avg_logprob=_number(item, "avg_logprob", where, float),
        no_speech_prob=_number(item, "no_speech_prob", where, float),
        compression_ratio=_number(item, "compression_ratio", where, float),
        language=language if isinstance(language, str) and language.isalpha() and len(language) <= 8 else None,
        speaker=speaker,
    )


def _words(value: Any, where: str, start: int, end: int) -> tuple[Word, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise DocumentError(f"{where}.words: must be a list", f"{where}.words")
    words: list[Word] = []
    for i, item in enumerate(value):
        at = f"{where}.words[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("word"), str):
            raise DocumentError(f"{at}: must be an object with a word", at)
        w_start, w_end = _time(item, "start", at), _time(item, "end", at)
        if w_end < w_start or (words and w_start < words[-1].start):
            raise DocumentError(f"{at}: times out of order", f"{at}.start")
        if w_start < start - TOLERANCE or w_end > end + TOLERANCE:
            raise DocumentError(f"{at}: times out of order (outside its segment)", f"{at}.start")
        probability = _number(item, "probability", at, float, default=1.0)
        words.append(Word(w_start, w_end, item["word"], min(1.0, max(0.0, probability))))
    return tuple(words)


def _time(item: Mapping[str, Any], name: str, where: str) -> int:
    value = item.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise DocumentError(f"{where}.{name}: must be a time in seconds (0 or more)", f"{where}.{name}")
    return samples(value)


def _number(item: Mapping[str, Any], name: str, where: str, kind: type[Any], default: Any = 0) -> Any:
    value = item.get(name, default)
    if value is None:
        return kind(default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DocumentError(f"{where}.{name}: must be a number", f"{where}.{name}")
    return kind(value)
