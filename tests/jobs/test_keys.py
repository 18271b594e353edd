"""Job keys are pinned: a job left unfinished resumes after any change that keeps the options' meaning.

The keys below were computed before the options learned their own kinds (issue 35); a refactor
that changes one would make every unfinished job start over.
"""

from __future__ import annotations

import pytest

from longscribe.jobs.fingerprint import key_of, options_identity
from longscribe.options import TranscribeOptions, VadOptions

FINGERPRINT = {"size": 1000, "mtime_ns": 1, "sampled_sha256": "ab" * 32, "duration_samples": 16000}
PINNED = [
    (TranscribeOptions(), "35e4333fd74e7d901dea"),
    (TranscribeOptions(language="en", beam_size=2), "4b7fb98858f42934ab6a"),
    (
        TranscribeOptions(timestamps="decoded", vad_options=VadOptions(threshold=0.4), chunk_seconds=20.0),
        "23af11186513c1254129",
    ),
    (
        TranscribeOptions(initial_prompt="Ana, Ben", temperatures=(0.2, 0.4), seed=3, task="translate"),
        "70db4d1b5114090d18db",
    ),
    # placement and speed never change the words: the same job as the defaults
    (TranscribeOptions(workers=2, batch_size=8, cpu_threads=1, ray="local", use_tuning=True), "35e4333fd74e7d901dea"),
    # speakers come with word times, as the command and the server always asked for them
    (TranscribeOptions(diarize="speakers"), "32322b65a1ab9228f399"),
    (TranscribeOptions(word_timestamps=True), "32322b65a1ab9228f399"),
    # an option added later is in the key only when used: a job started before it keeps its key
    (TranscribeOptions(vocabulary=()), "35e4333fd74e7d901dea"),
    (TranscribeOptions(vocabulary=("Digium",)), "cda2a6945d67374e29cb"),
]


def key(options: TranscribeOptions, model_path: str = "/nonexistent/base") -> str:
    identity = options_identity(options, model_path=model_path, engine="ct2", device="cpu", compute_type="int8")
    return key_of(FINGERPRINT, identity)


@pytest.mark.parametrize(("options", "expected"), PINNED)
def test_the_job_key_of_these_options_is_what_it_was(options: TranscribeOptions, expected: str) -> None:
    assert key(options) == expected


@pytest.mark.model
def test_the_job_key_with_the_bundled_base_model_is_what_it_was() -> None:
    from longscribe.models import resolve_model

    assert key(TranscribeOptions(), resolve_model("base").path) == "a0f2868507ed329e5ee8"
