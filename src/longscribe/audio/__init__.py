"""Audio in: any file FFmpeg reads (or a download, through :class:`Recording`) as 16 kHz mono windows."""

from longscribe.audio.decode import AudioStream, Recording, Source, check_input, source_name
from longscribe.audio.spans import SpanReader

__all__ = ["AudioStream", "Recording", "Source", "SpanReader", "check_input", "source_name"]
