"""Speakers of a live stream, utterance by utterance: each is labelled as it ends, and stays so.

An ended utterance's audio is diarized on its own (its local speakers, found as a file's are);
each local speaker then goes to the stream's speaker whose embeddings theirs are most like on
average (two local speakers never to one), or becomes a new speaker when none is similar enough
(:data:`JOIN`). Labels are given as in files: enrolled voices' names, then ``speaker_names``, then
``SPEAKER_NN``. Per speaker only a sum and a count are kept: an utterance costs the same in the
fifth hour as in the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from longscribe.diarize.assign import assign_speakers, speaker_label
from longscribe.diarize.library import Voice, match_voices
from longscribe.diarize.sessions import DiarizationModels
from longscribe.diarize.turns import Diarizer, Turn
from longscribe.options import DiarizeOptions
from longscribe.types import SAMPLE_RATE, Segment, SpeakerTurn

JOIN = 0.525
"""Mean cosine similarity of a local speaker's embeddings with a stream speaker's (every pair, as
average linkage) at which they are that speaker; below it, a new speaker. Chosen on the tuning
conversations (docs/benchmarks.md, "Live speakers")."""


@dataclass(frozen=True)
class LocalVoices:
    """What one utterance's own diarization found: its turns (samples from the utterance's start)
    and for each local speaker ``n``, the sum of their embeddings (row ``n``) and how many."""

    turns: tuple[Turn, ...]
    sums: np.ndarray
    counts: tuple[int, ...]

    @property
    def seconds(self) -> list[float]:
        """Each local speaker's speech, in seconds."""
        heard = [0.0] * len(self.sums)
        for turn in self.turns:
            heard[turn.speaker] += (turn.end - turn.start) / SAMPLE_RATE
        return heard


