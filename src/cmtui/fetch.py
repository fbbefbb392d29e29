"""HTTP for feeds: conditional GET, hard limits, and a one-line reason for every failure.

`Fetcher.get()` never raises for network or server trouble: it returns a `FetchResult`
whose `error` says what went wrong in words a person can act on.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import ssl
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookiejar import CookieJar
from urllib.parse import urlsplit

import httpx

from cmtui import __version__
from cmtui.text import url_problem

USER_AGENT = f"cmtui/{__version__} (+https://github.com/cmtui/cmtui; feed reader for community managers)"
MAX_REDIRECTS = 5
HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, "
           "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5", "Accept-Encoding": "gzip, deflate"}
KEEPALIVE_SECONDS = 30
MAX_POOLS = 64  # hosts whose idle keep-alive connections stay open (see `Fetcher._trim`)


@dataclass
class FetchResult:
    url: str
    status: int = 0  # 0: no HTTP answer
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait
    permanent_redirect: str | None = None
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in (200, 304)


@dataclass(frozen=True)
class Limits:
    concurrency: int = 64
    per_host: int = 4
    timeout: float = 30.0  # whole request, body included
    connect_timeout: float = 10.0
    max_body: int = 15 * 1024 * 1024  # after decompression


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def http_reason(status: int) -> str:
    """The status and its phrase, e.g. "HTTP 404 Not Found"."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


