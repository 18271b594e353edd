"""Chunk transcripts (chunk-local positions) -> segments on the file's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from longscribe.types import Chunk, ChunkTranscript, DecodedSegment, Segment, Word

PROMPT_CHARS = 800  # about 200 tokens, what Whisper keeps of the previous text
PROMPT_RESET_TEMPERATURE = 0.5  # Whisper drops the prompt after a high-temperature decode


def stitch_all(results: Iterable[ChunkTranscript]) -> Iterator[Segment]:
    """Segments of transcripts given in chunk order (e.g. read back from the job store)."""
    stitcher = Stitcher()
    for result in results:
        yield from stitcher.add(result)


def _over_speech(chunk: Chunk, start: int, end: int) -> bool:
    if chunk.speech is None:
        return True
    return any(s.start <= end and start <= s.end for s in chunk.speech)


def _clamped(chunk: Chunk, words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Word times held to what a word can take: inside the speech they overlap (alignment stretches
    a first word over silence), ending in the speech region it starts in, no longer than
    :func:`longest_word` and before the next word starts (a word timed over many seconds of speech
    no text covers would carry cues and speakers with it)."""
    if chunk.speech is None or len(chunk.spans) != 1:
        return words
    offset = chunk.start
    out = []
    for i, w in enumerate(words):
        spans = [s for s in chunk.speech if s.start <= offset + w.end and offset + w.start <= s.end]
        start = max(w.start, spans[0].start - offset) if spans else w.start
        end = min(w.end, spans[-1].end - offset) if spans else w.end
        home = [s for s in spans if s.start <= offset + start < s.end]
        if home:
            end = min(end, home[0].end - offset)
        end = min(end, start + longest_word(w.text))
        if i + 1 < len(words):
            end = min(end, max(start, words[i + 1].start))
        out.append(Word(start, max(start, end), w.text, w.probability))
    return tuple(out)


SAMPLES_PER_CHAR = 16_000 * 3 // 10
"""0.3 s a character: slower than anyone speaks a word (a digit string read out included)."""


def longest_word(text: str) -> int:
    """The longest time, in samples, a word of this text can take: 0.3 s a character, at least 1 s."""
    return max(16_000, SAMPLES_PER_CHAR * len(text.strip()))


def _map_word(chunk: Chunk, word: Word) -> Word:
    start = chunk.to_absolute(word.start)
    end = max(start, chunk.to_absolute(word.end, is_end=True))
    return Word(start, end, word.text, word.probability)


DUPLICATE_WINDOW = 16_000 * 3 // 10  # the same word again within 0.3 s is the same word


@dataclass
class Stitcher:
    """Turns chunk transcripts, fed in chunk order, into absolute segments.

    VAD chunks do not overlap: their segments are kept whole. Fixed windows
    overlap: a window's words are kept from where the previous window's last
    kept word ended (``cursor``) to its ``keep.end``; so a word is never lost
    when one window dropped it and never repeated when both heard it.
    """

    _last_start: int = 0
    _cursor: int = 0
    _last_word: Word | None = None
    _previous_text: str = ""
    dropped: list[tuple[int, str]] = field(default_factory=list)
    """(chunk, text) the speech guard removed: text placed where VAD heard no speech."""

    def add(self, result: ChunkTranscript) -> Iterator[Segment]:
        chunk = result.chunk
        texts = []
        for decoded in result.segments:
            segment = self._place(chunk, decoded, result)
            if segment is None:
                continue
            texts.append(segment.text)
            self._last_start = segment.start
            # Where the words really end: a segment with no closing timestamp runs to the chunk's end.
            self._cursor = max(self._cursor, segment.words[-1].end if segment.words else segment.end)
            yield segment
        if result.temperature > PROMPT_RESET_TEMPERATURE:
            self._previous_text = ""
        elif texts:
            self._previous_text = (self._previous_text + "".join(texts))[-PROMPT_CHARS:]

    @property
    def previous_text(self) -> str:
        """Recent text, for ``condition_on_previous_text`` prompting."""
        return self._previous_text

    def _wanted(self, chunk: Chunk, start: int, end: int) -> bool:
        middle = (start + end) // 2
        return self._cursor <= middle < chunk.keep.end or (middle >= self._cursor and chunk.keep.end >= chunk.end)

    def _fresh_words(self, chunk: Chunk, words: tuple[Word, ...]) -> tuple[Word, ...]:
        kept = []
        for w in words:
            if not self._wanted(chunk, w.start, w.end):
                continue
            last = self._last_word
            if (
                last is not None
                and w.text.strip().lower() == last.text.strip().lower()
                and w.start - last.start < DUPLICATE_WINDOW
            ):
                continue
            kept.append(w)
            self._last_word = w
        return tuple(kept)

    def _guard(self, chunk: Chunk, decoded: DecodedSegment) -> DecodedSegment | None:
        """The segment without the words (or whole) that lie where VAD heard no speech."""
        if chunk.speech is None:
            return decoded
        if decoded.words:
            heard = tuple(
                w
                for w in decoded.words
                if _over_speech(chunk, chunk.to_absolute(w.start), chunk.to_absolute(w.end, is_end=True))
            )
            if len(heard) == len(decoded.words):
                bounded = _clamped(chunk, heard)
                return replace(decoded, words=bounded, end=min(decoded.end, max(decoded.start, bounded[-1].end)))
            gone = "".join(w.text for w in decoded.words if w not in heard)
            self.dropped.append((chunk.index, gone.strip()))
            if not heard:
                return None
            heard = _clamped(chunk, heard)
            return replace(
                decoded, text="".join(w.text for w in heard), words=heard, start=heard[0].start, end=heard[-1].end
            )
        if _over_speech(chunk, chunk.to_absolute(decoded.start), chunk.to_absolute(decoded.end, is_end=True)):
            return decoded
        self.dropped.append((chunk.index, decoded.text.strip()))
        return None

    def _place(self, chunk: Chunk, decoded: DecodedSegment, result: ChunkTranscript) -> Segment | None:
        guarded = self._guard(chunk, decoded)
        if guarded is None:
            return None
        decoded = guarded
        words = tuple(_map_word(chunk, w) for w in decoded.words)
        start = chunk.to_absolute(decoded.start)
        end = max(start, chunk.to_absolute(decoded.end, is_end=True))
        text = decoded.text
        overlapping = chunk.keep.start > chunk.start or chunk.keep.end < chunk.end or chunk.start < self._cursor
        if overlapping:
            if words:
                kept = self._fresh_words(chunk, words)
                if not kept:
                    return None
                if len(kept) != len(words):
                    text = "".join(w.text for w in kept)
                words, start, end = kept, kept[0].start, kept[-1].end
            elif not self._wanted(chunk, start, end):
                return None
        elif words:
            self._last_word = words[-1]
        if not text.strip():
            return None
        start = max(start, self._last_start)
        return Segment(
            start=start,
            end=max(end, start),
            text=text,
            words=words,
            chunk=chunk.index,
            avg_logprob=result.avg_logprob,
            no_speech_prob=result.no_speech_prob,
            compression_ratio=result.compression_ratio,
            language=decoded.language or result.language,
        )
