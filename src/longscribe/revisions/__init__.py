"""Corrected transcripts: revisions kept in the job store, edits that keep word times.

Revision 0 is the transcript as transcribed; each correction is a whole new revision
(:func:`correct`), made from the latest one, and every writer can write any revision.
"""

from longscribe.revisions.document import MAX_DOCUMENT_BYTES, parse_document
from longscribe.revisions.history import Revision, correct, history, load, machine_segments, revision_info

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "Revision",
    "correct",
    "history",
    "load",
    "machine_segments",
    "parse_document",
    "revision_info",
]
