"""Subtitle cues from timed words, made the way subtitles are made for people to read.

A cue holds at most ``max_line_count`` lines of ``max_line_width`` characters and lasts at
most ``max_cue_duration``, always. Cue ends are chosen over each stretch of speech at once
(between pauses longer than ``max_pause``, or a change of speaker): the fewest cues, ending
after a sentence, else a clause, else the longest pause; lines break only between words and
are balanced. A cue stays long enough to be read at ``max_chars_per_second`` where the
timing allows, up to ``linger`` into the silence after it and never closer than ``gap`` to
the next.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from longscribe.errors import OptionsError
from longscribe.types import SAMPLE_RATE, Segment, Word

SENTENCE_END = ".!?…。！？"
CLAUSE_END = ",;:—–、，；："
CLOSERS = "\"'”’)]}»"
STYLES = ("cues", "none")
MAX_CUE_SECONDS = 60.0
MAX_PENDING_WORDS = 300
"""A stretch longer than this is cut into cues at the next sentence end, so a talk without pauses
is not held whole."""


@dataclass(frozen=True)
class CueOptions:
    """How subtitles are cut (srt, vtt); broadcast conventions by default."""

    max_line_width: int = 42
    max_line_count: int = 2
    max_words_per_line: int | None = None
    max_cue_duration: float = 7.0
    min_cue_duration: float = 1.0
    max_chars_per_second: float = 20.0
    linger: float = 0.5
    """How far a cue may stay into the silence after its last word, to be read."""
    gap: float = 0.08
    """The least time between two cues."""
    max_pause: float = 1.5
    """A pause longer than this is never inside a cue."""
    highlight_words: bool = False
    """Karaoke: each word marked while it is spoken (srt: underlined; vtt: ``<c>`` with word timestamps)."""
    style: str = "cues"
    """"cues": as above; "none": one cue per segment, as earlier versions wrote them."""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        for name, low in (("max_line_width", 1), ("max_line_count", 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 1000:
                raise OptionsError(f"{name} must be a whole number within {low}..1000, got {value!r}", name)
        words = self.max_words_per_line
        if words is not None and (not isinstance(words, int) or isinstance(words, bool) or not 1 <= words <= 1000):
            raise OptionsError(
                f"max_words_per_line must be a whole number within 1..1000, got {words!r}", "max_words_per_line"
            )
        for name in ("max_cue_duration", "min_cue_duration", "max_chars_per_second", "linger", "gap", "max_pause"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise OptionsError(f"{name} must be a number >= 0, got {value!r}", name)
        if not 0.5 <= self.max_cue_duration <= MAX_CUE_SECONDS:
            raise OptionsError(
                f"max_cue_duration must be within 0.5..{MAX_CUE_SECONDS:g} s, got {self.max_cue_duration:g}",
                "max_cue_duration",
            )
        if self.max_chars_per_second <= 0:
            raise OptionsError("max_chars_per_second must be above 0", "max_chars_per_second")
        if self.min_cue_duration > self.max_cue_duration:
            raise OptionsError("min_cue_duration must not exceed max_cue_duration", "min_cue_duration")
        if self.style not in STYLES:
            raise OptionsError(f"subtitle style must be one of {', '.join(STYLES)}, got {self.style!r}", "style")


@dataclass(frozen=True)
class Cue:
    """What one subtitle shows and when; positions are samples."""

    start: int
    end: int
    lines: tuple[tuple[Word, ...], ...]
    speaker: str | None = None

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for line in self.lines for w in line)

    @property
    def text(self) -> str:
        return "\n".join(line_text(line) for line in self.lines)


def line_text(words: Sequence[Word]) -> str:
    return " ".join(w.text.strip() for w in words if w.text.strip())


def _ends(word: Word, marks: str) -> bool:
    text = word.text.strip().rstrip(CLOSERS)
    return bool(text) and text[-1] in marks


class CueBuilder:
    """Feed segments in order (``add``), take the cues that are final; ``finish`` at the end."""

    def __init__(self, options: CueOptions | None = None) -> None:
        self.options = options or CueOptions()
        self._pending: list[Word] = []
        self._speaker: str | None = None
        self._last: Cue | None = None

    def add(self, segment: Segment) -> list[Cue]:
        out: list[Cue] = []
        pause = int(self.options.max_pause * SAMPLE_RATE)
        if segment.speaker != self._speaker:
            out += self._flush()
            self._speaker = segment.speaker
        for word in words_of(segment):
            if self._pending and word.start - self._pending[-1].end > pause:
                out += self._flush()
            self._pending.append(word)
        if len(self._pending) > MAX_PENDING_WORDS and _ends(self._pending[-1], SENTENCE_END):
            out += self._flush()
        return out

    def finish(self) -> list[Cue]:
        out = self._flush()
        if self._last is not None:
            out.append(_timed(self._last, None, self.options))
            self._last = None
        return out

    def _flush(self) -> list[Cue]:
        words, self._pending = self._pending, []
        if not words:
            return []
        out: list[Cue] = []
        for cue in cut(words, self.options, self._speaker):
            if self._last is not None:
                out.append(_timed(self._last, cue.start, self.options))
            self._last = cue
        return out


def words_of(segment: Segment) -> list[Word]:
    """The segment's timed words; without word times for all its text, its words spread evenly over its span."""
    timed = [w for w in segment.words if w.text.strip()]
    if timed and " ".join(w.text.strip() for w in timed) == " ".join(segment.text.split()):
        return timed
    texts = segment.text.split()
    if not texts:
        return []
    step = max(1, (segment.end - segment.start) // len(texts))
    return [
        Word(segment.start + i * step, min(segment.end, segment.start + (i + 1) * step), f" {t}", 1.0)
        for i, t in enumerate(texts)
    ]


def cut(words: Sequence[Word], options: CueOptions, speaker: str | None = None) -> list[Cue]:
    """One stretch of speech (no long pause inside, one speaker) into cues, ends chosen for the whole
    stretch at once."""
    return [replace(cue, speaker=speaker) for cue in _Cutter(words, options).cues()]


class _Cutter:
    """The cheapest set of cue ends over a stretch (dynamic programming on word positions)."""

    def __init__(self, words: Sequence[Word], options: CueOptions) -> None:
        self.words, self.options = words, options
        self.prefix = [0]
        for w in words:
            self.prefix.append(self.prefix[-1] + len(w.text.strip()))

    def chars(self, i: int, j: int) -> int:
        """Characters of words ``i..j`` on one line, single spaces between them."""
        return self.prefix[j] - self.prefix[i] + (j - i - 1)

    def cues(self) -> list[Cue]:
        words, options = self.words, self.options
        n = len(words)
        longest = options.max_line_count * (options.max_line_width + 1)
        best: list[tuple[float, int]] = [(0.0, 0)] + [(math.inf, 0)] * n
        layouts: dict[tuple[int, int], list[int]] = {}
        for j in range(1, n + 1):
            for i in range(j - 1, -1, -1):
                alone = j - i == 1
                seconds = (words[j - 1].end - words[i].start) / SAMPLE_RATE
                if not alone and (self.chars(i, j) > longest or seconds > options.max_cue_duration):
                    break  # an earlier start only makes the cue longer
                breaks = [] if alone else self.layout(i, j)
                if breaks is None or best[i][0] == math.inf:
                    continue
                layouts[(i, j)] = breaks
                cost = best[i][0] + self.cost(i, j, breaks)
                if cost < best[j][0]:
                    best[j] = (cost, i)
        bounds: list[tuple[int, int]] = []
        j = n
        while j > 0:
            bounds.append((best[j][1], j))
            j = best[j][1]
        cues = []
        for i, j in reversed(bounds):
            edges = [i, *layouts[(i, j)], j]
            lines = tuple(tuple(words[a:b]) for a, b in zip(edges, edges[1:]))
            cues.append(Cue(words[i].start, words[j - 1].end, lines))
        return cues

    def cost(self, i: int, j: int, breaks: list[int]) -> float:
        """Fewest cues first; then ends where the speech ends: a sentence, a clause, the widest pause."""
        words = self.words
        last = words[j - 1]
        if j == len(words) or _ends(last, SENTENCE_END):
            end = 0.0
        elif _ends(last, CLAUSE_END):
            end = 1.0
        else:  # a reader holds the phrase across cues: worse than a line break inside one
            end = 3.0 - min(1.0, (words[j].start - last.end) / SAMPLE_RATE)
        edges = [i, *breaks, j]
        lengths = [self.chars(a, b) for a, b in zip(edges, edges[1:])]
        ragged = (max(lengths) - min(lengths)) / self.options.max_line_width * 0.3
        lines = 0.0
        for k in breaks:  # a line should end where the speech does
            lines += 0.0 if _ends(words[k - 1], SENTENCE_END) else 0.5 if _ends(words[k - 1], CLAUSE_END) else 1.2
        inside = sum(_ends(words[k], SENTENCE_END) for k in range(i, j - 1) if k + 1 not in breaks)
        return 1.0 + end + ragged + lines + 3.0 * inside  # a sentence ending mid-line reads badly

    def fits(self, i: int, j: int) -> bool:
        if j - i == 1:
            return True  # a word alone longer than a line stays whole
        most = self.options.max_words_per_line
        return (most is None or j - i <= most) and self.chars(i, j) <= self.options.max_line_width

    def layout(self, i: int, j: int) -> list[int] | None:
        """Where the lines of words ``i..j`` break: the fewest lines that fit, balanced; None if none fit."""
        for count in range(1, self.options.max_line_count + 1):
            found = self.balanced(i, j, count)
            if found is not None:
                return found[1]
        return None

    def balanced(self, i: int, j: int, count: int) -> tuple[float, list[int]] | None:
        """(score, breaks) of the most even ``count`` lines, a lower line never much longer than the one above."""
        if count == 1:
            return (0.0, []) if self.fits(i, j) else None
        target = self.chars(i, j) / count
        best: tuple[float, list[int]] | None = None
        for k in range(i + 1, j):
            if not self.fits(i, k):
                break
            rest = self.balanced(k, j, count - 1)
            if rest is None:
                continue
            head, below = self.chars(i, k), self.chars(k, [*rest[1], j][0])
            score = rest[0] + (head - target) ** 2 + max(0, below - head - 4) ** 2
            score -= 20 if _ends(self.words[k - 1], CLAUSE_END + SENTENCE_END) else 0
            if best is None or score < best[0]:
                best = (score, [k, *rest[1]])
        return best


def _timed(cue: Cue, next_start: int | None, options: CueOptions) -> Cue:
    """The cue's end: long enough to be read (where the silence after it allows), clear of the next."""
    rate = SAMPLE_RATE
    needed = max(options.min_cue_duration, len(cue.text.replace("\n", " ")) / options.max_chars_per_second)
    end = max(cue.end, min(cue.start + int(needed * rate), cue.end + int(options.linger * rate)))
    end = min(end, cue.start + int(options.max_cue_duration * rate))
    if next_start is not None:
        end = min(end, next_start - int(options.gap * rate))
    return replace(cue, end=max(cue.start + 1, end))


def cues_of(segments: Iterable[Segment], options: CueOptions | None = None) -> list[Cue]:
    """All cues of a transcript (for tests and small files; writers stream with :class:`CueBuilder`)."""
    builder = CueBuilder(options)
    out = [cue for segment in segments for cue in builder.add(segment)]
    return out + builder.finish()