class Fetcher:
    """Concurrent, polite fetching: bounded in total and per host, keep-alive, gzip.

    One `httpx.AsyncClient` (one connection pool) per host and scheme, created when first asked for and
    sized like its semaphore (`Limits.per_host` connections, kept alive between its feeds). Not one pool for
    every host: httpcore re-scans all of a pool's connections (several times, with a poll() on each idle one)
    whenever a request starts or ends, so with 20 hosts × 4 connections that bookkeeping cost more CPU than
    the HTTP itself. The https clients share one TLS context (loading the CA bundle is slow), all share one
    cookie jar, so they behave as a single client would.
    """

    def __init__(self, limits: Limits | None = None, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.limits = limits or Limits()
        self._all = asyncio.Semaphore(self.limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(self.limits.per_host))
        self._transport = transport  # a given transport does its own pooling: then one client for every host
        self._clients: OrderedDict[str, httpx.AsyncClient] = OrderedDict()  # least recently used first
        self._busy: Counter[str] = Counter()  # requests in flight through each client
        self._cookies = CookieJar()
        self._tls: ssl.SSLContext | None = None
        self._no_tls: ssl.SSLContext | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            await client.aclose()

    @contextlib.asynccontextmanager
    async def _stream(self, url: str, scheme: str, host: str,
                      headers: dict[str, str]) -> AsyncIterator[httpx.Response]:
        """GET `url` through the pool of `scheme://host`, which counts as busy meanwhile (so `_trim` leaves it
        open)."""
        key = f"{scheme}://{host}" if self._transport is None else ""
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = self._new_client(https=scheme == "https")
        else:
            self._clients.move_to_end(key)
        self._busy[key] += 1
        try:
            async with client.stream("GET", url, headers=headers) as response:
                yield response
        finally:
            self._busy[key] -= 1

    def _new_client(self, https: bool) -> httpx.AsyncClient:
        """A pool for one host and scheme. Plain http pools never do TLS: the CA bundle (50 ms to load) is only
        read once a feed is https, and they share one idle TLS context (httpx would build one per client)."""
        plain = not https and not any(k.lower().endswith("_proxy") for k in os.environ)  # a proxy may speak TLS
        if not plain and self._tls is None:
            self._tls = httpx.create_ssl_context()  # as httpx would: certifi, or $SSL_CERT_FILE / $SSL_CERT_DIR
        if plain and self._no_tls is None:
            self._no_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # never used: the pool speaks plain http
        per_host = self.limits.per_host
        return httpx.AsyncClient(
            headers=HEADERS, timeout=httpx.Timeout(self.limits.timeout, connect=self.limits.connect_timeout),
            # The semaphores bound the requests to a host; redirect hops from other hosts' feeds come on top and
            # must not queue here (their wait would count against their own feed's deadline).
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=per_host,
                                keepalive_expiry=KEEPALIVE_SECONDS),
            verify=(self._no_tls if plain else self._tls) or True, cookies=self._cookies, follow_redirects=False,
            transport=self._transport)

    async def _trim(self) -> None:
        """Close the pools of the least recently used idle hosts beyond `MAX_POOLS`. A pool closes its expired
        keep-alive connections only when it is used, so without this a sync of feeds on a thousand hosts would
        end with thousands of open sockets (and could run out of file descriptors). A host asked for again
        gets a new pool."""
        idle = [key for key in self._clients if not self._busy[key]]
        excess = idle[:len(self._clients) - MAX_POOLS]
        closing = [self._clients.pop(key) for key in excess]
        for key in excess:
            del self._busy[key]
        for client in closing:
            await client.aclose()

    async def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        if why := url_problem(url):  # never handed to httpx: a port out of range raises out of its task group
            return FetchResult(url, error=f"unusable address: {why}")
        host = (urlsplit(url).hostname or "").lower()
        started = time.monotonic()
        async with self._all, self._hosts[host]:
            try:
                async with asyncio.timeout(self.limits.timeout):
                    result = await self._get(url, etag, last_modified)
            except TimeoutError:
                result = FetchResult(url, error=f"timed out: no complete answer within {self.limits.timeout:g} s")
            except httpx.TimeoutException:
                result = FetchResult(url, error=f"timed out connecting or reading ({self.limits.timeout:g} s)")
            except httpx.ConnectError as exc:
                result = FetchResult(url, error=f"cannot connect: {_short(exc)}")
            except httpx.HTTPError as exc:
                result = FetchResult(url, error=f"{type(exc).__name__}: {_short(exc)}")
            except (ssl.SSLError, OSError) as exc:
                result = FetchResult(url, error=f"network error: {_short(exc)}")
            except (httpx.InvalidURL, ValueError, OverflowError) as exc:  # UnicodeError too: an IDNA name refused
                result = FetchResult(url, error=f"unusable address: {type(exc).__name__}: {_short(exc)}")
        result.elapsed = time.monotonic() - started
        if len(self._clients) > MAX_POOLS:
            await self._trim()
        return result

    async def _get(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        permanent: str | None = None
        for _ in range(MAX_REDIRECTS + 1):
            if current != url and (why := url_problem(current)):
                return FetchResult(url, error=f"redirected to an unusable (non-http(s) or malformed) address: {why}")
            parts = urlsplit(current)
            # each hop through the pool of its own host
            async with self._stream(current, parts.scheme.lower(), (parts.hostname or "").lower(), headers) as response:
                if response.has_redirect_location:
                    await _drain(response)
                    target = str(response.url.join(response.headers.get("location", "")))
                    if response.status_code in (301, 308) and permanent is None and current == url:
                        permanent = target
                    current = target
                    continue
                result = FetchResult(url, status=response.status_code, final_url=str(response.url),
                                     headers={k.lower(): v for k, v in response.headers.items()},
                                     permanent_redirect=permanent)
                result.etag = response.headers.get("etag")
                result.last_modified = response.headers.get("last-modified")
                if response.status_code == 304:
                    await _drain(response)
                    return result
                if response.status_code != 200:
                    await _drain(response)
                    result.error = http_reason(response.status_code)
                    result.retry_after = retry_after_seconds(response.headers.get("retry-after"))
                    return result
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.limits.max_body and \
                        not response.headers.get("content-encoding"):
                    result.error = f"body too large: {int(declared) / 2**20:.0f} MiB (limit {self._cap_mib()})"
                    return result
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self.limits.max_body:
                        result.error = f"body too large: over {self._cap_mib()} once decompressed"
                        return result
                    chunks.append(chunk)
                result.body = b"".join(chunks)
                return result
        return FetchResult(url, error=f"too many redirects (more than {MAX_REDIRECTS})")

    def _cap_mib(self) -> str:
        return f"{self.limits.max_body / 2**20:g} MiB"


async def _drain(response: httpx.Response, limit: int = 64 * 1024) -> None:
    """Read a small body we do not need, so the keep-alive connection can be reused; a large one is
    dropped with its connection instead. A 304 has no body by definition."""
    declared = response.headers.get("content-length", "")
    small = declared.isdigit() and int(declared) <= limit and not response.headers.get("content-encoding")
    if response.status_code == 304 or small:
        await response.aread()


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:200]
