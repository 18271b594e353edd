"""Scheduler, fallback policy, stitching and the Transcriber that drives them."""

from longscribe.pipeline.transcriber import Transcriber
from longscribe.pipeline.transcription import Progress, Transcription

__all__ = ["Progress", "Transcriber", "Transcription"]
