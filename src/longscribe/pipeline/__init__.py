"""Scheduler, stitching and the Transcriber that drives them."""

from longscribe.pipeline.transcriber import Progress, Transcriber, Transcription

__all__ = ["Progress", "Transcriber", "Transcription"]
