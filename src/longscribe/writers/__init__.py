"""Output formats, registered by extension: txt, srt, vtt, json, tsv, html, md, docx, rttm."""

from longscribe.writers import docx as _docx  # noqa: F401  (registers)
from longscribe.writers import html as _html  # noqa: F401
from longscribe.writers import json as _json  # noqa: F401
from longscribe.writers import markdown as _markdown  # noqa: F401
from longscribe.writers import plaintext as _plaintext  # noqa: F401
from longscribe.writers import rttm as _rttm  # noqa: F401
from longscribe.writers import subtitles as _subtitles  # noqa: F401
from longscribe.writers.registry import (
    WRITERS,
    OutputOptions,
    OutputSet,
    Writer,
    check_output_dir,
    parse_formats,
    render,
)

__all__ = ["WRITERS", "OutputOptions", "OutputSet", "Writer", "check_output_dir", "parse_formats", "render"]
