"""ChunkTranscript <-> JSON, for the job store. Positions stay integer samples."""

from __future__ import annotations

from typing import Any

from longscribe.types import Chunk, ChunkTranscript, DecodedSegment, Segment, Span, Word


def chunk_to_dict(chunk: Chunk) -> dict[str, Any]:
    return {
        "index": chunk.index,
        "spans": [[s.start, s.end] for s in chunk.spans],
        "keep": [chunk.keep.start, chunk.keep.end],
        "speech": None if chunk.speech is None else [[s.start, s.end] for s in chunk.speech],
        "pauses": list(chunk.pauses),
    }


def chunk_from_dict(d: dict[str, Any]) -> Chunk:
    speech = d.get("speech")
    return Chunk(
        int(d["index"]),
        tuple(Span(a, b) for a, b in d["spans"]),
        Span(*d["keep"]),
        None if speech is None else tuple(Span(a, b) for a, b in speech),
        tuple(int(p) for p in d.get("pauses", ())),
    )


def transcript_to_dict(t: ChunkTranscript) -> dict[str, Any]:
    return {
        "chunk": chunk_to_dict(t.chunk),
        "segments": [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "tokens": list(s.tokens),
                "words": [[w.start, w.end, w.text, w.probability] for w in s.words],
                **({"language": s.language} if s.language else {}),
            }
            for s in t.segments
        ],
        "language": t.language,
        "language_probability": t.language_probability,
        "candidates": [list(c) for c in t.candidates],
        "avg_logprob": t.avg_logprob,
        "no_speech_prob": t.no_speech_prob,
        "compression_ratio": t.compression_ratio,
        "temperature": t.temperature,
        "truncated": t.truncated,
        "skipped_reason": t.skipped_reason,
        "decisions": list(t.decisions),
    }


def transcript_from_dict(d: dict[str, Any]) -> ChunkTranscript:
    segments = tuple(
        DecodedSegment(
            s["start"],
            s["end"],
            s["text"],
            tuple(s["tokens"]),
            tuple(Word(a, b, text, p) for a, b, text, p in s["words"]),
            s.get("language"),
        )
        for s in d["segments"]
    )
    return ChunkTranscript(
        chunk=chunk_from_dict(d["chunk"]),
        segments=segments,
        language=d["language"],
        language_probability=d["language_probability"],
        candidates=tuple((str(lang), float(p)) for lang, p in d.get("candidates", ())),
        avg_logprob=d["avg_logprob"],
        no_speech_prob=d["no_speech_prob"],
        compression_ratio=d["compression_ratio"],
        temperature=d["temperature"],
        truncated=d.get("truncated", False),
        skipped_reason=d["skipped_reason"],
        decisions=tuple(d.get("decisions", ())),
    )


def segment_to_dict(s: Segment) -> dict[str, Any]:
    """A segment on the file's timeline (a revision's), positions in samples."""
    return {
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "words": [[w.start, w.end, w.text, w.probability] for w in s.words],
        "chunk": s.chunk,
        "avg_logprob": s.avg_logprob,
        "no_speech_prob": s.no_speech_prob,
        "compression_ratio": s.compression_ratio,
        "language": s.language,
        "speaker": s.speaker,
        "edited": s.edited,
    }


def segment_from_dict(d: dict[str, Any]) -> Segment:
    return Segment(
        int(d["start"]),
        int(d["end"]),
        d["text"],
        tuple(Word(int(a), int(b), text, float(p)) for a, b, text, p in d["words"]),
        chunk=int(d["chunk"]),
        avg_logprob=float(d["avg_logprob"]),
        no_speech_prob=float(d["no_speech_prob"]),
        compression_ratio=float(d["compression_ratio"]),
        language=d["language"],
        speaker=d["speaker"],
        edited=bool(d["edited"]),
    )
