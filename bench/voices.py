"""Speakers named from the voice library: how often speech carries the right name, and whether a
voice that is not enrolled ever takes an enrolled one.

    python bench/voices.py [--setting shared|held] [--seeds 0,1,2,3,4] [--minutes 4] [--thresholds 0.7,...]
        [--json OUT]

Each seed builds the conversation of ``longscribe.benchmarks.conversations.ENROLMENTS[SETTING]``
(turns of 2-15 s) and enrols its voices: for "shared", the five voices of ../shared/data from the
first part of each one's recordings, three of them (Allison, Galdós and Lucier) enrolled from later
stretches that the conversation never uses, and six voices enrolled that are not in it; "held"
does the same with voices of data/voices (the threshold having been chosen on "shared").
For each threshold: the share of the enrolled voices' speech that carries their name (0.25 s from
the ends of a stretch of speech), the share of anyone's speech carrying a wrong name, and the
speakers found mostly of a voice not enrolled that were given a name (must be none). Also the
similarities of right and wrong pairs, and whether joining the speakers that sound like the same
enrolled voice (at the default threshold) into one would lower the DER.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402

from longscribe.benchmarks.conversations import ENROLMENTS, diarized_as_fed  # noqa: E402
from longscribe.benchmarks.recordings import write_conversation  # noqa: E402
from longscribe.diarize.enrol import enrol  # noqa: E402
from longscribe.diarize.library import match_voices  # noqa: E402
from longscribe.diarize.sessions import DiarizationModels  # noqa: E402
from longscribe.metrics import diarization_error_rate  # noqa: E402
from longscribe.options import DiarizeOptions  # noqa: E402

DEFAULT_THRESHOLD = DiarizeOptions.voice_threshold

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
VOICES = Path(__file__).resolve().parents[1] / "data" / "voices"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setting", default="shared", choices=sorted(ENROLMENTS))
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--thresholds", default="0.6,0.7,0.78,0.85")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    models = DiarizationModels()
    setting = ENROLMENTS[args.setting]
    library = [enrol(models, name, clips) for name, clips in setting.clips(shared=DATA, voices=VOICES).items()]
    thresholds = [float(t) for t in args.thresholds.split(",")]
    rows: list[dict[str, Any]] = []
    merges: list[dict[str, Any]] = []
    right_pairs: list[float] = []
    wrong_pairs: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        voices = setting.sources(Path(folder), shared=DATA, voices=VOICES)
        for seed in (int(s) for s in args.seeds.split(",")):
            target = Path(folder) / f"conversation-{seed}.wav"
            reference = write_conversation(voices, target, minutes=args.minutes, seed=seed)
            turns, centroids = diarized_as_fed(models, target).speakers()
            last = max([t.end_s for t in turns] + [e for _, e, _ in reference])
            truth = np.full(int(last * 100) + 1, "", dtype=object)  # who speaks, 10 ms at a time
            scored = np.ones(len(truth), dtype=bool)
            for start, end, voice in reference:
                truth[int(start * 100) : int(end * 100)] = voice
            for start, end, _ in reference:  # a 0.25 s collar, as the diarization error rate has
                for edge in (start, end):
                    scored[max(0, int(edge * 100) - 25) : int(edge * 100) + 25] = False
            said = np.full(len(truth), -1)
            for t in turns:
                said[int(t.start_s * 100) : int(t.end_s * 100)] = t.speaker
            majority = {}
            for s in range(len(centroids)):
                voices_heard, counts = np.unique(truth[(said == s) & (truth != "")], return_counts=True)
                majority[s] = str(voices_heard[np.argmax(counts)]) if len(counts) else ""
            similarity = centroids @ np.stack([v.centroid for v in library]).T
            for s in range(len(centroids)):
                for v, voice in enumerate(library):
                    (right_pairs if voice.name == majority[s] else wrong_pairs).append(float(similarity[s, v]))
            found = [(t.start_s, t.end_s, str(t.speaker)) for t in turns]
            alike = similarity >= DEFAULT_THRESHOLD  # speakers that sound like an enrolled voice
            first = {v: int(np.argmax(alike[:, v])) for v in range(len(library)) if alike[:, v].any()}
            joined = {s: first[v] for s in range(len(centroids)) for v in first if alike[s, v] and s != first[v]}
            merged = [(a, b, str(joined.get(int(who), int(who)))) for a, b, who in found]
            merges.append({
                "seed": seed,
                "joined": {majority[s]: majority[t] for s, t in joined.items()},
                "der": round(diarization_error_rate(reference, found).der, 4),
                "der_joined": round(diarization_error_rate(reference, merged).der, 4),
            })  # fmt: skip
            for threshold in thresholds:
                named = match_voices(centroids, library, threshold)
                label = np.array(
                    [named[s][0] if s in named else "" for s in range(len(centroids))] + [""], dtype=object
                )
                given = label[said]
                enrolled = np.isin(truth, list(setting.enrolled)) & scored
                rows.append({
                    "seed": seed,
                    "threshold": threshold,
                    "right": round(float(np.mean(given[enrolled] == truth[enrolled])), 4),
                    "wrong": round(float(np.mean((given != "") & (given != truth) & (truth != ""))), 4),
                    "named_strangers": sorted(majority[s] for s in named if majority[s] not in setting.enrolled),
                    "speakers": len(centroids),
                })  # fmt: skip
    print(f"right pairs: min {min(right_pairs):.3f}, mean {np.mean(right_pairs):.3f}")
    print(f"wrong pairs: max {max(wrong_pairs):.3f}, 99th percentile {np.percentile(wrong_pairs, 99):.3f}")
    for m in merges:
        print(f"seed {m['seed']}: speakers joined as one enrolled voice: {m['joined'] or 'none'},"
              f" DER {m['der']:.1%} -> {m['der_joined']:.1%}")  # fmt: skip
    for threshold in thresholds:
        mine = [r for r in rows if r["threshold"] == threshold]
        right = [r["right"] for r in mine]
        strangers = [s for r in mine for s in r["named_strangers"]]
        wrong = max(r["wrong"] for r in mine)
        print(
            f"threshold {threshold:.2f}: the right name on {min(right):.1%}-{max(right):.1%} of the enrolled"
            f" voices' speech, a wrong one on at most {wrong:.1%} of all speech; strangers named: {strangers or 'none'}"
        )
    if args.json:
        doc = {
            "date": date.today().isoformat(),
            "command": "python bench/voices.py " + " ".join(sys.argv[1:]),
            "right_pairs": sorted(round(x, 3) for x in right_pairs),
            "wrong_pairs": sorted(round(x, 3) for x in wrong_pairs)[-20:],
            "rows": rows,
            "joined": merges,
        }
        args.json.write_text(json.dumps(doc, indent=1) + "\n")


if __name__ == "__main__":
    main()
