"""The Engine protocol: a batch of chunks in, one typed transcript per chunk out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from longscribe.options import TranscribeOptions
from longscribe.types import ChunkAudio, ChunkTranscript


@dataclass(frozen=True)
class DecodeRequest:
    """Per-call inputs that are not options: the file's language and per-chunk prompts."""

    language: str | None = None
    """The language of every chunk of the batch; None: each chunk is decoded in the language
    identified in it (its ``candidates`` say what was heard)."""
    prompts: tuple[str | None, ...] = ()
    """Previous text for each chunk of the batch (empty: no prompts)."""
    temperature: float = 0.0
    """0: beam search. Above 0: sampling, seeded per chunk so a rerun samples the same text."""
    no_repeat_ngram: int = 0
    """Above 0: no n-gram of this many tokens may occur twice in a decode (a retry of a loop)."""
    languages: tuple[str, ...] = ()
    """One language per chunk (instead of ``language``): for retries of chunks settled apart."""


class Engine(Protocol):
    """What the pipeline needs from an inference backend.

    Engines that have nothing to say for an optional capability inherit
    :class:`EngineBase`'s answers.
    """

    name: str
    device: str
    compute_type: str
    multilingual: bool
    """False: an English-only model (every chunk is English; nothing to identify)."""

    def transcribe(
        self, batch: Sequence[ChunkAudio], options: TranscribeOptions, request: DecodeRequest
    ) -> list[ChunkTranscript]:
        """Decode every chunk of ``batch`` once; results in the same order, positions chunk-local.

        Judging a decode (loops, silence) and retrying it is the pipeline's
        fallback policy, not the engine's. May be called from several threads at once.
        """
        ...

    def stage_seconds(self) -> dict[str, float]:
        """Seconds spent so far per stage (features, encode, language, decode, align), summed over threads."""
        ...

    def open_input(self, path: str) -> bool:
        """An input is about to be transcribed. True: the engine reads its audio itself (by chunk
        spans), so chunks may come without samples."""
        ...

    def report(self) -> dict[str, Any]:
        """What the current input's run should record about the engine (a cluster's workers, retries)."""
        ...

    def close(self) -> None:
        """Release what the engine holds beyond memory (remote workers); it is not used afterwards."""
        ...


class EngineBase:
    """Defaults for an engine that runs in this process, reads nothing itself and keeps no timings."""

    multilingual = True

    def stage_seconds(self) -> dict[str, float]:
        return {}

    def open_input(self, path: str) -> bool:
        return False

    def report(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        return None
