"""The job store on its own: jobs found by input and by content, chunks committed and read back, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest

from longscribe.errors import JobLockedError, RevisionConflict
from longscribe.jobs import JobStore
from longscribe.jobs.store import COMPLETE, SUPERSEDED
from longscribe.types import Chunk, ChunkTranscript, DecodedSegment, Span

FINGERPRINT = {"size": 10, "mtime_ns": 1, "sampled_sha256": "c0ffee", "duration_samples": 32000}


def transcript(index: int) -> ChunkTranscript:
    span = Span(index * 16000, (index + 1) * 16000)
    segment = DecodedSegment(0, 16000, f" chunk {index}")
    return ChunkTranscript(Chunk(index, (span,), span), (segment,), "en", candidates=(("en", 0.9), ("es", 0.1)))


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    return JobStore(tmp_path / ".longscribe")


def test_chunks_come_back_as_committed_and_a_second_start_resumes(store: JobStore) -> None:
    job, status = store.start("/rec/talk.wav", "key1", FINGERPRINT, {"beam_size": 5})
    assert status == "new"
    for index in (0, 1):
        store.commit(job.id, transcript(index))
    assert store.count(job.id) == 2
    assert store.results(job.id) == {0: transcript(0), 1: transcript(1)}
    again, status = store.start("/rec/talk.wav", "key1", FINGERPRINT, {"beam_size": 5})
    assert (again.id, status) == (job.id, "resumed")


def test_changed_options_or_input_start_over_and_say_why(store: JobStore) -> None:
    job, _ = store.start("/rec/talk.wav", "key1", FINGERPRINT, {"beam_size": 5})
    store.commit(job.id, transcript(0))
    changed, status = store.start("/rec/talk.wav", "key2", FINGERPRINT, {"beam_size": 2})
    assert status == "restarted: options changed" and store.count(changed.id) == 0
    moved = {**FINGERPRINT, "sampled_sha256": "beef"}
    _, status = store.start("/rec/talk.wav", "key3", moved, {"beam_size": 2})
    assert status == "restarted: input changed"


def test_a_job_is_found_by_id_path_and_content_and_keeps_its_info(store: JobStore) -> None:
    job, _ = store.start("/rec/talk.wav", "key1", FINGERPRINT, {})
    store.finish(job.id, COMPLETE, {"language": "en"})
    assert store.get(job.id) == store.find("/rec/talk.wav") == store.find_content("c0ffee")
    found = store.get(job.id)
    assert found is not None and found.status == COMPLETE and found.info == {"language": "en"}
    assert store.find_content("nothing") is None and store.get("nope") is None


def test_a_second_holder_of_the_same_input_is_refused(store: JobStore, tmp_path: Path) -> None:
    other = JobStore(tmp_path / ".longscribe")
    with store.lock("/rec/talk.wav"), pytest.raises(JobLockedError, match="being transcribed by another process"):
        with other.lock("/rec/talk.wav"):
            pass
    with other.lock("/rec/talk.wav"):  # free again
        pass


def test_a_revision_is_stored_only_from_the_latest_and_a_job_with_corrections_is_never_discarded(
    store: JobStore,
) -> None:
    job, _ = store.start("/rec/talk.wav", "key1", FINGERPRINT, {"beam_size": 5})
    store.commit(job.id, transcript(0))
    store.finish(job.id, COMPLETE, {"language": "en"})
    assert store.latest_revision(job.id) == 0
    assert store.add_revision(job.id, 0, "1 word changed", {"segments": []}) == 1
    with pytest.raises(RevisionConflict, match="made from revision 0, but revision 1 is the latest") as caught:
        store.add_revision(job.id, 0, "stale", {"segments": [1]})
    assert caught.value.latest == 1 and store.revision_list(job.id)[0][::2] == (1, "1 word changed")
    assert store.revision_document(job.id, 1) is not None and store.revision_document(job.id, 2) is None

    other, status = store.start("/rec/talk.wav", "key2", FINGERPRINT, {"beam_size": 2})  # transcribed again
    assert status == "restarted: options changed" and store.find("/rec/talk.wav") == other
    kept = store.get(job.id)
    assert kept is not None and kept.status == SUPERSEDED and store.count(job.id) == 1
    assert store.latest_revision(job.id) == 1, "its corrections are kept, found by its id"
    back, status = store.start("/rec/talk.wav", "key1", FINGERPRINT, {"beam_size": 5})  # as it was: it comes back
    assert (back.id, status) == (job.id, "resumed") and store.find("/rec/talk.wav") == back
    assert store.get(other.id) is None and store.latest_revision(job.id) == 1
    store.discard("/rec/talk.wav", corrected=True)  # deleting is what was asked
    assert store.get(job.id) is None and store.revision_list(job.id) == []
