"""A job's revisions in the job store: revision 0 as transcribed, then one per correction.

A correction is stored whole (every segment with its words, times and speaker) in one
transaction, only when it was made from the latest revision; revisions are never changed or
removed (a job transcribed again keeps its corrections, see :meth:`JobStore.discard`).
Revision 0 is read from the job's chunks, as ``export`` writes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from longscribe.diarize.assign import assign_speakers, speaker_summary, turns_of
from longscribe.errors import JobStateError, RevisionConflict
from longscribe.jobs.codec import segment_from_dict, segment_to_dict
from longscribe.jobs.store import Job, JobStore
from longscribe.pipeline.stitch import stitch_all
from longscribe.revisions.document import parse_document
from longscribe.revisions.edits import summary
from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo

MACHINE = "as transcribed"
"""Revision 0's summary."""


@dataclass(frozen=True)
class Revision:
    """One whole version of a job's transcript."""

    number: int
    segments: tuple[Segment, ...]
    created: float
    """When it was saved (seconds since the epoch); revision 0: when the job started."""
    summary: str
    """What it changed, in one line (revision 0: ``as transcribed``)."""


def machine_segments(store: JobStore, job: Job, info: TranscriptInfo) -> Iterable[Segment]:
    """Revision 0's segments, streamed from the chunks: stitched, and said by ``info``'s speakers."""
    results = store.results(job.id)
    segments = stitch_all(results[i] for i in sorted(results))
    return iter(assign_speakers(segments, info.speaker_turns)) if info.speaker_turns else segments


def history(store: JobStore, job: Job) -> list[tuple[int, float, str]]:
    """``(number, created, summary)`` of every revision, 0 first."""
    return [(0, job.created, MACHINE), *store.revision_list(job.id)]


def load(store: JobStore, job: Job, info: TranscriptInfo, number: int | None = None) -> Revision:
    """Revision ``number`` (None: the latest) of the job's transcript."""
    latest = store.latest_revision(job.id)
    number = latest if number is None else number
    if not 0 <= number <= latest:
        raise JobStateError(f"job {job.id} has no revision {number} (revisions 0 to {latest})")
    if number == 0:
        return Revision(0, tuple(machine_segments(store, job, info)), job.created, MACHINE)
    found = store.revision_document(job.id, number)
    assert found is not None
    created, text, document = found
    return Revision(number, tuple(segment_from_dict(s) for s in document["segments"]), created, text)


def correct(store: JobStore, job: Job, info: TranscriptInfo, document: Any, *, base: int | None = None) -> Revision:
    """Store ``document`` (the json format's shape, see :func:`parse_document`) as the next revision.
    ``base`` is the revision it was made from (None: the latest); when another correction was saved
    since, it is a :class:`RevisionConflict` and nothing is stored. Segments that differ from every
    segment of ``base`` are marked edited (the others are kept as they were, to the sample)."""
    segments = parse_document(document)
    latest = store.latest_revision(job.id)
    base = latest if base is None else base
    if base != latest:
        raise RevisionConflict(f"the correction was made from revision {base}, but {latest} is the latest", latest)
    before = load(store, job, info, base).segments
    marked = _marked(before, segments)
    said = summary(before, marked)
    number = store.add_revision(job.id, base, said, {"segments": [segment_to_dict(s) for s in marked]})
    return Revision(number, marked, time.time(), said)


def _ms(samples: int) -> int:
    return round(samples * 1000 / SAMPLE_RATE)


def _key(segment: Segment) -> tuple[Any, ...]:
    """A segment as the json format shows it (times to the millisecond, no probabilities)."""
    words = tuple((_ms(w.start), _ms(w.end), w.text) for w in segment.words)
    return _ms(segment.start), _ms(segment.end), segment.text, segment.speaker, words


def _marked(before: Iterable[Segment], after: Iterable[Segment]) -> tuple[Segment, ...]:
    """``after``, where a segment is one of ``before`` (as the json format shows it) that one, else
    marked edited."""
    known = {_key(s): s for s in before}
    return tuple(known.get(_key(s)) or replace(s, edited=True) for s in after)


def revision_info(info: TranscriptInfo, revision: Revision) -> TranscriptInfo:
    """The info to write a revision with: its number, and (a correction) the speakers and turns cut
    again from its segments."""
    if revision.number == 0:
        return info
    turns = turns_of(revision.segments)
    voices = {e["speaker"]: e["similarity"] for e in info.speakers if "similarity" in e}
    return replace(info, revision=revision.number, speaker_turns=turns, speakers=speaker_summary(turns, voices))
