"""Cluster scheduling without a cluster: actor sizing, lost workers, and a many-worker simulation."""

from __future__ import annotations

import random
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio_fixtures import tone, write_wav  # noqa: E402
from longscribe import Transcriber
from longscribe.cluster.dispatch import WorkerSet
from longscribe.cluster.remote import ClusterEngine
from longscribe.cluster.worker import EngineWorker, WorkerSpec
from longscribe.engines import FakeEngine
from longscribe.errors import EngineError, LongscribeError
from longscribe.options import TranscribeOptions
from longscribe.pipeline.feed import ChunkFeed
from longscribe.placement.actors import plan_actors
from longscribe.types import SAMPLE_RATE

S = SAMPLE_RATE


class Lost(Exception):
    """What the transport raises when a worker is gone (Ray: RayActorError)."""


def node(node_id: str, cpus: int, gpus: int = 0, alive: bool = True) -> dict[str, Any]:
    return {"NodeID": node_id, "Alive": alive, "Resources": {"CPU": float(cpus), "GPU": float(gpus)}}


def test_actors_are_sized_from_each_nodes_resources() -> None:
    nodes = [node("gpu", 16, gpus=2), node("cpu", 4), node("gone", 64, alive=False)]
    plans = plan_actors(nodes, TranscribeOptions())
    assert [(p.node_id, p.num_gpus, p.num_cpus) for p in plans] == [("gpu", 1, 1)] * 2 + [("cpu", 0, 1)] * 4
    cpu_only = plan_actors(nodes, TranscribeOptions(device="cpu", cpu_threads=2))
    assert [(p.node_id, p.num_cpus, p.threads) for p in cpu_only] == [("gpu", 2, 2)] * 8 + [("cpu", 2, 2)] * 2
    assert len(plan_actors(nodes, TranscribeOptions(workers=3))) == 3
    with pytest.raises(LongscribeError, match="no alive node"):
        plan_actors([node("gone", 8, alive=False)], TranscribeOptions())


def test_a_lost_worker_hands_the_call_to_another_with_a_bounded_retry_count() -> None:
    dead = {"a", "b"}

    def call(handle: str) -> str:
        if handle in dead:
            raise Lost(handle)
        return handle

    workers = WorkerSet(["a", "b", "c"], ["a", "b", "c"], lost=(Lost,))
    assert workers.run(call, (7,)) == "c"
    assert [r.worker for r in workers.retries] == ["a", "b"] and workers.alive == 1
    assert all(r.chunks == (7,) for r in workers.retries)
    bounded = WorkerSet(["a", "b", "x"], ["a", "b", "x"], lost=(Lost,), max_retries=1)
    with pytest.raises(EngineError, match="lost 2 workers"):
        bounded.run(lambda h: call("a" if h != "b" else "b"), (1,))
    alone = WorkerSet(["a"], ["a"], lost=(Lost,))
    with pytest.raises(EngineError, match="every cluster worker is gone"):
        alone.run(call)


def test_other_errors_are_not_retried() -> None:
    workers = WorkerSet(["a", "b"], ["a", "b"], lost=(Lost,))
    with pytest.raises(EngineError, match="decoder"):
        workers.run(lambda h: (_ for _ in ()).throw(EngineError("decoder failed")))
    assert workers.retries == [] and workers.alive == 2


def test_a_worker_reading_the_shared_file_gets_the_drivers_exact_samples(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = write_wav(tmp_path / "noise.wav", (rng.normal(size=95 * S) * 0.1).astype(np.float32))
    options = TranscribeOptions(vad=False)
    items = list(ChunkFeed(path, options, 4))
    seen: list[np.ndarray] = []

    class Recording(FakeEngine):
        def transcribe(self, batch, options, request):  # type: ignore[no-untyped-def]
            seen.extend(item.audio for item in batch)
            return super().transcribe(batch, options, request)

    worker = EngineWorker(WorkerSpec("", "", TranscribeOptions(), 1, False), engine=Recording())
    from longscribe.engines.base import DecodeRequest

    order = [2, 3, 0, 3]  # forward, then back to the start (reopen), then a chunk read lately (cache)
    for i in order:
        worker.transcribe([items[i]], options, DecodeRequest(), str(path))
    for i, audio in zip(order, seen):
        assert np.array_equal(audio, items[i].audio)
    assert worker.can_read(str(path), path.stat().st_size, path.stat().st_mtime_ns)
    assert not worker.can_read(str(path), path.stat().st_size + 1, path.stat().st_mtime_ns)


class SimulatedActor:
    """A worker that dies for good on the calls chosen by the test."""

    def __init__(self, name: str, deaths: set[int], counter: list[int], lock: threading.Lock) -> None:
        self.name = name
        self.worker = EngineWorker(WorkerSpec("", "", TranscribeOptions(), 1, False), engine=FakeEngine())
        self.worker.describe = lambda: {  # type: ignore[method-assign]
            "node": f"node-{name}",
            "pid": 1,
            "engine": "fake",
            "device": "cpu",
            "compute_type": "float32",
            "batch_size": 1,
        }
        self._deaths, self._counter, self._lock = deaths, counter, lock
        self.dead = False
        self.decoded: list[int] = []

    def call(self, method: str, *args: Any) -> Any:
        if method == "transcribe":
            with self._lock:
                self._counter[0] += 1
                if self._counter[0] in self._deaths:
                    self.dead = True
            threading.Event().wait(random.Random(self._counter[0]).uniform(0, 0.01))
        if self.dead:
            raise Lost(self.name)
        result = getattr(self.worker, method)(*args)
        if method == "transcribe":
            self.decoded.extend(r.chunk.index for r in result)
        return result


@pytest.mark.slow
def test_fifty_files_on_eight_workers_with_random_deaths_decode_every_chunk_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(5)
    deaths = set(rng.sample(range(1, 120), 5))
    counter, lock = [0], threading.Lock()
    actors = [SimulatedActor(str(i), deaths, counter, lock) for i in range(8)]
    cluster = ClusterEngine(actors, (Lost,), lambda actor, method, *args: actor.call(method, *args))
    transcriber = Transcriber(engine=cluster, vad=False, speech_guard=False, batch_size=1, workers=cluster.size)
    local = Transcriber(engine=FakeEngine(), vad=False, speech_guard=False, batch_size=1)
    for n in range(50):
        path = write_wav(tmp_path / f"f{n}.wav", tone(35.0 + n % 4 * 10, level=0.2))
        for actor in actors:
            actor.decoded.clear()
        transcription = transcriber.transcribe(path)
        segments = list(transcription)
        assert segments == list(local.transcribe(path)), f"file {n} differs from the local run"
        decoded = sorted(i for a in actors for i in a.decoded)
        assert decoded == list(range(transcription.info.chunks)), f"file {n}: a chunk decoded twice or never"
        assert transcription.info.cluster["audio"] == "path"
        words = [int(m) for s in segments for m in re.findall(r"w(\d+)", s.text)]
        assert words == sorted(set(words))
    assert len(cluster.retries) == len([d for d in deaths if d <= counter[0]]) >= 3
    assert cluster.workers.alive == 8 - len(cluster.retries)
