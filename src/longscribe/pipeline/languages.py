"""A language for every stretch of speech: each chunk's own identification, settled in chunk order.

Every chunk is identified on its own encoder output; :func:`decide` then settles it, where
results are committed, against the running language and the next chunk's identification (a
sure switch at once, an unsure one only when the next chunk agrees). A chunk that may hold
a short turn in another language is cut at its pauses and its pieces decoded each in its
own language. Decisions depend only on the chunks' audio and order and are committed with
the chunk, so a resumed job settles the rest exactly as an uninterrupted run would
(docs/how-it-works.md, "Languages").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from longscribe.types import SAMPLE_RATE, Candidates, Chunk, ChunkAudio, ChunkTranscript, DecodedSegment, Span

log = logging.getLogger(__name__)

SWITCH_PROBABILITY = 0.9
"""Above this, one chunk's identification is enough to change language (chosen from the
probabilities measured on monolingual and switching recordings: docs/benchmarks.md)."""

OTHER_PROBABILITY = 0.2
"""A chunk heard unsurely in the running language with another language at least this likely
holds speech in that one too (chosen on built conversations: docs/benchmarks.md)."""

MIN_PIECE_SECONDS = 1.0
"""The shortest piece of a chunk identified on its own: shorter ones join a neighbour."""

HOLE_SECONDS = 1.5
HOLE_WORDS_PER_SECOND = 0.5
"""A piece of speech at least ``HOLE_SECONDS`` long with fewer words than this per second is a hole
in a chunk's text: speech decoded in the wrong language comes out as a word or two, or nothing."""

Decode = Callable[[list[ChunkAudio], "str | None"], list[ChunkTranscript]]
"""Decode chunks in a language (None: each in the one identified in it), with the fallback policy."""


def decide(running: str | None, own: Candidates, following: Candidates | None) -> tuple[str | None, str]:
    """The language to decode a chunk in, and why ("" when nothing changes); None when it was given."""
    if not own:
        return None, ""
    language, probability = own[0]
    if running is None or language == running:
        return language, ""
    if probability >= SWITCH_PROBABILITY:
        return language, f"language {running} -> {language} (p={probability:.2f})"
    if following and following[0][0] == language:
        return language, f"language {running} -> {language} (p={probability:.2f}; the next chunk agrees)"
    return running, f"kept language {running}: heard {language} at p={probability:.2f} only"


def unsure_pair(running: str | None, own: Candidates, following: Candidates | None) -> tuple[str, str] | None:
    """For a chunk heard unsurely: the running language (the first chunk: its own most likely one)
    and the other one heard in or after it (its own most likely one, else the next chunk's, else its
    second one when that is likely enough); None when the chunk is settled as a whole."""
    if not own or own[0][1] >= SWITCH_PROBABILITY:
        return None
    base = running or own[0][0]
    if own[0][0] != base:
        return base, own[0][0]
    if following and following[0][0] != base:
        return base, following[0][0]
    if len(own) > 1 and own[1][1] >= OTHER_PROBABILITY:
        return base, own[1][0]
    return None


@dataclass
class _Held:
    result: ChunkTranscript
    item: ChunkAudio


class LanguageSettler:
    """Holds each chunk's result until the next chunk's identification is known, then settles it.

    ``push`` a result with its audio, in chunk order; what comes back is settled, in order.
    ``restored`` tells it a result read back from the job store (already settled). Without
    ``lookahead`` (previous-text prompting needs each chunk's text before the next is
    decoded) a chunk is settled at once, as if it were the last.
    """

    def __init__(self, decode: Decode, *, lookahead: bool = True) -> None:
        self._decode = decode
        self._lookahead = lookahead
        self._running: str | None = None
        self._held: _Held | None = None

    def restored(self, result: ChunkTranscript) -> list[ChunkTranscript]:
        """A result read back from the job store: settled already; it becomes the running language."""
        out = self._settle(result.candidates) if self._held is not None else []
        self._running = result.language
        return out

    def push(self, result: ChunkTranscript, item: ChunkAudio) -> list[ChunkTranscript]:
        out = self._settle(result.candidates) if self._held is not None else []
        self._held = _Held(result, item)
        return out if self._lookahead else out + self._settle(None)

    def finish(self) -> list[ChunkTranscript]:
        return self._settle(None) if self._held is not None else []

    def _settle(self, following: Candidates | None) -> list[ChunkTranscript]:
        held = self._held
        assert held is not None
        self._held = None
        result, item = held.result, held.item
        pieces = _pieces(item.chunk)
        pair = unsure_pair(self._running, result.candidates, following)
        asked = [True] * len(pieces)  # the pieces identified on their own
        if pair is None and result.candidates:
            asked = _holes(result, pieces)
            pair = self._other(result) if any(asked) else None
        if pair is not None and len(pieces) > 1:
            result = self._cut(result, item, pieces, pair, asked)
        else:
            language, why = decide(self._running, result.candidates, following)
            if language is not None and language != result.language:
                log.info("chunk %d: %s: decoded again", result.chunk.index, why)
                again = self._decode([item], language)[0]
                result = replace(again, candidates=result.candidates, decisions=(*again.decisions, why))
            elif why:
                result = replace(result, decisions=(*result.decisions, why))
        self._running = result.language  # a chunk cut at a switch ends in the new language
        return [result]

    def _other(self, result: ChunkTranscript) -> tuple[str, str] | None:
        """A chunk's language and the other one its holes may be in: the running one, else its second."""
        others = [self._running] if self._running and self._running != result.language else []
        others += [language for language, _ in result.candidates[1:2]]
        return (result.language, others[0]) if others else None

    def _cut(
        self,
        result: ChunkTranscript,
        item: ChunkAudio,
        regions: list[Span],
        pair: tuple[str, str],
        asked: list[bool],
    ) -> ChunkTranscript:
        """Identify the ``asked`` pieces between ``pair`` (the others are in the chunk's language);
        decode each run of one language in it, or the whole chunk in the one language of every piece."""
        chunk = item.chunk
        wanted = [i for i, ask in enumerate(asked) if ask]
        decoded = self._decode([item.piece(regions[i]) for i in wanted], None)
        heard: list[ChunkTranscript | None] = [None] * len(regions)
        for i, alone in zip(wanted, decoded):
            heard[i] = alone
        languages = [result.language if r is None else _closest(r.candidates, pair) for r in heard]
        runs: list[tuple[str, Span, list[ChunkTranscript | None]]] = []
        for language, region, piece in zip(languages, regions, heard):
            if runs and runs[-1][0] == language:
                runs[-1] = (language, Span(runs[-1][1].start, region.end), [*runs[-1][2], piece])
            else:
                runs.append((language, region, [piece]))
        said = " -> ".join(language for language, _, _ in runs)
        if len(runs) == 1:
            why = f"heard {result.language} at p={result.language_probability:.2f}; every piece: {said}"
            if said != result.language:
                log.info("chunk %d: %s: decoded again", chunk.index, why)
                result = replace(self._decode([item], said)[0], candidates=result.candidates)
            else:
                holes = _holes(result, regions)
                fills = [(r, h) for r, h, hole in zip(regions, heard, holes) if hole and h and h.language == said]
                if fills:
                    result = _filled(result, fills)
                    why += f"; {len(fills)} piece(s) its words left empty decoded alone"
            return replace(result, decisions=(*result.decisions, why))
        segments: list[DecodedSegment] = []
        for language, span, pieces in runs:
            first = pieces[0] if len(pieces) == 1 else None
            run = first if first and first.language == language else self._decode([item.piece(span)], language)[0]
            offset = span.start - chunk.start
            segments += [replace(s.shifted(offset), language=language) for s in run.segments]
        why = f"cut at its pauses where the language changes: {said}"
        log.info("chunk %d: %s", chunk.index, why)
        return replace(result, segments=tuple(segments), language=runs[-1][0], decisions=(*result.decisions, why))


