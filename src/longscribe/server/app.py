"""The HTTP front end: OpenAI's audio routes, durable jobs, health, metrics and the page, over a JobBoard.

Routes only translate: a request becomes a job on the board, a finished job becomes
a response. Every ``/v1`` route and ``/metrics`` needs the API key (when one is set)
as ``Authorization: Bearer KEY`` (or ``?access_token=KEY`` on GET and the Realtime
WebSocket, for the page's audio player, downloads and microphone), compared in constant time. Errors are OpenAI-shaped,
one line, without tracebacks or server paths. Requests are logged without their
query strings, file names or text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from longscribe.audio import AudioStream
from longscribe.errors import DocumentError, InputError, NoAudioStreamError, RevisionConflict
from longscribe.jobs.fingerprint import sampled_hash
from longscribe.revisions import MAX_DOCUMENT_BYTES
from longscribe.server.board import (
    CANCELLED,
    DONE,
    FAILED,
    SHUTDOWN,
    JobBoard,
    JobRequest,
    QueueFull,
    ServerJob,
)
from longscribe.server.config import ServerConfig
from longscribe.server.fetching import check_allowed, episodes_at, fetch_into
from longscribe.server.formats import (
    diarized_segment,
    error_body,
    media_type,
    parse_request,
    response,
    wants_again,
)
from longscribe.server.realtime import realtime
from longscribe.server.references import NAMES, REFERENCES, decode_references, enrol_references
from longscribe.server.uploads import UploadError, receive
from longscribe.sources import Episode, url_name

log = logging.getLogger(__name__)

MODEL_HEADER = "X-Longscribe-Model"
JOB_HEADER = "X-Longscribe-Job"
REUSED_HEADER = "X-Longscribe-Reused"
"""Set (true) when the answer is an earlier finished job on the same recording with the same options."""
RETRY_AFTER_SECONDS = 30
NOSNIFF = (b"x-content-type-options", b"nosniff")  # an upload played back is never taken for a page
PAGE_POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"


def error(
    status: int, message: str, param: str | None = None, kind: str | None = None, code: str | None = None
) -> JSONResponse:
    kind = kind or ("invalid_request_error" if status < 500 else "server_error")
    return JSONResponse(error_body(message, kind, param, code), status_code=status)


class Service:
    """What the routes share: the configuration, the job board, the served model's name."""

    def __init__(self, config: ServerConfig, board: JobBoard, model: str) -> None:
        self.config, self.board, self.model = config, board, model
        self.started = time.time()
        self.ready = False
        self.live_sessions = 0
        """Realtime connections open now."""

    def authorised(self, request: HTTPConnection) -> bool:
        key = self.config.api_key
        if key is None:
            return True
        given = request.headers.get("authorization", "")
        token = given[7:] if given[:7].lower() == "bearer " else ""
        if not token and (request.scope["type"] == "websocket" or request.scope.get("method") == "GET"):
            token = request.query_params.get("access_token", "")
        return hmac.compare_digest(token.encode(), key.encode())


class _Guard:
    """Auth on the API, the upload limit announced by Content-Length, and a log line per request."""

    def __init__(self, app: ASGIApp, service: Service) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = scope["path"]
        started = time.perf_counter()
        status = [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), NOSNIFF]}
            await send(message)

        answer: Response | None = None
        if (path.startswith("/v1/") or path == "/metrics") and not self.service.authorised(request):
            answer = error(401, "missing or wrong API key (Authorization: Bearer KEY)", kind="authentication_error")
        elif request.method == "POST" and _announced(request) > self.service.config.max_upload + 1_000_000:
            answer = error(
                413, f"the upload is larger than this server takes ({self.service.config.max_upload} bytes)", "file"
            )
        if answer is not None:
            await answer(scope, receive, sending)
        else:
            await self.app(scope, receive, sending)
        log.info("%s %s %d %.3fs", request.method, path, status[0], time.perf_counter() - started)


def _announced(request: Request) -> int:
    try:
        return int(request.headers.get("content-length", "0"))
    except ValueError:
        return 0


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


@dataclass(frozen=True)
class NewJob:
    """An upload put in line (or, the same recording asked for the same way, a finished job)."""

    job: ServerJob
    fmt: str
    """The response format asked for."""
    stream: bool
    words: bool
    """Word times asked for."""
    asked: str | None
    """The model the client named."""
    reused: bool = False
    """``job`` is an earlier, finished job with this recording and these options: nothing was queued."""
    feed: bool = False
    """The request named a feed: ``job`` is its newest episode's job."""
    more: tuple[ServerJob, ...] = ()
    """A feed's further episodes, each a job of its own."""
    problems: list[str] = field(default_factory=list)
    """Episodes that could not be fetched, one line each."""


