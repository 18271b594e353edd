"""Corrections to a transcript's segments, keeping word times, and what a correction changed.

Word times survive edits: words that are unchanged keep their times; words that replace others
share out the span of the words they replace; inserted words share the time between their
neighbours; deleted words vanish. A segment's text is always its words laid end to end (when it
has words). The page's editor makes the same edits (``writers/page/editor.js``).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import replace

from longscribe.types import Segment, Word


def spread(texts: Sequence[str], start: int, end: int, probability: float = 1.0) -> list[Word]:
    """Words for ``texts`` sharing ``[start, end)`` out evenly, in order (each with a leading space,
    as Whisper's words have)."""
    n = len(texts)
    step = (end - start) / n if n else 0
    return [
        Word(start + round(i * step), start + round((i + 1) * step), " " + text.strip(), probability)
        for i, text in enumerate(texts)
    ]


def retime(words: Sequence[Word], texts: Sequence[str], start: int, end: int) -> tuple[Word, ...]:
    """The words ``texts`` (one word each) with times taken from ``words``, the words they correct,
    within a segment ``[start, end)``. Edited words get probability 1: a person wrote them."""
    old = [w.text.strip() for w in words]
    new = [t.strip() for t in texts]
    out: list[Word] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(words[i1:i2])
        elif op == "replace":
            out.extend(spread(new[j1:j2], words[i1].start, words[i2 - 1].end))
        elif op == "insert":
            left = out[-1].end if out else start
            right = words[i1].start if i1 < len(words) else end
            out.extend(spread(new[j1:j2], left, max(left, right)))
    return tuple(out)


def _with_words(segment: Segment, words: Sequence[Word]) -> Segment:
    return replace(segment, words=tuple(words), text="".join(w.text for w in words), edited=True)


def edit_words(segment: Segment, i: int, j: int, texts: Sequence[str]) -> Segment | None:
    """The segment with its words ``[i, j)`` replaced by ``texts`` (an insertion when ``i == j``, a
    deletion when ``texts`` is empty); None when no word is left."""
    words = list(segment.words)
    if i < j:
        made = spread(texts, words[i].start, words[j - 1].end)
    else:
        left = words[i - 1].end if i > 0 else segment.start
        right = words[i].start if i < len(words) else segment.end
        made = spread(texts, left, max(left, right))
    words[i:j] = made
    return _with_words(segment, words) if words else None


def set_text(segment: Segment, text: str) -> Segment | None:
    """The segment saying ``text`` instead, its words retimed (:func:`retime`); None when empty."""
    if not text.split():
        return None
    if not segment.words:
        return replace(segment, text=" " + " ".join(text.split()), edited=True)
    return _with_words(segment, retime(segment.words, text.split(), segment.start, segment.end))


def split(segment: Segment, k: int) -> tuple[Segment, Segment]:
    """The segment cut before its word ``k`` (``0 < k < len(words)``)."""
    words = segment.words
    cut = words[k].start
    first = replace(_with_words(segment, words[:k]), end=max(segment.start, cut))
    return first, replace(_with_words(segment, words[k:]), start=cut)


def merge(first: Segment, second: Segment) -> Segment:
    """Two neighbouring segments as one (the first one's speaker)."""
    joined = replace(first, end=max(first.end, second.end), edited=True)
    if first.words and second.words:
        return _with_words(joined, first.words + second.words)
    return replace(joined, text=first.text.rstrip() + " " + second.text.strip(), words=())


def rename(segments: Sequence[Segment], old: str, new: str) -> list[Segment]:
    """Every segment of speaker ``old`` said by ``new`` (a speaker already there: the two are merged)."""
    return [replace(s, speaker=new, edited=True) if s.speaker == old else s for s in segments]


def move(segments: Sequence[Segment], index: int, speaker: str, from_word: int = 0) -> list[Segment]:
    """Segment ``index`` (or its words from ``from_word`` on) said by ``speaker`` instead."""
    out = list(segments)
    segment = out[index]
    if 0 < from_word < len(segment.words):
        first, rest = split(segment, from_word)
        out[index : index + 1] = [first, replace(rest, speaker=speaker)]
    else:
        out[index] = replace(segment, speaker=speaker, edited=True)
    return out


def summary(before: Sequence[Segment], after: Sequence[Segment]) -> str:
    """One line saying what a correction changed: words changed, speakers renamed or merged, words
    given to another speaker."""
    old = [(w, s.speaker) for s in before for w in _tokens(s)]
    new = [(w, s.speaker) for s in after for w in _tokens(s)]
    changed = 0
    moved: dict[tuple[str | None, str | None], int] = {}
    matcher = difflib.SequenceMatcher(a=[w for w, _ in old], b=[w for w, _ in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            changed += max(i2 - i1, j2 - j1)
            continue
        for (_, a), (_, b) in zip(old[i1:i2], new[j1:j2]):
            if a != b:
                moved[(a, b)] = moved.get((a, b), 0) + 1
    parts = [f"{changed} word{'s' if changed != 1 else ''} changed"] if changed else []
    had = {s.speaker for s in before}
    gone = had - {s.speaker for s in after}
    for (a, b), count in moved.items():
        if a in gone and [x for x, _ in moved].count(a) == 1:  # all of a's words went to b
            parts.append(f"{a} {'merged into' if b in had else 'renamed'} {b}")
        else:
            parts.append(f"{count} word{'s' if count != 1 else ''} moved from {a or 'nobody'} to {b or 'nobody'}")
    timing = sum(1 for x, y in zip(before, after) if (x.start, x.end) != (y.start, y.end))
    if not parts and timing:
        parts.append(f"{timing} segment time{'s' if timing != 1 else ''} changed")
    return "; ".join(parts) or "no change"


def _tokens(segment: Segment) -> list[str]:
    return [w.text.strip() for w in segment.words] if segment.words else segment.text.split()
