"""Inference engines behind one protocol: CTranslate2 (faster-whisper), MLX, and a fake for tests."""

from longscribe.engines.base import DecodeRequest, Engine, EngineBase
from longscribe.engines.fake import FakeEngine

__all__ = ["DecodeRequest", "Engine", "EngineBase", "FakeEngine"]