async def new_job(service: Service, request: Request, task: str, *, urls: bool = False) -> NewJob:
    """Stream the upload into a new job folder (``urls``: or fetch the recording, or a feed's
    episodes, it names), check it is audio, and put the job in line.

    The same recording (by its sampled hash) asked for the same way as a finished job gives that
    job back instead, unless the upload says ``again=true`` or wants a stream of events."""
    board = service.board
    job_id, folder = board.new_folder()
    target = folder / "audio"
    episodes: list[Episode] = []
    try:
        upload = await receive(
            request.headers.get("content-type", ""), request.stream(), target, service.config.max_upload
        )
        job_request, fmt, stream, words = parse_request(upload, task, client_of(request), service.config.voice_library)
        fresh = wants_again(upload) or stream
        if "url" in upload.fields:
            if not urls:
                raise UploadError(400, "url is taken by POST /v1/jobs", "url")
            url = check_allowed(service.config, upload)
            episodes = await episodes_at(service.config, url, upload)
            job_request = _fetched(job_request, url, episodes[0] if episodes else None)
            upload.size = await fetch_into(service.config, job_request.source["url"], target)
        if upload.size == 0:
            raise UploadError(400, "the file is empty", "file")
        await asyncio.to_thread(_sniff, target)
        known = decode_references(upload.fields.get(NAMES, []), upload.fields.get(REFERENCES, []))
        if known:
            models = await asyncio.to_thread(lambda: board.speaker_models)
            library = await asyncio.to_thread(enrol_references, models, folder, known)
            job_request.voice_library = str(library)
        job, reused = await _queue(board, job_id, job_request, upload.size, target, fresh)
    except BaseException:
        board.forget_folder(job_id)
        raise
    more: list[ServerJob] = []
    problems: list[str] = []
    for episode in episodes[1:]:  # each in its own folder; one that fails does not undo the others
        try:
            more.append(await _episode_job(service, _fetched(job_request, url, episode), fresh))
        except UploadError as exc:
            problems.append(exc.message)
    asked = upload.one("model")
    return NewJob(job, fmt, stream, words, asked, reused, bool(episodes), tuple(more), problems)


def _fetched(job_request: JobRequest, url: str, episode: Episode | None) -> JobRequest:
    """The request for a recording the server fetches: named after the episode (or the URL's file)."""
    if episode is None:
        return replace(job_request, source={"url": url}, filename=job_request.filename or url_name(url))
    return replace(job_request, source=episode.about(), filename=episode.output_name)


async def _episode_job(service: Service, job_request: JobRequest, fresh: bool) -> ServerJob:
    board = service.board
    job_id, folder = board.new_folder()
    try:
        size = await fetch_into(service.config, job_request.source["url"], folder / "audio")
        await asyncio.to_thread(_sniff, folder / "audio")
        job, _ = await _queue(board, job_id, job_request, size, folder / "audio", fresh)
    except BaseException:
        board.forget_folder(job_id)
        raise
    return job


async def _queue(
    board: JobBoard, job_id: str, job_request: JobRequest, size: int, audio: Path, fresh: bool
) -> tuple[ServerJob, bool]:
    """The job put in line, or (not ``fresh``) a finished one with this recording asked for the same way
    (this job's folder then forgotten); whether it was one of those."""
    content = await asyncio.to_thread(sampled_hash, audio)
    earlier = None if fresh else board.finished_like(content, job_request)
    if earlier is not None:
        board.forget_folder(job_id)
        return earlier, True
    return board.submit(job_id, job_request, size, content), False


def _sniff(path: Path) -> None:
    """Audio is what FFmpeg can decode, whatever the file is called."""
    try:
        AudioStream(path).close()
    except NoAudioStreamError as exc:
        raise UploadError(415, f"not audio: {exc.problem}", "file") from exc
    except InputError as exc:
        raise UploadError(415, f"not audio: {exc.problem}", "file") from exc


def _ends(message: dict[str, Any]) -> bool:
    """The job's last event for a listener: it finished, was cancelled, or the server is stopping."""
    return message["type"] == SHUTDOWN or (
        message["type"] == "status" and message["status"] in (DONE, FAILED, CANCELLED)
    )


