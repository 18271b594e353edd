"""One input's transcription: segments streamed as chunks are decoded, and the info about the run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from longscribe.diarize.assign import assign_speakers, speaker_summary
from longscribe.engines.base import Engine
from longscribe.engines.stages import since
from longscribe.jobs import JobHandle
from longscribe.jobs.store import COMPLETE, DECODED, INCOMPLETE
from longscribe.pipeline.coverage import Coverage
from longscribe.pipeline.feed import ChunkFeed
from longscribe.pipeline.scheduler import BatchScheduler
from longscribe.pipeline.stitch import Stitcher
from longscribe.types import Segment, Span, TranscriptInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """A progress event: audio positions in samples, wall time in seconds."""

    path: str
    done: int
    total: int | None
    elapsed: float
    chunks_done: int
    resumed: int = 0
    """Of ``done``, the samples restored from the job store rather than decoded now."""


ProgressCallback = Callable[[Progress], None]


class Transcription:
    """Segments as they are decoded (iterate once) and the info about the run.

    ``info.language`` is set once the first chunk is decoded; ``info.duration``,
    ``info.timings`` and ``info.complete`` once iteration has finished. With speakers
    (``diarize``), the segments come once the whole recording is heard (a speaker's label
    holds for the whole of it), labelled and cut where the speaker changes.
    """

    def __init__(
        self,
        path: str,
        feed: ChunkFeed,
        scheduler: BatchScheduler,
        info: TranscriptInfo,
        on_progress: ProgressCallback | None,
        job: JobHandle | None = None,
    ) -> None:
        self.path = path
        self.info = info
        self.job = job
        self._feed = feed
        self._scheduler = scheduler
        self._on_progress = on_progress
        self._consumed = False
        self._resumed_samples = 0

    @property
    def expected_samples(self) -> int | None:
        """The duration the container announces (an estimate for some formats)."""
        return self._feed.expected_samples

    def __iter__(self) -> Iterator[Segment]:
        if self._consumed:
            raise RuntimeError("a Transcription can be iterated only once")
        self._consumed = True
        started = time.perf_counter()
        stitcher = Stitcher()
        info = self.info
        engine = self._scheduler.engine
        stages_before = engine.stage_seconds()
        spoken = _Languages()
        heard: dict[str, float] = {}  # each language's probability where first heard
        track = self._feed.speakers
        held: list[Segment] = []  # with speakers: labelled once the whole recording is heard
        coverage = Coverage()
        try:
            for result in self._scheduler.run(self._feed, lambda: stitcher.previous_text):
                if info.language is None:
                    info.language, info.language_probability = result.language, result.language_probability
                    log.info("%s: language %s (p=%.2f)", self.path, info.language, info.language_probability)
                heard.setdefault(result.language, result.language_probability)
                info.chunks += 1
                info.chunk_audio += result.chunk.num_samples
                if info.chunks == 1:
                    info.timings["first_chunk"] = time.perf_counter() - started
                info.decisions.extend({"chunk": result.chunk.index, "decision": d} for d in result.decisions)
                if self._scheduler.resumed == info.chunks:
                    self._resumed_samples = result.chunk.keep.end
                keep = result.chunk.keep
                coverage.heard(
                    Span(max(r.start, keep.start), min(r.end, keep.end))
                    for r in result.chunk.speech or ()
                    if r.end > keep.start and r.start < keep.end
                )
                for segment in stitcher.add(result):
                    coverage.said(segment)
                    spoken.add(segment)
                    if track is None:
                        yield segment
                    else:
                        held.append(segment)
                info.languages, info.language_runs = spoken.seconds(), list(spoken.runs)
                for chunk, text in stitcher.dropped:
                    info.decisions.append({"chunk": chunk, "decision": f"text outside speech dropped: {text!r}"})
                stitcher.dropped.clear()
                self._report(result.chunk.keep.end, started)
        finally:
            self._finish(started, engine, stages_before)
        info.complete = not info.warnings
        info.warnings = [*info.warnings, *(gap.message() for gap in coverage.finish())]
        if info.languages:  # the language of most of the speech
            top = max(info.languages, key=lambda entry: entry["seconds"])
            if top["language"] != info.language:
                info.language, info.language_probability = top["language"], heard.get(top["language"], 0.0)
        if track is not None:
            info.speaker_turns, info.speakers = list(track.turns), speaker_summary(track.turns, track.voices)
        if self.job is not None:
            self.job.store.finish(self.job.job.id, DECODED if info.complete else INCOMPLETE, info.as_dict())
        self._report(info.duration, started)
        if track is not None:
            yield from assign_speakers(held, track.turns)

    def _finish(self, started: float, engine: Engine, stages_before: dict[str, float]) -> None:
        """Fill in what is known once the feed is done (also after an error or an interruption)."""
        self._feed.close()
        info = self.info
        info.duration = self._feed.decoded_samples
        info.speech = self._feed.speech_samples
        info.warnings = self._feed.warnings
        info.timings["transcribe"] = time.perf_counter() - started
        info.timings["engine"] = self._scheduler.engine_seconds
        info.timings["decode_vad"] = self._feed.busy_seconds
        track = self._feed.speakers
        if track is not None:
            info.timings["decode_vad"] -= track.feed_seconds
            info.timings["diarize"] = track.seconds
        final = self._scheduler.engine
        if final is engine:  # stage times of a replaced engine (after running out of memory) do not add up
            info.timings.update({f"engine.{k}": v for k, v in since(final.stage_seconds(), stages_before).items()})
        info.fallbacks = list(self._scheduler.events)
        info.cluster = final.report()
        info.device = final.device
        info.compute_type = final.compute_type
        if self.job is not None:
            job = self.job
            info.job = {"id": job.job.id, "status": job.status, "resumed_chunks": self._scheduler.resumed}
            if track is not None:
                info.job["resumed_speaker_windows"] = track.restored

    def stop(self) -> None:
        """From any thread: iteration raises :class:`~longscribe.errors.Stopped` now, without waiting
        for the decodes in flight. The chunks committed so far stay in the job store."""
        self._scheduler.stop()

    def mark_written(self) -> None:
        """The outputs are on disk: the job is complete (a rerun only rewrites them)."""
        if self.job is not None and self.info.complete:
            self.job.store.finish(self.job.job.id, COMPLETE, self.info.as_dict())

    def _report(self, done: int, started: float) -> None:
        if self._on_progress is not None:
            total = self._feed.expected_samples
            elapsed = time.perf_counter() - started
            self._on_progress(Progress(self.path, done, total, elapsed, self.info.chunks, self._resumed_samples))


class _Languages:
    """The languages of the segments so far: seconds of each, and the order they came in."""

    def __init__(self) -> None:
        self._seconds: dict[str, float] = {}
        self.runs: list[str] = []

    def add(self, segment: Segment) -> None:
        language = segment.language or "?"
        self._seconds[language] = self._seconds.get(language, 0.0) + segment.end_s - segment.start_s
        if not self.runs or self.runs[-1] != language:
            self.runs.append(language)

    def seconds(self) -> list[dict[str, Any]]:
        return [{"language": k, "seconds": round(v, 3)} for k, v in self._seconds.items()]
