"""A folder of short clips, one command: where each file's time goes.

    python bench/short_files.py --model base --out docs/results/short-files.json

The clips are consecutive two-second pieces of ``jfk.flac`` (words cut at both ends, as
clips of a longer recording often are). One ``longscribe transcribe DIR -f json`` run;
the JSON keeps the command's wall time and, per file, its transcription time and the
engine's stages from ``info.timings``, with the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

from longscribe.audio import AudioStream
from longscribe.cli.bench import machine
from longscribe.placement import detect
from longscribe.types import SAMPLE_RATE

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def write_clips(folder: Path, count: int, seconds: float) -> None:
    with AudioStream(DATA / "jfk.flac") as stream:
        audio = np.concatenate(list(stream.windows(SAMPLE_RATE)))
    size = int(seconds * SAMPLE_RATE)
    for n in range(count):
        pcm = (np.clip(audio[n * size : (n + 1) * size], -1, 1) * 32767).astype("<i2")
        with wave.open(str(folder / f"clip{n}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base")
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clips, out = Path(tmp) / "clips", Path(tmp) / "out"
        clips.mkdir()
        write_clips(clips, args.count, args.seconds)
        command = [sys.executable, "-m", "longscribe", "transcribe", str(clips), "-o", str(out)]
        command += ["--model", args.model, "-f", "json", "--quiet"]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - started
        files = []
        for doc_path in sorted(out.glob("*.json")):
            doc = json.loads(doc_path.read_text())
            timings = doc["info"]["timings"]
            retried = sum(d["decision"].startswith("t=0.2") for d in doc["info"]["decisions"])
            files.append({
                "file": doc_path.stem,
                "text": "".join(s["text"] for s in doc["segments"]).strip(),
                "transcribe_s": round(timings["transcribe"], 2),
                "encode_s": round(timings.get("engine.encode", 0.0), 2),
                "decode_s": round(timings.get("engine.decode", 0.0), 2),
                "retried": bool(retried),
            })  # fmt: skip
    result = {"command": " ".join(sys.argv), "model": args.model, "wall_s": round(wall, 2), "files": files,
              "machine": machine(detect())}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, indent=2))


if __name__ == "__main__":
    main()
