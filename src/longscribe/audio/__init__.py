"""Streaming audio decode (PyAV) into 16 kHz mono float32 windows."""

from longscribe.audio.decode import AudioStream, check_input
from longscribe.audio.spans import SpanReader

__all__ = ["AudioStream", "SpanReader", "check_input"]
