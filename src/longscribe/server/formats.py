"""OpenAI's audio API shapes: request fields to a job request, a finished job to a response, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from longscribe.errors import OptionsError
from longscribe.options import VadOptions, check_vocabulary, speaker_fields, vocabulary_terms
from longscribe.server.board import JobRequest, ServerJob
from longscribe.server.references import LIBRARY, NAMES
from longscribe.server.uploads import Upload, UploadError
from longscribe.writers import WRITERS

RESPONSE_FORMATS = ("json", "text", "srt", "vtt", "verbose_json", "diarized_json")
WRITTEN_AS = {"text": "txt", "verbose_json": "json", "diarized_json": "json"}
"""The written format whose media type an OpenAI response format is answered with."""
KNOWN_FIELDS = {
    "url",
    "latest",
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
    "voices",
    "known_speaker_names[]",
    "known_speaker_references[]",
    "keywords[]",
    "keywords",
    "chunking_strategy",
    *(f"chunking_strategy[{name}]" for name in ("type", "threshold", "prefix_padding_ms", "silence_duration_ms")),
    "include[]",
    "include",
    "again",
}
CHUNKING = {"threshold": "threshold", "prefix_padding_ms": "speech_pad_ms", "silence_duration_ms": "min_silence_ms"}
"""OpenAI's ``server_vad`` settings and the VadOptions fields they set."""
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


def parse_request(
    upload: Upload, task: str, client: str, voice_library: str | None = None
) -> tuple[JobRequest, str, bool, bool]:
    """The job request, the response format, whether to stream, and whether word times were asked for.
    ``voice_library``: the server's, for requests that ask for ``voices``. Known speakers' clips are
    not read here (:mod:`longscribe.server.references` enrols them)."""
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
    _include(upload)
    speakers = _speakers(upload, fmt, voice_library)
    request = JobRequest(
        task,
        language,
        prompt,
        temperature,
        words,
        upload.filename,
        client,
        **speakers,
        vocabulary=_keywords(upload),
        vad=_chunking(upload),
    )
    return request, fmt, stream, words


def _include(upload: Upload) -> None:
    """``include[]``: nothing can be added. Whisper engines here return no per-token log-probabilities."""
    for item in upload.fields.get("include[]", []) + upload.fields.get("include", []):
        if item == "logprobs":
            raise UploadError(
                400, "include logprobs: this server's engines do not return per-token log-probabilities", "include[]"
            )
        raise UploadError(400, f"include takes logprobs only, got {item!r}", "include[]")


def _keywords(upload: Upload) -> tuple[str, ...]:
    """``keywords[]``: the vocabulary, as the command's ``--vocabulary`` takes it."""
    terms = vocabulary_terms(upload.fields.get("keywords[]", []) + upload.fields.get("keywords", []))
    try:
        check_vocabulary(terms)
    except OptionsError as exc:
        raise UploadError(400, f"keywords: {exc}", "keywords[]") from None
    return terms


def _chunking(upload: Upload) -> dict[str, Any]:
    """``chunking_strategy``: "auto" (the VAD's defaults), or a ``server_vad`` object (as form fields
    ``chunking_strategy[threshold]`` ..., or as JSON) mapped to VadOptions fields."""
    given = {
        k[len("chunking_strategy[") : -1]: v for k, v in upload.fields.items() if k.startswith("chunking_strategy[")
    }
    plain = upload.one("chunking_strategy")
    if plain is not None and plain.strip() not in ("", "auto"):
        try:
            parsed = json.loads(plain)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise UploadError(
                400, f"chunking_strategy must be auto or a server_vad object, got {plain!r}", "chunking_strategy"
            )
        given |= {k: [str(v)] for k, v in parsed.items()}
    if not given:
        return {}
    kind = given.pop("type", [""])[-1]
    if kind != "server_vad":
        raise UploadError(400, f"chunking_strategy type must be server_vad, got {kind!r}", "chunking_strategy[type]")
    vad: dict[str, Any] = {}
    for name, values in given.items():
        param = f"chunking_strategy[{name}]"
        if name not in CHUNKING:
            raise UploadError(400, f"unsupported field {param!r}", param)
        try:
            vad[CHUNKING[name]] = float(values[-1]) if name == "threshold" else int(values[-1])
        except ValueError:
            raise UploadError(400, f"{param} must be a number, got {values[-1]!r}", param) from None
    try:
        VadOptions(**vad)
    except OptionsError as exc:
        param = f"chunking_strategy[{next(k for k, v in CHUNKING.items() if v == exc.field)}]"
        raise UploadError(400, str(exc).replace(str(exc.field), param, 1), param) from None
    return vad


def wants_again(upload: Upload) -> bool:
    """``again=true``: transcribe the file anew even when a finished job has it with the same options."""
    return _flag(upload.one("again"), "again")


def _speakers(upload: Upload, fmt: str, voice_library: str | None) -> dict[str, Any]:
    """``diarize`` (true, speakers or channels), the speaker counts and the voices to name them after,
    checked as the command checks them. ``diarized_json`` and known speakers imply ``diarize``."""
    mode: str | None = (upload.one("diarize") or "").strip().lower()
    counts = {name: _count(upload.one(name), name) for name in ("num_speakers", "min_speakers", "max_speakers")}
    known = tuple(upload.fields.get(NAMES, []))
    if mode in ("", "false", "0"):
        mode = "speakers" if fmt == "diarized_json" or known else None
    elif mode in ("true", "1"):
        mode = "speakers"
    if mode not in (None, "speakers", "channels"):
        raise UploadError(400, f"diarize must be true, speakers or channels, got {mode!r}", "diarize")
    voices: tuple[str, ...] | None = None
    if _flag(upload.one("voices"), "voices"):
        if voice_library is None:
            raise UploadError(400, "voices: this server has no voice library (serve --voice-library DIR)", "voices")
        if known:
            raise UploadError(
                400, "voices: name speakers from the server's library or from known_speaker_names", "voices"
            )
        voices = ()
    library = voice_library if voices is not None else None
    if known:  # enrolled into the job's own library (references.enrol_references); named "voices" here
        voices, library = known, LIBRARY
    try:
        speaker_fields(
            mode,
            num_speakers=counts["num_speakers"],
            min_speakers=counts["min_speakers"],
            max_speakers=counts["max_speakers"],
            voices=voices,
            voice_library=library,
        )
    except OptionsError as exc:
        param = NAMES if known and exc.field in ("voices", "voice_library") else exc.field or "diarize"
        raise UploadError(400, str(exc), param) from None
    return {"diarize": mode, **counts, "voices": voices, "voice_library": library} if mode else {}


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
    if fmt == "diarized_json":
        diarized = {
            "task": "transcribe",
            "duration": round(job.duration, 3),
            "text": text,
            "segments": [diarized_segment(s, s["id"]) for s in doc["segments"]],
            "usage": _usage(job),
        }
        return json.dumps(diarized, ensure_ascii=False), media_type("json")
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


def diarized_segment(s: dict[str, Any], number: int) -> dict[str, Any]:
    """A segment (of the json result, or a job's segment event) as ``diarized_json`` and its stream
    show it: the speaker's name when known, else its label."""
    return {
        "type": "transcript.text.segment",
        "id": f"seg_{number}",
        "start": round(s["start"], 3),
        "end": round(s["end"], 3),
        "text": s["text"].strip(),
        "speaker": s.get("speaker") or "",
    }


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
