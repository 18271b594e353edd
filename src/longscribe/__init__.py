"""longscribe: transcribe long recordings with Whisper, fast, in flat memory, without losing work."""

import os as _os

# onnxruntime (silero VAD) phones home unless told not to; it must be set before it is imported.
_os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from longscribe.errors import (  # noqa: E402
    AudioDecodeError,
    InputError,
    LongscribeError,
    ModelNotFoundError,
    NoAudioStreamError,
    OptionsError,
    OutputError,
    UnsupportedDeviceError,
)
from longscribe.options import DiarizeOptions, LiveOptions, TranscribeOptions, VadOptions  # noqa: E402
from longscribe.pipeline import Progress, Transcriber, Transcription  # noqa: E402
from longscribe.types import Segment, SpeakerTurn, TranscriptInfo, Word  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "AudioDecodeError",
    "DiarizeOptions",
    "InputError",
    "LongscribeError",
    "ModelNotFoundError",
    "LiveOptions",
    "NoAudioStreamError",
    "OptionsError",
    "OutputError",
    "Progress",
    "Segment",
    "SpeakerTurn",
    "TranscribeOptions",
    "Transcriber",
    "TranscriptInfo",
    "Transcription",
    "UnsupportedDeviceError",
    "VadOptions",
    "Word",
    "__version__",
]
