"""The MLX engine (Apple's path) run here through MLX's CPU backend, against the CTranslate2 engine.

Same bundled model on both engines (converted once from CTranslate2's model.bin), compared at the
same precision (float32): measured identical text on lucier, where CTranslate2 int8 differs by 2 words.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from longscribe import Transcriber
from longscribe.benchmarks.recordings import pause_before, read_segments, reference_text, write_slice
from longscribe.engines.mlx import runtime as mlx_runtime
from longscribe.metrics import error_rates
from longscribe.models import resolve_model
from longscribe.types import Segment, SpeakerTurn

if not mlx_runtime.available():
    pytest.skip("MLX not installed (pip install 'longscribe[apple]')", allow_module_level=True)
pytestmark = [pytest.mark.model, pytest.mark.slow]

CLIPS = ["jfk.flac", "lucier.mp3"] + [f"ljspeech/LJ001-00{n}.wav" for n in ("02", "08", "16")]


def ct2_float32() -> Transcriber:
    return Transcriber(model="tiny.en", language="en", device="cpu", compute_type="float32")


def text_of(transcriber: Transcriber, path: Path) -> str:
    return " ".join(s.text for s in transcriber.transcribe(path))


@pytest.fixture(scope="module")
def mlx_tiny() -> Transcriber:
    return Transcriber(model="tiny.en", language="en", device="mlx-cpu")


def test_mlx_encoder_output_matches_ctranslate2_on_a_real_chunk(data_dir: Path) -> None:
    import ctranslate2
    from faster_whisper import WhisperModel, decode_audio

    from longscribe.engines.features import LogMel
    from longscribe.engines.mlx.decoding import encode
    from longscribe.engines.mlx.mlx_engine import MlxEngine

    path = resolve_model("base").path
    ct2 = WhisperModel(path, device="cpu", compute_type="float32", cpu_threads=2)
    mel = LogMel()(decode_audio(str(data_dir / "jfk.flac")))
    expected = np.array(ct2.model.encode(ctranslate2.StorageView.from_array(mel[None]), to_cpu=True))
    got = np.array(encode(MlxEngine(path, device="mlx-cpu").model, mel[None].astype(np.float32)))
    assert got.shape == expected.shape == (1, 1500, 512)
    assert np.abs(got - expected).max() <= 1e-3 * np.abs(expected).max()  # float16 resolution


def test_transcripts_within_one_wer_point_of_the_ctranslate2_engine(mlx_tiny: Transcriber, data_dir: Path) -> None:
    """Clips pooled (a single word is 5-15 points on a 10-word clip)."""
    ct2 = ct2_float32()
    references = [(data_dir / c).with_suffix(".txt").read_text() for c in CLIPS]
    texts = [text_of(mlx_tiny, data_dir / c) for c in CLIPS]
    ours = error_rates(" ".join(references), " ".join(texts)).wer
    theirs = error_rates(" ".join(references), " ".join(text_of(ct2, data_dir / c) for c in CLIPS)).wer
    assert ours <= theirs + 0.01, (ours, theirs)
    assert texts[0].strip().startswith("And so my fellow Americans")


def test_a_minute_of_the_long_form_file(mlx_tiny: Transcriber, data_dir: Path, tmp_path: Path) -> None:
    segments = read_segments(data_dir / "longform_en_asterisk.segments.tsv")
    cut = pause_before(segments, 60.0)
    path = write_slice(data_dir / "longform_en_asterisk.mp3", tmp_path / "en1.wav", cut)
    reference = reference_text(segments, cut)
    ours = error_rates(reference, text_of(mlx_tiny, path)).wer
    theirs = error_rates(reference, text_of(ct2_float32(), path)).wer
    assert ours <= theirs + 0.01 and ours <= 0.05, (ours, theirs)


def test_word_times_agree_with_the_ctranslate2_engine(mlx_tiny: Transcriber, data_dir: Path) -> None:
    def words(t: Transcriber) -> list[tuple[str, float, float]]:
        return [(w.text, w.start / 16000, w.end / 16000) for s in t.transcribe(data_dir / "jfk.flac") for w in s.words]

    options = dict(model="tiny.en", language="en", word_timestamps=True)
    ours = words(Transcriber(device="mlx-cpu", **options))  # type: ignore[arg-type]
    theirs = words(Transcriber(device="cpu", **options))  # type: ignore[arg-type]
    assert [w[0] for w in ours] == [w[0] for w in theirs]
    assert max(abs(a[1] - b[1]) + abs(a[2] - b[2]) for a, b in zip(ours, theirs)) <= 0.2


def test_cli_runs_the_whole_pipeline_and_converts_the_model_once(tmp_path: Path, data_dir: Path) -> None:
    env = {**os.environ, "LONGSCRIBE_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "longscribe", "transcribe", str(data_dir / "lucier.mp3"), "--model", "tiny.en"]
    command += ["--device", "mlx-cpu", "-o", str(tmp_path / "out"), "-f", "srt,json", "--word_timestamps"]
    first = subprocess.run(command, capture_output=True, text=True, env=env)
    assert first.returncode == 0, first.stderr
    converted = list((tmp_path / "cache" / "models").glob("*.mlx-*"))
    assert len(converted) == 1 and (converted[0] / "weights.safetensors").is_file()
    stamp = (converted[0] / "weights.safetensors").stat().st_mtime_ns
    doc = json.loads((tmp_path / "out" / "lucier.json").read_text())
    assert doc["info"]["device"] == "mlx-cpu" and doc["info"]["compute_type"] == "float32"
    words = [w for s in doc["segments"] for w in s["words"]]
    assert len(words) > 90 and all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    assert "-->" in (tmp_path / "out" / "lucier.srt").read_text()
    again = subprocess.run([*command, "-f", "txt"], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert (converted[0] / "weights.safetensors").stat().st_mtime_ns == stamp


def test_a_truncated_model_file_is_a_one_line_error(tmp_path: Path, data_dir: Path) -> None:
    model = tmp_path / "tiny-broken"
    shutil.copytree(resolve_model("tiny.en").path, model)
    with open(model / "model.bin", "r+b") as f:
        f.truncate(5_000_000)
    env = {**os.environ, "LONGSCRIBE_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-m", "longscribe", "transcribe", str(data_dir / "jfk.flac"), "--model", str(model)]
        + ["--device", "mlx-cpu", "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode != 0
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1 and "model.bin: truncated" in errors[0], run.stderr


def test_devices_reports_mlx_and_what_mlx_cpu_would_use() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "longscribe", "devices", "--json", "--device", "mlx-cpu", "--model", "tiny.en"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["hardware"]["mlx"] is True and any(d.startswith("mlx-cpu") for d in doc["available_devices"])
    use = doc["would_use"]
    assert (use["engine"], use["device"], use["compute_type"]) == ("mlx", "mlx-cpu", "float32")


def test_an_mlx_weights_directory_is_a_model_for_the_mlx_engine_only(data_dir: Path) -> None:
    """The layout mlx-community publishes (config.json + weights.safetensors), here from our converter."""
    from longscribe.engines.mlx.weights import mlx_dir_for
    from longscribe.errors import EngineError

    directory = mlx_dir_for(resolve_model("tiny.en").path)
    assert not (directory / "model.bin").exists()
    text = text_of(Transcriber(model=str(directory), language="en", device="mlx-cpu"), data_dir / "jfk.flac")
    assert text.strip().startswith("And so my fellow Americans")
    with pytest.raises(EngineError, match="holds MLX weights"):
        text_of(Transcriber(model=str(directory), language="en", device="cpu"), data_dir / "jfk.flac")


def test_incomplete_or_quantized_mlx_weights_are_refused_clearly(tmp_path: Path) -> None:
    from longscribe.engines.mlx.mlx_engine import MlxEngine
    from longscribe.engines.mlx.weights import mlx_dir_for
    from longscribe.errors import EngineError

    source = mlx_dir_for(resolve_model("tiny.en").path)
    broken = tmp_path / "broken"
    shutil.copytree(source, broken)
    mx = mlx_runtime.import_mlx()
    weights = mx.load(str(broken / "weights.safetensors"))
    del weights["decoder.ln.weight"]
    mx.save_safetensors(str(broken / "weights.safetensors"), weights)
    with pytest.raises(EngineError, match=r"1 weight\(s\) missing, e.g. decoder.ln.weight"):
        MlxEngine(str(broken))
    quantized = tmp_path / "quantized"
    shutil.copytree(source, quantized)
    config = json.loads((quantized / "config.json").read_text())
    (quantized / "config.json").write_text(json.dumps({**config, "quantization": {"group_size": 64, "bits": 4}}))
    with pytest.raises(EngineError, match="quantized MLX weights are not supported"):
        MlxEngine(str(quantized))


def test_each_chunk_is_identified_and_decoded_in_its_own_language(data_dir: Path, tmp_path: Path) -> None:
    """English then Spanish through the MLX engine: the same per-chunk identification as CTranslate2's."""
    from audio_fixtures import write_wav
    from longscribe.audio import AudioStream

    def first(path: Path, seconds: float) -> np.ndarray:
        with AudioStream(path) as stream:
            return next(stream.windows(int(seconds * 16000)))  # the first window only: not the whole file

    english = first(data_dir / "longform_en_asterisk.mp3", 30.0)
    spanish = first(data_dir / "librivox_es_galdos.mp3", 30.0)
    path = write_wav(tmp_path / "en-es.wav", np.concatenate([english, np.zeros(16000, np.float32), spanish]))
    transcription = Transcriber(model="base", device="mlx-cpu").transcribe(path)
    segments = list(transcription)
    assert transcription.info.language_runs == ["en", "es"], [(s.start_s, s.language, s.text) for s in segments]
    assert all(s.language == "en" for s in segments if s.end_s <= 30.0)
    assert all(s.language == "es" for s in segments if s.start_s >= 31.0)


def test_speakers_with_the_mlx_engine_are_those_of_the_cpu_engine(data_dir: Path) -> None:
    # Diarization runs on onnxruntime's CPU provider whatever the engine: the same turns, and both
    # speakers on the MLX engine's segments.
    from longscribe.metrics import diarization_error_rate, read_rttm

    sample = data_dir / "pyannote_sample.wav"

    def speakers_on(device: str) -> tuple[list[Segment], list[SpeakerTurn]]:
        transcription = Transcriber(model="tiny.en", language="en", device=device, diarize=True).transcribe(sample)
        return list(transcription), transcription.info.speaker_turns

    segments, turns = speakers_on("mlx-cpu")
    assert turns == speakers_on("cpu")[1] and turns
    found = [(t.start_s, t.end_s, t.speaker) for t in turns]
    errors = diarization_error_rate(read_rttm((data_dir / "pyannote_sample.rttm").read_text()), found)
    assert errors.speakers == 2 and errors.der <= 0.05, errors
    assert {s.speaker for s in segments} == {"SPEAKER_00", "SPEAKER_01"}
