"""``longscribe serve``: the HTTP service (OpenAI's audio API, durable jobs, a web page) on uvicorn.

The model is loaded before the port opens; unfinished jobs from the data directory
are resumed. SIGTERM or Ctrl+C stops taking work, stops each running job at once (what
it committed stays), and exits; those jobs resume at the next start. Needs the
``server`` extra (``pip install 'longscribe[server]'``).
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from types import FrameType
from typing import Any

from longscribe.cli.common import add_placement_arguments, placement_from_args
from longscribe.cli.console import print_error, print_warning, stderr_console
from longscribe.cli.environment import API_KEY, Environment
from longscribe.errors import LongscribeError, OptionsError
from longscribe.options import TranscribeOptions
from longscribe.pipeline import Transcriber
from longscribe.server.config import ServerConfig, parse_size

DEFAULT_DATA_DIR = "longscribe-data"
GRACEFUL_SECONDS = 30


def add_serve_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="serve an OpenAI-compatible transcription API, durable jobs and a web page",
        description="Serve an OpenAI-compatible transcription API, durable jobs and a web page.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any free port)")
    add_placement_arguments(p)
    p.add_argument("--threads", type=int, default=0, help="CPU threads per worker (0: chosen)")
    p.add_argument("--workers", type=int, default=None, help="concurrent engine workers (default: chosen)")
    p.add_argument("--beam-size", "--beam_size", type=int, default=None, help="beam width (default: 5)")
    key = p.add_mutually_exclusive_group()
    key.add_argument("--api-key", default=None, help=f"require this key (default: ${API_KEY}; prefer --api-key-file)")
    key.add_argument("--api-key-file", default=None, help="require the key written in this file")
    p.add_argument("--insecure-no-auth", action="store_true", help="serve a non-loopback address without a key")
    p.add_argument(
        "--data-dir", default=DEFAULT_DATA_DIR, help=f"uploads, results, job store (default: ./{DEFAULT_DATA_DIR})"
    )
    p.add_argument("--max-upload", default="4GB", help="largest upload, e.g. 500MB, 4GB (default: 4GB)")
    p.add_argument("--jobs", type=int, default=1, help="jobs transcribed at once (default: 1)")
    p.add_argument("--max-queue", type=int, default=64, help="jobs that may wait; more get HTTP 429 (default: 64)")
    p.add_argument("--max-jobs-kept", type=int, default=None, help="delete the oldest finished jobs beyond this many")
    p.add_argument("--keep-days", type=float, default=None, help="delete finished jobs older than this")
    p.add_argument("--cors-origin", default=None, help="let pages from this origin call the API (default: none)")
    p.add_argument("--log-content", action="store_true", help="log file names and errors' details too")
    p.add_argument(
        "--voice-library",
        default=None,
        metavar="DIR",
        help="name speakers after this voice library's voices in requests that ask voices=true (default: none)",
    )
    fetching = p.add_argument_group("fetching recordings from URLs (POST /v1/jobs with url=)")
    fetching.add_argument("--allow-url", action="store_true", help="let clients name a URL for the server to fetch")
    fetching.add_argument(
        "--allow-url-hosts",
        default=None,
        metavar="HOSTS",
        help="with --allow-url: comma-separated hosts or networks that may be private (default: public ones only)",
    )
    fetching.add_argument(
        "--url-max-seconds",
        type=float,
        default=ServerConfig.url_max_seconds,
        metavar="SECONDS",
        help=f"the longest one download may take (default: {ServerConfig.url_max_seconds:g})",
    )
    live = p.add_argument_group("live transcription (OpenAI's Realtime protocol on /v1/realtime)")
    live.add_argument(
        "--max-live-sessions",
        type=int,
        default=ServerConfig.max_live_sessions,
        metavar="N",
        help=f"live connections open at once (default: {ServerConfig.max_live_sessions})",
    )
    live.add_argument(
        "--live-max-seconds",
        type=float,
        default=ServerConfig.live_max_seconds,
        metavar="SECONDS",
        help=f"the most audio one live connection may send (default: {ServerConfig.live_max_seconds:g})",
    )
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(run=run)


def config_from_args(args: argparse.Namespace, env: Environment) -> ServerConfig:
    return ServerConfig(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        api_key=read_api_key(args, env),
        insecure_no_auth=args.insecure_no_auth,
        max_upload=parse_size(args.max_upload),
        jobs=args.jobs,
        max_queue=args.max_queue,
        max_jobs_kept=args.max_jobs_kept,
        keep_days=args.keep_days,
        cors_origin=args.cors_origin,
        log_content=args.log_content,
        voice_library=_voice_library(args.voice_library),
        allow_url=args.allow_url,
        allow_url_hosts=()
        if args.allow_url_hosts is None
        else tuple(h.strip() for h in args.allow_url_hosts.split(",")),
        url_max_seconds=args.url_max_seconds,
        max_live_sessions=args.max_live_sessions,
        live_max_seconds=args.live_max_seconds,
    )


def _voice_library(folder: str | None) -> str | None:
    """``--voice-library``: a folder holding a readable library with voices (said now, not at a request)."""
    if folder is None:
        return None
    from longscribe.diarize.library import VoiceLibrary

    if not folder.strip() or not Path(folder).is_dir():
        raise OptionsError(f"--voice-library {folder}: no such folder", "voice_library")
    if not VoiceLibrary(folder).voices():
        raise OptionsError(f"--voice-library {folder}: no voice enrolled (longscribe voices add)", "voice_library")
    return folder


def read_api_key(args: argparse.Namespace, env: Environment) -> str | None:
    """``--api-key``, else the first line of ``--api-key-file``, else ``$LONGSCRIBE_API_KEY``."""
    if args.api_key is not None:
        return str(args.api_key)
    if args.api_key_file is not None:
        try:
            lines = Path(args.api_key_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise OptionsError(
                f"{args.api_key_file}: cannot read the API key ({exc.__class__.__name__})", "api_key"
            ) from None
        if not lines or not lines[0].strip():
            raise OptionsError(f"{args.api_key_file}: the first line holds no API key", "api_key")
        return lines[0].strip()
    return env.api_key


def run(args: argparse.Namespace, env: Environment) -> int:
    console = stderr_console()
    try:
        config = config_from_args(args, env)
        options = TranscribeOptions(
            **placement_from_args(args, env), cpu_threads=args.threads, workers=args.workers, beam_size=args.beam_size
        )
    except LongscribeError as exc:
        print_error(exc, console)
        return 2
    try:
        import uvicorn

        from longscribe.server.app import Service, create_app
        from longscribe.server.board import JobBoard
    except ImportError as exc:
        print_error(f"the server needs its extra: pip install 'longscribe[server]' ({exc.name} is missing)", console)
        return 1

    data = Path(config.data_dir)
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print_error(f"{data}: cannot hold the server's data ({exc.strerror or exc})", console)
        return 1
    transcriber = Transcriber(options)
    transcriber.load()  # before the port opens: a request never waits for the model
    assert transcriber.plan is not None
    for warning in transcriber.plan.warnings:
        print_warning(warning, console)
    try:
        sock = _bind(config.host, config.port)
    except OSError as exc:
        print_error(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}", console)
        return 1
    board = JobBoard(data, transcriber, jobs=config.jobs, max_queue=config.max_queue, keep_days=config.keep_days,
                     max_jobs_kept=config.max_jobs_kept, log_content=config.log_content)  # fmt: skip
    resumed = board.recover()
    service = Service(config, board, transcriber.plan.model.name)
    app = create_app(service)
    host, port = sock.getsockname()[:2]
    url = f"http://{_url_host(host)}:{port}/"
    server = _server(
        uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=GRACEFUL_SECONDS), board
    )
    again = f"; {resumed} unfinished job(s) resumed" if resumed else ""
    console.print(f"longscribe: serving {service.model} at {url} (data in {data}{again})", markup=False)
    try:
        server.run(sockets=[sock])  # the app starts the board, and stops it before this returns
    finally:
        sock.close()
    return 0


def _server(config: Any, board: Any) -> Any:
    """uvicorn's server, telling the job board to stop as soon as a stop signal arrives (not after the
    open requests end: a request waiting for its transcript then answers that the server stops)."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            board.shutdown()
            super().handle_exit(sig, frame)

    return Server(config)


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that ``--port 0`` can say which port it got."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
