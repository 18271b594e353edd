"""Whisper token sequences -> timed segments (chunk-local sample positions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from longscribe.types import SAMPLE_RATE

SAMPLES_PER_TIMESTAMP = SAMPLE_RATE // 50  # timestamp tokens step by 20 ms


@dataclass(frozen=True)
class TokenSegment:
    start: int
    end: int
    tokens: tuple[int, ...]


def split_by_timestamps(
    tokens: Sequence[int], *, timestamp_begin: int, eot: int, num_samples: int
) -> list[TokenSegment]:
    """Cut a decoded sequence at its timestamp tokens.

    ``<|a|> text <|b|>`` is a segment from a to b; text with no closing
    timestamp runs to the end of the chunk; text before any timestamp starts
    where the previous segment ended.
    """
    segments: list[TokenSegment] = []
    start: int | None = None
    text: list[int] = []
    last_end = 0
    for tok in tokens:
        if tok == eot:
            break
        if tok < timestamp_begin:
            if start is None:
                start = last_end
            text.append(tok)
            continue
        at = min((tok - timestamp_begin) * SAMPLES_PER_TIMESTAMP, num_samples)
        if start is not None and text:
            segments.append(TokenSegment(start, max(at, start), tuple(text)))
            last_end = max(at, start)
            start, text = None, []
        else:
            start = at
    if text:
        begin = start if start is not None else last_end
        segments.append(TokenSegment(begin, max(num_samples, begin), tuple(text)))
    return segments
