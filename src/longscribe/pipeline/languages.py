"""A language for every stretch of speech: each chunk's own identification, smoothed in chunk order.

Every chunk is identified on its own encoder output and decoded in the language
heard most (the engine does both in one call). Then, chunk by chunk in order,
where results are committed, :func:`decide` settles it against the running
language (the previous chunk's) and the next chunk's identification:

- the same language as the running one: kept;
- another language heard with probability >= ``SWITCH_PROBABILITY``: a switch;
- another language heard less surely: a switch only when the next chunk hears
  it too (a sustained change), else the running language is kept (one unsure
  chunk does not flip the transcript) and the chunk is decoded again in it.

A chunk heard unsurely between a running language and a different next one
straddles the switch: it is cut at its pauses (VAD's silences between speech
regions), each piece is identified, consecutive pieces of one language are
decoded together in it, and the segments keep their own language.

Decisions depend only on the chunks' audio and their order, never on batches
or timing, and what was settled is committed with the chunk: a resumed job
settles the rest exactly as an uninterrupted run would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from longscribe.types import Candidates, Chunk, ChunkAudio, ChunkTranscript, DecodedSegment, Span, Word

log = logging.getLogger(__name__)

SWITCH_PROBABILITY = 0.9
"""Above this, one chunk's identification is enough to change language (chosen from the
probabilities measured on monolingual and switching recordings: docs/benchmarks.md)."""

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


def straddles(running: str | None, own: Candidates, following: Candidates | None) -> bool:
    """Heard unsurely between a running language and a different next one: the switch is inside."""
    if not own or running is None or not following:
        return False
    return following[0][0] != running and own[0][1] < SWITCH_PROBABILITY


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
        if straddles(self._running, result.candidates, following) and len(item.chunk.speech or ()) > 1:
            assert self._running is not None and following is not None
            result = self._cut(result, item, (self._running, following[0][0]))
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

    def _cut(self, result: ChunkTranscript, item: ChunkAudio, pair: tuple[str, str]) -> ChunkTranscript:
        """Decode the chunk again piece by piece, the pieces cut at its pauses and grouped by language."""
        chunk = item.chunk
        regions = list(chunk.speech or ())
        heard = self._decode([_piece(item, Span(r.start, r.end)) for r in regions], None)
        languages = [_closest(r.candidates, pair) for r in heard]
        runs: list[tuple[str, Span]] = []
        for language, region in zip(languages, regions):
            if runs and runs[-1][0] == language:
                runs[-1] = (language, Span(runs[-1][1].start, region.end))
            else:
                runs.append((language, region))
        segments: list[DecodedSegment] = []
        decoded = [self._decode([_piece(item, span)], language)[0] for language, span in runs]
        for (language, span), piece in zip(runs, decoded):
            offset = span.start - chunk.start
            segments += [_shifted(s, offset, language) for s in piece.segments]
        said = " -> ".join(language for language, _ in runs)
        why = f"cut at its pauses where the language changes: {said}"
        log.info("chunk %d: %s", chunk.index, why)
        return replace(result, segments=tuple(segments), language=runs[-1][0], decisions=(*result.decisions, why))


def _closest(candidates: Candidates, pair: tuple[str, str]) -> str:
    """Of the two languages around a switch, the one a piece sounds more like."""
    probabilities = dict(candidates)
    return max(pair, key=lambda language: probabilities.get(language, 0.0))


def _piece(item: ChunkAudio, span: Span) -> ChunkAudio:
    chunk = item.chunk
    inside = [s for s in chunk.speech or () if s.end > span.start and s.start < span.end]
    speech = tuple(Span(max(s.start, span.start), min(s.end, span.end)) for s in inside)
    audio = item.audio[span.start - chunk.start : span.end - chunk.start]
    return ChunkAudio(Chunk(chunk.index, (span,), span, speech), audio)


def _shifted(segment: DecodedSegment, offset: int, language: str) -> DecodedSegment:
    words = tuple(Word(w.start + offset, w.end + offset, w.text, w.probability) for w in segment.words)
    return replace(segment, start=segment.start + offset, end=segment.end + offset, words=words, language=language)