async def finished(board: JobBoard, job: ServerJob) -> ServerJob:
    """Wait until the job is done, failed or cancelled, or the server stops."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()

    def listener(message: dict[str, Any]) -> None:
        if _ends(message):
            loop.call_soon_threadsafe(event.set)

    board.listen(job.id, listener)
    try:
        if job.status not in (DONE, FAILED) and board.get(job.id) is not None:
            await event.wait()
    finally:
        board.unlisten(job.id, listener)
    return job


async def events(board: JobBoard, job: ServerJob, openai_stream: bool, diarized: bool = False) -> AsyncIterator[bytes]:
    """Server-sent events as the job goes: OpenAI's ``transcript.text.delta`` and ``transcript.text.done``
    (``openai_stream``; ``diarized``: each segment also as ``transcript.text.segment``, with its speaker),
    or the job's own ``progress``, ``segment`` and ``status`` events."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def listener(message: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, message)

    board.listen(job.id, listener)
    texts: list[str] = []
    try:
        if job.status in (DONE, FAILED):  # finished before anyone listened
            queue.put_nowait({"type": "status", "status": job.status, "error": job.error})
        while True:
            message = await queue.get()
            ended = _ends(message)
            if not openai_stream:
                yield _sse(message)
            elif message["type"] == "segment":
                texts.append(message["text"])
                yield _sse({"type": "transcript.text.delta", "delta": message["text"]})
                if diarized:
                    yield _sse(diarized_segment(message, len(texts) - 1))
            elif ended and message.get("status") == DONE:
                yield _sse({"type": "transcript.text.done", "text": "".join(texts).strip()})
            elif ended:
                yield _sse(error_body(_unfinished(job), "server_error", code=message.get("status", SHUTDOWN)))
            if ended:
                return
    finally:
        board.unlisten(job.id, listener)


def _unfinished(job: ServerJob) -> str:
    if job.status == FAILED:
        return job.error or "the transcription failed"
    if job.status == CANCELLED:
        return "the job was cancelled"
    return f"the server is stopping; job {job.id} resumes when it starts again (GET /v1/jobs/{job.id})"


def _sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class ApiError(Exception):
    """An OpenAI-shaped error answer, raised from anywhere a route runs."""

    def __init__(
        self,
        status: int,
        message: str,
        param: str | None = None,
        *,
        kind: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param
        self.kind, self.code, self.headers = kind, code, dict(headers or {})

    def response(self) -> Response:
        answer = error(self.status, self.message, self.param, self.kind, self.code)
        answer.headers.update(self.headers)
        if self.status in (429, 503):
            answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def job_of(request: Request) -> ServerJob:
    """The job the path names; a missing one is a 404."""
    job = service_of(request).board.get(request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "no such job", "job_id", code="not_found")
    return job


def _model_headers(service: Service, new: NewJob) -> dict[str, str]:
    headers = {JOB_HEADER: new.job.id, **({REUSED_HEADER: "true"} if new.reused else {})}
    if new.asked and new.asked != service.model:
        headers[MODEL_HEADER] = f"{new.asked} is served by {service.model}"
    return headers


async def _audio_route(request: Request, task: str) -> Response:
    """OpenAI's transcription and translation routes: the upload's answer once its job is done."""
    service = service_of(request)
    new = await new_job(service, request, task)
    job, board = new.job, service.board
    headers = _model_headers(service, new)
    if new.stream:
        stream = events(board, job, True, diarized=new.fmt == "diarized_json")
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
    await finished(board, job)
    if job.status != DONE:
        status = {FAILED: 500, CANCELLED: 409}.get(job.status, 503)
        raise ApiError(status, _unfinished(job), code=job.status, headers=headers)
    body, media = response(new.fmt, job, board.folder(job.id), new.words)
    return Response(body, media_type=media, headers=headers)


async def transcriptions(request: Request) -> Response:
    return await _audio_route(request, "transcribe")


async def translations(request: Request) -> Response:
    return await _audio_route(request, "translate")


async def models(request: Request) -> Response:
    service = service_of(request)
    model = {"id": service.model, "object": "model", "created": int(service.started), "owned_by": "longscribe"}
    return JSONResponse({"object": "list", "data": [model]})


async def create_job(request: Request) -> Response:
    task = request.query_params.get("task", "transcribe")
    if task not in ("transcribe", "translate"):
        raise ApiError(400, f"task must be transcribe or translate, got {task!r}", "task")
    new = await new_job(service_of(request), request, task, urls=True)
    job = new.job
    headers = {JOB_HEADER: job.id, "Location": f"/v1/jobs/{job.id}"}
    if new.more or new.problems:  # a feed: its episodes' jobs, newest first
        listed = [job.public(), *(more.public() for more in new.more)]
        return JSONResponse(
            {"object": "list", "data": listed, "errors": new.problems}, status_code=202, headers=headers
        )
    if new.reused:  # 200: here it is, finished; again=true transcribes it anew
        return JSONResponse({**job.public(), "reused": True}, headers={**headers, REUSED_HEADER: "true"})
    return JSONResponse(job.public(), status_code=202, headers=headers)


async def list_jobs(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [job.public() for job in service_of(request).board.all()]})


