#!/usr/bin/env python3
"""Static loopback feed server for cmtui's sync benchmark (standard library only).

* listens on 127.0.0.1 (and with --hosts K on 127.0.0.2..127.0.0.K, same port): loopback only,
  there is no option to bind anywhere else
* one thread per connection, HTTP/1.1 keep-alive, TCP_NODELAY (without it Nagle + delayed ACK add
  ~40 ms to every keep-alive response after the first)
* a path ending in "/" serves <dir>/index.xml (WordPress-style /feed/ URLs); files are read once and
  kept in memory
* ETag (content hash: stable across restarts) and Last-Modified (file mtime); If-None-Match (wins)
  or If-Modified-Since answer 304
* --gzip: gzip bodies for clients that send Accept-Encoding: gzip (own ETag, Vary: Accept-Encoding)
* --latency-ms: a sleep before every feed response (200, 304 and 404 alike)
* GET /__stats returns JSON counters (connections, requests, 200, 304, 404, conditional, gzip, bytes);
  /__stats?reset=1 returns them and zeroes them. /__stats is never delayed nor counted.
* stops by itself after --max-seconds or --max-requests; SIGTERM / SIGINT stop it too

usage: serve.py --root bench/data/corpus [--port 8765] [--hosts 20] [--latency-ms 50] [--gzip]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import posixpath
import signal
import sys
import threading
import time
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

TYPES = {".xml": "application/rss+xml; charset=UTF-8", ".atom": "application/atom+xml; charset=UTF-8",
         ".json": "application/json", ".txt": "text/plain; charset=UTF-8", ".html": "text/html; charset=UTF-8"}
COUNTERS = ("connections", "requests", "200", "304", "404", "conditional", "gzip", "bytes")


class Doc:
    """One served file, read once."""

    __slots__ = ("body", "etag", "gz", "gz_etag", "last_modified", "mtime", "ctype")

    def __init__(self, path: str) -> None:
        with open(path, "rb") as fh:
            self.body = fh.read()
        self.mtime = int(os.stat(path).st_mtime)
        self.last_modified = formatdate(self.mtime, usegmt=True)
        self.etag = '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'
        self.gz: bytes | None = None
        self.gz_etag = self.etag[:-1] + '-gz"'
        self.ctype = TYPES.get(os.path.splitext(path)[1].lower(), "application/octet-stream")

    def gzipped(self) -> bytes:
        if self.gz is None:
            self.gz = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self.gz


class State:
    """What every listening address shares: the root, the cache, the counters, the budget."""

    def __init__(self, root: str, latency_s: float, use_gzip: bool, max_requests: int) -> None:
        self.root = os.path.realpath(root)
        self.latency_s, self.use_gzip, self.max_requests = latency_s, use_gzip, max_requests
        self.lock = threading.Lock()
        self.docs: dict[str, Doc | None] = {}
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.total = 0
        self.since = time.time()
        self.stop = threading.Event()

    def count(self, *keys: str, nbytes: int = 0) -> None:
        with self.lock:
            for k in keys:
                self.counts[k] += 1
            self.counts["bytes"] += nbytes

    def take_budget(self) -> bool:
        with self.lock:
            self.total += 1
            return self.total <= self.max_requests

    def stats(self, reset: bool) -> dict[str, object]:
        with self.lock:
            snap: dict[str, object] = dict(self.counts)
            snap["elapsed_s"] = round(time.time() - self.since, 3)
            snap["total_requests"] = self.total
            if reset:
                self.counts = dict.fromkeys(COUNTERS, 0)
                self.since = time.time()
        return snap

    def doc(self, url_path: str) -> Doc | None:
        rel = posixpath.normpath(unquote(url_path)).lstrip("/")
        if url_path.endswith("/") or rel in ("", "."):
            rel = "index.xml" if rel in ("", ".") else rel + "/index.xml"
        with self.lock:
            if rel in self.docs:
                return self.docs[rel]
        path = os.path.realpath(os.path.join(self.root, rel))
        found = None
        if path.startswith(self.root + os.sep) and os.path.isfile(path):
            found = Doc(path)
        with self.lock:
            self.docs[rel] = found
        return found


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "cmtui-bench/1"
    sys_version = ""
    state: State  # set on the subclass made in main()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def setup(self) -> None:
        super().setup()
        self.state.count("connections")  # TCP connections accepted: keep-alive reuse shows here

    def do_HEAD(self) -> None:
        self.answer(head=True)

    def do_GET(self) -> None:
        self.answer(head=False)

    def reply(self, code: int, body: bytes, headers: dict[str, str], head: bool) -> None:
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        if code != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and not head and code != 304:
            self.wfile.write(body)

    def answer(self, head: bool) -> None:
        st = self.state
        url = urlsplit(self.path)
        if url.path == "/__stats":
            reset = parse_qs(url.query).get("reset") == ["1"]
            body = (json.dumps(st.stats(reset)) + "\n").encode()
            self.reply(200, body, {"Content-Type": "application/json", "Cache-Control": "no-store"}, head)
            return
        if not st.take_budget():
            self.close_connection = True
            self.reply(503, b"request budget used up\n", {"Content-Type": "text/plain"}, head)
            st.stop.set()
            return
        if st.latency_s:
            time.sleep(st.latency_s)
        doc = st.doc(url.path)
        if doc is None:
            st.count("requests", "404")
            self.reply(404, b"not found\n", {"Content-Type": "text/plain; charset=UTF-8"}, head)
            return
        gz = st.use_gzip and "gzip" in (self.headers.get("Accept-Encoding") or "").lower()
        etag = doc.gz_etag if gz else doc.etag
        validators = {"ETag": etag, "Last-Modified": doc.last_modified}
        if st.use_gzip:
            validators["Vary"] = "Accept-Encoding"
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
            fresh = "*" in tags or etag in tags
        elif ims is not None:
            try:
                fresh = doc.mtime <= parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                fresh = False
        conditional = ("conditional",) if inm is not None or ims is not None else ()
        if fresh:
            st.count("requests", "304", *conditional)
            self.reply(304, b"", validators, head)
            return
        body = doc.gzipped() if gz else doc.body
        headers = {"Content-Type": doc.ctype, **validators}
        if gz:
            headers["Content-Encoding"] = "gzip"
        st.count("requests", "200", *conditional, *(("gzip",) if gz else ()), nbytes=len(body))
        self.reply(200, body, headers, head)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True, help="a directory written by gen_corpus.py")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--hosts", type=int, default=1, help="listen on 127.0.0.1..127.0.0.K (default 1)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="delay before every feed response")
    ap.add_argument("--gzip", action="store_true", help="gzip bodies when the client accepts it")
    ap.add_argument("--max-seconds", type=float, default=3600.0, help="stop after this long (default 3600)")
    ap.add_argument("--max-requests", type=int, default=500_000, help="stop after this many requests")
    args = ap.parse_args(argv)
    if not os.path.isdir(args.root):
        ap.error(f"--root {args.root}: no such directory (run gen_corpus.py first)")
    if not 1 <= args.hosts <= 254:
        ap.error("--hosts must be 1..254")

    state = State(args.root, args.latency_ms / 1000, args.gzip, args.max_requests)
    handler = type("BoundHandler", (Handler,), {"state": state})
    servers = [Server((f"127.0.0.{k}", args.port), handler) for k in range(1, args.hosts + 1)]
    for srv in servers:
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: state.stop.set())
    signal.signal(signal.SIGINT, lambda *_: state.stop.set())
    print(f"serving {state.root} on 127.0.0.1..127.0.0.{args.hosts} port {args.port} "
          f"latency={args.latency_ms:g}ms gzip={args.gzip}", flush=True)
    state.stop.wait(args.max_seconds)
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    print("stopped: " + json.dumps(state.stats(reset=False)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
