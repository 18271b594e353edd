"""Inference engines behind one protocol: CTranslate2 (faster-whisper) and a fake for tests."""

from longscribe.engines.base import DecodeRequest, Engine
from longscribe.engines.fake import FakeEngine

__all__ = ["DecodeRequest", "Engine", "FakeEngine"]
