"""Diarization alongside the feed: windows computed as the audio streams, stored in the job store in
small batches, turns found at the end (or, by channel, from one more pass over the file)."""

from __future__ import annotations

import logging
import time

import numpy as np

from longscribe.diarize.assign import labelled_turns
from longscribe.diarize.channels import channel_turns
from longscribe.diarize.enrol import model_id
from longscribe.diarize.library import Voice, VoiceLibrary, match_voices
from longscribe.diarize.sessions import EMBEDDING, SEGMENTATION, DiarizationModels
from longscribe.diarize.turns import Diarizer, WindowResult
from longscribe.errors import JobStateError, VoiceLibraryError
from longscribe.jobs import JobHandle
from longscribe.jobs.fingerprint import sampled_hash
from longscribe.options import DiarizeOptions
from longscribe.types import SpeakerTurn

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
        self, path: str, mode: str, options: DiarizeOptions, models: DiarizationModels | None, job: JobHandle | None
    ) -> None:
        self.path, self.mode, self.options, self.job = path, mode, options, job
        self.turns: list[SpeakerTurn] = []
        self.seconds = 0.0
        """Time spent finding speakers (in the feed's thread)."""
        self.feed_seconds = 0.0
        """Of ``seconds``, the part spent while the feed decoded (inside its busy time)."""
        self.voices: dict[str, float] = {}
        """The speakers named after enrolled voices: name -> similarity (after :meth:`finish`)."""
        self._pending: list[tuple[int, bytes]] = []
        self._diarizer: Diarizer | None = None
        self._config = ""
        self._library: list[Voice] = []
        if mode == "speakers":
            assert models is not None
            if options.voices is not None:  # read now: a missing voice is said before any work
                library = VoiceLibrary(options.voice_library)
                self._library = library.select(options.voices or None, model_id(models))
                if not self._library:
                    raise VoiceLibraryError(
                        f"voice library {library.directory}: no voice enrolled (longscribe voices add)"
                    )
            done: dict[int, bytes] = {}
            if job is not None:
                self._config = window_config(models, options)
                done = job.store.speaker_windows(job.job.id, self._config)
                wrong = sorted({len(data) for data in done.values()} - {WindowResult.SIZE})
                if wrong:
                    where = f"job store {job.store.path}"
                    raise JobStateError(f"{where}: unreadable speaker window of {wrong[0]} bytes")
            self._diarizer = Diarizer(models, options, done=done, on_windows=self._store if job else None)

    @property
    def restored(self) -> int:
        """Windows taken from the job store instead of computed."""
        return self._diarizer.restored if self._diarizer else 0

    def feed(self, audio: np.ndarray) -> None:
        if self._diarizer is not None:
            started = time.perf_counter()
            self._diarizer.feed(audio)
            self.feed_seconds += time.perf_counter() - started

    def finish(self, speech: list[tuple[int, int]] | None = None) -> list[SpeakerTurn]:
        """The turns, once the whole input was fed; ``speech``: where the VAD heard speech (sample
        spans), outside which nobody speaks (None: no VAD ran)."""
        started = time.perf_counter()
        named: dict[int, tuple[str, float]] = {}
        if self._diarizer is not None:
            self._diarizer.finish(speech)
            self._commit()
            turns, voices = self._diarizer.speakers()
            named = match_voices(voices, self._library, self.options.voice_threshold)
        else:
            turns = channel_turns(self.path, self.options)
        self.turns = labelled_turns(turns, self.options.speaker_names, {s: name for s, (name, _) in named.items()})
        self.voices = dict(named.values())
        self.seconds = self.feed_seconds + time.perf_counter() - started
        log.info("%s: %d speaker(s) in %d turn(s)", self.path, len({t.speaker for t in self.turns}), len(turns))
        return self.turns

    def _store(self, windows: list[WindowResult]) -> None:
        self._pending.extend((window.start, window.to_bytes()) for window in windows)
        if len(self._pending) >= COMMIT_EVERY:
            self._commit()

    def _commit(self) -> None:
        if self._pending and self.job is not None:
            self.job.store.commit_speaker_windows(self.job.job.id, self._config, self._pending)
        self._pending = []
