"""LocalAgreement-2: a word is final once two decodes in a row agree on it.

As in Macháček et al. 2023 ("Turning Whisper into Real-Time Transcription System",
whisper_streaming): each new decode of the growing window is compared with the one before,
past the words already final; their longest common prefix becomes final too. What the newer
decode says beyond it is the partial tail, which may still change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from longscribe.types import Word

MAX_OVERLAP = 5
"""Words a decode may repeat from the end of the final text (the window starts before it ends)."""
SLACK = 1600
"""A decoded word whose middle is this many samples (0.1 s) before the final text's end is still new."""
MAX_SHIFT = 3
"""Words a decode may say more or fewer than the final ones before it reaches their end."""


def same_word(a: Word, b: Word) -> bool:
    """Two decodes say the same word: equal but for case and punctuation around it."""
    return _key(a.text) == _key(b.text)


def _key(text: str) -> str:
    return re.sub(r"^\W+|\W+$", "", text.strip().lower())


@dataclass
class Agreement:
    """The final words of one utterance, grown by :meth:`insert` as decodes come in."""

    final: list[Word] = field(default_factory=list)
    tail: list[Word] = field(default_factory=list)
    """The latest decode's words past the final ones (not yet agreed on)."""
    window_from: int = 0
    """The first final word inside the decoded window: every decode says these again first."""

    @property
    def final_end(self) -> int:
        return self.final[-1].end if self.final else 0

    def insert(self, decoded: Sequence[Word]) -> list[Word]:
        """Compare a new decode (absolute positions) with the one before; return the words that
        became final now."""
        fresh = self._past_final(decoded)
        agreed = 0
        while agreed < min(len(fresh), len(self.tail)) and same_word(fresh[agreed], self.tail[agreed]):
            agreed += 1
        settled = fresh[:agreed]
        self.final.extend(settled)
        self.tail = fresh[agreed:]
        return settled

    def finish(self, decoded: Sequence[Word]) -> list[Word]:
        """The utterance is over: the last decode's words past the final ones are final as they are."""
        rest = self._past_final(decoded)
        self.final.extend(rest)
        self.tail = []
        return list(rest)

    def move_window(self, first: int) -> None:
        """Decodes start at ``final[first]`` from now on (the window moved on past a sentence)."""
        self.window_from = first

    def _past_final(self, decoded: Sequence[Word]) -> list[Word]:
        """The decoded words after the final ones. A decode says the window's final words again
        first: it is cut after the place where it says their last words (found by text: alignment
        blurs times at word edges, and a decode may spell an earlier number differently). Failing
        that, the words whose middle lies past the final text's end are new, but for a repeat of its
        last few words."""
        known = self.final[self.window_from :]
        if not known:
            return list(decoded)
        cut = _end_of(known, decoded)
        if cut is not None:
            return list(decoded[cut:])
        words = [w for w in decoded if (w.start + w.end) // 2 > self.final_end - SLACK]
        for n in range(min(MAX_OVERLAP, len(words), len(self.final)), 0, -1):
            if all(same_word(a, b) for a, b in zip(self.final[-n:], words[:n])):
                return words[n:]
        return words


def _end_of(known: Sequence[Word], decoded: Sequence[Word]) -> int | None:
    """Where ``decoded`` finishes saying ``known``'s last words, near where saying all of them would
    end (more words matched, further away); None: it does not say them."""
    expected = len(known)
    for n, reach in ((3, MAX_SHIFT), (2, MAX_SHIFT), (1, 1)):
        if n > len(known):
            continue
        ends = [
            j
            for j in range(n, len(decoded) + 1)
            if abs(j - expected) <= reach and all(same_word(a, b) for a, b in zip(known[-n:], decoded[j - n : j]))
        ]
        if ends:
            return min(ends, key=lambda j: abs(j - expected))
    return None
