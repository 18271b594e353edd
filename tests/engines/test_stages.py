"""Engine stage times: summed over threads, and reported per file in ``info.timings``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from audio_fixtures import tone, write_wav  # noqa: E402
from longscribe import Transcriber
from longscribe.engines import FakeEngine
from longscribe.engines.stages import StageTimes, since


def test_stage_times_add_up_over_threads() -> None:
    stages = StageTimes()

    def work() -> None:
        for _ in range(5):
            with stages.stage("encode"):
                time.sleep(0.002)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    before = stages.snapshot()
    assert before["encode"] >= 20 * 0.002
    with stages.stage("decode"):
        time.sleep(0.002)
    after = since(stages.snapshot(), before)
    assert after["encode"] == 0.0 and after["decode"] >= 0.002


class TimedFake(FakeEngine):
    def __init__(self) -> None:
        super().__init__()
        self.stages = StageTimes()

    def stage_seconds(self) -> dict[str, float]:
        return self.stages.snapshot()

    def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
        with self.stages.stage("decode"):
            time.sleep(0.001 * len(batch))
            return super().transcribe(batch, options, request)


def test_each_file_reports_its_own_stage_times(tmp_path: Path) -> None:
    engine = TimedFake()
    assert FakeEngine().stage_seconds() == {}
    short = write_wav(tmp_path / "short.wav", tone(30.0, level=0.2))
    long = write_wav(tmp_path / "long.wav", tone(120.0, level=0.2))
    t = Transcriber(engine=engine, vad=False, speech_guard=False, batch_size=1)
    infos = []
    for path in (long, short):
        transcription = t.transcribe(path)
        list(transcription)
        infos.append(transcription.info.timings)
    assert infos[0]["engine.decode"] > infos[1]["engine.decode"] > 0, "the short file does not carry the long one's"
    assert infos[1]["engine.decode"] <= infos[1]["engine"]
