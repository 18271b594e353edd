"""Output formats, registered by extension: txt, srt, vtt, json, tsv."""

from longscribe.writers import json as _json  # noqa: F401  (registers)
from longscribe.writers import subtitles as _subtitles  # noqa: F401
from longscribe.writers import text as _text  # noqa: F401
from longscribe.writers.base import WRITERS, OutputSet, Writer, check_output_dir, parse_formats

__all__ = ["WRITERS", "OutputSet", "Writer", "check_output_dir", "parse_formats"]
