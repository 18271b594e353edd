"""Build a long benchmark input and its timed reference by concatenating ../shared/data.

    python bench/make_long.py --minutes 266 --out /tmp/long266.wav

writes ``long266.wav`` (16 kHz mono) and ``long266.segments.tsv`` (start_s, end_s, text),
cycling through the long-form recordings (English and Spanish, or --english-only).
Nothing here is committed: the inputs are rebuilt on demand.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from longscribe.benchmarks.recordings import read_segments, write_concat

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=266.0)
    parser.add_argument("--out", type=Path, required=True, help="the .wav to write (its .segments.tsv goes beside)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--english-only", action="store_true")
    args = parser.parse_args()
    names = ["longform_en_asterisk"] if args.english_only else ["longform_en_asterisk", "longform_es_asterisk"]
    sources = [args.data / f"{n}.mp3" for n in names]
    pieces = write_concat(sources, args.out, args.minutes)
    reference = args.out.with_suffix("").with_suffix(".segments.tsv")
    limit = args.minutes * 60
    with open(reference, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n")
        writer.writerow(["start_s", "end_s", "text"])
        for source, offset in pieces:
            for seg in read_segments(Path(source).with_suffix(".segments.tsv")):
                if offset + seg.end <= limit:
                    writer.writerow([f"{offset + seg.start:.3f}", f"{offset + seg.end:.3f}", seg.text])
    print(f"{args.out} ({args.minutes:g} min) and {reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
