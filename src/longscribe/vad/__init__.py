"""Speech regions (silero VAD) -> chunks of at most 30 s."""

from longscribe.vad.chunking import plan_chunks

__all__ = ["plan_chunks"]
