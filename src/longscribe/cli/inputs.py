"""Input paths: directories expanded to the audio/video files inside, and one output name per input."""

from __future__ import annotations

from collections import defaultdict
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
    """Files stay as given (their problems are reported when opened); directories are walked.

    A file named twice (``a.mp3`` and ``./a.mp3``) is transcribed once.
    """
    files: list[str] = []
    errors: list[tuple[str, str]] = []
    for arg in arguments:
        if not arg.strip():  # Path("") is the current directory: never walk it by accident
            errors.append((repr(arg), "empty file name"))
            continue
        path = Path(arg)
        if not path.is_dir():
            files.append(arg)
            continue
        found = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in MEDIA_SUFFIXES)
        if not found:
            errors.append((arg, "directory holds no audio or video files"))
        files.extend(found)
    unique = {str(Path(f).resolve()): f for f in reversed(files)}  # the first mention wins
    return Inputs(list(reversed(unique.values())), errors)


def output_names(files: list[str]) -> dict[str, str]:
    """The name each input's outputs get (``DIR/<name>.<format>``), never the same for two inputs.

    The name is the file's stem (``talk``); inputs whose stems clash keep their
    extension (``talk.m4a``, ``talk.webm``); inputs whose file names clash keep as
    many parent folders as it takes (``a/talk.mp3``, ``b/talk.mp3``). Names are
    compared without case, as a case-insensitive file system would.
    """
    parts = {f: Path(f).resolve().parts[1:] for f in files}
    level = dict.fromkeys(files, 0)

    def name(f: str) -> str:
        if level[f] == 0:
            return Path(parts[f][-1]).stem
        return "/".join(parts[f][-level[f] :])

    while True:
        groups: defaultdict[str, list[str]] = defaultdict(list)
        for f in files:
            groups[name(f).casefold()].append(f)
        clashes = [group for group in groups.values() if len(group) > 1]
        if not clashes:
            return {f: name(f) for f in files}
        grown = False
        for group in clashes:
            for f in group:
                if level[f] < len(parts[f]):
                    level[f] += 1
                    grown = True
        if not grown:  # full paths that differ only in case (a case-sensitive file system)
            names = {f: name(f) for f in files}
            for group in clashes:
                for i, f in enumerate(group[1:], start=2):
                    names[f] = f"{names[f]}.{i}"
            return names
