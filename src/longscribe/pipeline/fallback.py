"""The fallback policy: judge each chunk's decode, retry it, keep or drop it — and say why.

Whisper's own rule (retry above a compression ratio of 2.4) fires on legitimate repetition
in real speech, and a sampled retry then loses words; so a loop is a phrase repeated back
to back in text denser than speech can be (``MAX_WORDS_PER_SECOND``), or a decode that ran
to the maximum length, and the ratio only counts when extreme. A failing chunk is decoded
again, a loop first at temperature 0 with no ``NO_REPEAT_NGRAM``-gram allowed twice, then
at rising seeded temperatures; every step is recorded in the chunk's ``decisions``
(docs/how-it-works.md, "Hallucination and loop guard").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from longscribe.engines.base import DecodeRequest, Engine
from longscribe.options import TranscribeOptions
from longscribe.text.quality import repetition_loop, words_of
from longscribe.types import ChunkAudio, ChunkTranscript, Span

EXTREME_RATIO_FACTOR = 1.25
MAX_WORDS_PER_SECOND = 4.5  # fast conversational speech stays under ~4 words/s


NO_REPEAT_NGRAM = 5


def words_per_second(result: ChunkTranscript) -> float:
    """Words as the loop detector counts them: "R-R-R-R" is four, not one."""
    chunk = result.chunk
    speech = sum(s.length for s in chunk.speech) if chunk.speech else chunk.num_samples
    return len(words_of(text_of(result))) / max(speech / 16_000, 1.0)


def text_of(result: ChunkTranscript) -> str:
    return "".join(s.text for s in result.segments)


def is_silence(result: ChunkTranscript, options: TranscribeOptions) -> bool:
    """The model says there is no speech and is not confident about the text it produced."""
    if options.no_speech_threshold is None or result.no_speech_prob <= options.no_speech_threshold:
        return False
    return options.log_prob_threshold is None or result.avg_logprob < options.log_prob_threshold


def hallucination(result: ChunkTranscript, options: TranscribeOptions) -> str | None:
    """Why this text is not speech but the model talking to itself, or None."""
    if result.truncated:
        return "decode ran to the maximum length"
    density = words_per_second(result)
    if density <= MAX_WORDS_PER_SECOND:
        return None
    loop = repetition_loop(text_of(result))
    if loop:
        return f"repetition loop {loop!r} at {density:.1f} words/s"
    limit = options.compression_ratio_threshold
    if limit is not None and result.compression_ratio > limit * EXTREME_RATIO_FACTOR:
        return f"compression ratio {result.compression_ratio:.2f} at {density:.1f} words/s"
    return None


def retry_reason(result: ChunkTranscript, options: TranscribeOptions) -> str | None:
    """Why this decode should be tried again, or None if it is fine (silence is never retried)."""
    if is_silence(result, options):
        return None
    bad = hallucination(result, options)
    if bad:
        return bad
    if options.log_prob_threshold is not None and result.avg_logprob < options.log_prob_threshold:
        return f"average log-probability {result.avg_logprob:.2f} < {options.log_prob_threshold}"
    return None


@dataclass(frozen=True)
class _Step:
    temperature: float
    no_repeat_ngram: int = 0
    looped: bool | None = None
    """Which failed chunks this step retries: the loops (True), the others (False), all (None)."""

    def label(self, prompted: bool) -> str:
        if self.no_repeat_ngram:
            return f"t={self.temperature:g} without repeated {self.no_repeat_ngram}-grams"
        return f"t={self.temperature:g}" + (" without prompt" if prompted and self.looped is False else "")


def _steps(options: TranscribeOptions, prompted: bool) -> list[_Step]:
    first = options.temperatures[0]
    steps = [_Step(first, NO_REPEAT_NGRAM, looped=True)]
    if prompted:
        steps.append(_Step(first, looped=False))
    return steps + [_Step(t) for t in options.temperatures[1:]]


TAIL_MIN_SPEECH = 16_000  # 1 s of speech left after the last segment: Whisper stopped early


def _unheard_tail(result: ChunkTranscript) -> Span | None:
    """Local range after the last segment that still holds speech, when Whisper stopped before it."""
    chunk = result.chunk
    if chunk.keep.end < chunk.end or len(chunk.spans) != 1 or not result.segments:
        return None  # fixed windows are covered by their overlap
    covered = chunk.start + max(s.end for s in result.segments)
    speech = chunk.speech if chunk.speech is not None else (Span(chunk.start, chunk.end),)
    left = sum(max(0, s.end - max(s.start, covered)) for s in speech)
    return Span(covered - chunk.start, chunk.num_samples) if left >= TAIL_MIN_SPEECH else None


MAX_TAIL_ROUNDS = 3


def complete_tails(
    engine: Engine,
    batch: Sequence[ChunkAudio],
    results: list[ChunkTranscript],
    options: TranscribeOptions,
    request: DecodeRequest,
) -> list[ChunkTranscript]:
    """Decode again what follows a chunk's last segment when speech is left there, and append it.

    Whisper sometimes ends a window early (EOT) with seconds of speech still to come; its
    own sequential loop would seek there and go on. This does the same for a batch, for a
    few rounds, as long as each round gets further. Decoding text only, Whisper does not end
    early this way, and aligned words say nothing about it (alignment stretches them over the
    whole chunk), so aligned segments are left as they are.
    """
    out = list(results)
    if options.aligned:
        return out
    tails = {i: t for i, r in enumerate(out) if (t := _unheard_tail(r)) is not None}
    for _ in range(MAX_TAIL_ROUNDS):
        if not tails:
            break
        pieces = [
            batch[i].piece(Span(batch[i].chunk.start + tail.start, batch[i].chunk.end)) for i, tail in tails.items()
        ]
        languages = tuple(out[i].language for i in tails)
        decoded = decode_with_fallback(
            engine, pieces, options, DecodeRequest(languages=languages, temperature=request.temperature)
        )
        progressed = {}
        for (i, tail), extra in zip(tails.items(), decoded):
            shifted = tuple(seg.shifted(tail.start) for seg in extra.segments)
            note = f"tail from {tail.start / 16_000:.1f} s decoded again: {len(shifted)} more segment(s)"
            out[i] = replace(
                out[i], segments=out[i].segments + shifted, decisions=(*out[i].decisions, note, *extra.decisions)
            )
            nxt = _unheard_tail(out[i])
            if shifted and nxt is not None and nxt.start > tail.start:
                progressed[i] = nxt
        tails = progressed
    return out


def decode_with_fallback(
    engine: Engine, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
) -> list[ChunkTranscript]:
    """Decode ``batch`` and settle every chunk; each chunk's retries keep the language of its first decode."""
    first = engine.transcribe(batch, options, replace(request, temperature=options.temperatures[0]))
    attempts: dict[int, list[ChunkTranscript]] = {i: [r] for i, r in enumerate(first)}
    notes: dict[int, list[str]] = {i: [] for i in range(len(batch))}
    pending = []
    for i, result in enumerate(first):
        reason = retry_reason(result, options)
        if reason:
            notes[i].append(f"t={result.temperature:g}: {reason}")
            pending.append(i)
    looped = {i for i in pending if hallucination(first[i], options)}
    prompted = any(p is not None for p in request.prompts)
    for step in _steps(options, prompted):
        todo = [i for i in pending if step.looped is None or (i in looped) is step.looped]
        if not todo:
            continue
        languages = tuple(first[i].language for i in todo)
        retry = DecodeRequest(languages=languages, temperature=step.temperature, no_repeat_ngram=step.no_repeat_ngram)
        results = engine.transcribe([batch[i] for i in todo], options, retry)
        for i, result in zip(todo, results):
            attempts[i].append(result)
            reason = retry_reason(result, options)
            notes[i].append(f"{step.label(prompted)}: {reason or 'accepted'}")
            if not reason:
                pending.remove(i)
    settled = [_settle(attempts[i], notes[i], options, failed=i in pending) for i in range(len(batch))]
    return [replace(r, candidates=first[i].candidates) for i, r in enumerate(settled)]  # what was heard first


def _settle(
    attempts: list[ChunkTranscript], notes: list[str], options: TranscribeOptions, *, failed: bool
) -> ChunkTranscript:
    chosen = attempts[-1]
    if failed:
        sane = [a for a in attempts if hallucination(a, options) is None]
        if not sane:
            reason = hallucination(max(attempts, key=lambda a: a.avg_logprob), options)
            notes.append(f"dropped: every attempt failed ({reason})")
            return replace(chosen, segments=(), skipped_reason=f"dropped: {reason}", decisions=tuple(notes))
        chosen = max(sane, key=lambda a: a.avg_logprob)
        notes.append(f"kept the most likely attempt that does not loop (t={chosen.temperature:g})")
    if is_silence(chosen, options):
        if text_of(chosen).strip():
            notes.append(f"no speech (p={chosen.no_speech_prob:.2f}): text dropped")
        return replace(chosen, segments=(), skipped_reason="no speech", decisions=tuple(notes))
    return replace(chosen, decisions=tuple(notes)) if notes else chosen
