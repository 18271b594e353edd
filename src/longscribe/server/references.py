"""A request's known speakers: OpenAI's ``known_speaker_names[]`` with ``known_speaker_references[]``
(short clips of each, as data URLs), enrolled for that request only, into the job's own voice library.

The clips are decoded, enrolled and deleted: the job keeps the voices' embeddings, never their audio,
as a voice library does. The job then names its speakers from that library as
``transcribe --voices`` does.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from pathlib import Path

from longscribe.diarize.library import VoiceLibrary, check_name
from longscribe.diarize.sessions import DiarizationModels
from longscribe.errors import InputError, VoiceLibraryError
from longscribe.server.uploads import UploadError

NAMES = "known_speaker_names[]"
REFERENCES = "known_speaker_references[]"
MAX_KNOWN_SPEAKERS = 8
"""OpenAI takes 4; more are taken (each is compared with every speaker found, which costs nothing)."""
MAX_REFERENCE_SECONDS = 30.0
"""OpenAI asks for 2-10 s; up to this much is taken. The least is the speech enrolment needs."""
LIBRARY = "voices"
"""The job folder's voice library, holding the request's known speakers."""
_DATA_URL = re.compile(r"data:(?:audio|video|application)/[\w.+-]+(?:;[\w.+-]+=[\w.+-]+)*;base64,(?P<data>.*)", re.S)


def decode_references(names: Sequence[str], references: Sequence[str]) -> list[tuple[str, bytes]]:
    """(name, audio bytes) of each known speaker; a 400 naming the field for anything malformed."""
    if len(names) != len(references):
        raise UploadError(
            400,
            f"{len(names)} known_speaker_names for {len(references)} known_speaker_references: give one each",
            NAMES,
        )
    if len(names) > MAX_KNOWN_SPEAKERS:
        raise UploadError(400, f"at most {MAX_KNOWN_SPEAKERS} known speakers, got {len(names)}", NAMES)
    if len(set(names)) != len(names):
        raise UploadError(400, "known_speaker_names must differ from each other", NAMES)
    known = []
    for i, (name, reference) in enumerate(zip(names, references)):
        try:
            check_name(name)
        except VoiceLibraryError as exc:
            raise UploadError(400, f"known_speaker_names[{i}]: {exc}", NAMES) from None
        match = _DATA_URL.fullmatch(reference.strip())
        if match is None:
            raise UploadError(
                400, f"known_speaker_references[{i}] must be a base64 data URL (data:audio/wav;base64,...)", REFERENCES
            )
        try:
            audio = base64.b64decode(match["data"], validate=True)
        except (binascii.Error, ValueError):
            raise UploadError(400, f"known_speaker_references[{i}]: the base64 data is malformed", REFERENCES) from None
        if not audio:
            raise UploadError(400, f"known_speaker_references[{i}]: the clip is empty", REFERENCES)
        known.append((name, audio))
    return known


def enrol_references(models: DiarizationModels, folder: Path, known: Sequence[tuple[str, bytes]]) -> Path:
    """Enrol each known speaker into ``folder``'s own library (returned); a clip that is not audio, is
    too long, holds two voices or too little speech is a 400 naming it."""
    from longscribe.diarize.enrol import REFERENCE_MIN_SPEECH_SECONDS, enrol

    library = VoiceLibrary(folder / LIBRARY)
    for i, (name, audio) in enumerate(known):
        clip = folder / f"reference-{i}"
        clip.write_bytes(audio)
        try:
            voice = enrol(
                models, name, [str(clip)], min_speech=REFERENCE_MIN_SPEECH_SECONDS, longest=MAX_REFERENCE_SECONDS
            )
            library.add(voice)
        except InputError as exc:
            raise UploadError(400, f"known_speaker_references[{i}] is not audio: {exc.problem}", REFERENCES) from None
        except VoiceLibraryError as exc:
            reason = str(exc).removeprefix(f"{clip}: ")
            raise UploadError(400, f"known_speaker_references[{i}] ({name}): {reason}", REFERENCES) from None
        finally:
            clip.unlink(missing_ok=True)
    return library.directory
