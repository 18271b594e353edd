"""Speech regions -> chunks of at most 30 s; fixed windows when VAD is off."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from longscribe.types import Chunk, Span


@dataclass
class Padder:
    """Pads regions by ``pad`` samples each side; neighbours closer than two pads meet halfway.

    Holds one region back, because its end padding depends on where the next
    region starts.
    """

    pad: int
    _pending: Span | None = None
    _pending_start: int = 0

    def push(self, region: Span) -> Iterator[Span]:
        if self._pending is None:
            self._pending_start = max(0, region.start - self.pad)
        else:
            prev = self._pending
            gap = region.start - prev.end
            if gap < 2 * self.pad:
                seam = prev.end + gap // 2
                yield Span(self._pending_start, seam)
                self._pending_start = seam
            else:
                yield Span(self._pending_start, prev.end + self.pad)
                self._pending_start = region.start - self.pad
        self._pending = region

    def finish(self, total: int) -> Iterator[Span]:
        if self._pending is not None:
            end = min(total, self._pending.end + self.pad)
            if end > self._pending_start:
                yield Span(self._pending_start, end)
            self._pending = None


@dataclass
class Packer:
    """Groups consecutive speech spans into contiguous chunks of at most ``limit`` samples.

    A chunk runs from its first span's start to its last span's end, silence
    between them included, so positions map back by an offset and a segment
    can never straddle a gap that is not in the audio. Every span lands in
    exactly one chunk, whole (spans longer than the limit are split at the
    limit, which the region tracker makes a never-taken path).
    """

    limit: int
    _spans: list[Span] = field(default_factory=list)
    _index: int = 0

    def push(self, span: Span) -> Iterator[Chunk]:
        while span.length > self.limit:
            yield from self.push(Span(span.start, span.start + self.limit))
            span = Span(span.start + self.limit, span.end)
        if self._spans and span.end - self._spans[0].start > self.limit:
            yield self._flush()
        if self._spans and self._spans[-1].end == span.start:
            self._spans[-1] = Span(self._spans[-1].start, span.end)
        else:
            self._spans.append(span)

    def finish(self) -> Iterator[Chunk]:
        if self._spans:
            yield self._flush()

    def _flush(self) -> Chunk:
        whole = Span(self._spans[0].start, self._spans[-1].end)
        chunk = Chunk(self._index, (whole,), keep=whole, speech=tuple(self._spans))
        self._index += 1
        self._spans = []
        return chunk


def fixed_windows(total: int, window: int, overlap: int, speech: list[Span] | None = None) -> Iterator[Chunk]:
    """Windows of ``window`` samples stepping by ``window - overlap``.

    A window is the authority for words whose middle falls before the middle
    of its right overlap (the last window: up to the end of the file). Where
    its left overlap starts is decided while stitching, from where the
    previous window's words really ended: Whisper often drops the last words
    of a window, and the next window, which heard them too, fills them in.
    """
    if total <= 0:
        return
    step = window - overlap
    index, start = 0, 0
    while True:
        end = min(start + window, total)
        last = end >= total
        heard = None
        if speech is not None:
            heard = tuple(Span(max(s.start, start), min(s.end, end)) for s in speech if s.start < end and start < s.end)
        yield Chunk(index, (Span(start, end),), Span(start, total if last else end - overlap // 2), heard)
        if last:
            return
        index += 1
        start += step
