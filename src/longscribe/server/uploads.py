"""A multipart upload streamed to one file on disk as it arrives: never whole in memory, never over the limit.

The file part (``file``) goes to a path the server chose; the client's file name is
kept as text only (it never touches the file system). Other fields are kept in
memory, capped (small, but for the reference clips of known speakers). A request that
breaks off, or grows past ``max_bytes``, leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELD_BYTES = 64 * 1024
LARGE_FIELDS = {"known_speaker_references[]": 8 * 1024 * 1024}
"""Fields that carry audio (a clip as a data URL), and their own cap."""
MAX_FIELDS = 64


class UploadError(Exception):
    """The upload cannot be taken; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


@dataclass
class Upload:
    fields: dict[str, list[str]] = field(default_factory=dict)
    """Every non-file field, by name, in order (``timestamp_granularities[]`` may repeat)."""
    filename: str = ""
    """What the client called the file: for display only."""
    size: int = 0

    def one(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


class _Receiver:
    """python-multipart callbacks: the ``file`` part into ``target``, the other parts into ``fields``."""

    def __init__(self, target: Path, max_bytes: int) -> None:
        self.target, self.max_bytes = target, max_bytes
        self.upload = Upload()
        self.headers: dict[bytes, bytes] = {}
        self._header_field = b""
        self._header_value = b""
        self._name = ""
        self._is_file = False
        self._data = bytearray()
        self._out: IO[bytes] | None = None
        self.files = 0

    def on_part_begin(self) -> None:
        self.headers, self._data, self._is_file = {}, bytearray(), False

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            if self._name != "file" or self.files:
                raise UploadError(400, "one audio file is expected, in the field 'file'", self._name)
            self.files += 1
            self._is_file = True
            self.upload.filename = options[b"filename"].decode("utf-8", "replace")[:255]
            self._out = open(self.target, "wb")  # noqa: SIM115  (closed in on_part_end or by the caller)
        elif sum(len(v) for v in self.upload.fields.values()) >= MAX_FIELDS:
            raise UploadError(400, f"more than {MAX_FIELDS} form fields")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_file:
            assert self._out is not None
            self.upload.size += end - start
            if self.upload.size > self.max_bytes:
                raise UploadError(413, f"the file is larger than this server takes ({self.max_bytes} bytes)", "file")
            self._out.write(data[start:end])
        else:
            self._data += data[start:end]
            if len(self._data) > LARGE_FIELDS.get(self._name, MAX_FIELD_BYTES):
                raise UploadError(400, f"form field {self._name!r} is too long", self._name)

    def on_part_end(self) -> None:
        if self._is_file and self._out is not None:
            self._out.close()
            self._out = None
        elif self._name:
            self.upload.fields.setdefault(self._name, []).append(self._data.decode("utf-8", "replace"))

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


async def receive(content_type: str, chunks: AsyncIterator[bytes], target: Path, max_bytes: int) -> Upload:
    """Parse a ``multipart/form-data`` body into ``target`` (the file) and the fields; nothing left on failure."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadError(400, "send multipart/form-data with the audio in the field 'file'")
    receiver = _Receiver(target, max_bytes)
    callbacks: Any = {name: getattr(receiver, name) for name in dir(receiver) if name.startswith("on_")}
    parser = MultipartParser(boundary, callbacks)
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except BaseException as exc:  # a broken, refused or abandoned upload leaves no file behind
        receiver.close()
        target.unlink(missing_ok=True)
        if isinstance(exc, FormParserError):
            raise UploadError(400, "the multipart body is malformed") from exc
        raise
    receiver.close()
    if not receiver.files:
        target.unlink(missing_ok=True)
        if "url" not in receiver.upload.fields:
            raise UploadError(400, "no audio file: send it in the form field 'file' (or its URL in 'url')", "file")
    return receiver.upload
