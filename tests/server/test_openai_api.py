"""OpenAI's audio API, served: the official ``openai`` client against a real ``longscribe serve`` on 127.0.0.1.

What the client gets in every response format is what ``longscribe transcribe`` writes for the same file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servers import Server

openai = pytest.importorskip("openai")


@pytest.fixture(scope="module")
def clip(data_dir: Path) -> Path:
    return data_dir / "lucier.mp3"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("served") / "data", ["--model", "tiny.en"]) as server:
        yield server


@pytest.fixture(scope="module")
def client(server: Server) -> Any:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=300)


@pytest.fixture(scope="module")
def command(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``longscribe transcribe`` writes for the clip with the same model."""
    out = tmp_path_factory.mktemp("command")
    argv = [sys.executable, "-m", "longscribe", "transcribe", str(clip), "--model", "tiny.en", "-o", str(out),
            "-f", "txt,srt,vtt,json", "--quiet"]  # fmt: skip
    subprocess.run(argv, check=True, timeout=300)
    return out


def test_every_response_format_is_what_the_command_writes(client: Any, clip: Path, command: Path) -> None:
    written = json.loads((command / "lucier.json").read_text())
    text = client.audio.transcriptions.create(model="whisper-1", file=clip.open("rb"), response_format="text")
    assert text.strip() == written["text"] == (command / "lucier.txt").read_text().strip().replace("\n", " ")
    plain = client.audio.transcriptions.create(model="whisper-1", file=clip.open("rb"))
    assert plain.text == written["text"]
    for fmt in ("srt", "vtt"):
        body = client.audio.transcriptions.create(model="whisper-1", file=clip.open("rb"), response_format=fmt)
        assert body == (command / f"lucier.{fmt}").read_text(), fmt
    verbose = client.audio.transcriptions.create(
        model="whisper-1", file=clip.open("rb"), response_format="verbose_json"
    )
    assert verbose.language == "english" and verbose.text == written["text"]
    assert verbose.duration == pytest.approx(100.78, abs=0.1)
    assert [(s.start, s.end, s.text) for s in verbose.segments] == [
        (s["start"], s["end"], s["text"]) for s in written["segments"]
    ]
    first = verbose.segments[0]
    assert (
        first.id == 0 and -1.0 < first.avg_logprob < 0 and first.compression_ratio > 0 and 0 <= first.no_speech_prob < 1
    )
    assert verbose.words is None  # asked for segments only


def test_word_and_segment_timestamps(client: Any, clip: Path, command: Path) -> None:
    verbose = client.audio.transcriptions.create(
        model="whisper-1",
        file=clip.open("rb"),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    words = verbose.words
    assert len(words) == len(verbose.text.split()) > 50
    assert all(w.start <= w.end for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert " ".join(w.word for w in words) == verbose.text
    assert verbose.segments[0].start <= words[0].start < verbose.segments[0].end


def test_a_stream_of_deltas_adds_up_to_the_transcript(client: Any, clip: Path, command: Path) -> None:
    events = list(client.audio.transcriptions.create(model="whisper-1", file=clip.open("rb"), stream=True))
    deltas = [e.delta for e in events if e.type == "transcript.text.delta"]
    assert len(deltas) > 5 and events[-1].type == "transcript.text.done"
    written = json.loads((command / "lucier.json").read_text())
    assert "".join(deltas).strip() == events[-1].text == written["text"]


def test_translations_and_models(client: Any, server: Server, clip: Path) -> None:
    translated = client.audio.translations.create(model="whisper-1", file=clip.open("rb"))
    assert "sitting in a room" in translated.text
    assert [m.id for m in client.models.list()] == ["tiny.en"]
    raw = client.audio.transcriptions.with_raw_response.create(model="whisper-1", file=clip.open("rb"))
    assert raw.headers["x-longscribe-model"] == "whisper-1 is served by tiny.en"
    job = server.job(raw.headers["x-longscribe-job"])  # the request's job stays, for a client that went away
    assert job["status"] == "done" and job["file"] == "lucier.mp3"


def test_what_it_does_not_take_is_an_openai_error(client: Any, server: Server, clip: Path) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=clip.open("rb"), response_format="xml")
    assert "response_format must be one of" in str(caught.value)
    for fields, param in (
        ({"response_format": "json", "chunking_strategy": "none"}, "chunking_strategy"),
        ({"language": "klingon"}, "language"),
        ({"temperature": "2"}, "temperature"),
        ({"timestamp_granularities[]": "letter"}, "timestamp_granularities[]"),
        ({"stream": "maybe"}, "stream"),
        ({"diarize": "voices"}, "diarize"),
        ({"num_speakers": "2"}, "num_speakers"),
        ({"diarize": "true", "num_speakers": "0"}, "num_speakers"),
        ({"diarize": "true", "min_speakers": "3", "max_speakers": "2"}, "max_speakers"),
    ):
        reply = server.upload("/v1/audio/transcriptions", clip, fields)
        assert reply.status == 400, (fields, reply.body)
        error = reply.json()["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["param"] == param, error
        assert error["type"] == "invalid_request_error" and "\n" not in error["message"]


def test_speakers_come_with_every_segment_when_asked(client: Any, server: Server, data_dir: Path) -> None:
    sample = data_dir / "pyannote_sample.wav"
    reply = server.upload("/v1/audio/transcriptions", sample, {"diarize": "true", "response_format": "verbose_json"})
    assert reply.status == 200, reply.body
    segments = reply.json()["segments"]
    assert {s["speaker"] for s in segments} == {"SPEAKER_00", "SPEAKER_01"}
    job = server.job(reply.headers["x-longscribe-job"])
    vtt = server.request("GET", f"/v1/jobs/{job['id']}/result?format=vtt")
    assert vtt.status == 200 and "<v SPEAKER_01>" in vtt.text, vtt.text[:200]
