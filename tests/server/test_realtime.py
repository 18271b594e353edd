"""OpenAI's Realtime transcription protocol on a real ``longscribe serve``: the official ``openai`` client
with server VAD, manual commits, the protocol's errors and limits, and a kept session whose server
is killed (SIGKILL) mid-stream."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from audio_fixtures import pcm16
from longscribe.metrics import error_rates
from servers import Server

pytestmark = pytest.mark.model

KEY = "sk-live-test"
TINY = ["--model", "tiny.en"]
RATE = 24000
BLOCK = RATE // 10 * 2  # 100 ms of PCM16
SILENCE = b"\0" * (2 * RATE * 2)  # 2 s: server VAD ends the last utterance
TRANSCRIPTION = "conversation.item.input_audio_transcription"
EMPTY = "input_audio_buffer_commit_empty"
SESSION = {
    "type": "transcription",
    "audio": {
        "input": {
            "format": {"type": "audio/pcm", "rate": RATE},
            "transcription": {"model": "whisper-1", "language": "en"},
            "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
        }
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with Server(tmp_path_factory.mktemp("realtime") / "data", [*TINY, "--api-key", KEY], key=KEY) as running:
        yield running


@pytest.fixture(scope="module")
def jfk(data_dir: Path) -> tuple[bytes, str]:
    return pcm16(data_dir / "jfk.flac", RATE), (data_dir / "jfk.txt").read_text()


def within(seconds: float, work: Callable[[], Any]) -> Any:
    """``work()``'s result, or a failure if it takes longer (a silent server fails, never hangs)."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert out, f"no answer in {seconds} s"
    return out[0]


def test_the_openai_client_streams_with_server_vad(server: Server, jfk: tuple[bytes, str]) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=KEY)
    if not hasattr(client, "realtime"):
        pytest.skip("this openai client has no realtime.connect (GA Realtime)")
    pcm, reference = jfk

    def converse() -> list[Any]:
        with client.realtime.connect(model="whisper-1", extra_query={"intent": "transcription"}) as conn:
            events = [conn.recv()]
            conn.session.update(session=SESSION)  # type: ignore[arg-type]
            for i in range(0, len(pcm), BLOCK):
                conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + BLOCK]).decode())
            conn.input_audio_buffer.append(audio=base64.b64encode(SILENCE).decode())
            conn.input_audio_buffer.commit()  # nothing left to commit: its error comes after every other event
            while not ((event := conn.recv()).type == "error" and event.error.code == EMPTY):
                events.append(event)
            return [*events, event]

    events = within(120, converse)
    types = [e.type for e in events]
    assert types[:2] == ["session.created", "session.updated"], types
    assert events[1].session.audio.input.format.rate == RATE
    started = [e.item_id for e in events if e.type == "input_audio_buffer.speech_started"]
    committed = [e for e in events if e.type == "input_audio_buffer.committed"]
    completed = [e for e in events if e.type == f"{TRANSCRIPTION}.completed"]
    assert started and [e.item_id for e in committed] == started == [e.item_id for e in completed]
    assert [e.previous_item_id for e in committed] == [None, *started[:-1]]
    for event in completed:  # the deltas of an item add up to its transcript
        deltas = "".join(e.delta for e in events if e.type == f"{TRANSCRIPTION}.delta" and e.item_id == event.item_id)
        assert deltas == event.transcript
    heard = " ".join(e.transcript for e in completed)
    assert error_rates(reference, heard).wer <= 0.25, heard


def connect(server: Server, query: str = "intent=transcription", key: str | None = KEY) -> Any:
    from websockets.sync.client import connect as ws_connect

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return ws_connect(f"ws://127.0.0.1:{server.port}/v1/realtime?{query}", additional_headers=headers, open_timeout=30)


def receive(ws: Any, until: Callable[[dict[str, Any]], bool], seconds: float = 120) -> list[dict[str, Any]]:
    """Events up to and with the first for which ``until`` holds."""
    events: list[dict[str, Any]] = []
    while not events or not until(events[-1]):
        events.append(json.loads(ws.recv(timeout=seconds)))
    return events