async def get_job(request: Request) -> Response:
    return JSONResponse(job_of(request).public())


async def job_events(request: Request) -> Response:
    job = job_of(request)
    return StreamingResponse(events(service_of(request).board, job, False), media_type="text/event-stream")


def _revision_param(request: Request) -> int | None:
    value = request.query_params.get("revision")
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise ApiError(400, f"revision must be a whole number, got {value!r}", "revision")
    return int(value)


def _etag(number: int) -> dict[str, str]:
    return {"ETag": f'"{number}"'}


def _done(job: ServerJob) -> None:
    if job.status != DONE:
        raise ApiError(409, f"the job is {job.status}", code=job.status)


async def job_result(request: Request) -> Response:
    """The transcript in one format: the latest revision, or ``?revision=N``; its ETag names the revision."""
    job, board = job_of(request), service_of(request).board
    fmt = request.query_params.get("format", "json")
    if fmt not in job.formats:
        raise ApiError(400, f"format must be one of {', '.join(job.formats)}, got {fmt!r}", "format")
    _done(job)
    asked = _revision_param(request)
    latest = await asyncio.to_thread(board.latest_revision, job.id)
    number = latest if asked is None else asked
    if number > latest:
        raise ApiError(404, f"no revision {number} (the latest is {latest})", "revision", code="not_found")
    name = f"{Path(job.request.filename).stem or job.id}.{fmt}"
    if number == 0:
        path = board.result(job.id, fmt)
        return FileResponse(path, media_type=media_type(fmt), filename=name, headers=_etag(0))
    body = await asyncio.to_thread(board.render, job.id, fmt, number)
    disposition = f"attachment; filename*=utf-8''{quote(name)}"
    return Response(body, media_type=media_type(fmt), headers={**_etag(number), "Content-Disposition": disposition})


async def put_result(request: Request) -> Response:
    """A corrected transcript (the json format's shape) as the next revision. ``If-Match`` names the
    revision it was made from: another one saved since is a 412, and nothing is stored."""
    job, board = job_of(request), service_of(request).board
    _done(job)
    match = request.headers.get("if-match", "").strip().removeprefix("W/").strip('"')
    if not match.isdigit():
        raise ApiError(428, 'If-Match must name the revision the correction was made from ("N")', "If-Match")
    if _announced(request) > MAX_DOCUMENT_BYTES:
        raise ApiError(413, f"the document is larger than this server takes ({MAX_DOCUMENT_BYTES} bytes)", "body")
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > MAX_DOCUMENT_BYTES:
            raise ApiError(413, f"the document is larger than this server takes ({MAX_DOCUMENT_BYTES} bytes)", "body")
    try:
        document = json.loads(body)
    except ValueError:
        raise ApiError(400, "the body must be a JSON document", "body") from None
    try:
        revision = await asyncio.to_thread(board.correct, job.id, document, int(match))
    except DocumentError as exc:
        raise ApiError(400, str(exc), exc.field) from None
    except RevisionConflict as exc:
        raise ApiError(
            412, f"{exc} (reload to see it)", "If-Match", code="conflict", headers=_etag(exc.latest)
        ) from None
    answer = {
        "id": job.id,
        "object": "transcription.revision",
        "revision": revision.number,
        "summary": revision.summary,
    }
    return JSONResponse(answer, headers=_etag(revision.number))


async def job_revisions(request: Request) -> Response:
    job, board = job_of(request), service_of(request).board
    _done(job)
    found = await asyncio.to_thread(board.revisions, job.id)
    data = [
        {"object": "transcription.revision", "revision": n, "created_at": int(created), "summary": said}
        for n, created, said in found
    ]
    return JSONResponse({"object": "list", "data": data})


async def job_audio(request: Request) -> Response:
    job = job_of(request)
    return FileResponse(service_of(request).board.audio(job.id), media_type="application/octet-stream")


