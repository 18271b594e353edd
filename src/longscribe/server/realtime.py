"""OpenAI's Realtime transcription sessions on a WebSocket: ``/v1/realtime?intent=transcription``.

A connection is one live stream on the served model (:class:`~longscribe.server.streaming.LiveStream`).
It is let in by the API key (``Authorization: Bearer KEY`` or ``?access_token=KEY``) while fewer
than ``max_live_sessions`` are open, and ends after ``live_max_seconds`` of audio. Its settings
(``session.update``) are fixed once audio has come. ``?keep=true`` records the audio into a job
that is transcribed as an upload when the stream ends, or when the server starts again after a
crash; ``?partials=true`` adds the tail not yet final to the events.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import datetime as dt
import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from longscribe.errors import OptionsError
from longscribe.live import LiveSession
from longscribe.live.capture import PcmDecoder
from longscribe.live.utterances import for_live
from longscribe.options import LiveOptions
from longscribe.pipeline.transcriber import Transcriber
from longscribe.server.board import JobRequest, ServerJob
from longscribe.server.formats import LANGUAGES, error_body
from longscribe.server.streaming import LiveStream, Message

log = logging.getLogger(__name__)

RATES = (24000, 16000)
"""The PCM rates a client may send (OpenAI's is 24 kHz)."""
MAX_APPEND = 15 * 2**20
"""The largest ``audio`` of one append, in base64 characters (OpenAI's limit)."""
MAX_WAITING_SECONDS = 5.0
"""Audio received and not yet heard beyond which the connection is not read: a client sending
faster than the stream is heard waits (nothing is dropped), and a connection holds little."""


class ProtocolError(Exception):
    """A client event the session refuses: answered with an ``error`` event, the session goes on."""

    def __init__(self, message: str, param: str | None = None, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


@dataclass(frozen=True)
class StreamSettings:
    """What ``session.update`` set."""

    model: str
    rate: int = RATES[0]
    language: str | None = None
    prompt: str | None = None
    turns: LiveOptions | None = field(default_factory=LiveOptions)
    """Server VAD's settings; None: the client commits (``turn_detection: null``)."""

    def session(self) -> dict[str, Any]:
        """The session as OpenAI's ``session.created`` / ``session.updated`` show it."""
        turns = self.turns
        detection = None
        if turns is not None:
            detection = {
                "type": "server_vad",
                "threshold": turns.threshold,
                "prefix_padding_ms": turns.prefix_padding_ms,
                "silence_duration_ms": turns.silence_duration_ms,
            }
        transcription = {"model": self.model, "language": self.language, "prompt": self.prompt or ""}
        audio_in = {"format": {"type": "audio/pcm", "rate": self.rate}, "transcription": transcription,
                    "turn_detection": detection, "noise_reduction": None}  # fmt: skip
        return {"type": "transcription", "object": "realtime.transcription_session", "audio": {"input": audio_in},
                "include": []}  # fmt: skip


def updated(settings: StreamSettings, session: Any) -> StreamSettings:
    """``settings`` with what a ``session.update``'s ``session`` sets (fields it leaves out stay)."""
    if not isinstance(session, dict):
        raise ProtocolError("session must be an object", "session")
    if session.get("type", "transcription") != "transcription":
        raise ProtocolError("only transcription sessions are served (session.type: transcription)", "session.type")
    audio_in = _object(_object(session, "audio", "session"), "input", "session.audio")
    where = "session.audio.input"
    changes: dict[str, Any] = {}
    if "format" in audio_in:
        fmt = _object(audio_in, "format", where)
        rate = fmt.get("rate", RATES[0])
        if fmt.get("type", "audio/pcm") != "audio/pcm" or rate not in RATES:
            raise ProtocolError(f"audio/pcm at {' or '.join(map(str, RATES))} Hz is served", f"{where}.format")
        changes["rate"] = rate
    if "transcription" in audio_in:
        asked = _object(audio_in, "transcription", where)
        language = str(asked.get("language") or "").strip().lower() or None
        if language is not None and language not in LANGUAGES:
            raise ProtocolError(
                f"unknown language {language!r} (use a code such as en)", f"{where}.transcription.language"
            )
        changes["language"], changes["prompt"] = language, asked.get("prompt") or None
    if "turn_detection" in audio_in:
        changes["turns"] = _turns(audio_in["turn_detection"], settings.turns, f"{where}.turn_detection")
    return replace(settings, **changes)


def _turns(asked: Any, turns: LiveOptions | None, param: str) -> LiveOptions | None:
    if asked is None:
        return None
    if not isinstance(asked, dict) or asked.get("type", "server_vad") != "server_vad":
        raise ProtocolError("turn_detection is server_vad or null (the client commits)", param)
    names = ("threshold", "prefix_padding_ms", "silence_duration_ms")
    try:
        return replace(turns or LiveOptions(), **{n: asked[n] for n in names if asked.get(n) is not None})
    except (OptionsError, TypeError) as exc:
        raise ProtocolError(str(exc), param) from exc


def _object(parent: dict[str, Any], name: str, where: str) -> dict[str, Any]:
    value = parent.get(name) or {}
    if not isinstance(value, dict):
        raise ProtocolError(f"{where}.{name} must be an object", f"{where}.{name}")
    return value


async def realtime(websocket: WebSocket) -> None:
    service = websocket.app.state.service
    refusal = _refusal(service, websocket)
    if refusal is not None:
        status, message, kind, code = refusal
        if "websocket.http.response" in websocket.scope.get("extensions", {}):
            await websocket.send_denial_response(JSONResponse(error_body(message, kind, code=code), status_code=status))
        else:
            await websocket.close(code=1008, reason=message)
        return
    service.live_sessions += 1
    try:
        await websocket.accept()
        await _Connection(service, websocket).serve()
    finally:
        service.live_sessions -= 1


def _refusal(service: Any, websocket: WebSocket) -> tuple[int, str, str, str] | None:
    """(status, message, kind, code) of a connection not let in."""
    if not service.authorised(websocket):
        return 401, "missing or wrong API key", "authentication_error", "invalid_api_key"
    if websocket.query_params.get("intent", "transcription") != "transcription":
        message = "only transcription sessions are served (?intent=transcription)"
        return 400, message, "invalid_request_error", "unsupported_intent"
    if service.live_sessions >= service.config.max_live_sessions:
        message = f"{service.config.max_live_sessions} live sessions are open already"
        return 429, message, "rate_limit_error", "too_many_sessions"
    return None


class _Connection:
    """One client's session: its events read in order, the stream's events sent as they come."""

    def __init__(self, service: Any, websocket: WebSocket) -> None:
        self.service, self.websocket = service, websocket
        self.board = service.board
        self.settings = StreamSettings(model=service.model)
        self.transcriber: Transcriber = self.board.transcriber
        self.stream: LiveStream | None = None
        self.pcm: PcmDecoder | None = None
        self.job: ServerJob | None = None
        self.heard = 0
        self._out: asyncio.Queue[Message | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._events = 0
        flag = websocket.query_params.get
        self.keep, self.partials = flag("keep") == "true", flag("partials") == "true"

    def send(self, message: Message) -> None:
        """Queue a server event (from any thread; dropped once the server's loop has closed)."""
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._out.put_nowait, message)

    async def serve(self) -> None:
        sender = asyncio.create_task(self._sending())
        self.send({"type": "session.created", "session": self.settings.session()})
        try:
            await self._reading()
        finally:
            if self.stream is not None:
                for samples in self.pcm.flush() if self.pcm else []:
                    self.stream.put_audio(samples)
                self.stream.end()
                await asyncio.to_thread(self.stream.thread.join)
            if self.job is not None:
                await asyncio.to_thread(self.board.close_live, self.job)
            self._out.put_nowait(None)
            await sender
            if self.websocket.client_state.name == "CONNECTED":
                with contextlib.suppress(RuntimeError):  # gone meanwhile
                    await self.websocket.close()

    async def _sending(self) -> None:
        while (message := await self._out.get()) is not None:
            self._events += 1
            try:
                await self.websocket.send_text(json.dumps({"event_id": f"event_{self._events}", **message}))
            except (WebSocketDisconnect, RuntimeError):  # gone: its stream still ends as usual
                pass

    async def _reading(self) -> None:
        limit = self.service.config.live_max_seconds
        while True:
            try:
                text = await self.websocket.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            event: Any = None
            try:
                event = json.loads(text)
                if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                    raise ProtocolError("an event is a JSON object with a type", "type")
                await self._handle(event)
            except (ProtocolError, json.JSONDecodeError) as exc:
                problem = exc if isinstance(exc, ProtocolError) else ProtocolError("not JSON", code="invalid_json")
                said = error_body(problem.message, param=problem.param, code=problem.code)
                said["error"]["event_id"] = event.get("event_id") if isinstance(event, dict) else None
                self.send({"type": "error", **said})
            if self.heard >= limit * self.settings.rate:
                message = f"the session reached its limit of {limit:g} seconds of audio"
                self.send({"type": "error", **error_body(message, code="session_expired")})
                return

    async def _handle(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "session.update":
            if self.stream is not None:
                raise ProtocolError("the session's settings are fixed once audio has come", "session")
            settings = updated(self.settings, event.get("session"))
            try:
                self.transcriber = self.board.transcriber.with_options(
                    language=settings.language, initial_prompt=settings.prompt
                )
            except OptionsError as exc:
                raise ProtocolError(str(exc), "session.audio.input.transcription") from exc
            self.settings = settings
            self.send({"type": "session.updated", "session": settings.session()})
        elif kind == "input_audio_buffer.append":
            await self._append(event.get("audio"))
        elif kind == "input_audio_buffer.commit":
            (await self._stream()).commit()
        elif kind == "input_audio_buffer.clear":
            (await self._stream()).clear()
        else:
            raise ProtocolError(f"unknown or unsupported event type {kind!r}", "type", "unknown_event")

    async def _append(self, audio: Any) -> None:
        if not isinstance(audio, str) or len(audio) > MAX_APPEND:
            raise ProtocolError(f"audio must be base64 PCM16 of at most {MAX_APPEND} characters", "audio")
        try:
            data = base64.b64decode(audio, validate=True)
        except binascii.Error as exc:
            raise ProtocolError("audio is not base64", "audio") from exc
        stream = await self._stream()
        assert self.pcm is not None
        self.heard += len(data) // 2
        for samples in self.pcm.feed(data):
            stream.put_audio(samples)
        while stream.waiting_seconds > MAX_WAITING_SECONDS:  # the client waits for the stream
            await asyncio.sleep(0.05)

    async def _stream(self) -> LiveStream:
        """The live stream, started with the settings so far at the first audio or commit."""
        if self.stream is not None:
            return self.stream
        settings, record = self.settings, None
        if self.keep:
            self.job = await asyncio.to_thread(self._keep)
            record = self.board.audio(self.job.id)
        transcriber = self.transcriber
        engine = await asyncio.to_thread(lambda: transcriber.engine)
        session = LiveSession(engine, for_live(transcriber.decoding), settings.turns or LiveOptions())
        self.pcm = PcmDecoder(settings.rate)
        self.stream = LiveStream(
            session, self.send, turns=settings.turns is not None, partials=self.partials, record=record
        )
        self.stream.thread.start()
        log.info("live session started (%d Hz, %s)", settings.rate, "server VAD" if settings.turns else "commits")
        return self.stream

    def _keep(self) -> ServerJob:
        job_id, _folder = self.board.new_folder()
        websocket = self.websocket
        name = f"live-{dt.datetime.now():%Y%m%d-%H%M%S}.wav"
        client = websocket.client.host if websocket.client else "?"
        request = JobRequest(language=self.settings.language, prompt=self.settings.prompt, filename=name, client=client)
        job: ServerJob = self.board.open_live(job_id, request)
        self.send({"type": "longscribe.job.created", "job": job.public()})
        return job
