"""Flags that shape how transcripts are written (``transcribe`` and ``export`` alike), as OutputOptions."""

from __future__ import annotations

import argparse
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from longscribe.errors import OutputError
from longscribe.writers import OutputOptions
from longscribe.writers.cues import STYLES, CueOptions

SUBTITLE_FORMATS = ("srt", "vtt")


def add_output_arguments(p: argparse._ActionsContainer) -> None:
    """Subtitle cues (named as openai-whisper names them, underscore forms too) and the HTML page's audio."""
    defaults = CueOptions()
    p.add_argument(
        "--max-line-width",
        "--max_line_width",
        type=int,
        default=defaults.max_line_width,
        metavar="N",
        help=f"subtitles: characters per line (default {defaults.max_line_width})",
    )
    p.add_argument(
        "--max-line-count",
        "--max_line_count",
        type=int,
        default=defaults.max_line_count,
        metavar="N",
        help=f"subtitles: lines per cue (default {defaults.max_line_count})",
    )
    p.add_argument(
        "--max-words-per-line",
        "--max_words_per_line",
        type=int,
        default=None,
        metavar="N",
        help="subtitles: at most N words per line (default: as many as fit the width)",
    )
    p.add_argument(
        "--max-cue-duration",
        "--max_cue_duration",
        type=float,
        default=defaults.max_cue_duration,
        metavar="S",
        help=f"subtitles: seconds a cue may last (default {defaults.max_cue_duration:g})",
    )
    p.add_argument(
        "--highlight-words",
        "--highlight_words",
        action="store_true",
        help="subtitles: mark each word while it is spoken (srt underlines it; vtt times it)",
    )
    p.add_argument(
        "--subtitle-style",
        default=defaults.style,
        choices=STYLES,
        help="cues (default: cut for reading) or none (one cue per segment)",
    )
    p.add_argument(
        "--html-audio",
        default=None,
        metavar="copy|URL|PATH|none",
        help="html: the recording the page plays: copy (put it beside the page), a URL, a path, or none"
        " (default: the input file, by a path relative to the page)",
    )


def cue_options(args: argparse.Namespace) -> CueOptions:
    return CueOptions(
        max_line_width=args.max_line_width,
        max_line_count=args.max_line_count,
        max_words_per_line=args.max_words_per_line,
        max_cue_duration=args.max_cue_duration,
        min_cue_duration=min(CueOptions.min_cue_duration, args.max_cue_duration),
        highlight_words=args.highlight_words,
        style=args.subtitle_style,
    )


def output_options(args: argparse.Namespace) -> OutputOptions:
    """How the outputs are written; each input's page gets its own ``audio`` (see :func:`page_audio`)."""
    words = args.word_timestamps or getattr(args, "diarize", None) is not None  # json: who says each word
    return OutputOptions(words=words, cues=cue_options(args))


@dataclass(frozen=True)
class PageAudio:
    """What an HTML page's player loads, and what it takes to make that work."""

    src: str | None
    """A path relative to the page, or a URL; None: no recording (the page offers to open one)."""
    copy_from: Path | None = None
    """``--html-audio copy``: the recording to put beside the page, as ``src``."""
    note: str | None = None
    """Said in the run's output: the player depends on where the page is kept."""

    def place(self, page: Path) -> None:
        """Copy the recording beside ``page`` (atomically; skipped when an identical copy is there)."""
        if self.copy_from is None or self.src is None:
            return
        target = page.parent / self.src
        source = os.stat(self.copy_from)
        if target.is_file() and (target.stat().st_size, target.stat().st_mtime_ns) == (
            source.st_size,
            source.st_mtime_ns,
        ):
            return
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            shutil.copy2(self.copy_from, tmp)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OutputError(str(target), f"cannot copy the recording there: {exc.strerror or exc}") from exc


def page_audio(flag: str | None, source: str, page: Path) -> PageAudio:
    """``--html-audio``: none; copy; a URL; a path (relative to the page when it is a file here);
    default: the input, with a note when it is not beside the page (the page breaks when sent)."""
    choice = (flag or "").strip()
    if choice.lower() == "none":
        return PageAudio(None)
    if choice.lower() == "copy":
        recording = Path(source).resolve()
        beside = page.parent.resolve() / f"{page.stem}{recording.suffix}"
        if beside == recording:
            return PageAudio(beside.name)
        return PageAudio(beside.name, copy_from=recording)
    if "://" in choice:
        return PageAudio(choice)
    target = choice or source
    if not Path(target).is_file():
        return PageAudio(target)
    relative = Path(os.path.relpath(Path(target).resolve(), page.parent.resolve())).as_posix()
    note = None
    if not choice and "/" in relative:
        note = (
            f"{page.name} plays {relative}: moved or sent, the page loses its recording"
            " (--html-audio copy puts it beside the page; the page can also open it by hand)"
        )
    return PageAudio(relative, note=note)
