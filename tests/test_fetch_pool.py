"""`Fetcher`'s connection pools, against real loopback servers: one pool per host, keep-alive reuse, the
per-host cap, redirect hops that never queue behind a busy host, pools of idle hosts closed beyond `MAX_POOLS`,
everything closed at exit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from cmtui import fetch
from cmtui.demo.server import FeedServer
from cmtui.fetch import USER_AGENT, Fetcher, Limits

BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
ETAG = '"v1"'


class Counting:
    """A handler that answers 200 (or 304 to If-None-Match) with keep-alive and records what it saw: the TCP
    connections (client ports), the most requests in flight at once, and the request headers."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.connections: set[tuple[str, int]] = set()
        self.requests = 0
        self.in_flight = 0
        self.peak = 0
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, req: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.connections.add(req.client_address[:2])
            self.requests += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.headers.append({k.lower(): v for k, v in req.headers.items()})
        try:
            time.sleep(self.delay)
            if req.headers.get("If-None-Match") == ETAG:
                req.send_response(304)
                req.send_header("ETag", ETAG)
                req.send_header("Content-Length", "0")
                req.end_headers()
            else:
                req.send_response(200)
                req.send_header("Content-Type", "application/rss+xml")
                req.send_header("ETag", ETAG)
                req.send_header("Content-Length", str(len(BODY)))
                req.end_headers()
                req.wfile.write(BODY)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def hosts() -> Iterator[Callable[[int], list[FeedServer]]]:
    """`hosts(3)`: servers on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (distinct host names for the fetcher)."""
    started: list[FeedServer] = []

    def make(count: int) -> list[FeedServer]:
        for i in range(len(started) + 1, len(started) + count + 1):
            started.append(FeedServer(host=f"127.0.0.{i}").start())
        return started

    yield make
    for server in started:
        server.stop()


def serve(server: FeedServer, paths: list[str], delay: float = 0.0) -> Counting:
    counting = Counting(delay)
    for path in paths:
        server.handle(path, counting)
    return counting


async def test_keep_alive_reuses_at_most_per_host_connections(hosts: Callable[[int], list[FeedServer]]) -> None:
    (server,) = hosts(1)
    paths = [f"/f{i}.rss" for i in range(12)]
    counting = serve(server, paths, delay=0.05)
    async with Fetcher(Limits(concurrency=32, per_host=4, timeout=10)) as fetcher:
        first = await asyncio.gather(*(fetcher.get(server.url(p)) for p in paths))
        assert [r.status for r in first] == [200] * 12 and all(r.body == BODY for r in first)
        again = await asyncio.gather(*(fetcher.get(server.url(p), etag=r.etag) for p, r in zip(paths, first,
                                                                                                strict=True)))
    assert [r.status for r in again] == [304] * 12 and all(r.ok and r.etag == ETAG for r in again)
    assert counting.requests == 24
    assert counting.peak <= 4
    assert len(counting.connections) <= 4  # the 304s (bodiless) went over the same keep-alive connections
    assert all(h["user-agent"] == USER_AGENT and "gzip" in h["accept-encoding"] and "rss" in h["accept"]
               for h in counting.headers)
    assert all(h.get("if-none-match") == ETAG for h in counting.headers[12:])


async def test_each_host_has_its_own_pool_and_a_redirect_hop_uses_the_target_hosts(
        hosts: Callable[[int], list[FeedServer]]) -> None:
    a, b = hosts(2)
    on_b = serve(b, [f"/b{i}.rss" for i in range(6)] + ["/moved.rss"], delay=0.05)

    def moved(req: BaseHTTPRequestHandler) -> None:
        req.send_response(301)
        req.send_header("Location", b.url("/moved.rss"))
        req.send_header("Content-Length", "0")
        req.end_headers()

    a.handle("/old.rss", moved)
    async with Fetcher(Limits(concurrency=8, per_host=1, timeout=10)) as fetcher:
        results = await asyncio.gather(fetcher.get(a.url("/old.rss")),
                                       *(fetcher.get(b.url(f"/b{i}.rss")) for i in range(6)))
        assert len(fetcher._clients) == 2  # one pool for each host
    hop = results[0]
    assert hop.status == 200 and hop.body == BODY and hop.final_url == b.url("/moved.rss")
    assert hop.permanent_redirect == b.url("/moved.rss")
    assert all(r.status == 200 for r in results[1:])
    assert on_b.peak <= 2  # B's own feeds one at a time (per_host=1), the hop from A's feed besides


async def test_redirect_hops_to_a_busy_host_do_not_queue_past_their_deadline(
        hosts: Callable[[int], list[FeedServer]]) -> None:
    """Feeds of five sites that all redirect to one slow host (a feed proxy, a platform's custom domains): each
    hop goes at once, it does not wait behind the target's pool until its own feed's deadline passes."""
    *sites, target = hosts(6)
    slow = serve(target, ["/feed.rss"], delay=0.6)

    def moved(req: BaseHTTPRequestHandler) -> None:
        req.send_response(302)
        req.send_header("Location", target.url("/feed.rss"))
        req.send_header("Content-Length", "0")
        req.end_headers()

    for site in sites:
        site.handle("/old.rss", moved)
    async with Fetcher(Limits(concurrency=16, per_host=1, timeout=2.0)) as fetcher:
        results = await asyncio.gather(*(fetcher.get(site.url("/old.rss")) for site in sites))
    assert [r.status for r in results] == [200] * 5, [r.error for r in results]
    assert slow.peak > 1


async def test_pools_of_idle_hosts_beyond_the_cap_are_closed(hosts: Callable[[int], list[FeedServer]],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "MAX_POOLS", 2)
    servers = hosts(4)
    counts = [serve(s, ["/feed.rss"]) for s in servers]
    async with Fetcher(Limits(timeout=10)) as fetcher:
        for _ in range(2):  # a host asked for again after its pool was closed gets a new one
            for server in servers:
                result = await fetcher.get(server.url("/feed.rss"))
                assert result.status == 200 and result.body == BODY
                assert len(fetcher._clients) <= 2
        kept = list(fetcher._clients.values())
    assert all(client.is_closed for client in kept)
    assert [c.requests for c in counts] == [2, 2, 2, 2]
    assert all(len(c.connections) == 2 for c in counts)  # closed in between, so a second connection


async def test_every_pool_is_closed_at_exit(hosts: Callable[[int], list[FeedServer]]) -> None:
    servers = hosts(3)
    for server in servers:
        serve(server, ["/feed.rss"])
    async with Fetcher(Limits(timeout=10)) as fetcher:
        results = await asyncio.gather(*(fetcher.get(s.url("/feed.rss")) for s in servers))
        clients = list(fetcher._clients.values())
    assert [r.status for r in results] == [200, 200, 200]
    assert len(clients) == 3 and all(client.is_closed for client in clients)
