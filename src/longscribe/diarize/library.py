"""The voice library: each enrolled voice's embeddings by name, in one JSON file of one folder.

The embeddings are those the diarizer's own speaker model gives its windows, so a voice in the
library and a speaker found in a recording are compared in one space. Each voice records the
model's checksum; a voice made with another model is refused, not compared. The file is written
to a temporary name and renamed, so a reader never sees half of it.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from longscribe.errors import VoiceLibraryError

LIBRARY_FILE = "voices.json"
FORMAT = 1
"""The version of :data:`LIBRARY_FILE`'s layout."""


def default_library_dir() -> Path:
    """The user's own library: ``voices`` in the user data directory (platformdirs)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("longscribe")) / "voices"


@dataclass(frozen=True)
class Clip:
    """Where some of a voice's embeddings came from: a file (and stretch), or a job's speaker."""

    source: str
    seconds: float
    """Speech heard in it."""


@dataclass(frozen=True, eq=False)
class Voice:
    """One enrolled voice: unit-length embeddings ``(n, dim)`` made by the model ``model``."""

    name: str
    model: str
    embeddings: np.ndarray
    clips: tuple[Clip, ...] = field(default=())

    @property
    def seconds(self) -> float:
        return sum(clip.seconds for clip in self.clips)

    @property
    def centroid(self) -> np.ndarray:
        """The unit-length mean embedding."""
        mean = self.embeddings.mean(axis=0)
        return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-9), dtype=np.float32)

    def joined(self, other: Voice) -> Voice:
        """This voice with ``other``'s clips and embeddings added (the same model)."""
        return Voice(
            self.name, self.model, np.concatenate([self.embeddings, other.embeddings]), self.clips + other.clips
        )

    def to_dict(self) -> dict[str, Any]:
        vectors = np.ascontiguousarray(self.embeddings, dtype="<f4")
        return {
            "name": self.name,
            "model": self.model,
            "clips": [{"source": c.source, "seconds": round(c.seconds, 3)} for c in self.clips],
            "dim": int(vectors.shape[1]),
            "embeddings": base64.b64encode(vectors.tobytes()).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Voice:
        vectors = np.frombuffer(base64.b64decode(data["embeddings"]), dtype="<f4").reshape(-1, int(data["dim"]))
        clips = tuple(Clip(str(c["source"]), float(c["seconds"])) for c in data["clips"])
        return cls(str(data["name"]), str(data["model"]), vectors.astype(np.float32), clips)


class VoiceLibrary:
    """The voices enrolled in ``directory`` (created when the first voice is added)."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_library_dir()
        self.path = self.directory / LIBRARY_FILE

    def voices(self) -> list[Voice]:
        """Every voice, in the order enrolled."""
        if self.directory.exists() and not self.directory.is_dir():
            raise VoiceLibraryError(f"voice library {self.directory}: not a folder")
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"layout {data.get('format')!r}, this longscribe reads {FORMAT}")
            return [Voice.from_dict(entry) for entry in data["voices"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise VoiceLibraryError(f"voice library {self.path}: unreadable ({exc})") from None

    def get(self, name: str) -> Voice:
        for voice in self.voices():
            if voice.name == name:
                return voice
        raise VoiceLibraryError(f"voice library {self.directory}: no voice named {name!r}")

    def select(self, names: tuple[str, ...] | None, model: str) -> list[Voice]:
        """The voices ``names`` (None: all), each made with ``model``; a missing name or a voice of
        another model is refused, naming it and how to enrol it again."""
        voices = self.voices() if names is None else [self.get(name) for name in names]
        for voice in voices:
            if voice.model != model:
                raise VoiceLibraryError(
                    f"voice library {self.directory}: {voice.name!r} was enrolled with another speaker model"
                    f" ({voice.model}, this one is {model}): remove it and add it again from its clips"
                )
        return voices

    def add(self, voice: Voice) -> Voice:
        """Enrol ``voice``, or add its clips to the voice of that name (made with the same model)."""
        check_name(voice.name)
        voices = self.voices()
        for i, known in enumerate(voices):
            if known.name == voice.name:
                if known.model != voice.model:
                    raise VoiceLibraryError(
                        f"voice library {self.directory}: {voice.name!r} was enrolled with another speaker model"
                        f" ({known.model}): remove it first to enrol it again"
                    )
                voices[i] = voice = known.joined(voice)
                break
        else:
            voices.append(voice)
        self._write(voices)
        return voice

    def remove(self, name: str) -> None:
        self.get(name)
        self._write([v for v in self.voices() if v.name != name])

    def rename(self, old: str, new: str) -> None:
        check_name(new)
        self.get(old)
        voices = self.voices()
        if any(v.name == new for v in voices):
            raise VoiceLibraryError(f"voice library {self.directory}: a voice named {new!r} is enrolled already")
        self._write([Voice(new, v.model, v.embeddings, v.clips) if v.name == old else v for v in voices])

    def _write(self, voices: list[Voice]) -> None:
        data = {"format": FORMAT, "voices": [voice.to_dict() for voice in voices]}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".voices-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise VoiceLibraryError(f"voice library {self.directory}: cannot write ({exc.strerror or exc})") from None


def check_name(name: str) -> None:
    """Refuse a name a transcript could not show as one speaker's (empty, commas, ``=``, line breaks)."""
    if not name.strip() or name != name.strip() or any(c in name for c in ",=\n\r\t"):
        raise VoiceLibraryError(f"voice name {name!r}: must be non-empty, without commas, '=' or line breaks")


def match_voices(speakers: np.ndarray, voices: list[Voice], threshold: float) -> dict[int, tuple[str, float]]:
    """Speaker index -> (voice name, cosine similarity) for the speakers (rows of unit-length
    ``speakers``) that sound like an enrolled voice: pairs taken most similar first, each speaker and
    each voice at most once, none less similar than ``threshold``."""
    if not len(speakers) or not voices:
        return {}
    similarity = speakers @ np.stack([voice.centroid for voice in voices]).T
    named: dict[int, tuple[str, float]] = {}
    taken: set[int] = set()
    for flat in np.argsort(-similarity, axis=None, kind="stable"):
        s, v = divmod(int(flat), len(voices))
        if similarity[s, v] < threshold:
            break
        if s not in named and v not in taken:
            named[s] = (voices[v].name, round(float(similarity[s, v]), 3))
            taken.add(v)
    return named
