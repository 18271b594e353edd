"""Word and character error rates against a reference, after one documented normalisation.

Normalisation (both sides): Unicode accents stripped, lower case, numbers
written as words in the transcript's language (``num2words``), ``*``/``#`` read
as the words a phone prompt says, hyphens as spaces, every other punctuation
mark removed, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_SYMBOLS = {
    "en": {"*": " star ", "#": " pound ", "%": " percent ", "&": " and "},
    "es": {"*": " asterisco ", "#": " numeral ", "%": " por ciento "},
}


def _number_words(match: re.Match[str], language: str) -> str:
    from num2words import num2words

    text = match.group(0).replace(",", ".")
    try:
        return f" {num2words(float(text) if '.' in text else int(text), lang=language)} "
    except (NotImplementedError, OverflowError, ValueError):
        return f" {text} "


def normalize(text: str, language: str = "en") -> str:
    for symbol, word in _SYMBOLS.get(language, {}).items():
        text = text.replace(symbol, word)
    text = _NUMBER.sub(lambda m: _number_words(m, language), text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[-‐‑–—/]", " ", text)
    text = re.sub(r"\bcannot\b", "can not", text)
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class ErrorRates:
    wer: float
    cer: float
    reference_words: int

    def as_dict(self) -> dict[str, float | int]:
        return {"wer": round(self.wer, 4), "cer": round(self.cer, 4), "reference_words": self.reference_words}


def error_rates(reference: str, hypothesis: str, language: str = "en") -> ErrorRates:
    import jiwer

    ref = normalize(reference, language)
    hyp = normalize(hypothesis, language)
    if not ref:
        return ErrorRates(0.0 if not hyp else 1.0, 0.0 if not hyp else 1.0, 0)
    return ErrorRates(float(jiwer.wer(ref, hyp)), float(jiwer.cer(ref, hyp)), len(ref.split()))


@dataclass(frozen=True)
class DiarizationErrors:
    """Diarization error rate and its parts, as fractions of the reference's speech time."""

    der: float
    missed: float
    false_alarm: float
    confusion: float
    speakers: int
    """Speakers in the hypothesis."""


def diarization_error_rate(
    reference: list[tuple[float, float, str]],
    hypothesis: list[tuple[float, float, str]],
    *,
    collar: float = 0.25,
    step: float = 0.01,
) -> DiarizationErrors:
    """Frame-level DER of ``(start_s, end_s, speaker)`` turns, with the one-to-one speaker mapping that
    agrees most; time within ``collar`` seconds of a reference turn's start or end is not scored."""
    from itertools import permutations

    import numpy as np

    end = max([t[1] for t in reference + hypothesis], default=0.0)
    frames = int(np.ceil(end / step)) + 1

    def matrix(turns: list[tuple[float, float, str]]) -> tuple[np.ndarray, list[str]]:
        names = sorted({t[2] for t in turns})
        out = np.zeros((frames, len(names)), dtype=bool)
        for start, stop, name in turns:
            out[int(round(start / step)) : int(round(stop / step)), names.index(name)] = True
        return out, names

    ref, _ = matrix(reference)
    hyp, hyp_names = matrix(hypothesis)
    scored = np.ones(frames, dtype=bool)
    width = int(round(collar / step))
    for start, stop, _ in reference if width else ():
        for edge in (start, stop):
            scored[max(0, int(round(edge / step)) - width) : int(round(edge / step)) + width] = False
    ref, hyp = ref[scored], hyp[scored]
    together = ref.T.astype(np.int64) @ hyp.astype(np.int64)
    nr, nh = together.shape
    matched = 0
    if nr and nh:
        if min(nr, nh) <= 7 and max(nr, nh) <= 9:
            pairs = (
                [list(zip(range(nr), p)) for p in permutations(range(nh), nr)]
                if nr <= nh
                else [list(zip(p, range(nh))) for p in permutations(range(nr), nh)]
            )
            matched = max(sum(int(together[r, h]) for r, h in pair) for pair in pairs)
        else:  # greedy, for many speakers
            left = together.copy()
            for _ in range(min(nr, nh)):
                r, h = np.unravel_index(np.argmax(left), left.shape)
                matched += int(left[r, h])
                left[r, :], left[:, h] = -1, -1
    n_ref, n_hyp = ref.sum(axis=1), hyp.sum(axis=1)
    total = max(int(n_ref.sum()), 1)
    missed = int(np.maximum(n_ref - n_hyp, 0).sum())
    false_alarm = int(np.maximum(n_hyp - n_ref, 0).sum())
    confusion = int(np.minimum(n_ref, n_hyp).sum()) - matched
    return DiarizationErrors(
        (missed + false_alarm + confusion) / total, missed / total, false_alarm / total, confusion / total,
        len(hyp_names),
    )  # fmt: skip


def read_rttm(text: str) -> list[tuple[float, float, str]]:
    """``(start_s, end_s, speaker)`` turns of an RTTM file's SPEAKER lines."""
    turns = []
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "SPEAKER":
            start, duration = float(fields[3]), float(fields[4])
            turns.append((start, start + duration, fields[7]))
    return turns
