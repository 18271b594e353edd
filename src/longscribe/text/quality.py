"""Text measures used to judge a decode: gzip compression ratio and repetition loops."""

from __future__ import annotations

import re
import zlib

MAX_NGRAM = 10
MIN_LOOP_WORDS = 6  # an n-gram repeated back to back covering at least this many words
MIN_REPEATS = 3
SINGLE_WORD_REPEATS = 4  # "you you you you"


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def repetition_loop(text: str) -> str | None:
    """The repeated phrase if ``text`` loops, else None."""
    words = words_of(text)
    for n in range(1, MAX_NGRAM + 1):
        needed = SINGLE_WORD_REPEATS if n == 1 else max(MIN_REPEATS, -(-MIN_LOOP_WORDS // n))
        for i in range(0, len(words) - n * needed + 1):
            gram = words[i : i + n]
            repeats = 1
            while words[i + repeats * n : i + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats >= needed:
                return " ".join(gram)
    return None
