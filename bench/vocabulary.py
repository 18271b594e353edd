"""A vocabulary's effect: how often its terms come out spelled right, what it does to every other
word, and whether a term ever appears where nobody says it.

    python bench/vocabulary.py [--model base] [--json OUT]

For each long-form recording of ../shared/data, the vocabulary is the list below: the names and
technical terms of the recording that the model (base) gets wrong at least once without one,
spelled as the reference spells them, as a user would list them after reading a first
transcript. The English list chose how the prompt spells the vocabulary (docs/benchmarks.md);
the Spanish list was then measured as it is.

Reported, without and with the recording's vocabulary: the recall of the terms (occurrences in
the reference found in the transcript, after the WER normalisation), the terms written more
often than the reference says them (a leak inside speech), the WER, and the WER away from the
terms (over the reference segments that hold none of them: thousands of words, where a change
is the vocabulary's doing elsewhere in a recording). Then each vocabulary is given to the short
clips and to the other language's long-form (which shares some terms, in another language), and
to the two music clips and a minute of silence, whose transcripts must stay empty.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np  # noqa: E402

from longscribe import Transcriber  # noqa: E402
from longscribe.audio.wav import open_wav, write_samples  # noqa: E402
from longscribe.benchmarks.recordings import RefSegment, read_segments  # noqa: E402
from longscribe.metrics import error_rates, normalize  # noqa: E402
from longscribe.types import SAMPLE_RATE  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

VOCABULARIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "longform_en_asterisk": (
        "en",
        ("Digium", "DAHDI", "IAX", "MGCP", "CLLI", "Comedian Mail", "Asterisk", "Celsius", "barometric", "campground"),
    ),
    "longform_es_asterisk": (
        "es",
        ("Digium", "Asterisk", "IAX", "PBX", "buzón", "contraseña", "urgencia", "autenticación", "consola"),
    ),
}
"""Each long-form recording's vocabulary (its language, its terms): the terms the model gets wrong
at least once without a vocabulary (base, 2026-12-06)."""
ELSEWHERE = {"en": ("jfk.flac", "lucier.mp3"), "es": ("librivox_es_galdos.mp3",)}
"""Recordings with references that hold none of the terms, by language."""
QUIET = ("music_drascula_a.mp3", "music_drascula_b.mp3")


def occurrences(words: Sequence[str], term: Sequence[str]) -> int:
    n = len(term)
    return sum(1 for i in range(len(words) - n + 1) if list(words[i : i + n]) == list(term))


def term_counts(reference: str, hypothesis: str, terms: Sequence[str], language: str) -> dict[str, list[int]]:
    """Each term: [times in the reference, times in the transcript], after the WER normalisation."""
    ref = normalize(reference, language).split()
    hyp = normalize(hypothesis, language).split()
    out = {}
    for term in terms:
        words = normalize(term, language).split()
        out[term] = [occurrences(ref, words), occurrences(hyp, words)]
    return out


def recall(counts: dict[str, list[int]]) -> float:
    said = sum(r for r, _ in counts.values())
    return sum(min(r, h) for r, h in counts.values()) / said if said else 1.0


def text_of(transcriber: Transcriber, path: Path) -> str:
    return " ".join(text for _, _, text in segments_of(transcriber, path))


def segments_of(transcriber: Transcriber, path: Path) -> list[tuple[float, float, str]]:
    return [(s.start_s, s.end_s, s.text.strip()) for s in transcriber.transcribe(path)]


def rest_wer(
    reference: list[RefSegment], hypothesis: list[tuple[float, float, str]], terms: Sequence[str], language: str
) -> dict[str, float | int]:
    """The WER of the words away from the terms: over the reference's segments that hold none of them,
    each against the transcript's segments that overlap it most."""
    heard: dict[int, list[str]] = {i: [] for i in range(len(reference))}
    for start, end, text in hypothesis:
        overlap, best = max((min(end, r.end) - max(start, r.start), i) for i, r in enumerate(reference))
        if overlap > 0:
            heard[best].append(text)
    wanted = [normalize(term, language).split() for term in terms]
    keep = [
        i
        for i, r in enumerate(reference)
        if not any(occurrences(normalize(r.text, language).split(), w) for w in wanted)
    ]
    said = " ".join(reference[i].text for i in keep)
    return error_rates(said, " ".join(t for i in keep for t in heard[i]), language).as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="base")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    base = Transcriber(model=args.model)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        silence = Path(folder) / "silence.wav"
        with open_wav(silence) as out:
            write_samples(out, np.zeros(60 * SAMPLE_RATE, dtype=np.float32))
        for name, (language, terms) in VOCABULARIES.items():
            reference = (DATA / f"{name}.txt").read_text(encoding="utf-8")
            row: dict[str, Any] = {"recording": name, "language": language, "terms": list(terms)}
            for given in ((), terms):
                key = "with" if given else "without"
                transcriber = base.with_options(language=language, vocabulary=given)
                segments = segments_of(transcriber, DATA / f"{name}.mp3")
                text = " ".join(t for _, _, t in segments)
                counts = term_counts(reference, text, terms, language)
                rest = rest_wer(read_segments(DATA / f"{name}.segments.tsv"), segments, terms, language)
                row[key] = {
                    "recall": round(recall(counts), 4),
                    "wer": error_rates(reference, text, language).as_dict()["wer"],
                    "wer_away_from_terms": rest["wer"],
                    "words_away_from_terms": rest["reference_words"],
                    "terms": counts,
                    "more_than_said": sorted(t for t, (r, h) in counts.items() if h > r),
                }
                elsewhere = []
                for other_language, others in ELSEWHERE.items():
                    other_files = [DATA / o for o in others]
                    other_files += [
                        DATA / f"{n}.mp3" for n, (lang, _) in VOCABULARIES.items() if lang == other_language
                    ]
                    other_files = [p for p in other_files if p.stem != name]
                    for path in other_files:
                        other = base.with_options(language=other_language, vocabulary=given)
                        hyp = text_of(other, path)
                        ref = path.with_suffix(".txt").read_text(encoding="utf-8")
                        elsewhere.append({
                            "recording": path.stem,
                            "wer": error_rates(ref, hyp, other_language).as_dict()["wer"],
                            "terms": sum(h for _, h in term_counts(ref, hyp, terms, other_language).values()),
                        })  # fmt: skip
                row[key]["elsewhere"] = elsewhere
                row[key]["quiet"] = {
                    path.name: text_of(base.with_options(language=language, vocabulary=given), path)
                    for path in (*(DATA / q for q in QUIET), silence)
                }
            rows.append(row)
            w, v = row["without"], row["with"]
            print(
                f"{name}: recall {w['recall']:.1%} -> {v['recall']:.1%}, WER {w['wer']:.2%} -> {v['wer']:.2%},"
                f" away from the terms {w['wer_away_from_terms']:.2%} -> {v['wer_away_from_terms']:.2%}"
                f" ({v['words_away_from_terms']} words), more than said: {v['more_than_said'] or 'none'}"
            )
            for a, b in zip(w["elsewhere"], v["elsewhere"]):
                print(f"  elsewhere {a['recording']}: WER {a['wer']:.2%} -> {b['wer']:.2%}, terms {b['terms']}")
            print(f"  music and silence: {v['quiet']}")
    if args.json:
        doc = {
            "date": date.today().isoformat(),
            "command": "python bench/vocabulary.py " + " ".join(sys.argv[1:]),
            "model": args.model,
            "rows": rows,
        }
        args.json.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
