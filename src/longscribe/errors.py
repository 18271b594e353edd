"""The exception tree. Every error longscribe raises on purpose is a LongscribeError.

The CLI turns each into one line naming the file and the problem; a traceback is
only shown with ``--debug``.
"""

from __future__ import annotations


class LongscribeError(Exception):
    """Base class of every error raised by longscribe."""

    exit_code = 1


class OptionsError(LongscribeError, ValueError):
    """An option value, or a combination of options, is invalid. ``field`` names the option, when one is to blame."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InputError(LongscribeError):
    """An input path cannot be used (missing, a directory, empty ...)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class AudioDecodeError(InputError):
    """The file is not audio that FFmpeg can decode."""


class NoAudioStreamError(AudioDecodeError):
    """The container holds no audio track (e.g. a video without sound)."""


class FetchError(InputError):
    """A recording could not be fetched from its URL (the network, the remote server, a limit)."""


class FetchTooLargeError(FetchError):
    """The recording at a URL is larger than the download limit."""


class URLRefusedError(FetchError):
    """A URL (or a redirect's) that this process must not fetch: a private address on a server."""


class ModelNotFoundError(LongscribeError):
    """No complete Whisper model could be found for the requested name or path."""

    def __init__(self, spec: str, tried: list[str]) -> None:
        detail = "; ".join(tried) if tried else "nothing to try"
        super().__init__(f"model {spec!r} not found (tried: {detail})")
        self.spec = spec
        self.tried = tried


class UnsupportedDeviceError(LongscribeError):
    """The requested device or compute type is not available here."""


class OutputError(LongscribeError):
    """A transcript could not be written (unwritable directory, disk full ...)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class Stopped(LongscribeError):
    """A transcription stopped on request (``Transcription.stop()``) before its end: the chunks
    committed so far stay in the job store, and the same call later resumes from them."""


class JobStateError(LongscribeError):
    """The job store cannot be used: corrupted, or the job is locked by another process."""


class JobLockedError(JobStateError):
    """Another running process holds this input's job."""


class EngineError(LongscribeError):
    """The inference engine failed on a batch of chunks."""


class ModelFormatError(LongscribeError):
    """A model file is not what it claims to be (wrong format, truncated, unexpected layout)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class VoiceLibraryError(LongscribeError):
    """The voice library cannot be read or written, or a voice cannot be enrolled, found or used."""


class DocumentError(LongscribeError):
    """A corrected transcript (a JSON document) is malformed: ``field`` names the first bad place
    (``segments[3].words[2].start``). Nothing of it is stored."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class RevisionConflict(JobStateError):
    """A correction was made from a revision that is no longer the latest: saving it would overwrite
    the corrections made since. ``latest`` is the job's latest revision."""

    def __init__(self, message: str, latest: int) -> None:
        super().__init__(message)
        self.latest = latest
