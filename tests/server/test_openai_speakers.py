"""OpenAI's newer transcription fields, served: ``diarized_json`` and its ``transcript.text.segment``
events, ``known_speaker_names``/``known_speaker_references``, ``keywords`` and ``chunking_strategy``,
sent by the official ``openai`` client (as it sends them) to a real ``longscribe serve``; and a
server-side voice library (``serve --voice-library``) for requests that ask ``voices=true``.
"""

from __future__ import annotations

import base64
import inspect
import io
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from audio_fixtures import write_wav
from longscribe.diarize.enrol import ClipSpec
from servers import Server

openai = pytest.importorskip("openai")
NEWER = ("keywords", "known_speaker_names", "known_speaker_references", "chunking_strategy")
"""The client's parameters these tests send; older clients (the minimum versions' run) lack them."""
newer_client = pytest.mark.skipif(
    not set(NEWER) <= set(inspect.signature(openai.resources.audio.Transcriptions.create).parameters),
    reason="this openai client does not send keywords, known speakers or chunking_strategy",
)

RATE = 16000
ALLISON, ALVIN = "longform_en_asterisk.mp3", "lucier.mp3"
TURNS = ((ALVIN, 0, 20), (ALLISON, 100, 120), (ALVIN, 20, 40), (ALLISON, 120, 140))
"""A conversation of two voices of ../shared/data, 20 s turns, 0.5 s apart."""
REFERENCES = {"Alvin": (ALVIN, 60, 68), "Allison": (ALLISON, 300, 308)}
"""Each voice's reference clip: a stretch the conversation does not use."""


def wav_bytes(audio: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def data_url(audio: np.ndarray) -> str:
    return "data:audio/wav;base64," + base64.b64encode(wav_bytes(audio)).decode()


@pytest.fixture(scope="module")
def stretches(data_dir: Path) -> dict[tuple[str, int, int], np.ndarray]:
    wanted = {*TURNS, *REFERENCES.values()}
    return {(f, a, b): ClipSpec(str(data_dir / f), a, b).read() for f, a, b in wanted}


@pytest.fixture(scope="module")
def conversation(stretches: dict[tuple[str, int, int], np.ndarray], tmp_path_factory: pytest.TempPathFactory) -> Path:
    gap = np.zeros(RATE // 2, dtype=np.float32)
    audio = np.concatenate([part for turn in TURNS for part in (stretches[turn], gap)])
    return write_wav(tmp_path_factory.mktemp("talk") / "talk.wav", audio)


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, stretches: dict[tuple[str, int, int], np.ndarray]
) -> Iterator[Server]:
    library = tmp_path_factory.mktemp("library")
    clip = write_wav(library.parent / "alvin.wav", stretches[REFERENCES["Alvin"]])
    enrol = [
        sys.executable,
        "-m",
        "longscribe",
        "voices",
        "add",
        "Alvin Lucier",
        str(clip),
        "--voice-library",
        str(library),
    ]
    subprocess.run(enrol, check=True, timeout=300, capture_output=True)
    args = ["--model", "tiny.en", "--voice-library", str(library)]
    with Server(tmp_path_factory.mktemp("served") / "data", args) as server:
        yield server


@pytest.fixture(scope="module")
def client(server: Server) -> Any:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0, timeout=300)


def known(stretches: dict[tuple[str, int, int], np.ndarray]) -> dict[str, Any]:
    return {
        "known_speaker_names": list(REFERENCES),
        "known_speaker_references": [data_url(stretches[clip]) for clip in REFERENCES.values()],
    }


def speaking(segments: list[Any], start: float, end: float) -> str:
    """Who speaks most of ``start..end``."""
    time: dict[str, float] = {}
    for s in segments:
        time[s.speaker] = time.get(s.speaker, 0.0) + max(0.0, min(end, s.end) - max(start, s.start))
    return max(time, key=time.__getitem__)


@newer_client
def test_known_speakers_name_the_diarized_json_and_its_stream(
    client: Any, conversation: Path, stretches: dict[tuple[str, int, int], np.ndarray]
) -> None:
    diarized = client.audio.transcriptions.create(
        model="gpt-4o-transcribe-diarize",
        file=conversation.open("rb"),
        response_format="diarized_json",
        chunking_strategy="auto",
        **known(stretches),
    )
    segments = diarized.segments
    assert {s.speaker for s in segments} == {"Alvin", "Allison"}, [(s.start, s.speaker) for s in segments]
    for k, turn in enumerate(TURNS):
        assert speaking(segments, k * 20.5, k * 20.5 + 20) == ("Alvin" if turn[0] == ALVIN else "Allison")
    assert diarized.text.startswith(segments[0].text) and "sitting in a room" in diarized.text
    assert diarized.usage.type == "duration" and diarized.usage.seconds == pytest.approx(82, abs=0.1)
    assert [s.id for s in segments] == [f"seg_{i}" for i in range(len(segments))]
    events = list(
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe-diarize",
            file=conversation.open("rb"),
            response_format="diarized_json",
            stream=True,
            **known(stretches),
        )
    )
    streamed = [e for e in events if e.type == "transcript.text.segment"]
    assert events[-1].type == "transcript.text.done" and events[-1].text == diarized.text
    assert [(e.id, e.start, e.end, e.text, e.speaker) for e in streamed] == [
        (s.id, s.start, s.end, s.text, s.speaker) for s in segments
    ]


