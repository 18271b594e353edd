"""A corrected transcript read from JSON: what is taken, and the first bad field named when it is not."""

from __future__ import annotations

from typing import Any

import pytest

from longscribe.errors import DocumentError
from longscribe.revisions import parse_document


def doc(**segment: Any) -> dict[str, Any]:
    base = {"start": 1.0, "end": 2.0, "text": " Hi there"}
    return {"segments": [{**base, **segment}], "speakers": ["Ana", {"speaker": "Ben"}], "info": {"ignored": True}}


def test_a_document_is_read_with_or_without_words_and_speakers_by_name_or_entry() -> None:
    (plain,) = parse_document(doc())
    assert (plain.start, plain.end, plain.text, plain.words, plain.speaker) == (16000, 32000, " Hi there", (), None)
    words = [
        {"start": 1.0, "end": 1.4, "word": " Hi", "probability": 1.7},
        {"start": 1.5, "end": 2.0, "word": " there"},
    ]
    (timed,) = parse_document(doc(words=words, speaker="Ben", language="en"))
    assert [w.text for w in timed.words] == [" Hi", " there"] and timed.speaker == "Ben" and timed.language == "en"
    assert [w.probability for w in timed.words] == [1.0, 1.0], "a probability is within 0..1"
    assert parse_document({"segments": []}) == ()


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ([], "document"),
        ({"segments": [1]}, "segments[0]"),
        (doc(start=-1), "segments[0].start"),
        (doc(end=float("nan")), "segments[0].end"),
        (doc(start=True), "segments[0].start"),
        (doc(end=0.5), "segments[0].end"),
        (doc(text=None), "segments[0].text"),
        (doc(text="x" * 10_001), "segments[0].text"),
        (doc(speaker="Zed"), "segments[0].speaker"),
        (doc(speaker="x" * 101), "segments[0].speaker"),
        ({"segments": [], "speakers": ["a\nb"]}, "speakers[0]"),
        ({"segments": [], "speakers": "Ana"}, "speakers"),
        (doc(words="Hi"), "segments[0].words"),
        (doc(words=[{"start": 1, "end": 2}]), "segments[0].words[0]"),
        (doc(words=[{"start": 1.5, "end": 1.4, "word": " Hi there"}]), "segments[0].words[0].start"),
        (doc(words=[{"start": 1.0, "end": 1.5, "word": " Hi there", "probability": "high"}]),
         "segments[0].words[0].probability"),
        (doc(words=[{"start": 1.0, "end": 1.5, "word": " Hello"}]), "segments[0].words"),
    ],
)  # fmt: skip
def test_a_malformed_document_names_its_first_bad_field(document: Any, field: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(document)
    assert caught.value.field == field and "\n" not in str(caught.value)
