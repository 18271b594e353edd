"""The same jobs on a real (local) Ray cluster: identical outputs, a killed actor, a killed driver.

The cluster is started here (2 CPUs, no dashboard, no usage stats, 127.0.0.1)
and shut down at the end; the CLI runs connect to it by address.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from longscribe import Progress, Transcriber
from longscribe.benchmarks.recordings import pause_before, read_segments, write_slice
from longscribe.models import resolve_model
from longscribe.placement import detect
from longscribe.placement.tuning import Config, TuneResult, save_tuned
from longscribe.writers import parse_formats
from processes import committed, committed_before, kill_when

ray = pytest.importorskip("ray", reason="Ray not installed (pip install 'longscribe[ray]')")
pytestmark = [pytest.mark.model, pytest.mark.slow]


ARGS = ["--model", "tiny.en", "--quiet"]
CLIPS = ["jfk.flac", "lucier.mp3", "pyannote_sample.wav"]


AVX2_PATH = {"CT2_FORCE_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}
"""CTranslate2's and OpenBLAS's AVX2 kernels, whatever this CPU has, for every run here and every actor.

On that path OpenBLAS sums a matrix product in one order on one thread and in another on
several, so where numpy's BLAS reached the features the words followed ``OMP_NUM_THREADS``,
which Ray sets to each actor's CPUs.
"""


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    saved = {key: os.environ.get(key) for key in (*AVX2_PATH, "RAY_USAGE_STATS_ENABLED")}
    os.environ.update({**AVX2_PATH, "RAY_USAGE_STATS_ENABLED": "0"})  # before the actors start: they inherit it
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def six_minutes(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    segments = read_segments(data_dir / "longform_en_asterisk.segments.tsv")
    cut = pause_before(segments, 360.0)
    return write_slice(data_dir / "longform_en_asterisk.mp3", tmp_path_factory.mktemp("six") / "talk6.wav", cut)


@pytest.fixture(scope="module")
def local_run(cluster: str, data_dir: Path, six_minutes: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clips and the six minutes transcribed without Ray, every format: what each run on the cluster
    must give (once for the module: it is the slowest part of each test)."""
    out = tmp_path_factory.mktemp("local") / "out"  # as deep as a test's tmp_path/ray: the pages' audio links match
    inputs = [str(data_dir / c) for c in CLIPS] + [str(six_minutes)]
    run = cli("transcribe", *inputs, "-o", str(out), "-f", "all", *ARGS)
    assert run.returncode == 0, run.stderr
    return out


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A command in this environment (the cluster fixture adds Ray's token and the AVX2 path), with
    ``OMP_NUM_THREADS`` as ``env`` gives it, else unset: as a user's shell has it, unlike Ray's actors."""
    environ = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    return subprocess.run(
        [sys.executable, "-m", "longscribe", *args], capture_output=True, text=True, env={**environ, **(env or {})}
    )


def test_clips_and_a_long_slice_give_the_same_bytes_as_a_local_run(
    cluster: str, data_dir: Path, six_minutes: Path, local_run: Path, tmp_path: Path
) -> None:
    inputs = [str(data_dir / c) for c in CLIPS] + [str(six_minutes)]
    remote = cli("transcribe", *inputs, "-o", str(tmp_path / "ray"), "-f", "all", "--ray", cluster, *ARGS)
    assert remote.returncode == 0, remote.stderr
    files = sorted(p.name for p in local_run.iterdir() if p.is_file())
    assert len(files) == len(parse_formats("all")) * len(inputs)
    assert files == sorted(p.name for p in (tmp_path / "ray").iterdir() if p.is_file())
    for name in files:
        ours, theirs = (tmp_path / "ray" / name), (local_run / name)
        if name.endswith(".json"):
            doc = json.loads(ours.read_text())
            assert doc["segments"] == json.loads(theirs.read_text())["segments"], name
            assert doc["info"]["cluster"]["workers"] == 2 and doc["info"]["cluster"]["audio"] == "path"
            assert doc["info"]["cluster"]["retries"] == []
        elif name.endswith(".docx"):  # a zip: what it says, not its bytes
            assert paragraphs(ours) == paragraphs(theirs), name
        else:
            assert ours.read_bytes() == theirs.read_bytes(), f"{name} differs from the local run"


def test_the_words_follow_neither_openmp_nor_tuned_choices_nor_where_a_chunk_ran(
    cluster: str, data_dir: Path, tmp_path: Path
) -> None:
    """The same txt and srt bytes locally with ``OMP_NUM_THREADS`` unset, 1 and 2, with a cached
    ``tune`` result (workers x threads and batch, taken without ``--tuned``), and on the cluster with
    the chunks' samples sent as arrays."""
    inputs = [str(data_dir / c) for c in CLIPS]
    cache = tmp_path / "cache"
    tuned = Config("int8", workers=1, threads=2, batch_size=8, beam_size=5)
    model = resolve_model("tiny.en", cache).path
    save_tuned(detect(), str(model), "ct2", TuneResult(best=tuned, reference=tuned), cache)
    runs: dict[str, tuple[list[str], dict[str, str]]] = {
        "unset": ([], {}),
        "omp1": ([], {"OMP_NUM_THREADS": "1"}),
        "omp2": ([], {"OMP_NUM_THREADS": "2"}),
        "tuned": ([], {"LONGSCRIBE_CACHE_DIR": str(cache)}),
        "arrays": (["--ray", cluster, "--ray-audio", "arrays"], {}),
    }
    for name, (extra, env) in runs.items():
        run = cli("transcribe", *inputs, "-o", str(tmp_path / name), "-f", "txt,srt,json", *extra, *ARGS, env=env)
        assert run.returncode == 0, f"{name}: {run.stderr}"
    choices = json.loads((tmp_path / "tuned" / "jfk.json").read_text())["info"]["choices"]
    assert any("tuned on this machine" in choice and "batch_size 8" in choice for choice in choices), choices
    for clip in CLIPS:
        for suffix in (".txt", ".srt"):
            name = Path(clip).with_suffix(suffix).name
            expected = (tmp_path / "unset" / name).read_bytes()
            differ = [run for run in runs if (tmp_path / run / name).read_bytes() != expected]
            assert not differ, f"{name} differs from the run with OMP_NUM_THREADS unset in: {differ}"


def test_speakers_on_ray_are_the_local_run_s(cluster: str, data_dir: Path, tmp_path: Path) -> None:
    """Speakers are found on the driver, as the audio streams there; the chunks go to the actors."""
    sample = str(data_dir / "pyannote_sample.wav")
    for where, extra in (("local", []), ("ray", ["--ray", cluster])):
        run = cli("transcribe", sample, "-o", str(tmp_path / where), "-f", "txt,rttm", "--diarize", *extra, *ARGS)
        assert run.returncode == 0, run.stderr
    for name in ("pyannote_sample.txt", "pyannote_sample.rttm"):
        assert (tmp_path / "ray" / name).read_text() == (tmp_path / "local" / name).read_text(), name
    assert {line.split(":")[0] for line in (tmp_path / "ray" / "pyannote_sample.txt").read_text().splitlines()} == {
        "SPEAKER_00",
        "SPEAKER_01",
    }


def test_a_killed_actor_costs_a_retry_and_nothing_else(cluster: str, six_minutes: Path, local_run: Path) -> None:
    """Chunk samples sent as arrays here (the other tests let the actors read the file)."""
    local = [(s["start"], s["text"]) for s in json.loads((local_run / "talk6.json").read_text())["segments"]]
    transcriber = Transcriber(model="tiny.en", ray=cluster, ray_audio="arrays")
    engine: object | None = None
    killed: list[str] = []

    def kill_a_busy_actor(progress: Progress) -> None:
        if killed or progress.chunks_done < 3 or engine is None:
            return
        workers = engine.workers  # type: ignore[attr-defined]
        busy = [i for i in range(len(workers.handles)) if i not in workers._idle and i not in workers._dead]  # noqa: SLF001
        if busy:
            ray.kill(workers.handles[busy[0]])
            killed.append(workers.names[busy[0]])

    transcriber.load()
    engine = transcriber.engine
    transcription = transcriber.transcribe(six_minutes, kill_a_busy_actor)
    segments = [(round(s.start / 16_000, 3), s.text) for s in transcription]
    assert killed, "no actor was busy at any progress report"
    assert segments == local
    report = transcription.info.cluster
    assert report["audio"] == "arrays" and report["alive"] == 1 and [r["worker"] for r in report["retries"]] == killed
    transcriber.unload()


def test_a_killed_local_run_resumes_on_the_cluster_without_redoing_chunks(
    cluster: str, six_minutes: Path, local_run: Path, tmp_path: Path
) -> None:
    total = json.loads((local_run / "talk6.json").read_text())["info"]["chunks"]
    out = tmp_path / "out"
    command = [sys.executable, "-m", "longscribe", "transcribe", str(six_minutes), "-o", str(out), "-f", "txt,json"]
    proc = subprocess.Popen(  # a local run in a shell that sets OMP_NUM_THREADS, resumed on the cluster
        [*command, *ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "2"},
    )
    killed_at = kill_when(proc, lambda: len(committed(out)) >= total // 3)
    assert proc.returncode == -signal.SIGKILL
    before = committed(out)
    rerun = cli("transcribe", str(six_minutes), "-o", str(out), "-f", "txt,json", "--ray", cluster, *ARGS)
    assert rerun.returncode == 0, rerun.stderr
    assert (out / "talk6.txt").read_text() == (local_run / "talk6.txt").read_text()
    info = json.loads((out / "talk6.json").read_text())["info"]
    assert info["job"]["resumed_chunks"] == len(committed_before(out, killed_at))
    after = committed(out)
    assert {i: after[i] for i in before} == before, "a committed chunk was decoded again"
    assert sorted(after) == list(range(total))


def test_without_ray_the_flag_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from longscribe.cluster import ray_engine
    from longscribe.errors import OptionsError

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(OptionsError, match=r"longscribe\[ray\]"):
        ray_engine.import_ray()


def paragraphs(path: Path) -> list[str]:
    import docx

    return [p.text for p in docx.Document(str(path)).paragraphs]
