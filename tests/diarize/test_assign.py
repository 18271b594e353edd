"""Speakers onto a transcript: words to the speaker who dominates them, segments cut at changes, every
writer saying who speaks, RTTM back to the same turns, renaming after the fact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from longscribe.diarize.assign import assign_speakers, parse_renames, renamed, speaker_summary
from longscribe.diarize.turns import CELLS, WindowResult, WindowTable
from longscribe.errors import OptionsError
from longscribe.metrics import read_rttm
from longscribe.types import SAMPLE_RATE, Segment, SpeakerTurn, TranscriptInfo, Word
from longscribe.writers import OutputOptions, OutputSet, parse_formats
from longscribe.writers.cues import CueBuilder

S = SAMPLE_RATE


def said(start_s: float, text: str, step: float = 0.5) -> Segment:
    """A segment whose words are ``step`` apart, each 0.4 s long."""
    words = tuple(
        Word(int((start_s + i * step) * S), int((start_s + i * step + 0.4) * S), f" {w}", 0.9)
        for i, w in enumerate(text.split())
    )
    return Segment(words[0].start, words[-1].end, "".join(w.text for w in words), words, language="en")


def turn(start_s: float, end_s: float, speaker: str) -> SpeakerTurn:
    return SpeakerTurn(int(start_s * S), int(end_s * S), speaker)


TURNS = [turn(0.0, 2.1, "A"), turn(2.1, 4.0, "B"), turn(3.9, 4.2, "A")]


def test_a_segment_is_cut_where_the_speaker_changes_and_its_words_stay_as_they_were() -> None:
    segment = said(0.0, "one two three four. five six seven")  # five: 2.0-2.4, mostly B
    out = assign_speakers([segment], TURNS)
    assert [(s.speaker, s.text) for s in out] == [("A", " one two three four."), ("B", " five six seven")]
    assert "".join(s.text for s in out) == segment.text, "not one character changed"
    assert out[0].start == segment.start and out[-1].end == segment.end
    assert out[0].end <= out[1].start


def test_a_word_in_a_pause_keeps_the_speaker_before_it_and_a_segment_without_words_goes_whole() -> None:
    pause = said(10.0, "alpha beta gamma")
    turns = [turn(9.9, 10.45, "B"), turn(11.0, 11.5, "B")]  # beta (10.5-10.9) falls in the pause
    assert {s.speaker for s in assign_speakers([pause], turns)} == {"B"}
    bare = Segment(int(1.0 * S), int(3.5 * S), " no word times")
    (whole,) = assign_speakers([bare], TURNS)
    assert whole.speaker == "B" and whole.text == bare.text, "B speaks 1.9 s of it, A 1.1 s"
    far = assign_speakers([Segment(int(50 * S), int(51 * S), " later")], TURNS)
    assert far[0].speaker == "A", "after every turn: the nearest one"
    assert assign_speakers([bare], [])[0].speaker is None


def test_the_summary_counts_talk_time_in_order_of_first_appearance() -> None:
    assert speaker_summary(TURNS) == [
        {"speaker": "A", "seconds": 2.4, "first": 0.0, "last": 4.2},
        {"speaker": "B", "seconds": 1.9, "first": 2.1, "last": 4.0},
    ]


def test_a_window_survives_the_job_store_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    activity = rng.integers(0, 2, (CELLS, 3)).astype(np.uint8)
    vector = rng.standard_normal(192).astype(np.float32)
    window = WindowResult(160_000, activity, [vector, None, -vector], [True, False, False])
    back = WindowResult.from_bytes(160_000, window.to_bytes())
    assert np.array_equal(back.activity, activity) and back.clean == window.clean
    assert back.embeddings[1] is None
    assert back.embeddings[0] is not None and back.embeddings[0].tobytes() == vector.tobytes()
    with pytest.raises(ValueError):
        WindowResult.from_bytes(0, window.to_bytes()[:-1])


def test_the_window_table_gives_back_every_window_across_its_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(WindowTable, "BLOCK", 3)
    rng = np.random.default_rng(1)
    windows = []
    for w in range(8):
        vectors = [rng.standard_normal(192).astype(np.float32) if rng.random() < 0.6 else None for _ in range(3)]
        clean = [bool(rng.random() < 0.5) for _ in range(3)]
        windows.append(WindowResult(w * 40_000, rng.integers(0, 2, (CELLS, 3)).astype(np.uint8), vectors, clean))
    table = WindowTable()
    for window in windows:
        table.append(window)
    assert len(table) == 8
    expected = [(w, k) for w, window in enumerate(windows) for k, v in enumerate(window.embeddings) if v is not None]
    assert table.embedded() == expected
    for w, window in enumerate(windows):
        assert table.start(w) == window.start and np.array_equal(table.activity(w), window.activity)
        for k in range(3):
            assert table.clean(w, k) == window.clean[k]
            vector, kept = window.embeddings[k], table.embedding(w, k)
            assert (kept is None) if vector is None else (kept is not None and kept.tobytes() == vector.tobytes())


def info(turns: list[SpeakerTurn]) -> TranscriptInfo:
    return TranscriptInfo(
        "/rec/my talk.wav", "base", "/m", "path", "cpu", "int8", language="en", duration=5 * S, complete=True,
        speakers=speaker_summary(turns), speaker_turns=turns,
    )  # fmt: skip


def write_all(tmp_path: Path, segments: list[Segment], turns: list[SpeakerTurn]) -> dict[str, str]:
    with OutputSet(tmp_path, "talk", parse_formats("all", speakers=True), OutputOptions(words=True)) as out:
        for segment in assign_speakers(segments, turns):
            out.write(segment)
        paths = out.commit(info(turns))
    return {fmt: path.read_text() for fmt, path in paths.items() if fmt != "docx"}  # docx: tests/writers


def test_every_format_says_who_speaks(tmp_path: Path) -> None:
    turns = [turn(0.0, 2.5, "SPEAKER_00"), turn(2.5, 4.0, "Ana <b>")]
    out = write_all(tmp_path, [said(0.0, "Hello there, how are you? Fine thanks")], turns)
    assert out["txt"] == "SPEAKER_00: Hello there, how are you?\nAna <b>: Fine thanks\n"
    assert "[SPEAKER_00] Hello there, how are you?" in out["srt"] and "[Ana <b>] Fine thanks" in out["srt"]
    assert "<v SPEAKER_00>Hello there" in out["vtt"] and "<v Ana &lt;b&gt;>Fine thanks" in out["vtt"]
    assert out["tsv"].splitlines()[0].endswith("\tspeaker") and out["tsv"].splitlines()[2].endswith("\tAna <b>")
    doc = json.loads(out["json"])
    assert [s["speaker"] for s in doc["segments"]] == ["SPEAKER_00", "Ana <b>"]
    assert {w["speaker"] for w in doc["segments"][1]["words"]} == {"Ana <b>"}
    assert [s["speaker"] for s in doc["speakers"]] == ["SPEAKER_00", "Ana <b>"]
    assert "**SPEAKER\\_00:**" in out["md"] and '<b class="who">Ana &lt;b&gt;</b>' in out["html"]
    rttm = out["rttm"].splitlines()
    assert rttm[0] == "SPEAKER my_talk 1 0.000 2.500 <NA> <NA> SPEAKER_00 <NA> <NA>"
    assert read_rttm(out["rttm"]) == [(0.0, 2.5, "SPEAKER_00"), (2.5, 4.0, "Ana_<b>")]


def test_without_speakers_all_leaves_rttm_out_and_lines_are_unprefixed(tmp_path: Path) -> None:
    assert "rttm" not in parse_formats("all") and "rttm" in parse_formats("all", speakers=True)
    with OutputSet(tmp_path, "plain", ("txt",)) as out:
        out.write(said(0.0, "just me"))
        txt = out.commit(info([]))["txt"].read_text()
    assert txt == "just me\n"


def test_cues_never_span_two_speakers() -> None:
    builder = CueBuilder()
    one = assign_speakers([said(0.0, "a b c d e f g")], [turn(0.0, 2.0, "A"), turn(2.0, 4.0, "B")])
    cues = [cue for segment in one for cue in builder.add(segment)] + builder.finish()
    assert [(c.speaker, c.text) for c in cues] == [("A", "a b c d"), ("B", "e f g")]


def test_speakers_are_renamed_after_the_fact_and_bad_renames_are_refused() -> None:
    original = info([turn(0.0, 1.0, "SPEAKER_00"), turn(1.0, 2.0, "SPEAKER_01")])
    named = renamed(original, parse_renames(["SPEAKER_01=Ben", "SPEAKER_00 = Ana"]))
    assert [t.speaker for t in named.speaker_turns] == ["Ana", "Ben"]
    assert [s["speaker"] for s in named.speakers] == ["Ana", "Ben"]
    assert parse_renames(["SPEAKER_00=Ana,SPEAKER_01=Ben"]) == {"SPEAKER_00": "Ana", "SPEAKER_01": "Ben"}
    for bad in (["SPEAKER_00"], ["=Ana"], ["SPEAKER_00="], ["SPEAKER_00=Ana,Ben"], ["SPEAKER_00=Ana,"]):
        with pytest.raises(OptionsError, match="OLD=NEW"):
            parse_renames(bad)
    with pytest.raises(OptionsError, match="no speaker SPEAKER_07"):
        renamed(original, {"SPEAKER_07": "Cy"})
    with pytest.raises(OptionsError, match="two speakers one name"):
        renamed(original, {"SPEAKER_00": "SPEAKER_01"})