def append(ws: Any, pcm: bytes) -> None:
    for i in range(0, len(pcm), BLOCK):
        ws.send(
            json.dumps({"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm[i : i + BLOCK]).decode()})
        )


def test_manual_commits_make_one_item_each(server: Server, jfk: tuple[bytes, str]) -> None:
    pcm, reference = jfk
    manual = {**SESSION, "audio": {"input": {**SESSION["audio"]["input"], "turn_detection": None}}}  # type: ignore[index]
    with connect(server, "intent=transcription&keep=true") as ws:
        receive(ws, lambda e: e["type"] == "session.created")
        ws.send(json.dumps({"type": "session.update", "session": manual}))
        [updated] = receive(ws, lambda e: e["type"] == "session.updated")
        assert updated["session"]["audio"]["input"]["turn_detection"] is None
        append(ws, pcm)
        ws.send(json.dumps({"type": "input_audio_buffer.commit"}))
        events = receive(ws, lambda e: e["type"] == f"{TRANSCRIPTION}.completed")
        [job_id] = [e["job"]["id"] for e in events if e["type"] == "longscribe.job.created"]
        assert [e["type"] for e in events if e["type"].startswith("input_audio_buffer.speech")] == []  # no VAD events
        [committed] = [e for e in events if e["type"] == "input_audio_buffer.committed"]
        assert events[-1]["item_id"] == committed["item_id"]
        assert error_rates(reference, events[-1]["transcript"]).wer <= 0.25, events[-1]
        ws.send(json.dumps({"type": "input_audio_buffer.commit"}))  # nothing since
        receive(ws, lambda e: e["type"] == "error" and e["error"]["code"] == EMPTY)
    # Kept: once the stream ends, its recording is transcribed as an upload is.
    assert server.wait_job(job_id, timeout=300)["status"] == "done"
    text = server.request("GET", f"/v1/jobs/{job_id}/result?format=txt").text
    assert error_rates(reference, text).wer <= 0.25, text


def test_bad_events_are_answered_and_the_session_goes_on(server: Server, jfk: tuple[bytes, str]) -> None:
    with connect(server) as ws:
        receive(ws, lambda e: e["type"] == "session.created")
        for sent, param in [
            ("not json", None),
            (json.dumps({"type": "response.create"}), "type"),
            (json.dumps({"type": "input_audio_buffer.append", "audio": "%%%"}), "audio"),
            (json.dumps({"type": "session.update", "session": {"audio": {"input": {"format": {"rate": 8000}}}}}),
             "session.audio.input.format"),
            (json.dumps({"type": "session.update", "session": {"type": "realtime"}}), "session.type"),
            (json.dumps({"type": "session.update", "session": {"audio": {"input": {
                "turn_detection": {"type": "server_vad", "threshold": 2}}}}}), "session.audio.input.turn_detection"),
            (json.dumps({"type": "session.update", "event_id": "mine", "session": {"audio": {"input": {
                "transcription": {"language": "xx"}}}}}), "session.audio.input.transcription.language"),
        ]:  # fmt: skip
            ws.send(sent)
            [error] = receive(ws, lambda e: e["type"] == "error", seconds=30)
            assert error["error"]["param"] == param, (sent, error)
        assert error["error"]["event_id"] == "mine"
        append(ws, jfk[0][: RATE * 2])
        ws.send(json.dumps({"type": "session.update", "session": SESSION}))
        receive(ws, lambda e: e["type"] == "error" and "fixed once audio has come" in e["error"]["message"])


def test_the_key_and_the_session_limit_are_kept(tmp_path: Path) -> None:
    from websockets.exceptions import InvalidStatus

    with Server(tmp_path / "data", [*TINY, "--api-key", KEY, "--max-live-sessions", "1"], key=KEY) as server:
        for query, key in [("intent=transcription", None), ("intent=transcription", "wrong")]:
            with pytest.raises(InvalidStatus) as refused:
                connect(server, query, key)
            assert refused.value.response.status_code == 401
        with connect(server, f"intent=transcription&access_token={KEY}", key=None) as ws:  # as a browser connects
            receive(ws, lambda e: e["type"] == "session.created")
            with pytest.raises(InvalidStatus) as refused:
                connect(server)
            assert refused.value.response.status_code == 429
            assert b"live sessions are open already" in refused.value.response.body
        with pytest.raises(InvalidStatus) as refused:
            connect(server, "intent=conversation")
        assert refused.value.response.status_code == 400


def test_a_kept_session_outlives_a_kill_9(tmp_path: Path, jfk: tuple[bytes, str]) -> None:
    pcm, reference = jfk
    data = tmp_path / "data"
    first = Server(data, TINY).start()
    try:
        with connect(first, "intent=transcription&keep=true", key=None) as ws:
            receive(ws, lambda e: e["type"] == "session.created")
            ws.send(json.dumps({"type": "session.update", "session": SESSION}))
            append(ws, pcm)
            job = receive(ws, lambda e: e["type"] == "longscribe.job.created")[-1]
            job_id = job["job"]["id"]
            assert first.job(job_id)["status"] == "live"
            receive(ws, lambda e: e["type"] == f"{TRANSCRIPTION}.delta")  # heard, and so recorded
            assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    finally:
        first.__exit__()
    recording = data / "jobs" / job_id / "audio"
    with wave.open(str(recording)) as wav:  # a WAV file whatever the moment of the kill
        assert wav.getnframes() >= 16000 * 3
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "longscribe", "transcribe", str(recording), *TINY, "-o", str(out), "-f", "txt"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    transcribed = (out / "audio.txt").read_text()
    heard = " ".join(reference.split()[: len(transcribed.split())])
    assert error_rates(heard, transcribed).wer <= 0.25, transcribed

    with Server(data, TINY) as second:  # the job resumes as an upload's would
        assert "1 unfinished job(s) resumed" in second.output()
        assert second.wait_job(job_id, timeout=300)["status"] == "done"
        assert second.request("GET", f"/v1/jobs/{job_id}/result?format=txt").text == transcribed
