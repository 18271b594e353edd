"""What every Whisper engine shares: the eight steps of a batch (:class:`WhisperEngine`), the 30 s window,
prompts, tokenizers, segments with words. An engine supplies only its own steps."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from longscribe.engines.base import DecodeRequest, EngineBase
from longscribe.engines.stages import StageTimes
from longscribe.errors import OptionsError
from longscribe.options import TranscribeOptions
from longscribe.text.quality import compression_ratio
from longscribe.text.sentences import sentence_pieces
from longscribe.text.tokens import split_by_timestamps
from longscribe.types import (
    SAMPLE_RATE,
    Candidates,
    Chunk,
    ChunkAudio,
    ChunkTranscript,
    DecodedSegment,
    Word,
)

if TYPE_CHECKING:
    from longscribe.engines.features import LogMel

WINDOW_SAMPLES = 30 * SAMPLE_RATE
MEL_FRAMES = 3000
MAX_LENGTH = 448
MAX_INITIAL_TIMESTAMP_INDEX = 50  # first timestamp within 1 s, as Whisper does
PUNCT_BEFORE = "\"'“¿([{-"
PUNCT_AFTER = "\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True)
class Decoded:
    """One chunk's decode, as any engine reports it."""

    tokens: tuple[int, ...]
    """Generated tokens (prompt excluded; an end-of-text token, if any, is ignored)."""
    avg_logprob: float
    """Sum of token log-probabilities over (length + 1), faster-whisper's convention."""
    no_speech_prob: float
    truncated: bool
    """Stopped at the maximum length (or given up as a loop) without an end of text."""


