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