class OnlineSpeakers:
    """:meth:`label` each ended utterance's segments, in stream order."""

    def __init__(self, models: DiarizationModels, options: DiarizeOptions, library: Sequence[Voice] = ()) -> None:
        self.models = models
        self.options = replace(options, num_speakers=None, min_speakers=1, max_speakers=None)
        """Each utterance is diarized with the file settings, its count estimated: the stream's
        count (``num_speakers`` / ``max_speakers``) bounds the speakers made across utterances."""
        self.most = options.num_speakers or options.max_speakers
        self.library = list(library)
        self._sums: list[np.ndarray] = []
        """Each speaker's embeddings (unit length) added up, and how many: their similarity with an
        utterance's is the mean similarity of every pair, as the file clustering's average linkage."""
        self._counts: list[int] = []
        self._heard: list[float] = []
        """Each speaker's speech so far, in seconds."""
        self.labels: list[str] = []
        """Each speaker's label, in order of first appearance."""
        self.voices: dict[str, float] = {}
        """The speakers named after enrolled voices: name -> similarity."""
        self.turns: list[SpeakerTurn] = []
        """Every turn labelled so far, on the stream's timeline."""
        self._last: str | None = None

    def label(self, start: int, audio: np.ndarray, segments: Sequence[Segment]) -> tuple[Segment, ...]:
        """The utterance's segments with their speakers; ``audio``: the utterance's samples, which
        begin at ``start`` on the stream's timeline. An utterance without a voice long enough to tell
        (under ``min_embed_seconds``) goes to the speaker heard last."""
        local = self.local(audio)
        speakers = self.match(local.sums, local.counts, local.seconds)
        turns = [SpeakerTurn(start + t.start, start + t.end, self.labels[speakers[t.speaker]]) for t in local.turns]
        self.turns.extend(turns)
        if not turns:
            return tuple(replace(s, speaker=self._last) for s in segments)
        self._last = turns[-1].speaker
        return tuple(assign_speakers(segments, turns))

    def local(self, audio: np.ndarray) -> LocalVoices:
        """The utterance's own speakers (as :meth:`label` finds them)."""
        diarizer = Diarizer(self.models, self.options)
        diarizer.feed(audio)
        diarizer.finish()
        turns, voices = diarizer.speakers()
        sums = np.zeros_like(voices)
        counts = [0] * len(voices)
        for w, k in diarizer.windows.embedded():  # each embedding to the local speaker it is most like
            embedding = diarizer.windows.embedding(w, k)
            if len(voices) and embedding is not None:
                speaker = int(np.argmax(voices @ embedding))
                sums[speaker] += embedding
                counts[speaker] += 1
        for speaker in range(len(voices)):  # none nearest to it: its voice stands for them
            if counts[speaker] == 0:
                sums[speaker], counts[speaker] = voices[speaker], 1
        return LocalVoices(tuple(turns), sums, tuple(counts))

    def match(self, sums: np.ndarray, counts: Sequence[int], seconds: Sequence[float], join: float = JOIN) -> list[int]:
        """Each local speaker's speaker of the stream (made when new), the most similar pairs first;
        its embeddings (``sums``: added up, row by row; ``counts``: how many) then count among that
        speaker's. A local speaker heard for less than ``min_speaker_seconds`` (``seconds``) makes no
        new speaker while there is one."""
        known = (
            np.stack([s / n for s, n in zip(self._sums, self._counts)]) if self._sums else np.zeros((0, sums.shape[1]))
        )
        similarity = (sums / np.maximum(np.asarray(counts, dtype=np.float32), 1)[:, None]) @ known.T
        found: dict[int, int] = {}
        for flat in np.argsort(-similarity, axis=None, kind="stable"):
            v, s = divmod(int(flat), len(self._sums))
            if v not in found and s not in found.values() and (similarity[v, s] >= join or self._full):
                found[v] = s
        for v in range(len(sums)):
            if v not in found:
                found[v] = self._unmatched(sums[v], similarity[v], seconds[v], taken=set(found.values()))
            self._heard[found[v]] += seconds[v]
            self._sums[found[v]] += sums[v]
            self._counts[found[v]] += counts[v]
        return [found[v] for v in range(len(sums))]

    @property
    def _full(self) -> bool:
        """There may be no more speakers (``max_speakers`` / ``num_speakers``)."""
        return self.most is not None and len(self._sums) >= self.most

    def _unmatched(self, voice: np.ndarray, similarity: np.ndarray, seconds: float, taken: set[int]) -> int:
        """The speaker of a local voice like none of the stream's: the most similar one when there may
        be no more, or when too little was heard of it to be a voice of its own (as in files); else
        one heard too briefly so far to be a voice of its own (and not named by the library), which
        it takes over from now on; else a new one."""
        if similarity.size and (self._full or seconds < self.options.min_speaker_seconds):
            return int(np.argmax(similarity))
        brief = self.options.min_speaker_seconds
        named = {s for s, label in enumerate(self.labels) if label in self.voices}
        passing = [s for s in range(len(self._sums)) if s not in taken | named and self._heard[s] < brief]
        if not passing:
            return self._new(voice)
        speaker = max(passing, key=lambda s: float(similarity[s]))
        self._sums[speaker], self._counts[speaker] = np.zeros_like(voice), 0
        return speaker

    def _new(self, voice: np.ndarray) -> int:
        """A new speaker: named after the enrolled voice it sounds like, if one is free."""
        speaker = len(self._sums)
        self._sums.append(np.zeros_like(voice))
        self._counts.append(0)
        self._heard.append(0.0)
        voice = voice / max(float(np.linalg.norm(voice)), 1e-9)
        free = [v for v in self.library if v.name not in self.voices]
        named = match_voices(voice[None], free, self.options.voice_threshold)
        if named:
            name, similarity = named[0]
            self.voices[name] = similarity
            self.labels.append(name)
            return speaker
        unnamed = len(self.labels) - len(self.voices)
        names = self.options.speaker_names
        self.labels.append(names[unnamed] if unnamed < len(names) else speaker_label(speaker))
        return speaker
