"""Edits keep word times by the rules, and any sequence of them on a real transcript stays a valid
document whose exports parse (srt with ``srt``, vtt with ``webvtt-py``, docx with python-docx)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from longscribe.revisions import Revision, parse_document, revision_info
from longscribe.revisions.document import words_spell
from longscribe.revisions.edits import edit_words, merge, move, rename, retime, set_text, split, summary
from longscribe.types import SAMPLE_RATE, Segment, TranscriptInfo, Word
from longscribe.writers import OutputOptions, render

S = SAMPLE_RATE


def words(*timed: tuple[float, float, str]) -> tuple[Word, ...]:
    return tuple(Word(int(a * S), int(b * S), f" {t}", 0.8) for a, b, t in timed)


SAID = words((1.0, 1.4, "the"), (1.5, 2.0, "quick"), (2.1, 2.6, "brown"), (3.0, 3.5, "fox"))
SEGMENT = Segment(SAID[0].start, SAID[-1].end, "".join(w.text for w in SAID), SAID, speaker="SPEAKER_00")


def test_unchanged_words_keep_their_times_replaced_ones_share_the_span_inserted_ones_the_gap() -> None:
    out = retime(SAID, ["the", "slow", "red", "brown", "and", "fox"], SEGMENT.start, SEGMENT.end)
    assert [w.text for w in out] == [" the", " slow", " red", " brown", " and", " fox"]
    assert out[0] == SAID[0] and out[3] == SAID[2] and out[5] == SAID[3], "unchanged words keep their times"
    assert (out[1].start, out[2].end) == (SAID[1].start, SAID[1].end) and out[1].end == out[2].start
    assert (out[4].start, out[4].end) == (SAID[2].end, SAID[3].start), "an inserted word: the time between"
    assert out[1].probability == 1.0 and out[0].probability == 0.8
    deleted = retime(SAID, ["the", "fox"], SEGMENT.start, SEGMENT.end)
    assert deleted == (SAID[0], SAID[3])


def test_a_segment_edited_says_its_words_and_an_emptied_one_is_gone() -> None:
    changed = set_text(SEGMENT, "the quick  brown cat")
    assert changed is not None and changed.text == " the quick brown cat" and changed.edited
    cat = changed.words[3]
    assert changed.words[:3] == SAID[:3] and (cat.start, cat.end) == (SAID[3].start, SAID[3].end)
    assert set_text(SEGMENT, "   ") is None and edit_words(SEGMENT, 0, 4, []) is None
    first, rest = split(SEGMENT, 2)
    assert first.text == " the quick" and rest.text == " brown fox" and first.end == rest.start == SAID[2].start
    assert merge(first, rest).words == SAID
    moved = move([SEGMENT], 0, "Ana", from_word=3)
    assert [(s.speaker, s.text) for s in moved] == [("SPEAKER_00", " the quick brown"), ("Ana", " fox")]


def test_the_summary_says_what_changed() -> None:
    other = Segment(4 * S, 5 * S, " jumps over", words((4.0, 4.4, "jumps"), (4.5, 5.0, "over")), speaker="SPEAKER_01")
    before = [SEGMENT, other]
    assert summary(before, before) == "no change"
    assert summary(before, [set_text(SEGMENT, "a quick brown fox"), other]) == "1 word changed"
    assert summary(before, rename(before, "SPEAKER_00", "Ana")) == "SPEAKER_00 renamed Ana"
    assert summary(before, rename(before, "SPEAKER_01", "SPEAKER_00")) == "SPEAKER_01 merged into SPEAKER_00"
    assert summary(before, move(before, 0, "SPEAKER_01", from_word=3)) == "1 word moved from SPEAKER_00 to SPEAKER_01"


# -- random edits on real transcripts ---------------------------------------------


@pytest.fixture(scope="module")
def transcripts(tiny_transcriber: Any, data_dir: Path) -> list[tuple[list[Segment], TranscriptInfo]]:
    """A conversation with its speakers, and a speech without (tiny.en, as transcribed)."""
    out = []
    for name, changes in (("pyannote_sample.wav", {"diarize": "speakers"}), ("jfk.flac", {"word_timestamps": True})):
        transcription = tiny_transcriber.with_options(**changes).transcribe(data_dir / name)
        out.append((list(transcription), transcription.info))
    return out


Edit = Callable[[list[Segment]], list[Segment]]


@st.composite
def an_edit(draw: st.DrawFn, segments: Sequence[Segment]) -> Edit:
    n = len(segments)
    i = draw(st.integers(0, n - 1))
    word = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Z"]), min_size=1, max_size=12)
    kind = draw(st.sampled_from(["replace", "insert", "delete", "split", "merge", "rename", "move", "retype"]))
    segment = segments[i]
    k = draw(st.integers(0, max(0, len(segment.words) - 1)))
    texts = draw(st.lists(word, min_size=1, max_size=3))
    speakers = sorted({s.speaker for s in segments if s.speaker}) or ["SPEAKER_00"]
    name = draw(st.sampled_from([*speakers, "Ana <b>", "Ben & Co"]))

    def apply(segs: list[Segment]) -> list[Segment]:
        segs = list(segs)
        if kind in ("replace", "insert", "delete") and segment.words:
            j = k if kind == "insert" else k + 1
            changed = edit_words(segment, k, j, [] if kind == "delete" else texts)
            segs[i : i + 1] = [] if changed is None else [changed]
        elif kind == "retype":
            changed = set_text(segment, " ".join(texts) + " " + segment.text)
            segs[i : i + 1] = [] if changed is None else [changed]
        elif kind == "split" and 0 < k < len(segment.words):
            segs[i : i + 1] = list(split(segment, k))
        elif kind == "merge" and i + 1 < len(segs):
            segs[i : i + 2] = [merge(segment, segs[i + 1])]
        elif kind == "rename" and segment.speaker:
            segs = rename(segs, segment.speaker, name)
        elif kind == "move" and segment.speaker:
            segs = move(segs, i, name, from_word=k)
        return segs

    return apply


def check(segments: Sequence[Segment], info: TranscriptInfo) -> None:
    """Valid, as a document and in every format."""
    import docx
    import srt
    import webvtt

    revision = Revision(1, tuple(segments), 0.0, "")
    info = revision_info(info, revision)
    exported = json.loads(render("json", segments, info, OutputOptions(words=True)))
    again = parse_document(exported)
    assert [s.text for s in again] == [s.text for s in segments]
    assert all(a.start <= b.start for a, b in zip(again, again[1:])), "times stay in order"
    for s in again:
        assert s.start <= s.end and (not s.words or words_spell(s.words, s.text))
        assert all(a.start <= b.start and a.start <= a.end for a, b in zip(s.words, s.words[1:]))
    cues = list(srt.parse(render("srt", segments, info).decode()))
    assert all(c.start <= c.end for c in cues) and all(a.start <= b.start for a, b in zip(cues, cues[1:]))
    read = getattr(webvtt, "from_buffer", None) or webvtt.read_buffer  # the older versions: read_buffer
    assert len(read(io.StringIO(render("vtt", segments, info).decode())).captions) == len(cues)
    paragraphs = docx.Document(io.BytesIO(render("docx", segments, info))).paragraphs
    assert paragraphs[0].style.name == "Heading 1" and all(p.style.name == "Normal" for p in paragraphs[1:])
    if info.speaker_turns:
        assert {t.speaker for t in info.speaker_turns} == {s.speaker for s in segments if s.speaker and s.text.strip()}
        render("rttm", segments, info)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_edits_give_valid_documents_whose_exports_parse(
    transcripts: list[tuple[list[Segment], TranscriptInfo]], data: st.DataObject
) -> None:
    segments, info = data.draw(st.sampled_from(transcripts))
    for _ in range(data.draw(st.integers(1, 8))):
        if not segments:
            break
        segments = data.draw(an_edit(segments))(segments)
    check(segments, info)