def _holes(result: ChunkTranscript, pieces: list[Span]) -> list[bool]:
    """Which pieces of at least ``HOLE_SECONDS`` hold fewer than ``HOLE_WORDS_PER_SECOND`` words (by
    where each word starts) while the chunk has words elsewhere; none without word times."""
    offset = result.chunk.start
    starts = [offset + w.start for segment in result.segments for w in segment.words]
    holes = []
    for piece in pieces:
        seconds = piece.length / SAMPLE_RATE
        said = sum(piece.start <= t < piece.end for t in starts)
        holes.append(bool(starts) and seconds >= HOLE_SECONDS and said < HOLE_WORDS_PER_SECOND * seconds)
    return holes


def _pieces(chunk: Chunk) -> list[Span]:
    """The chunk's speech regions cut at its pauses, a piece shorter than ``MIN_PIECE_SECONDS``
    joined to the next one (the last to the one before)."""
    cuts: list[Span] = []
    for region in chunk.speech or ():
        start = region.start
        for pause in chunk.pauses:
            if start < pause < region.end:
                cuts.append(Span(start, pause))
                start = pause
        cuts.append(Span(start, region.end))
    shortest = int(MIN_PIECE_SECONDS * SAMPLE_RATE)
    pieces: list[Span] = []
    for span in cuts:
        if pieces and pieces[-1].length < shortest:
            pieces[-1] = Span(pieces[-1].start, span.end)
        else:
            pieces.append(span)
    if len(pieces) > 1 and pieces[-1].length < shortest:
        last = pieces.pop()
        pieces[-1] = Span(pieces[-1].start, last.end)
    return pieces


def _closest(candidates: Candidates, pair: tuple[str, str]) -> str:
    """Of the two languages around a switch, the one a piece sounds more like."""
    probabilities = dict(candidates)
    return max(pair, key=lambda language: probabilities.get(language, 0.0))


def _filled(result: ChunkTranscript, fills: list[tuple[Span, ChunkTranscript]]) -> ChunkTranscript:
    """``result`` with the words that start inside each span replaced by the span's own decode; a
    segment's end (and its last word's) is held before the next segment's start."""
    chunk = result.chunk

    def outside(position: int) -> bool:
        return not any(span.start <= chunk.start + position < span.end for span, _ in fills)

    segments: list[DecodedSegment] = []
    for segment in result.segments:
        words = tuple(w for w in segment.words if outside(w.start))
        if len(words) == len(segment.words) and (words or outside(segment.start)):
            segments.append(segment)
        elif words:
            text = "".join(w.text for w in words)
            segments.append(replace(segment, start=words[0].start, end=words[-1].end, text=text, tokens=()))
    for span, piece in fills:
        segments += [replace(s.shifted(span.start - chunk.start), language=None) for s in piece.segments]
    segments.sort(key=lambda s: s.start)
    for i, segment in enumerate(segments[:-1]):
        bound = segments[i + 1].start
        if segment.end > bound:
            words = tuple(replace(w, end=max(w.start, min(w.end, bound))) for w in segment.words)
            segments[i] = replace(segment, end=max(segment.start, bound), words=words)
    return replace(result, segments=tuple(segments))
