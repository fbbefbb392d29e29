"""A small feed server on 127.0.0.1, used by `cmtui demo` and by the test suite.

It serves a mutable table of routes (path -> body and content type) with the HTTP
behaviour feed readers rely on: ETag / Last-Modified validators answered with 304,
optional gzip, keep-alive, and a request log so tests can check what was asked.
It never listens on anything but loopback.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Route:
    """One served document. `handler`, when set, takes over the whole response."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = True
    handler: Handler | None = None
    modified: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class Hit:
    path: str
    status: int
    headers: dict[str, str]


class FeedServer:
    """`with FeedServer() as srv: srv.set("/feed/", xml); httpx.get(srv.url("/feed/"))`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not host.startswith("127."):
            raise ValueError("FeedServer listens on loopback only")
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                server._serve(self)

            do_HEAD = do_GET  # noqa: N815

        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> FeedServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="feed-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- content ---------------------------------------------------------------
    def set(self, path: str, body: bytes | str, **kwargs: Any) -> Route:
        """Serve `body` at `path`; a changed body gets a new ETag and Last-Modified."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            old = self.routes.get(path)
            route = Route(body=data, **kwargs)
            if old is not None and old.body == data and old.handler is None:
                route.modified = old.modified
            self.routes[path] = route
        return route

    def handle(self, path: str, handler: Handler) -> None:
        """Answer `path` with a custom handler (for misbehaving-server tests)."""
        with self._lock:
            self.routes[path] = Route(handler=handler)

    def requests_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()

    # -- serving ---------------------------------------------------------------
    def _serve(self, req: BaseHTTPRequestHandler) -> None:
        with self._lock:
            route = self.routes.get(req.path)
        if route is not None and route.handler is not None:
            self._record(req, 0)
            route.handler(req)
            return
        if route is None:
            self._send(req, 404, b"not found", {"Content-Type": "text/plain"})
            return
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.validators and route.status == 200:
            headers["ETag"] = route.etag
            headers["Last-Modified"] = format_datetime(route.modified, usegmt=True)
            if self._not_modified(req, route):
                self._send(req, 304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
                return
        body = route.body
        if "gzip" in (req.headers.get("Accept-Encoding") or "") and "Content-Encoding" not in headers:
            body = gzip.compress(body, mtime=0)
            headers["Content-Encoding"] = "gzip"
        self._send(req, route.status, body, headers)

    @staticmethod
    def _not_modified(req: BaseHTTPRequestHandler, route: Route) -> bool:
        inm = req.headers.get("If-None-Match")
        if inm is not None:
            return inm.strip() == route.etag
        ims = req.headers.get("If-Modified-Since")
        if ims:
            try:
                return parsedate_to_datetime(ims) >= route.modified
            except (TypeError, ValueError):
                return False
        return False

    def _record(self, req: BaseHTTPRequestHandler, status: int) -> None:
        with self._lock:
            self.hits.append(Hit(req.path, status, {k.lower(): v for k, v in req.headers.items()}))

    def _send(self, req: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        self._record(req, status)
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if req.command != "HEAD" and status != 304:
            req.wfile.write(body)


class ForwardTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends every request to this loopback server, keeping the URL's path: the demo
    and the app's tests store stable `http://demo.test/…` URLs (fixed snapshots) while the bytes come from here."""

    def __init__(self, target: str) -> None:
        self.target = httpx.URL(target)
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.target.scheme, host=self.target.host, port=self.target.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        # each sync runs its own event loop: start the next one with a fresh connection pool
        inner, self.inner = self.inner, httpx.AsyncHTTPTransport()
        await inner.aclose()
