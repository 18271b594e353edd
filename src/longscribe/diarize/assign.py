"""Speakers onto a transcript: each word to the speaker who dominates its span, segments cut where
the speaker changes, and the per-speaker summary.

The text is never changed: a segment is cut only between its timed words when they spell its
text exactly; otherwise it goes whole to the speaker who dominates it.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from longscribe.diarize.turns import Turn
from longscribe.errors import OptionsError
from longscribe.types import SAMPLE_RATE, Segment, SpeakerTurn, TranscriptInfo, Word, seconds


def speaker_label(speaker: int, names: Sequence[str] = ()) -> str:
    """``SPEAKER_00`` ... in order of first appearance, or the name given for that place."""
    return names[speaker] if speaker < len(names) else f"SPEAKER_{speaker:02d}"


def labelled_turns(
    turns: Iterable[Turn], names: Sequence[str] = (), voices: Mapping[int, str] | None = None
) -> list[SpeakerTurn]:
    """The turns with each speaker's label: the name of the enrolled voice it matched (``voices``), or
    for the others, in order of first appearance, ``names`` and then ``SPEAKER_NN`` (by speaker)."""
    turns = list(turns)
    voices = voices or {}
    rest = [s for s in dict.fromkeys(t.speaker for t in turns) if s not in voices]
    label = {s: names[i] if i < len(names) else speaker_label(s) for i, s in enumerate(rest)} | dict(voices)
    return [SpeakerTurn(t.start, t.end, label[t.speaker]) for t in turns]


def speaker_summary(turns: Sequence[SpeakerTurn], voices: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """Each speaker in order of first appearance: talk time (overlaps count for both), first and last
    time; for a speaker named after an enrolled voice (``voices``: name -> similarity), the voice and
    how similar."""
    out: dict[str, dict[str, Any]] = {}
    for t in sorted(turns, key=lambda t: t.start):
        entry = out.setdefault(t.speaker, {"speaker": t.speaker, "samples": 0, "first": t.start, "last": t.end})
        entry["samples"] += t.end - t.start
        entry["last"] = max(entry["last"], t.end)
    voices = voices or {}
    return [
        {
            "speaker": e["speaker"],
            "seconds": round(seconds(e["samples"]), 3),
            "first": round(seconds(e["first"]), 3),
            "last": round(seconds(e["last"]), 3),
            **({"voice": e["speaker"], "similarity": voices[e["speaker"]]} if e["speaker"] in voices else {}),
        }
        for e in out.values()
    ]


TURN_PAUSE = SAMPLE_RATE
"""A pause this long between two stretches of one speaker's words ends their turn (turns read from segments)."""


def turns_of(segments: Iterable[Segment]) -> list[SpeakerTurn]:
    """Who speaks when, read from segments that say who speaks them (a corrected transcript): a turn
    for each run of one speaker's words, from the first word's start to the last one's end, broken
    at a pause of ``TURN_PAUSE``."""
    turns: list[SpeakerTurn] = []
    for segment in segments:
        if segment.speaker is None:
            continue
        start = segment.words[0].start if segment.words else segment.start
        end = max(segment.words[-1].end if segment.words else segment.end, start)
        last = turns[-1] if turns else None
        if last is not None and last.speaker == segment.speaker and start - last.end < TURN_PAUSE:
            turns[-1] = replace(last, end=max(last.end, end))
        else:
            turns.append(SpeakerTurn(start, end, segment.speaker))
    return turns


LOOKBACK = 30 * SAMPLE_RATE
"""Spans are asked in time order, give or take this much."""


