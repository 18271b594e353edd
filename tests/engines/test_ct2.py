"""CPU workers sharing one CTranslate2 engine take turns: one encoder and one decoder at a time."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audio_fixtures import write_wav
from longscribe.engines.base import DecodeRequest
from longscribe.models import resolve_model
from longscribe.options import TranscribeOptions
from longscribe.pipeline.feed import ChunkFeed

pytestmark = pytest.mark.model


class Overlaps:
    """How many calls of each kind ran at once, at most, and whether an encode met a decode."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = {"encode": 0, "decode": 0}
        self.most = {"encode": 0, "decode": 0}
        self.mixed = False

    def wrap(self, kind: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.running[kind] += 1
                self.most[kind] = max(self.most[kind], self.running[kind])
                self.mixed |= all(self.running.values())
            try:
                time.sleep(0.05)  # widen the window in which another worker could come in
                return call(*args, **kwargs)
            finally:
                with self._lock:
                    self.running[kind] -= 1

        return counted


class _Model:
    def __init__(self, model: Any, generate: Callable[..., Any]) -> None:
        self._real = model
        self.generate = generate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_two_workers_never_encode_or_decode_at_the_same_time(data_dir: Path) -> None:
    from longscribe.engines.ct2 import Ct2Engine

    options = TranscribeOptions(language="en")
    feed = ChunkFeed(str(data_dir / "longform_en_asterisk.mp3"), options, 8)
    chunks = list(itertools.islice(iter(feed), 8))
    feed.close()
    engine = Ct2Engine(resolve_model("tiny.en").path, workers=2, cpu_threads=1)
    overlaps = Overlaps()
    engine._whisper.encode = overlaps.wrap("encode", engine._whisper.encode)
    engine._model = _Model(engine._model, overlaps.wrap("decode", engine._model.generate))
    texts: list[str] = []

    def work(batches: list[list[Any]]) -> None:
        for batch in batches:
            results = engine.transcribe(batch, options, DecodeRequest(language="en"))
            texts.extend(" ".join(s.text for s in r.segments) for r in results)

    workers = [threading.Thread(target=work, args=([chunks[i : i + 2], chunks[i + 4 : i + 6]],)) for i in (0, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(texts) == 8 and all(texts)
    assert overlaps.most == {"encode": 1, "decode": 1}
    assert overlaps.mixed, "one worker encodes while the other decodes"


def test_the_fallback_ladder_encodes_a_chunk_once(data_dir: Path, tmp_path: Path) -> None:
    """A clip whose every decode is judged too unlikely (log-probability threshold 0) is decoded at
    every temperature of the ladder: its audio is encoded once, not once or twice per temperature."""
    from longscribe import Transcriber
    from longscribe.audio import AudioStream
    from longscribe.engines.ct2 import Ct2Engine

    with AudioStream(data_dir / "jfk.flac") as stream:
        audio = next(iter(stream.windows(16000 * 4)))[16000 * 2 : 16000 * 4]
    clip = write_wav(tmp_path / "ask.wav", audio)
    engine = Ct2Engine(resolve_model("base").path)
    calls: list[int] = []
    encode = engine._whisper.encode
    engine._whisper.encode = lambda features: (calls.append(features.shape[0]), encode(features))[1]
    options = TranscribeOptions(model="base", language="en", log_prob_threshold=0.0)
    transcription = Transcriber(options, engine=engine).transcribe(clip)
    assert "".join(s.text for s in transcription).strip()
    tried = [d["decision"] for d in transcription.info.decisions if d["decision"].startswith("t=")]
    assert len(tried) == len(options.temperatures), transcription.info.decisions  # every rung was tried
    assert sum(calls) == 1, f"encoded {sum(calls)} times"
