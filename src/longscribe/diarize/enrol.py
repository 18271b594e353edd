"""A voice from clips of that person alone: the diarizer's own embeddings of them, checked first.

A clip is refused when the diarizer finds more than one speaker in it (as it would in a recording:
a second voice of a second or two in a short clip can pass), or hears less than
:data:`MIN_SPEECH_SECONDS` of speech: either would enrol something that is not the voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from longscribe.audio import AudioStream
from longscribe.diarize.library import Clip, Voice, check_name
from longscribe.diarize.sessions import EMBEDDING, DiarizationModels
from longscribe.diarize.turns import Diarizer
from longscribe.errors import VoiceLibraryError
from longscribe.jobs.fingerprint import sampled_hash
from longscribe.options import DiarizeOptions
from longscribe.types import SAMPLE_RATE

MIN_SPEECH_SECONDS = 3.0
"""Speech a clip must hold to enrol a voice."""
REFERENCE_MIN_SPEECH_SECONDS = 1.5
"""Speech a request's reference clip must hold (OpenAI's ``known_speaker_references`` are 2-10 s
clips): enough for the speaker model, which embeds windows of 0.5 s of speech and more."""
_STRETCH = re.compile(r"^(?P<path>.+)@(?P<start>\d+(?:\.\d+)?)-(?P<end>\d+(?:\.\d+)?)$")


def model_id(models: DiarizationModels) -> str:
    """The checksum that names the speaker model a voice was enrolled with."""
    return sampled_hash(models.directory / EMBEDDING)[:16]


@dataclass(frozen=True)
class ClipSpec:
    """``FILE`` or ``FILE@START-END`` (seconds): a clip, or one stretch of a longer file."""

    path: str
    start: float = 0.0
    end: float | None = None

    @classmethod
    def parse(cls, spec: str) -> ClipSpec:
        match = _STRETCH.match(spec)
        if match is None:
            return cls(spec)
        start, end = float(match["start"]), float(match["end"])
        if end <= start:
            raise VoiceLibraryError(f"{spec}: the stretch must end after it starts")
        return cls(match["path"], start, end)

    def __str__(self) -> str:
        return self.path if self.end is None else f"{self.path}@{self.start:g}-{self.end:g}"

    def read(self) -> np.ndarray:
        """The clip's 16 kHz mono samples (of a stretch, only those blocks are kept)."""
        first = int(self.start * SAMPLE_RATE)
        last = None if self.end is None else int(self.end * SAMPLE_RATE)
        blocks, position = [], 0
        with AudioStream(self.path) as stream:
            for block in stream.windows(SAMPLE_RATE * 30):
                if position + len(block) > first:
                    blocks.append(block[max(0, first - position) :])
                position += len(block)
                if last is not None and position >= last:
                    break
        if not blocks:
            raise VoiceLibraryError(f"{self}: the file is {position / SAMPLE_RATE:.1f} s long")
        audio = np.concatenate(blocks)
        return audio if last is None else audio[: last - first]


def enrol(
    models: DiarizationModels,
    name: str,
    specs: list[str],
    *,
    min_speech: float = MIN_SPEECH_SECONDS,
    longest: float | None = None,
) -> Voice:
    """The voice ``name`` from the clips ``specs`` (each ``FILE`` or ``FILE@START-END``), each
    holding ``min_speech`` seconds of speech or more, and lasting at most ``longest`` seconds."""
    check_name(name)
    if not specs:
        raise VoiceLibraryError(f"voice {name!r}: no clip given")
    identity = model_id(models)
    voices = [
        Voice(name, identity, *_clip_embeddings(models, ClipSpec.parse(spec), min_speech, longest)) for spec in specs
    ]
    voice = voices[0]
    for other in voices[1:]:
        voice = voice.joined(other)
    return voice


def _clip_embeddings(
    models: DiarizationModels, clip: ClipSpec, min_speech: float, longest: float | None
) -> tuple[np.ndarray, tuple[Clip, ...]]:
    audio = clip.read()
    if longest is not None and len(audio) > longest * SAMPLE_RATE:
        raise VoiceLibraryError(f"{clip}: {len(audio) / SAMPLE_RATE:.1f} s long, at most {longest:g} s is taken")
    diarizer = Diarizer(models, DiarizeOptions())
    diarizer.feed(audio)
    turns = diarizer.finish()
    seconds = sum(turn.end - turn.start for turn in turns) / SAMPLE_RATE
    if seconds < min_speech:
        raise VoiceLibraryError(f"{clip}: too little speech ({seconds:.1f} s heard, at least {min_speech:g} s needed)")
    found = diarizer.windows.embedded()
    clean = [(w, k) for w, k in found if diarizer.windows.clean(w, k)] or found
    vectors = np.stack([diarizer.windows.embedding(w, k) for w, k in clean])  # type: ignore[misc]
    heard = len({turn.speaker for turn in turns})
    if heard > 1:
        raise VoiceLibraryError(f"{clip}: holds more than one voice ({heard} heard); give a clip of one person")
    return vectors, (Clip(str(clip), round(seconds, 3)),)
