"""A small HTTP server on 127.0.0.1 for the tests of URLs and feeds (stdlib only, one thread per request).

It serves named routes: files with ``Range`` support (and, on request, a connection dropped after N
bytes or a stall), redirects, error statuses, and documents (feeds, web pages). Every request is
recorded, so that tests can see what was asked for (the ``Range`` a resume sent).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int = 200
    location: str | None = None
    etag: str | None = None
    drop_after: int | None = None
    """Close the connection after this many bytes of the body, once: on the ``drop_on``-th request."""
    drop_on: int = 1
    served: int = 0
    stall: float = 0.0
    """Seconds to wait, silent, after the headers."""
    ranges: bool = True
    trickle: float = 0.0
    """Seconds between 64 KiB pieces of the body."""


@dataclass
class WebHost:
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def file(self, path: str, source: Path, content_type: str = "audio/mpeg", **kw: object) -> str:
        self.routes[path.split("?")[0]] = Route(
            source.read_bytes(), content_type, etag=f'"{source.stat().st_size}"', **kw
        )  # type: ignore[arg-type]
        return self.url(path)

    def ranges_asked(self, path: str) -> list[str]:
        return [h.get("Range", "") for p, h in self.requests if p.split("?")[0] == path]


def _handler(host: WebHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            host.requests.append((self.path, dict(self.headers)))
            route = host.routes.get(self.path.split("?")[0])
            if route is None:
                self._send(404, b"not found", "text/plain")
                return
            if route.location is not None:
                self.send_response(route.status)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.status >= 400:
                self._send(route.status, b"error", "text/plain")
                return
            body, status, start = route.body, 200, 0
            asked = self.headers.get("Range", "")
            if asked.startswith("bytes=") and route.ranges:
                start = int(asked[6:].split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(body) - start))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            if route.ranges:
                self.send_header("Accept-Ranges", "bytes")
            if route.etag:
                self.send_header("ETag", route.etag)
            self.end_headers()
            if route.stall:
                time.sleep(route.stall)
            part = body[start:]
            route.served += 1
            if route.drop_after is not None and route.served == route.drop_on:
                cut, route.drop_after = route.drop_after, None
                self.wfile.write(part[:cut])
                self.wfile.flush()
                self.close_connection = True
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                step = 65536 if route.trickle else len(part) or 1
                for at in range(0, len(part), step):
                    self.wfile.write(part[at : at + step])
                    self.wfile.flush()
                    time.sleep(route.trickle)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up early (a look at the headers, a timeout) is what the tests do


@contextlib.contextmanager
def web_host() -> Iterator[WebHost]:
    """A running :class:`WebHost` on a free port, shut down on exit."""
    host = WebHost()
    server = _Quiet(("127.0.0.1", 0), _handler(host))
    server.daemon_threads = True
    host.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def rss(title: str, episodes: list[tuple[str, str, str, str]]) -> bytes:
    """An RSS 2.0 feed: ``(title, enclosure URL, guid, RFC 822 date)`` per episode."""
    from xml.sax.saxutils import escape, quoteattr

    items = "".join(
        f'<item><title>{escape(t)}</title><guid isPermaLink="false">{escape(g)}</guid><pubDate>{d}</pubDate>'
        f'<enclosure url={quoteattr(u)} type="audio/mpeg" length="0"/></item>'
        for t, u, g, d in episodes
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://example.org/</link><description>test</description>{items}</channel></rss>"
    ).encode()
