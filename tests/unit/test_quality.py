from __future__ import annotations

from longscribe.engines.quality import is_silence, repetition_loop, retry_reason
from longscribe.options import TranscribeOptions

OPTS = TranscribeOptions()


def test_hallucinated_word_loops_are_detected() -> None:
    assert repetition_loop("You you you you") == "you"
    assert repetition_loop(" Thank you for watching. Thank you for watching. Thank you for watching.") is not None


def test_legitimate_repetition_in_speech_is_not_a_loop() -> None:
    text = "To decrease your speaking volume to other participants, to decrease your speaking volume."
    assert repetition_loop(text) is None
    assert retry_reason(text, -0.2, OPTS) is None


def test_unsure_or_truncated_decodes_are_retried() -> None:
    assert retry_reason("hello there", -1.5, OPTS) is not None
    assert retry_reason("hello there", -0.1, OPTS, truncated=True) is not None


def test_silence_needs_both_no_speech_and_low_confidence() -> None:
    assert is_silence(-1.2, 0.9, OPTS)
    assert not is_silence(-0.2, 0.9, OPTS)
    assert not is_silence(-1.2, 0.1, OPTS)
