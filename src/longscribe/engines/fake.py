"""A deterministic engine for unit tests of scheduling, stitching and failure paths.

It "hears" one word every ``word_every`` samples of the original timeline,
named after its position (``w12`` is the word starting at 12 * word_every),
so a test can check that every word comes out once, in order, at its time.
Silent audio (all zeros) gives no words, like a real engine on silence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from longscribe.engines.base import DecodeRequest, EngineBase
from longscribe.errors import EngineError
from longscribe.options import TranscribeOptions
from longscribe.types import SAMPLE_RATE, Candidates, ChunkAudio, ChunkTranscript, DecodedSegment, Word


@dataclass
class FakeEngine(EngineBase):
    word_every: int = SAMPLE_RATE // 2
    word_length: int = SAMPLE_RATE // 4
    words_per_segment: int = 4
    language: str = "en"
    fail_chunks: frozenset[int] = frozenset()
    loop_chunks: frozenset[int] = frozenset()
    """These chunks decode to a repetition loop at temperature 0, repeats banned or not (fine when sampled)."""
    repeat_loop_chunks: frozenset[int] = frozenset()
    """These loop at temperature 0 unless repeated n-grams are banned."""
    always_loop_chunks: frozenset[int] = frozenset()
    """These loop at every temperature."""
    talks_over_silence: bool = False
    """Invent "Thank you." on silent chunks, with Whisper's no-speech signals."""
    heard: dict[int, Candidates] = field(default_factory=dict)
    """What language identification hears in a chunk (by index); others: ``language`` for sure."""
    multilingual: bool = True
    name: str = "fake"
    device: str = "cpu"
    compute_type: str = "float32"
    calls: list[list[int]] = field(default_factory=list)
    requests: list[DecodeRequest] = field(default_factory=list)

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        self.calls.append([item.chunk.index for item in batch])
        self.requests.append(request)
        failing = [item.chunk.index for item in batch if item.chunk.index in self.fail_chunks]
        if failing:
            raise EngineError(f"fake failure on chunks {failing}")
        out = []
        for i, item in enumerate(batch):
            candidates: Candidates
            if request.languages:
                language, candidates = request.languages[i], ()
            elif request.language is not None or not self.multilingual:
                language, candidates = request.language or "en", ()
            else:
                candidates = self.heard.get(item.chunk.index) or ((self.language, 1.0),)
                language = candidates[0][0]
            out.append(replace(self._one(item, language, request), candidates=candidates))
        return out

    def _one(self, item: ChunkAudio, language: str, request: DecodeRequest) -> ChunkTranscript:
        index, temperature = item.chunk.index, request.temperature
        loops = index in self.loop_chunks or (index in self.repeat_loop_chunks and not request.no_repeat_ngram)
        if index in self.always_loop_chunks or (loops and temperature == 0):
            words = max(20, 8 * item.audio.shape[0] // SAMPLE_RATE)  # denser than any speech
            loop = DecodedSegment(0, item.audio.shape[0], " you" * words)
            return ChunkTranscript(item.chunk, (loop,), language, avg_logprob=-0.1, temperature=temperature)
        if self.talks_over_silence and not np.any(item.audio):
            invented = DecodedSegment(0, item.audio.shape[0], " Thank you.")
            return ChunkTranscript(item.chunk, (invented,), language, avg_logprob=-1.4, no_speech_prob=0.93)
        return self._heard(item, language, temperature)

    def _heard(self, item: ChunkAudio, language: str, temperature: float) -> ChunkTranscript:
        words: list[Word] = []
        offset = 0
        for span in item.chunk.spans:
            first = -(-span.start // self.word_every)
            grid = range(first * self.word_every, span.end - self.word_length + 1, self.word_every)
            for g in grid:
                local = offset + g - span.start
                if np.any(item.audio[local : local + self.word_length]):
                    words.append(Word(local, local + self.word_length, f" w{g // self.word_every}", 1.0))
            offset += span.length
        segments = tuple(
            DecodedSegment(group[0].start, group[-1].end, "".join(w.text for w in group), words=tuple(group))
            for group in (words[i : i + self.words_per_segment] for i in range(0, len(words), self.words_per_segment))
        )
        return ChunkTranscript(
            item.chunk, segments, language, temperature=temperature, skipped_reason=None if segments else "no speech"
        )
