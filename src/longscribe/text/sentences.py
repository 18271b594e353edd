"""Aligned words -> sentence segments, for text decoded without timestamp tokens.

A segment ends at a pause VAD heard (once it lasts ``MIN_PAUSED_SECONDS``; judged by the
words' middles, since alignment stretches word edges over silence) and after a word that
ends a sentence (``.``, ``?``, ``!``, their CJK forms) unless the next word starts in lower
case. A sentence longer than ``MAX_SEGMENT_SECONDS`` is cut again in its middle half, after
a comma-like word if there is one, else at the widest gap, until each piece reads as one
subtitle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from longscribe.text.tokens import TokenSegment
from longscribe.types import SAMPLE_RATE

MAX_SEGMENT_SECONDS = 10.0
MIN_PAUSED_SECONDS = 3.0  # "And so my fellow Americans, | ask not | what your country ...": no "ask not" alone
SENTENCE_END = ".!?。！？…"
CLAUSE_END = ",;:，、；："
CLOSERS = "\"'”’)]}»"


def sentence_pieces(
    words: Sequence[dict[str, Any]], num_samples: int, breaks: Sequence[int] = ()
) -> list[TokenSegment]:
    """Words as faster-whisper's alignment returns them (seconds, tokens) -> timed token pieces.

    ``breaks``: chunk-local sample positions of pauses between speech regions.
    """
    timed = [w for w in words if w["tokens"]]
    if not timed:
        return []
    pauses = sorted(b / SAMPLE_RATE for b in breaks)
    groups: list[list[dict[str, Any]]] = [[]]
    for i, w in enumerate(timed):
        groups[-1].append(w)
        following = timed[i + 1] if i + 1 < len(timed) else None
        if following is None:
            break
        middle = (w["start"] + w["end"]) / 2
        after = (following["start"] + following["end"]) / 2
        paused = any(middle < b <= after for b in pauses) and w["end"] - groups[-1][0]["start"] >= MIN_PAUSED_SECONDS
        if paused or _ends_sentence(w["word"], following["word"]):
            groups.append([])
    pieces = [piece for group in groups for piece in _shorter(group, MAX_SEGMENT_SECONDS)]
    return [_piece(group, num_samples) for group in pieces]


def _ends_sentence(word: str, following: str) -> bool:
    text = word.strip().rstrip(CLOSERS)
    if not text or text[-1] not in SENTENCE_END:
        return False
    nxt = following.strip()
    return not (nxt[:1].isalpha() and nxt[:1].islower())


def _shorter(group: list[dict[str, Any]], limit: float) -> list[list[dict[str, Any]]]:
    if len(group) < 2 or group[-1]["end"] - group[0]["start"] <= limit:
        return [group]
    cut = _best_cut(group)
    return _shorter(group[:cut], limit) + _shorter(group[cut:], limit)


def _best_cut(group: list[dict[str, Any]]) -> int:
    """Index of the first word of the second half: after a clause in the middle half, else the widest gap."""
    start, end = group[0]["start"], group[-1]["end"]
    low, high = start + (end - start) / 4, end - (end - start) / 4
    middle = [i for i in range(1, len(group)) if low <= group[i]["start"] <= high] or list(range(1, len(group)))

    def score(i: int) -> tuple[bool, float, float]:
        last = group[i - 1]["word"].strip().rstrip(CLOSERS)[-1:]
        clause = bool(last) and last in CLAUSE_END  # "" is in every string
        gap = group[i]["start"] - group[i - 1]["end"]
        centred = -abs(group[i]["start"] - (start + end) / 2)
        return clause, gap, centred

    return max(middle, key=score)


def _piece(group: list[dict[str, Any]], num_samples: int) -> TokenSegment:
    start = min(num_samples, int(round(group[0]["start"] * SAMPLE_RATE)))
    end = min(num_samples, max(start, int(round(group[-1]["end"] * SAMPLE_RATE))))
    tokens = tuple(t for w in group for t in w["tokens"])
    return TokenSegment(start, end, tokens)
