"""Flags that shape how transcripts are written (``transcribe`` and ``export`` alike), as OutputOptions."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

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
        metavar="PATH|none",
        help="html: the recording the page plays (default: the input file, by a path relative to the page)",
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


def output_options(args: argparse.Namespace, cues: CueOptions, source: str, page: Path) -> OutputOptions:
    """How one input's outputs are written; ``page`` is where its HTML goes (the player's path is relative to it)."""
    words = args.word_timestamps or getattr(args, "diarize", None) is not None  # json: who says each word
    return OutputOptions(words=words, cues=cues, audio=page_audio(args.html_audio, source, page))


def page_audio(flag: str | None, source: str, page: Path) -> str | None:
    """``--html-audio``: none; a path (relative to the page when it is a file here); default: the input."""
    if flag is not None and flag.strip().lower() == "none":
        return None
    target = flag if flag is not None else source
    if Path(target).is_file():
        return Path(os.path.relpath(Path(target).resolve(), page.parent.resolve())).as_posix()
    return target
