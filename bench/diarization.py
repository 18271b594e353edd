"""Diarization error and cost: the pyannote sample and conversations built from five voices.

    python bench/diarization.py [--seeds 0,1,2,3,4] [--minutes 4] [--threads 1] [--one-voice FILE] [--json OUT]
        [--hop S] [--max-embed S|all] [--max-linked N] [--agreement F] [--models DIR]

For the pyannote sample (two speakers, its RTTM) and one conversation per seed (five voices
of ../shared/data that occur nowhere else in it, turns of 2-15 s; the reference from
``longscribe.benchmarks.recordings.write_conversation``), runs longscribe's Diarizer once, then scores
the turns with the speaker count estimated and given, each with a 0.25 s collar and without.
Reports the speakers found, the windows embedded (the others linked), and the process CPU
seconds spent per hour of audio; for each ``--one-voice`` file, the share of the talk given
to the speaker heard most.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from longscribe.audio import AudioStream  # noqa: E402
from longscribe.benchmarks.recordings import CONVERSATION_VOICES, write_conversation  # noqa: E402
from longscribe.diarize import DiarizeOptions, Diarizer  # noqa: E402
from longscribe.diarize import turns as diarize_turns  # noqa: E402
from longscribe.diarize.sessions import DiarizationModels  # noqa: E402
from longscribe.metrics import diarization_error_rate, read_rttm  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def diarized(models: DiarizationModels, path: Path, options: DiarizeOptions) -> tuple[Diarizer, float, float]:
    """The Diarizer after the whole file, and the process CPU and wall seconds it took."""
    diarizer = Diarizer(models, options)
    cpu, wall = time.process_time(), time.perf_counter()
    with AudioStream(path) as stream:
        for block in stream.windows(30 * 16000):
            diarizer.feed(block)
    diarizer.finish()
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


def run(
    models: DiarizationModels,
    path: Path,
    reference: list[tuple[float, float, str]],
    speakers: int,
    options: DiarizeOptions,
) -> dict[str, Any]:
    diarizer, cpu, wall = diarized(models, path, options)
    audio_s = diarizer.samples / 16000
    out: dict[str, Any] = {"file": path.name, "audio_s": round(audio_s, 1), "speakers": speakers,
                           "cpu_s_per_audio_hour": round(cpu / audio_s * 3600, 1),
                           "wall_s_per_audio_hour": round(wall / audio_s * 3600, 1), **embedded(diarizer)}  # fmt: skip
    for mode, told in (("estimated", options), ("given", replace(options, num_speakers=speakers))):
        turns = [(t.start_s, t.end_s, str(t.speaker)) for t in diarizer.turns(told)]
        for collar in (0.25, 0.0):
            errors = diarization_error_rate(reference, turns, collar=collar)
            key = f"{mode}_collar{collar:g}"
            out[key] = {"der": round(errors.der, 4), "missed": round(errors.missed, 4),
                        "false_alarm": round(errors.false_alarm, 4), "confusion": round(errors.confusion, 4),
                        "speakers_found": errors.speakers}  # fmt: skip
    return out


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
    parser.add_argument("--one-voice", type=Path, action="append", default=[], help="a one-voice file (repeatable)")
    parser.add_argument("--models", type=Path, default=None, help="a folder of other diarization models")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    diarize_turns.AGREEMENT = args.agreement
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
    for row in rows:
        e, g = row["estimated_collar0.25"], row["given_collar0.25"]
        print(f"{row['file']:<22} found {e['speakers_found']} of {row['speakers']}: DER {e['der']:.1%} "
              f"(no collar {row['estimated_collar0']['der']:.1%}); count given {g['der']:.1%} "
              f"(no collar {row['given_collar0']['der']:.1%}); {row['cpu_s_per_audio_hour']:.0f} CPU-s/h, "
              f"{row['windows_embedded']} of {row['windows']} windows embedded")  # fmt: skip
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
            "one_voice": singles,
        }
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