def mel_frames(num_samples: int) -> int:
    """Feature frames that hold audio (not padding), for alignment."""
    return min(MEL_FRAMES, -(-num_samples // 160))


class Tokenizers:
    """faster-whisper's Tokenizer per (task, language), built once each over one HF tokenizer."""

    def __init__(self, hf_tokenizer: Any, multilingual: bool) -> None:
        self.hf_tokenizer = hf_tokenizer
        self.multilingual = multilingual
        self._cache: dict[tuple[str, str], Any] = {}

    def get(self, task: str, language: str) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        key = (task, language)
        if key not in self._cache:
            try:
                self._cache[key] = Tokenizer(self.hf_tokenizer, self.multilingual, task=task, language=language)
            except ValueError as exc:
                raise OptionsError(str(exc)) from exc
        return self._cache[key]

    def fixed_language(self, language: str | None) -> tuple[str, float] | None:
        """The language without detection (English-only model, or given); None: detect it."""
        if not self.multilingual:
            if language not in (None, "en"):
                raise OptionsError(f"this model is English-only; cannot use language {language!r}")
            return "en", 1.0
        return (language, 1.0) if language is not None else None

    def given(self, request: DecodeRequest, n: int) -> list[Identified] | None:
        """The languages of a batch's ``n`` chunks when none is to be identified (given, or an
        English-only model); None: identify each chunk's."""
        if request.languages:
            return [Identified(*self._checked(language)) for language in request.languages]
        fixed = self.fixed_language(request.language)
        return [Identified(*fixed)] * n if fixed is not None else None

    def _checked(self, language: str) -> tuple[str, float]:
        fixed = self.fixed_language(language)
        assert fixed is not None
        return fixed


CANDIDATES = 5
"""Languages kept per chunk from identification, most likely first."""


@dataclass(frozen=True)
class Identified:
    """A chunk's language: the one it is decoded in, its probability, and what identification heard."""

    language: str
    probability: float = 1.0
    candidates: Candidates = ()


def identified(ranked: Sequence[tuple[str, float]]) -> Identified:
    """From (language, probability) pairs, most likely first: decode in the most likely."""
    top = tuple((language, float(p)) for language, p in ranked[:CANDIDATES])
    return Identified(top[0][0], top[0][1], top)


PROMPT_TOKENS = MAX_LENGTH // 2 - 1
"""The most tokens Whisper is given before ``<|startoftranscript|>``: the vocabulary, then the
initial prompt or the previous text (cut from its start to what is left)."""


def vocabulary_text(terms: Sequence[str]) -> str:
    """The vocabulary as the prompt spells it: the terms as a list, ended as a sentence (without the
    full stop, transcripts that follow lose some of their punctuation: docs/benchmarks.md)."""
    return ", ".join(terms) + "."


def vocabulary_tokens(tokenizer: Any, options: TranscribeOptions) -> list[int]:
    """The vocabulary's prompt tokens; an OptionsError when they do not fit the prompt."""
    if not options.vocabulary:
        return []
    tokens: list[int] = tokenizer.encode(" " + vocabulary_text(options.vocabulary))
    if len(tokens) > PROMPT_TOKENS:
        raise OptionsError(
            f"vocabulary is {len(tokens)} tokens long, and the prompt holds {PROMPT_TOKENS}: list fewer terms",
            "vocabulary",
        )
    return tokens


def prompt_tokens(tokenizer: Any, options: TranscribeOptions, previous: str | None) -> list[int]:
    """``<|startofprev|> vocabulary previous text <|startoftranscript|> <|lang|> <|task|>``, then
    ``<|notimestamps|>`` when segments are timed by alignment. The previous text (or the initial
    prompt) keeps its end, within what the vocabulary leaves of :data:`PROMPT_TOKENS`."""
    text = previous if previous is not None else options.initial_prompt
    before = vocabulary_tokens(tokenizer, options)
    room = PROMPT_TOKENS - len(before)
    if text and room > 0:
        before += tokenizer.encode(" " + text.strip())[-room:]
    prompt: list[int] = []
    if before:
        prompt.append(tokenizer.sot_prev)
        prompt.extend(before)
    prompt.extend(tokenizer.sot_sequence)
    if options.aligned:
        prompt.append(tokenizer.no_timestamps)
    return prompt


def chunk_prompts(
    tokenizers: Sequence[Any], options: TranscribeOptions, prompts: Sequence[str | None]
) -> list[list[int]]:
    """Each chunk's prompt, in its own language."""
    return [prompt_tokens(tok, options, prompts[i] if prompts else None) for i, tok in enumerate(tokenizers)]


def transcripts(
    batch: Sequence[ChunkAudio],
    decodes: Sequence[Decoded],
    tokenizers: Sequence[Any],
    languages: Sequence[Identified],
    words: list[list[dict[str, Any]]] | None,
    temperature: float,
    aligned: bool = False,
) -> list[ChunkTranscript]:
    """Per chunk: tokens cut into chunk-local segments (at timestamps, or into aligned sentences),
    words attached, scores and languages recorded."""
    out: list[ChunkTranscript] = []
    for i, (item, decoded) in enumerate(zip(batch, decodes)):
        tokenizer, language = tokenizers[i], languages[i]
        num_samples = item.audio.shape[0]
        tokens = decoded.tokens
        if aligned and words is not None:
            pieces = sentence_pieces(words[i], num_samples, _pauses(item.chunk))
        else:
            pieces = split_by_timestamps(
                tokens, timestamp_begin=tokenizer.timestamp_begin, eot=tokenizer.eot, num_samples=num_samples
            )
        out.append(
            ChunkTranscript(
                chunk=item.chunk,
                segments=tuple(_attach_words(pieces, tokenizer, words[i] if words else None, num_samples)),
                language=language.language,
                language_probability=language.probability,
                candidates=language.candidates,
                avg_logprob=decoded.avg_logprob,
                no_speech_prob=decoded.no_speech_prob,
                compression_ratio=compression_ratio(tokenizer.decode([t for t in tokens if t < tokenizer.eot])),
                temperature=temperature,
                truncated=decoded.truncated,
            )
        )
    return out


def _pauses(chunk: Chunk) -> list[int]:
    """Chunk-local middles of the silences VAD found between the chunk's speech regions."""
    if not chunk.speech or len(chunk.spans) != 1:
        return []
    return [(a.end + b.start) // 2 - chunk.start for a, b in zip(chunk.speech, chunk.speech[1:]) if b.start > a.end]


def _attach_words(
    pieces: list[Any], tokenizer: Any, words: list[dict[str, Any]] | None, num_samples: int
) -> list[DecodedSegment]:
    """Hand the aligned words to the segments they were decoded in, by token count."""
    segments: list[DecodedSegment] = []
    queue = list(words) if words else []
    for piece in pieces:
        text = tokenizer.decode(list(piece.tokens))
        timed: list[Word] = []
        if words is not None:
            taken = 0
            while queue and taken < len(piece.tokens):
                w = queue.pop(0)
                taken += len(w["tokens"])
                if w["word"]:
                    start = min(num_samples, int(round(w["start"] * SAMPLE_RATE)))
                    end = min(num_samples, max(start, int(round(w["end"] * SAMPLE_RATE))))
                    timed.append(Word(start, end, w["word"], float(w["probability"])))
        if not text.strip():
            continue
        start, end = piece.start, piece.end
        if timed:
            start, end = timed[0].start, timed[-1].end
        segments.append(DecodedSegment(start, end, text, piece.tokens, tuple(timed)))
    return segments


class WhisperEngine(EngineBase):
    """A batch through Whisper, step by step: features, encode, language, tokenizers, prompts, decode,
    align (when words are timed) and transcripts. Subclasses supply the steps marked so; each runs
    inside its stage's timer, the encode and decode steps also inside the engine's turn for them."""

    stages: StageTimes
    _tokenizers: Tokenizers
    _log_mel: LogMel
    _encode_turn: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    """Held while encoding (the CPU engine's workers take turns); nothing by default."""
    _decode_turn: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        if not batch:
            return []
        with self.stages.stage("features"):
            features = self._features(batch)
        with self._encode_turn, self.stages.stage("encode"):
            encoded = self._encode(features)
        with self.stages.stage("language"):
            languages = self._identify(encoded, request, options.task, len(batch))
        tokenizers = [self._tokenizers.get(options.task, found.language) for found in languages]
        prompts = chunk_prompts(tokenizers, options, request.prompts)
        with self._decode_turn, self.stages.stage("decode"):
            decodes = self._decode(batch, features, encoded, prompts, tokenizers, options, request)
        words = None
        if options.needs_alignment:
            with self.stages.stage("align"):
                words = self._align(batch, features, encoded, tokenizers, decodes)
        return transcripts(batch, decodes, tokenizers, languages, words, request.temperature, options.aligned)

    def stage_seconds(self) -> dict[str, float]:
        return self.stages.snapshot()

    def _features(self, batch: Sequence[ChunkAudio]) -> Any:
        """The batch's log-mel features, one 30 s window per chunk."""
        return np.stack([self._log_mel(item.audio) for item in batch])

    def _encode(self, features: Any) -> Any:
        """Step: the encoder's output for the batch."""
        raise NotImplementedError

    def _identify(self, encoded: Any, request: DecodeRequest, task: str, n: int) -> list[Identified]:
        """Step: each chunk's language, given or identified on its own encoder output."""
        raise NotImplementedError

    def _decode(
        self,
        batch: Sequence[ChunkAudio],
        features: Any,
        encoded: Any,
        prompts: list[list[int]],
        tokenizers: list[Any],
        options: TranscribeOptions,
        request: DecodeRequest,
    ) -> list[Decoded]:
        """Step: each chunk's tokens (beam search, or seeded sampling at ``request.temperature``)."""
        raise NotImplementedError

    def _align(
        self,
        batch: Sequence[ChunkAudio],
        features: Any,
        encoded: Any,
        tokenizers: list[Any],
        decodes: list[Decoded],
    ) -> list[list[dict[str, Any]]]:
        """Step: each chunk's words with their times, as faster-whisper's alignment gives them."""
        raise NotImplementedError
