"""Live transcription: a stream in, final words out as they are agreed on (``longscribe live``)."""

from longscribe.live.agreement import Agreement
from longscribe.live.capture import Capture, open_capture
from longscribe.live.events import Completed, Delta, Lagging, LiveEvent, Partial, SpeechStarted, SpeechStopped
from longscribe.live.run import LiveRun
from longscribe.live.utterances import LiveSession

__all__ = [
    "Agreement",
    "Capture",
    "Completed",
    "Delta",
    "Lagging",
    "LiveEvent",
    "LiveRun",
    "LiveSession",
    "Partial",
    "SpeechStarted",
    "SpeechStopped",
    "open_capture",
]
