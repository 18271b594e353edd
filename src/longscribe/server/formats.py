"""OpenAI's audio API shapes: request fields to a job request, a finished job to a response, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from longscribe.errors import OptionsError
from longscribe.options import speaker_fields
from longscribe.server.board import JobRequest, ServerJob
from longscribe.server.uploads import Upload, UploadError
from longscribe.writers import WRITERS

RESPONSE_FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
WRITTEN_AS = {"text": "txt", "verbose_json": "json"}
"""The written format whose media type an OpenAI response format is answered with."""
KNOWN_FIELDS = {
    "model",
    "language",
    "prompt",
    "temperature",
    "response_format",
    "timestamp_granularities[]",
    "timestamp_granularities",
    "stream",
    "word_timestamps",
    "diarize",
    "num_speakers",
    "min_speakers",
    "max_speakers",
    "again",
}
LANGUAGES = {
    "en": "english", "zh": "chinese", "de": "german", "es": "spanish", "ru": "russian", "ko": "korean",
    "fr": "french", "ja": "japanese", "pt": "portuguese", "tr": "turkish", "pl": "polish", "ca": "catalan",
    "nl": "dutch", "ar": "arabic", "sv": "swedish", "it": "italian", "id": "indonesian", "hi": "hindi",
    "fi": "finnish", "vi": "vietnamese", "he": "hebrew", "uk": "ukrainian", "el": "greek", "ms": "malay",
    "cs": "czech", "ro": "romanian", "da": "danish", "hu": "hungarian", "ta": "tamil", "no": "norwegian",
    "th": "thai", "ur": "urdu", "hr": "croatian", "bg": "bulgarian", "lt": "lithuanian", "la": "latin",
    "mi": "maori", "ml": "malayalam", "cy": "welsh", "sk": "slovak", "te": "telugu", "fa": "persian",
    "lv": "latvian", "bn": "bengali", "sr": "serbian", "az": "azerbaijani", "sl": "slovenian", "kn": "kannada",
    "et": "estonian", "mk": "macedonian", "br": "breton", "eu": "basque", "is": "icelandic", "hy": "armenian",
    "ne": "nepali", "mn": "mongolian", "bs": "bosnian", "kk": "kazakh", "sq": "albanian", "sw": "swahili",
    "gl": "galician", "mr": "marathi", "pa": "punjabi", "si": "sinhala", "km": "khmer", "sn": "shona",
    "yo": "yoruba", "so": "somali", "af": "afrikaans", "oc": "occitan", "ka": "georgian", "be": "belarusian",
    "tg": "tajik", "sd": "sindhi", "gu": "gujarati", "am": "amharic", "yi": "yiddish", "lo": "lao",
    "uz": "uzbek", "fo": "faroese", "ht": "haitian creole", "ps": "pashto", "tk": "turkmen", "nn": "nynorsk",
    "mt": "maltese", "sa": "sanskrit", "lb": "luxembourgish", "my": "myanmar", "bo": "tibetan",
    "tl": "tagalog", "mg": "malagasy", "as": "assamese", "tt": "tatar", "haw": "hawaiian", "ln": "lingala",
    "ha": "hausa", "ba": "bashkir", "jw": "javanese", "su": "sundanese", "yue": "cantonese",
}  # fmt: skip
"""Whisper's language codes and the English names OpenAI's API answers with."""


def media_type(fmt: str) -> str:
    """The media type of a written format (txt, srt, ...) or an OpenAI response format, from the writer registry."""
    return WRITERS[WRITTEN_AS.get(fmt, fmt)].media_type


def error_body(
    message: str, kind: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def parse_request(upload: Upload, task: str, client: str) -> tuple[JobRequest, str, bool, bool]:
    """The job request, the response format, whether to stream, and whether word times were asked for."""
    unknown = sorted(set(upload.fields) - KNOWN_FIELDS)
    if unknown:
        raise UploadError(400, f"unsupported field {unknown[0]!r}", unknown[0])
    fmt = (upload.one("response_format") or "json").strip()
    if fmt not in RESPONSE_FORMATS:
        raise UploadError(
            400, f"response_format must be one of {', '.join(RESPONSE_FORMATS)}, got {fmt!r}", "response_format"
        )
    granularities = upload.fields.get("timestamp_granularities[]", []) + upload.fields.get(
        "timestamp_granularities", []
    )
    bad = [g for g in granularities if g not in ("word", "segment")]
    if bad:
        raise UploadError(
            400, f"timestamp_granularities must be word or segment, got {bad[0]!r}", "timestamp_granularities[]"
        )
    words = "word" in granularities or _flag(upload.one("word_timestamps"), "word_timestamps")
    language = (upload.one("language") or "").strip().lower() or None
    if language is not None and language not in LANGUAGES:
        raise UploadError(400, f"unknown language {language!r} (use a code such as en)", "language")
    temperature = _number(upload.one("temperature"), "temperature")
    prompt = (upload.one("prompt") or "").strip() or None
    stream = _flag(upload.one("stream"), "stream")
    request = JobRequest(task, language, prompt, temperature, words, upload.filename, client, **_speakers(upload))
    return request, fmt, stream, words


def wants_again(upload: Upload) -> bool:
    """``again=true``: transcribe the file anew even when a finished job has it with the same options."""
    return _flag(upload.one("again"), "again")


def _speakers(upload: Upload) -> dict[str, Any]:
    """``diarize`` (true, speakers or channels) and the speaker counts, checked as the command checks them."""
    mode: str | None = (upload.one("diarize") or "").strip().lower()
    counts = {name: _count(upload.one(name), name) for name in ("num_speakers", "min_speakers", "max_speakers")}
    mode = None if mode in ("", "false", "0") else "speakers" if mode in ("true", "1") else mode
    if mode not in (None, "speakers", "channels"):
        raise UploadError(400, f"diarize must be true, speakers or channels, got {mode!r}", "diarize")
    try:
        speaker_fields(
            mode,
            num_speakers=counts["num_speakers"],
            min_speakers=counts["min_speakers"],
            max_speakers=counts["max_speakers"],
        )
    except OptionsError as exc:
        raise UploadError(400, str(exc), exc.field or "diarize") from None
    return {"diarize": mode, **counts} if mode else {}


def _count(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit():
        raise UploadError(400, f"{name} must be a whole number, got {value!r}", name)
    return int(value)


def _flag(value: str | None, name: str) -> bool:
    if value is None or value.strip().lower() in ("", "false", "0"):
        return False
    if value.strip().lower() in ("true", "1"):
        return True
    raise UploadError(400, f"{name} must be true or false, got {value!r}", name)


def _number(value: str | None, name: str) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise UploadError(400, f"{name} must be a number, got {value!r}", name) from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise UploadError(400, f"{name} must be within 0..1, got {value!r}", name)
    return number


def response(fmt: str, job: ServerJob, folder: Path, words: bool) -> tuple[str, str]:
    """(body, media type) of a finished job, as OpenAI's API answers ``response_format``."""
    doc = json.loads((folder / "result.json").read_text())
    text = doc["text"]
    if fmt == "text":
        return text + "\n", media_type("text")
    if fmt in ("srt", "vtt"):
        return (folder / f"result.{fmt}").read_text(), media_type(fmt)
    if fmt == "json":
        return json.dumps({"text": text, "usage": _usage(job)}, ensure_ascii=False), media_type("json")
    verbose: dict[str, Any] = {
        "task": job.request.task,
        "language": LANGUAGES.get(job.language or "", job.language or ""),
        "duration": round(job.duration, 3),
        "text": text,
        "segments": [_segment(s) for s in doc["segments"]],
        "usage": _usage(job),
    }
    if words:
        verbose["words"] = [
            {"word": w["word"].strip(), "start": w["start"], "end": w["end"]}
            for s in doc["segments"]
            for w in s.get("words", [])
        ]
    return json.dumps(verbose, ensure_ascii=False), media_type("verbose_json")


def _segment(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": s["id"],
        "seek": int(s.get("chunk", 0)),
        "start": s["start"],
        "end": s["end"],
        "text": s["text"],
        "tokens": [],
        "temperature": 0.0,
        "avg_logprob": s["avg_logprob"],
        "compression_ratio": s["compression_ratio"],
        "no_speech_prob": s["no_speech_prob"],
        **({"speaker": s["speaker"]} if "speaker" in s else {}),
    }


def _usage(job: ServerJob) -> dict[str, Any]:
    return {"type": "duration", "seconds": round(job.duration, 3)}