class _Timeline:
    """Who speaks over a span, for spans asked in time order (give or take ``LOOKBACK``)."""

    def __init__(self, turns: Sequence[SpeakerTurn]) -> None:
        self.turns = sorted(turns, key=lambda t: (t.start, t.end))
        self._starts = [t.start for t in self.turns]
        self._first = 0  # turns before this one end before every span still to come

    def dominant(self, start: int, end: int) -> str | None:
        """The speaker who speaks longest within ``[start, end)`` (the first heard on a tie); None: nobody."""
        while self._first < len(self.turns) and self.turns[self._first].end <= start - LOOKBACK:
            self._first += 1
        talk: dict[str, int] = {}
        for turn in self.turns[self._first :]:
            if turn.start >= end:
                break
            overlap = min(end, turn.end) - max(start, turn.start)
            if overlap > 0:
                talk[turn.speaker] = talk.get(turn.speaker, 0) + overlap
        return max(talk, key=talk.__getitem__) if talk else None

    def nearest(self, start: int, end: int) -> str | None:
        """The speaker of a turn close in time (for words in a pause between turns)."""
        if not self.turns:
            return None
        middle = (start + end) // 2
        i = bisect.bisect(self._starts, middle)
        near = self.turns[max(0, i - 4) : i + 1]
        return min(near, key=lambda t: max(t.start - middle, middle - t.end, 0)).speaker


def assign_speakers(segments: Iterable[Segment], turns: Sequence[SpeakerTurn]) -> list[Segment]:
    """The segments with ``speaker`` set, cut where the speaker changes between two words."""
    timeline = _Timeline(turns)
    out: list[Segment] = []
    for segment in segments:
        words = list(segment.words)
        if words and "".join(w.text for w in words) == segment.text:
            out.extend(_split(segment, words, timeline))
        else:
            speaker = timeline.dominant(segment.start, segment.end) or timeline.nearest(segment.start, segment.end)
            out.append(replace(segment, speaker=speaker))
    return out


def _split(segment: Segment, words: list[Word], timeline: _Timeline) -> list[Segment]:
    speakers: list[str | None] = []
    for word in words:
        speaker = timeline.dominant(word.start, max(word.end, word.start + 1))
        if speaker is None:  # in a pause: the speaker of the words before it, else the closest turn
            speaker = speakers[-1] if speakers else timeline.nearest(word.start, word.end)
        speakers.append(speaker)
    pieces: list[Segment] = []
    first = 0
    for i in range(1, len(words) + 1):
        if i == len(words) or speakers[i] != speakers[first]:
            run = words[first:i]
            start = segment.start if first == 0 else run[0].start
            end = segment.end if i == len(words) else run[-1].end
            text = "".join(w.text for w in run)
            pieces.append(replace(segment, start=start, end=max(end, start), text=text, words=tuple(run),
                                  speaker=speakers[first]))  # fmt: skip
            first = i
    return pieces


def parse_renames(pairs: Sequence[str]) -> dict[str, str]:
    """``["SPEAKER_00=Ana", "SPEAKER_01=Ben"]`` or ``["SPEAKER_00=Ana,SPEAKER_01=Ben"]`` (as
    ``--speaker-names`` takes a comma list) -> ``{"SPEAKER_00": "Ana", ...}``."""
    renames: dict[str, str] = {}
    for pair in (piece for given in pairs for piece in given.split(",")):
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise OptionsError(f"--rename takes OLD=NEW (e.g. SPEAKER_00=Ana), got {pair!r}", "rename")
        renames[old.strip()] = new.strip()
    return renames


def renamed(info: TranscriptInfo, renames: dict[str, str]) -> TranscriptInfo:
    """The info with speakers renamed; a name that is not a speaker of it, or two speakers given one
    name, is an error."""
    if not renames:
        return info
    known = [entry["speaker"] for entry in info.speakers]
    unknown = [old for old in renames if old not in known]
    if unknown:
        have = ", ".join(known) or "none: transcribe with --diarize"
        raise OptionsError(f"no speaker {', '.join(unknown)} in this transcript (speakers: {have})", "rename")
    names = [renames.get(k, k) for k in known]
    if len(set(names)) != len(names):
        raise OptionsError(f"--rename would give two speakers one name: {', '.join(names)}", "rename")
    turns = [replace(t, speaker=renames.get(t.speaker, t.speaker)) for t in info.speaker_turns]
    speakers = [{**entry, "speaker": renames.get(entry["speaker"], entry["speaker"])} for entry in info.speakers]
    return replace(info, speaker_turns=turns, speakers=speakers)