async def delete_job(request: Request) -> Response:
    job = job_of(request)
    service_of(request).board.delete(job.id)
    return JSONResponse({"id": job.id, "object": "transcription.job", "deleted": True})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    service = service_of(request)
    waiting = service.board.waiting()
    ready = service.ready and waiting < service.config.max_queue
    return JSONResponse({"ready": ready, "model": service.model, "waiting": waiting}, status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    board = service_of(request).board
    states: dict[str, int] = {}
    for job in board.all():
        states[job.status] = states.get(job.status, 0) + 1
    running = [j for j in board.all() if j.status == "running"]
    lines = ["# TYPE longscribe_jobs gauge"]
    lines += [f'longscribe_jobs{{state="{s}"}} {n}' for s, n in sorted(states.items())]
    lines += [
        "# TYPE longscribe_queue_length gauge",
        f"longscribe_queue_length {board.waiting()}",
        "# TYPE longscribe_audio_seconds_transcribed_total counter",
        f"longscribe_audio_seconds_transcribed_total {board.transcribed_seconds:.1f}",
        "# TYPE longscribe_real_time_factor gauge",
        f"longscribe_real_time_factor {sum(j.speed for j in running):.2f}",
    ]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")


async def page(request: Request) -> Response:
    return Response(_page("index.html"), media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": PAGE_POLICY})  # fmt: skip


ASSETS = {"app.js": "server", "app.css": "server", "live.js": "server", "pcm-worklet.js": "server",
          "editor.js": "writers", "editor.css": "writers"}  # fmt: skip
"""The page's files, and the package holding each (the editor is the standalone page's too)."""


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        raise ApiError(404, "no such file", code="not_found")
    media = "text/javascript; charset=utf-8" if name.endswith(".js") else "text/css; charset=utf-8"
    return Response(_page(name, ASSETS[name]), media_type=media)


ROUTES = [
    Route("/", page),
    Route("/page/{name}", asset),
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/metrics", metrics),
    Route("/v1/models", models),
    Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
    Route("/v1/audio/translations", translations, methods=["POST"]),
    Route("/v1/jobs", create_job, methods=["POST"]),
    Route("/v1/jobs", list_jobs, methods=["GET"]),
    Route("/v1/jobs/{job_id}", get_job, methods=["GET"]),
    Route("/v1/jobs/{job_id}", delete_job, methods=["DELETE"]),
    Route("/v1/jobs/{job_id}/events", job_events),
    Route("/v1/jobs/{job_id}/result", job_result, methods=["GET"]),
    Route("/v1/jobs/{job_id}/result", put_result, methods=["PUT"]),
    Route("/v1/jobs/{job_id}/revisions", job_revisions),
    Route("/v1/jobs/{job_id}/audio", job_audio),
    WebSocketRoute("/v1/realtime", realtime),
]


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _upload_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UploadError)
    return error(exc.status, exc.message, exc.param)


async def _queue_full(request: Request, exc: Exception) -> Response:
    return ApiError(429, str(exc), kind="rate_limit_error", code="queue_full").response()


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return error(500, "internal error", kind="server_error")


async def _disconnected(request: Request, exc: Exception) -> Response:
    return Response(status_code=499)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    service: Service = app.state.service
    service.board.start()
    service.ready = True
    try:
        yield
    finally:  # after the open requests: the running jobs stop, keeping what they committed
        service.ready = False
        await asyncio.to_thread(service.board.stop)


def create_app(service: Service) -> Starlette:
    """The application: the module's routes over ``service`` (kept on ``app.state``)."""
    middleware = [Middleware(_Guard, service=service)]
    if service.config.cors_origin:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=[service.config.cors_origin],
                allow_methods=["GET", "POST", "PUT", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "If-Match"],
                expose_headers=[JOB_HEADER, MODEL_HEADER, "ETag"],
            )
        )
    app = Starlette(
        routes=ROUTES,
        middleware=middleware,
        lifespan=_lifespan,
        exception_handlers={
            ApiError: _api_error,
            UploadError: _upload_error,
            QueueFull: _queue_full,
            ClientDisconnect: _disconnected,
            Exception: _unexpected,
        },
    )
    app.state.service = service
    return app


def _page(name: str, package: str = "server") -> str:
    return resources.files(f"longscribe.{package}").joinpath("page", name).read_text(encoding="utf-8")


__all__ = ["JobRequest", "Service", "create_app"]
