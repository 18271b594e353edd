"""Diarization error and cost: the pyannote sample, conversations of five voices, and the harder
test recordings (``longscribe.benchmarks.conversations.RECIPES``), against an anchor.

    python bench/diarization.py [--seeds 0,1,2,3,4] [--minutes 4] [--threads 1] [--one-voice FILE] [--json OUT]
        [--recipes all|none|NAME,...] [--anchor PYTHON] [--anchor-thresholds 0.5,0.6,0.7]
        [--hop S] [--max-embed S|all] [--max-linked N] [--agreement F] [--same-voice F] [--models DIR]

For the pyannote sample (two speakers, its RTTM), one conversation per seed (five voices of
../shared/data that occur nowhere else in it, turns of 2-15 s) and each recipe (built from
../shared/data and data/voices; ``held_out`` marks those of voices no setting was chosen on),
runs longscribe's Diarizer once, fed as the pipeline feeds it (the VAD's speech included), then
scores the turns with the speaker count estimated and given, each with a 0.25 s collar and
without, and counts the seconds labelled inside music alone (0.25 s from its edges). With
``--anchor``, the same recordings go through sherpa-onnx's pipeline on the same two models
(``bench/diarization_anchor.py``, run by that interpreter) at each threshold, and with the count
given; the threshold reported is the one best on the recipes that are not held out.
Reports the speakers found, the windows embedded (the others linked), and the process CPU
seconds spent per hour of audio; for each ``--one-voice`` file, the share of the talk given
to the speaker heard most.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from longscribe.audio import AudioStream  # noqa: E402
from longscribe.benchmarks.conversations import RECIPES, build  # noqa: E402
from longscribe.benchmarks.recordings import CONVERSATION_VOICES, write_conversation  # noqa: E402
from longscribe.diarize import DiarizeOptions, Diarizer  # noqa: E402
from longscribe.diarize import turns as diarize_turns  # noqa: E402
from longscribe.diarize.sessions import DiarizationModels  # noqa: E402
from longscribe.metrics import diarization_error_rate, read_rttm  # noqa: E402
from longscribe.options import TranscribeOptions  # noqa: E402
from longscribe.vad.chunking import plan_chunks  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VOICES = Path(__file__).resolve().parents[1] / "data" / "voices"
MUSIC = [DATA / "music_drascula_a.mp3", DATA / "music_drascula_b.mp3"]


def diarized(models: DiarizationModels, path: Path, options: DiarizeOptions) -> tuple[Diarizer, float, float]:
    """The Diarizer after the whole file, fed as the pipeline feeds it (alongside the VAD, whose speech
    it is given at the end), and the process CPU and wall seconds it took (the VAD's included)."""
    diarizer = Diarizer(models, options)
    cpu, wall = time.process_time(), time.perf_counter()
    heard: list[tuple[int, int]] = []
    with AudioStream(path) as stream:
        for chunk in plan_chunks(stream, TranscribeOptions(), diarizer.feed):
            heard.extend((s.start, s.end) for s in chunk.speech or ())
    diarizer.finish(heard)
    return diarizer, time.process_time() - cpu, time.perf_counter() - wall


def embedded(diarizer: Diarizer) -> dict[str, int]:
    """How many windows there were, and how many of them were embedded (the rest linked)."""
    windows = diarizer.windows
    return {"windows": len(windows), "windows_embedded": sum(windows.has_embedding(w) for w in range(len(windows)))}


def one_voice(models: DiarizationModels, path: Path, options: DiarizeOptions) -> dict[str, Any]:
    """A recording of one voice: the share of the talk that goes to the speaker heard most."""
    diarizer, cpu, _ = diarized(models, path, options)
    audio_s = diarizer.samples / 16000
    talk: dict[int, float] = {}
    for turn in diarizer.turns():
        talk[turn.speaker] = talk.get(turn.speaker, 0.0) + turn.end_s - turn.start_s
    return {"file": path.name, "audio_s": round(audio_s, 1), "cpu_s_per_audio_hour": round(cpu / audio_s * 3600, 1),
            **embedded(diarizer),
            "speakers_found": len(talk), "talk_s": sorted((round(t, 1) for t in talk.values()), reverse=True),
            "top_share": round(max(talk.values()) / sum(talk.values()), 4) if talk else 0.0}  # fmt: skip


Turns = list[tuple[float, float, str]]


def scored(reference: Turns, turns: Turns, music: Sequence[tuple[float, float]] = ()) -> dict[str, Any]:
    """DER and its parts with a 0.25 s collar and without, the speakers found, the seconds labelled
    inside music alone."""
    out: dict[str, Any] = {}
    for collar in (0.25, 0.0):
        errors = diarization_error_rate(reference, turns, collar=collar)
        parts = {p: round(getattr(errors, p), 4) for p in ("der", "missed", "false_alarm", "confusion")}
        out[f"collar{collar:g}"] = {**parts, "speakers_found": errors.speakers}
    out["music_labelled_s"] = round(sum(max(0.0, min(e, b - 0.25) - max(s, a + 0.25)) for s, e, _ in turns
                                        for a, b in music), 2)  # fmt: skip
    return out


def run(
    models: DiarizationModels,
    path: Path,
    reference: Turns,
    speakers: int,
    options: DiarizeOptions,
    music: Sequence[tuple[float, float]] = (),
) -> dict[str, Any]:
    diarizer, cpu, wall = diarized(models, path, options)
    audio_s = diarizer.samples / 16000
    out: dict[str, Any] = {"file": path.name, "audio_s": round(audio_s, 1), "speakers": speakers,
                           "cpu_s_per_audio_hour": round(cpu / audio_s * 3600, 1),
                           "wall_s_per_audio_hour": round(wall / audio_s * 3600, 1), **embedded(diarizer)}  # fmt: skip
    for mode, told in (("estimated", options), ("given", replace(options, num_speakers=speakers))):
        result = scored(reference, [(t.start_s, t.end_s, str(t.speaker)) for t in diarizer.turns(told)], music)
        out.update({f"{mode}_{key}": value for key, value in result.items() if key.startswith("collar")})
        out[f"{mode}_music_labelled_s"] = result["music_labelled_s"]
    return out


def anchor(python: str, path: Path, reference: Turns, speakers: int, thresholds: Sequence[float],
           music: Sequence[tuple[float, float]]) -> dict[str, Any]:  # fmt: skip
    """sherpa-onnx's pipeline at each threshold and with the count given, scored as :func:`run` is."""
    script = Path(__file__).with_name("diarization_anchor.py")
    out: dict[str, Any] = {}
    for label, args in [*((f"threshold{t:g}", ["--threshold", str(t)]) for t in thresholds),
                        ("given", ["--clusters", str(speakers)])]:  # fmt: skip
        done = subprocess.run([python, str(script), str(path), *args], check=True, capture_output=True, text=True)
        out[label] = scored(reference, [(a, b, str(c)) for a, b, c in json.loads(done.stdout)], music)
    return out


def recipe_rows(models: DiarizationModels, options: DiarizeOptions, args: argparse.Namespace,
                folder: Path) -> list[dict[str, Any]]:  # fmt: skip
    """Each chosen recipe built, diarized and scored (and run through the anchor); the anchor's
    threshold chosen on the recipes that are not held out."""
    names = [] if args.recipes == "none" else None if args.recipes == "all" else args.recipes.split(",")
    thresholds = [float(t) for t in args.anchor_thresholds.split(",")]
    rows = []
    for recipe in RECIPES:
        if names is not None and recipe.name not in names:
            continue
        path = folder / f"{recipe.name}.wav"
        reference, music = build(recipe, path, shared=DATA, voices=VOICES, music=MUSIC)
        row = {"recipe": recipe.name, "held_out": recipe.held_out, "voices": list(recipe.voices),
               **run(models, path, reference, len(recipe.voices), options, music)}  # fmt: skip
        if args.anchor:
            row["anchor"] = anchor(args.anchor, path, reference, len(recipe.voices), thresholds, music)
        rows.append(row)
        path.unlink()
    tuning = [row for row in rows if not row["held_out"] and "anchor" in row]
    if tuning:
        best = min(thresholds, key=lambda t: sum(r["anchor"][f"threshold{t:g}"]["collar0.25"]["der"] for r in tuning))
        for row in rows:
            row["anchor"]["estimated"] = row["anchor"][f"threshold{best:g}"]
            row["anchor"]["threshold"] = best
    return rows


def print_recipes(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        e, g = row["estimated_collar0.25"], row["given_collar0.25"]
        line = (f"{row['recipe']:<14}{' (held out)' if row['held_out'] else '           '} "
                f"found {e['speakers_found']:2d} of {row['speakers']:2d}: DER {e['der']:6.1%}; count given "
                f"{g['der']:6.1%}; in music {row['estimated_music_labelled_s']:.1f} s")  # fmt: skip
        if "anchor" in row and "estimated" in row["anchor"]:
            a, ag = row["anchor"]["estimated"]["collar0.25"], row["anchor"]["given"]["collar0.25"]
            line += (f" | sherpa-onnx (threshold {row['anchor']['threshold']:g}) found {a['speakers_found']:2d}: "
                     f"DER {a['der']:6.1%}; given {ag['der']:6.1%}")  # fmt: skip
        print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--hop", type=float, default=DiarizeOptions.hop_seconds, help="seconds between windows")
    parser.add_argument(
        "--max-linked", type=int, default=DiarizeOptions.max_linked, help="windows in a row linked, not embedded"
    )
    parser.add_argument(
        "--max-embed",
        type=lambda v: None if v == "all" else float(v),
        default=DiarizeOptions.max_embed_seconds,
        help="seconds embedded of each local speaker, or all",
    )
    parser.add_argument(
        "--agreement", type=float, default=diarize_turns.AGREEMENT, help="overlap agreement needed to link a window"
    )
    parser.add_argument(
        "--same-voice",
        type=float,
        default=diarize_turns.SAME_VOICE,
        help="similarity at which linked windows stay linked",
    )
    parser.add_argument("--one-voice", type=Path, action="append", default=[], help="a one-voice file (repeatable)")
    parser.add_argument("--models", type=Path, default=None, help="a folder of other diarization models")
    parser.add_argument("--recipes", default="all", help="all, none, or names of RECIPES (comma-separated)")
    parser.add_argument("--anchor", default=None, help="a Python with sherpa-onnx: compare with its pipeline")
    parser.add_argument("--anchor-thresholds", default="0.5,0.6,0.7")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    diarize_turns.AGREEMENT = args.agreement
    diarize_turns.SAME_VOICE = args.same_voice
    models = DiarizationModels(args.models, threads=args.threads)
    options = DiarizeOptions(hop_seconds=args.hop, max_embed_seconds=args.max_embed, max_linked=args.max_linked)
    sample = DATA / "pyannote_sample.wav"
    rows = [run(models, sample, read_rttm(sample.with_suffix(".rttm").read_text()), 2, options)]
    with tempfile.TemporaryDirectory() as folder:
        for seed in (int(s) for s in args.seeds.split(",")):
            voices = {name: [DATA / f for f in files] for name, files in CONVERSATION_VOICES.items()}
            path = Path(folder) / f"conversation-{seed}.wav"
            reference = write_conversation(voices, path, minutes=args.minutes, seed=seed)
            rows.append(run(models, path, reference, len(CONVERSATION_VOICES), options))
        recipes = recipe_rows(models, options, args, Path(folder))
    for row in rows:
        e, g = row["estimated_collar0.25"], row["given_collar0.25"]
        print(f"{row['file']:<22} found {e['speakers_found']} of {row['speakers']}: DER {e['der']:.1%} "
              f"(no collar {row['estimated_collar0']['der']:.1%}); count given {g['der']:.1%} "
              f"(no collar {row['given_collar0']['der']:.1%}); {row['cpu_s_per_audio_hour']:.0f} CPU-s/h, "
              f"{row['windows_embedded']} of {row['windows']} windows embedded")  # fmt: skip
    print_recipes(recipes)
    singles = [one_voice(models, path, options) for path in args.one_voice]
    for row in singles:
        print(f"{row['file']:<22} one voice: {row['speakers_found']} found, the most heard has "
              f"{row['top_share']:.2%} of the talk; {row['cpu_s_per_audio_hour']:.0f} CPU-s/h, "
              f"{row['windows_embedded']} of {row['windows']} windows embedded")  # fmt: skip
    if args.json:
        doc = {
            "date": date.today().isoformat(),
            "command": " ".join(["python", *sys.argv]),
            "cpu": platform.processor() or platform.machine(),
            "threads": args.threads,
            "options": asdict(options),
            "agreement": args.agreement,
            "runs": rows,
            "recipes": recipes,
            "one_voice": singles,
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