def test_the_server_library_names_speakers_when_asked(server: Server, conversation: Path) -> None:
    reply = server.upload(
        "/v1/audio/transcriptions",
        conversation,
        {"diarize": "true", "voices": "true", "response_format": "diarized_json"},
    )
    assert reply.status == 200, reply.body
    speakers = {s["speaker"] for s in reply.json()["segments"]}
    assert "Alvin Lucier" in speakers and len(speakers) == 2, speakers  # Allison is not enrolled
    options = server.job(reply.headers["x-longscribe-job"])["options"]
    assert options["voices"] == [] and "voice_library" not in options, options  # all voices; no server path


@newer_client
def test_keywords_spell_the_terms_and_chunking_strategy_is_taken(client: Any, data_dir: Path, tmp_path: Path) -> None:
    digium = write_wav(tmp_path / "digium.wav", ClipSpec(str(data_dir / ALLISON), 505, 520).read())
    plain = client.audio.transcriptions.create(model="whisper-1", file=digium.open("rb"))
    assert "Digium" not in plain.text, plain.text  # what keywords are for
    guided = client.audio.transcriptions.create(
        model="gpt-transcribe",
        file=digium.open("rb"),
        keywords=["Digium"],
        chunking_strategy={
            "type": "server_vad",
            "threshold": 0.5,
            "prefix_padding_ms": 300,
            "silence_duration_ms": 500,
        },
    )
    assert "Digium" in guided.text, guided.text


def test_bad_fields_are_a_400_naming_them(
    client: Any, server: Server, conversation: Path, data_dir: Path, stretches: dict[tuple[str, int, int], np.ndarray]
) -> None:
    reference = data_url(stretches[REFERENCES["Alvin"]])
    music = data_url(ClipSpec(str(data_dir / "music_drascula_a.mp3"), 10, 18).read())
    too_long = data_url(np.concatenate([stretches[TURNS[0]], stretches[TURNS[2]]]))  # 40 s of Alvin
    cases: list[tuple[dict[str, str | list[str]], str, str]] = [
        ({"keywords[]": ["Digium", "<b>"]}, "keywords[]", "single-line"),
        ({"keywords[]": "two\nlines"}, "keywords[]", "single-line"),
        ({"include[]": "logprobs"}, "include[]", "log-probabilities"),
        ({"chunking_strategy": "fixed"}, "chunking_strategy", "auto or a server_vad"),
        ({"chunking_strategy[type]": "client_vad"}, "chunking_strategy[type]", "server_vad"),
        ({"chunking_strategy[type]": "server_vad", "chunking_strategy[threshold]": "1.5"},
         "chunking_strategy[threshold]", "threshold"),
        ({"chunking_strategy[type]": "server_vad", "chunking_strategy[silence_duration_ms]": "-1"},
         "chunking_strategy[silence_duration_ms]", "within"),
        ({"known_speaker_names[]": ["Ana", "Ben"], "known_speaker_references[]": reference},
         "known_speaker_names[]", "give one each"),
        ({"known_speaker_names[]": "Ana", "known_speaker_references[]": "https://example.org/ana.wav"},
         "known_speaker_references[]", "data URL"),
        ({"known_speaker_names[]": "Ana", "known_speaker_references[]": "data:audio/wav;base64,@@@"},
         "known_speaker_references[]", "malformed"),
        ({"known_speaker_names[]": "Ana", "known_speaker_references[]": music},
         "known_speaker_references[]", "too little speech"),
        ({"known_speaker_names[]": "Ana", "known_speaker_references[]": too_long},
         "known_speaker_references[]", "at most 30 s"),
        ({"known_speaker_names[]": "Ana", "known_speaker_references[]": "data:audio/wav;base64,UklGRg=="},
         "known_speaker_references[]", "not audio"),
        ({"known_speaker_names[]": "A=B", "known_speaker_references[]": reference}, "known_speaker_names[]", "'='"),
        ({"known_speaker_names[]": "Ana", "known_speaker_references[]": reference, "diarize": "channels"},
         "known_speaker_names[]", "channels"),
        ({"voices": "true"}, "voices", "needs diarize"),
        ({"voices": "maybe", "diarize": "true"}, "voices", "true or false"),
    ]  # fmt: skip
    for fields, param, words in cases:
        reply = server.upload("/v1/audio/transcriptions", conversation, fields)
        assert reply.status == 400, (fields, reply.body)
        error = reply.json()["error"]
        assert error["param"] == param and words in error["message"] and "\n" not in error["message"], (fields, error)
    with pytest.raises(openai.BadRequestError, match="log-probabilities"):
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=conversation.open("rb"), include=["logprobs"]
        )
    assert not any(server.data.glob("jobs/*/reference-*")), "no reference clip is kept"
