"""Live speakers: the test conversations streamed through a live session with ``--diarize``.

    python bench/live_speakers.py [--model tiny.en] [--joins 0.475,0.5,0.525,0.55,0.575]
        [--recipes pyannote_sample,meeting4,many8,podcast3,meeting4-held,many9-held,podcast3-held]
        --out docs/results/live-speakers.json

Each recording (the pyannote sample with its RTTM, and each recipe of
``longscribe.benchmarks.conversations``) goes through :class:`longscribe.live.LiveSession` as fast
as it decodes, labelling speakers utterance by utterance (:mod:`longscribe.diarize.online`). Each
utterance's own speakers are kept, so the stream's speakers are found again at each ``--joins``
value without diarizing again. Scored with a 0.25 s collar against who speaks when, next to the
file diarizer's turns (what ``--final-pass`` gives). The join reported is the one best on the
recordings that are not held out; the held-out ones say how it generalises.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402

from longscribe import Transcriber  # noqa: E402
from longscribe.audio import AudioStream  # noqa: E402
from longscribe.benchmarks.conversations import RECIPES, Recipe, build  # noqa: E402
from longscribe.cli.bench import machine  # noqa: E402
from longscribe.diarize import Diarizer  # noqa: E402
from longscribe.diarize.online import JOIN, LocalVoices, OnlineSpeakers  # noqa: E402
from longscribe.diarize.sessions import DiarizationModels  # noqa: E402
from longscribe.live import LiveRun, LiveSession  # noqa: E402
from longscribe.live.capture import StreamCapture  # noqa: E402
from longscribe.live.utterances import for_live  # noqa: E402
from longscribe.metrics import diarization_error_rate, read_rttm  # noqa: E402
from longscribe.options import DiarizeOptions, TranscribeOptions  # noqa: E402
from longscribe.placement import detect  # noqa: E402
from longscribe.types import SAMPLE_RATE  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VOICES = Path(__file__).resolve().parents[1] / "data" / "voices"
MUSIC = [DATA / "music_drascula_a.mp3", DATA / "music_drascula_b.mp3"]
TUNING = ("pyannote_sample", "meeting4", "many8", "podcast3")


class Recorded(OnlineSpeakers):
    """Online speakers that keep what each utterance's own diarization found, and its cost."""

    def __init__(self, models: DiarizationModels, options: DiarizeOptions) -> None:
        super().__init__(models, options)
        self.utterances: list[tuple[int, LocalVoices]] = []
        self.cpu_seconds = 0.0

    def local(self, audio: np.ndarray) -> LocalVoices:
        started = time.process_time()
        found = super().local(audio)
        self.cpu_seconds += time.process_time() - started
        self.utterances.append((0, found))
        return found

    def label(self, start: int, audio: np.ndarray, segments: Any) -> Any:
        labelled = super().label(start, audio, segments)
        self.utterances[-1] = (start, self.utterances[-1][1])
        return labelled


def replayed(models: DiarizationModels, utterances: list[tuple[int, LocalVoices]], join: float) -> list[tuple]:
    """The stream's turns (seconds) had the utterances' voices been matched at ``join``."""
    speakers = OnlineSpeakers(models, DiarizeOptions())
    turns = []
    for start, local in utterances:
        ids = speakers.match(local.sums, local.counts, local.seconds, join=join)
        turns += [((start + t.start) / SAMPLE_RATE, (start + t.end) / SAMPLE_RATE, ids[t.speaker]) for t in local.turns]
    return turns


def scored(reference: list[tuple], turns: list[tuple]) -> dict[str, float]:
    errors = diarization_error_rate(reference, [(s, e, str(k)) for s, e, k in turns])
    return {"der": round(errors.der, 4), "confusion": round(errors.confusion, 4), "speakers": errors.speakers}


def one(name: str, audio: Path, reference: list[tuple], args: argparse.Namespace) -> dict[str, Any]:
    models = DiarizationModels()
    options = TranscribeOptions(model=args.model, language="en", diarize="speakers")
    transcriber = Transcriber(for_live(options))
    speakers = Recorded(models, DiarizeOptions())
    session = LiveSession(transcriber.engine, transcriber.decoding, speakers=speakers)
    started = time.monotonic()
    for _ in LiveRun(session, StreamCapture(str(audio))).events():
        pass
    wall = time.monotonic() - started
    heard = session.heard / SAMPLE_RATE
    diarizer = Diarizer(models)
    with AudioStream(audio) as stream:
        for block in stream.windows(SAMPLE_RATE * 30):
            diarizer.feed(block)
    file_turns = [(t.start_s, t.end_s, t.speaker) for t in diarizer.finish()]
    return {
        "recording": name,
        "held_out": name not in TUNING,
        "seconds": round(heard, 1),
        "speakers_true": len({s for _, _, s in reference}),
        "utterances": len(speakers.utterances),
        "labelling_cpu_s_per_audio_hour": round(speakers.cpu_seconds / heard * 3600, 1),
        "live_wall_s": round(wall, 1),
        "file": scored(reference, file_turns),
        "online": {f"{join:g}": scored(reference, replayed(models, speakers.utterances, join)) for join in args.joins},
    }


def recordings(names: list[str], tmp: Path) -> list[tuple[str, Path, list[tuple]]]:
    out = []
    if "pyannote_sample" in names:
        rttm = read_rttm((DATA / "pyannote_sample.rttm").read_text())
        out.append(("pyannote_sample", DATA / "pyannote_sample.wav", rttm))
    chosen: list[Recipe] = [r for r in RECIPES if r.name in names]
    for recipe in chosen:
        path = tmp / f"{recipe.name}.wav"
        turns, _ = build(recipe, path, shared=DATA, voices=VOICES, music=MUSIC)
        out.append((recipe.name, path, turns))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny.en")
    parser.add_argument(
        "--joins", default="0.475,0.5,0.525,0.55,0.575", type=lambda s: [float(x) for x in s.split(",")]
    )
    parser.add_argument(
        "--recipes", default="pyannote_sample,meeting4,many8,podcast3,meeting4-held,many9-held,podcast3-held"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [one(name, path, ref, args) for name, path, ref in recordings(args.recipes.split(","), Path(tmp))]
    tuning = [r for r in results if not r["held_out"]] or results
    best = min(args.joins, key=lambda j: statistics.mean(r["online"][f"{j:g}"]["der"] for r in tuning))
    report = {"machine": machine(detect()), "model": args.model, "join_default": JOIN, "join_best_on_tuning": best,
              "recordings": results}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    for r in results:
        online = " ".join(f"{j}:{v['der']:.3f}/{v['speakers']}" for j, v in r["online"].items())
        print(f"{r['recording']:16} true {r['speakers_true']} file {r['file']['der']:.3f}/{r['file']['speakers']}"
              f"  online {online}  ({r['labelling_cpu_s_per_audio_hour']} cpu s/h)")  # fmt: skip
    print(f"best join on the tuning recordings: {best}")


if __name__ == "__main__":
    main()
