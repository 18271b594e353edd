"""Tests of a decode: a repetition loop, too unsure, or silence.

Whisper retries any window whose gzip compression ratio exceeds 2.4. On VAD
chunks of real speech that fires on legitimate repetition (an IVR menu says
"to decrease your volume ... to decrease your volume"), and a sampled retry
then loses words. So a loop is detected directly, as an n-gram repeated back
to back; the compression ratio only triggers a retry when it is extreme.
"""

from __future__ import annotations

import re
import zlib

from longscribe.options import TranscribeOptions

MAX_NGRAM = 10
MIN_LOOP_WORDS = 6  # an n-gram repeated back to back covering at least this many words
MIN_REPEATS = 3
SINGLE_WORD_REPEATS = 4  # "you you you you"
EXTREME_RATIO_FACTOR = 1.25


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def repetition_loop(text: str) -> str | None:
    """The repeated phrase if ``text`` loops, else None."""
    words = _words(text)
    for n in range(1, MAX_NGRAM + 1):
        needed = SINGLE_WORD_REPEATS if n == 1 else max(MIN_REPEATS, -(-MIN_LOOP_WORDS // n))
        for i in range(0, len(words) - n * needed + 1):
            gram = words[i : i + n]
            repeats = 1
            while words[i + repeats * n : i + (repeats + 1) * n] == gram:
                repeats += 1
            if repeats >= needed:
                return " ".join(gram)
    return None


def is_silence(avg_logprob: float, no_speech_prob: float, options: TranscribeOptions) -> bool:
    """The model says there is no speech and is not confident about the text it produced."""
    if options.no_speech_threshold is None or no_speech_prob <= options.no_speech_threshold:
        return False
    return options.log_prob_threshold is None or avg_logprob < options.log_prob_threshold


def retry_reason(text: str, avg_logprob: float, options: TranscribeOptions, *, truncated: bool = False) -> str | None:
    """Why this decode should be retried at a higher temperature, or None if it is fine."""
    if truncated:
        return "decode ran to the maximum length"
    loop = repetition_loop(text)
    if loop:
        return f"repetition loop: {loop!r}"
    ratio = compression_ratio(text)
    limit = options.compression_ratio_threshold
    if limit is not None and ratio > limit * EXTREME_RATIO_FACTOR:
        return f"compression ratio {ratio:.2f} > {limit * EXTREME_RATIO_FACTOR:.2f}"
    if options.log_prob_threshold is not None and avg_logprob < options.log_prob_threshold:
        return f"average log-probability {avg_logprob:.2f} < {options.log_prob_threshold}"
    return None
