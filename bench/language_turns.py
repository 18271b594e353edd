"""Short turns in another language: conversations of English voices and a Spanish reading, in turns of 5-19 s.

    python bench/language_turns.py --voices 5 --seeds 0 1 2 --out docs/results/language-turns-5voices.json
    python bench/language_turns.py --voices 3 --seeds 0 1 2 --out docs/results/language-turns-3voices.json

Each conversation (4 minutes, ``write_conversation``) is transcribed with the defaults
(base, language identified per stretch); then each Spanish turn is transcribed alone
with its language given. Per conversation: Spanish turns with Spanish text in them,
English turns of 2 s or more with any Spanish-tagged text, WER of the Spanish turns
(pooled, against the Galdós reading's text) here and alone, coverage warnings, wall time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from longscribe import Transcriber
from longscribe.audio import AudioStream
from longscribe.benchmarks.recordings import write_conversation
from longscribe.metrics import error_rates
from longscribe.types import SAMPLE_RATE

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
ENGLISH = {
    "allison": ["longform_en_asterisk.mp3"],
    "lucier": ["lucier.mp3"],
    "jfk": ["jfk.flac"],
    "lj": [f"ljspeech/LJ001-00{n}.wav" for n in ("02", "05", "08", "11", "16", "20")],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, choices=(3, 5), default=5, help="3: allison, lucier, galdos; 5: all")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--model", default="base")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    names = list(ENGLISH)[: args.voices - 1]
    voices = {n: [DATA / p for p in ENGLISH[n]] for n in names} | {"galdos": [DATA / "librivox_es_galdos.mp3"]}
    work = Path(tempfile.mkdtemp(prefix="longscribe-turns-"))
    transcriber = Transcriber(model=args.model)
    spanish_alone = transcriber.with_options(language="es")
    reference = (DATA / "librivox_es_galdos.txt").read_text()
    rows = []
    for seed in args.seeds:
        path = work / f"conversation{seed}.wav"
        turns = _turns(write_conversation(voices, path, minutes=4, seed=seed, turn_seconds=(5.0, 19.0)))
        started = time.perf_counter()
        transcription = transcriber.transcribe(path)
        segments = list(transcription)
        wall = time.perf_counter() - started
        with AudioStream(path) as stream:
            audio = np.concatenate(list(stream.windows(30 * SAMPLE_RATE)))
        here, alone, missing, mixed = [], [], [], []
        for start, end, voice in turns:
            ours = [s for s in segments if start - 0.5 <= (s.start_s + s.end_s) / 2 <= end + 0.5]
            if voice != "galdos":
                if end - start >= 2 and any(s.language == "es" for s in ours):
                    mixed.append([round(start, 1), round(end, 1)])
                continue
            spanish = "".join(s.text for s in ours if s.language == "es")
            if not spanish:
                missing.append([round(start, 1), round(end, 1)])
            here.append(spanish)
            turn = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
            alone_path = work / "turn.wav"
            _write(alone_path, turn)
            alone.append("".join(s.text for s in spanish_alone.transcribe(alone_path)))
        row = {
            "seed": seed,
            "seconds": round(turns[-1][1], 1),
            "spanish_turns": sum(v == "galdos" for _, _, v in turns),
            "spanish_turns_missing": missing,
            "english_turns_with_spanish": mixed,
            "wer_spanish_here": round(error_rates(reference, " ".join(here), "es").wer, 4),
            "wer_spanish_alone": round(error_rates(reference, " ".join(alone), "es").wer, 4),
            "warnings": transcription.info.warnings,
            "wall_s": round(wall, 1),
            "decisions": [d["decision"] for d in transcription.info.decisions],
        }
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "decisions"}))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"voices": list(voices), "model": args.model, "rows": rows}, indent=1) + "\n")
    return 0


def _turns(stretches: list[tuple[float, float, str]]) -> list[list]:
    """Consecutive stretches of one voice joined into its turn."""
    turns: list[list] = []
    for start, end, voice in stretches:
        if turns and turns[-1][2] == voice:
            turns[-1][1] = end
        else:
            turns.append([start, end, voice])
    return turns


def _write(path: Path, audio: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


if __name__ == "__main__":
    sys.exit(main())
