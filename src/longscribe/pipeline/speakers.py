"""Diarization alongside the feed: windows computed as the audio streams, stored in the job store in
small batches, turns found at the end (or, by channel, from one more pass over the file)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import numpy as np

from longscribe.audio import Source, source_name
from longscribe.diarize.assign import labelled_turns
from longscribe.diarize.channels import channel_turns
from longscribe.diarize.enrol import model_id
from longscribe.diarize.library import Voice, VoiceLibrary, match_voices
from longscribe.diarize.sessions import EMBEDDING, SEGMENTATION, DiarizationModels
from longscribe.diarize.turns import Diarizer, WindowResult
from longscribe.errors import JobStateError, VoiceLibraryError
from longscribe.jobs import Job, JobHandle, JobStore
from longscribe.jobs.fingerprint import sampled_hash
from longscribe.options import DiarizeOptions
from longscribe.types import SpeakerTurn, samples

log = logging.getLogger(__name__)

COMMIT_EVERY = 12
"""Windows stored per transaction (30 s of audio at the default hop; a few more where the diarizer
decided more together)."""


def window_config(models: DiarizationModels, options: DiarizeOptions) -> str:
    """What the stored windows depend on: the models and how windows are cut and embedded."""
    digests = ",".join(sampled_hash(models.directory / name)[:16] for name in (SEGMENTATION, EMBEDDING))
    embed = f"{options.min_embed_seconds}..{options.max_embed_seconds}/{options.max_linked}"
    return f"hop={options.hop_seconds};embed={embed};models={digests}"


class SpeakerTrack:
    """Who speaks when in one input: :meth:`feed` it the mono audio the feed decodes, then :meth:`finish`.

    With a job, windows stored by an earlier run are reused and new ones stored, so a resumed run
    labels the speakers exactly as an uninterrupted one would.
    """

    def __init__(
        self,
        path: Source,
        mode: str,
        options: DiarizeOptions,
        models: DiarizationModels | None,
        job: JobHandle | None,
        *,
        keep: bool = True,
    ) -> None:
        """``keep``: store the windows computed now in ``job`` (off to only read what it holds)."""
        self.path, self.mode, self.options, self.job = path, mode, options, job
        self.turns: list[SpeakerTurn] = []
        self.seconds = 0.0
        """Time spent finding speakers (in the feed's thread)."""
        self.feed_seconds = 0.0
        """Of ``seconds``, the part spent while the feed decoded (inside its busy time)."""
        self.voices: dict[str, float] = {}
        """The speakers named after enrolled voices: name -> similarity (after :meth:`finish`)."""
        self.voiceprints: dict[str, np.ndarray] = {}
        """Each speaker's voice by label: the unit-length mean of the embeddings that found it (after
        :meth:`finish`, with ``mode="speakers"``)."""
        self._pending: list[tuple[int, bytes]] = []
        self._diarizer: Diarizer | None = None
        self._config = ""
        self._library: list[Voice] = []
        self.model = ""
        """The speaker model's checksum (``mode="speakers"``): voices compare only with its own."""
        if mode == "speakers":
            assert models is not None
            self.model = model_id(models)
            self._library = library_voices(options, self.model)  # now: a missing voice is said before any work
            done: dict[int, bytes] = {}
            if job is not None:
                self._config = window_config(models, options)
                done = job.store.speaker_windows(job.job.id, self._config)
                wrong = sorted({len(data) for data in done.values()} - {WindowResult.SIZE})
                if wrong:
                    where = f"job store {job.store.path}"
                    raise JobStateError(f"{where}: unreadable speaker window of {wrong[0]} bytes")
            self._diarizer = Diarizer(models, options, done=done, on_windows=self._store if job and keep else None)

    @property
    def restored(self) -> int:
        """Windows taken from the job store instead of computed."""
        return self._diarizer.restored if self._diarizer else 0

    def feed(self, audio: np.ndarray) -> None:
        if self._diarizer is not None:
            started = time.perf_counter()
            self._diarizer.feed(audio)
            self.feed_seconds += time.perf_counter() - started

    def replay(self, samples: int) -> None:
        """Instead of :meth:`feed`: a finished job's ``samples`` of audio, all of whose windows the job
        store holds (see :func:`stored_speakers`)."""
        assert self._diarizer is not None
        self._diarizer.replay(samples)

    def finish(self, speech: list[tuple[int, int]] | None = None) -> list[SpeakerTurn]:
        """The turns, once the whole input was fed; ``speech``: where the VAD heard speech (sample
        spans), outside which nobody speaks (None: no VAD ran)."""
        started = time.perf_counter()
        named: dict[int, tuple[str, float]] = {}
        voices = np.zeros((0, 0), dtype=np.float32)
        if self._diarizer is not None:
            self._diarizer.finish(speech)
            self._commit()
            turns, voices = self._diarizer.speakers()
            named = match_voices(voices, self._library, self.options.voice_threshold)
        else:
            turns = channel_turns(self.path, self.options)
        self.turns = labelled_turns(turns, self.options.speaker_names, {s: name for s, (name, _) in named.items()})
        self.voices = dict(named.values())
        if len(voices):
            self.voiceprints = {label.speaker: voices[t.speaker] for t, label in zip(turns, self.turns)}
        self.seconds = self.feed_seconds + time.perf_counter() - started
        speakers = len({t.speaker for t in self.turns})
        log.info("%s: %d speaker(s) in %d turn(s)", source_name(self.path), speakers, len(turns))
        return self.turns

    def _store(self, windows: list[WindowResult]) -> None:
        self._pending.extend((window.start, window.to_bytes()) for window in windows)
        if len(self._pending) >= COMMIT_EVERY:
            self._commit()

    def _commit(self) -> None:
        if self._pending and self.job is not None:
            self.job.store.commit_speaker_windows(self.job.job.id, self._config, self._pending)
        self._pending = []


def library_voices(options: DiarizeOptions, model: str) -> list[Voice]:
    """The enrolled voices ``options`` name speakers after (none without ``voices``), of the speaker
    model ``model``; a library without them, or a speaker name that is a voice's too, is a
    VoiceLibraryError."""
    if options.voices is None:
        return []
    library = VoiceLibrary(options.voice_library)
    voices = library.select(options.voices or None, model)
    if not voices:
        raise VoiceLibraryError(f"voice library {library.directory}: no voice enrolled (longscribe voices add)")
    both = [name for name in options.speaker_names if name in {v.name for v in voices}]
    if both:
        raise VoiceLibraryError(
            f"speaker name {both[0]!r} is an enrolled voice's name too: two speakers could be given it"
        )
    return voices


def stored_speakers(store: JobStore, job: Job, **changes: Any) -> SpeakerTrack:
    """The speakers of a finished ``job`` found again from the windows it stored, with its diarization
    options and ``changes`` (other voices, library, names or counts): no audio is decoded and nothing
    is transcribed or stored. A job transcribed without ``--diarize`` (speakers) is a JobStateError."""
    recorded = (job.info or {}).get("options", {})
    if recorded.get("diarize") != "speakers":
        raise JobStateError(f"{job.input}: transcribed without --diarize (speakers): no voices were stored")
    fields: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in recorded["diarize_options"].items()}
    options = replace(DiarizeOptions(**fields), **changes)
    results = store.results(job.id)
    speech: list[tuple[int, int]] | None = []
    for index in sorted(results):
        spans = results[index].chunk.speech
        if spans is None or speech is None:
            speech = None
            continue
        speech.extend((span.start, span.end) for span in spans)
    models = DiarizationModels(options.models)
    track = SpeakerTrack(job.input, "speakers", options, models, JobHandle(store, job, "resumed"), keep=False)
    track.replay(samples(job.info["duration"]) if job.info else 0)
    track.finish(speech)
    return track
