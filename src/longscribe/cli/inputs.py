"""Input paths: directories expanded to the audio/video files inside, sorted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MEDIA_SUFFIXES = frozenset(
    (
        ".wav .flac .mp3 .m4a .aac .ogg .oga .opus .webm .mp4 .m4v .mkv .mka .mov .avi .wma .aif .aiff .amr .3gp"
        " .ts .mpg"
    ).split()
)


@dataclass(frozen=True)
class Inputs:
    files: list[str]
    errors: list[tuple[str, str]]
    """(path, problem) for arguments that gave no file: a directory without audio."""


def expand(arguments: list[str]) -> Inputs:
    """Files stay as given (their problems are reported when opened); directories are walked."""
    files: list[str] = []
    errors: list[tuple[str, str]] = []
    for arg in arguments:
        path = Path(arg)
        if not path.is_dir():
            files.append(arg)
            continue
        found = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
        if not found:
            errors.append((arg, "directory holds no audio or video files"))
        files.extend(found)
    return Inputs(list(dict.fromkeys(files)), errors)
