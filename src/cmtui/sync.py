"""The sync engine: configured feeds → fetch → parse → store, then the comment feeds they lead to.

Used by `cmtui sync`, by the demo and by the app's sync worker: one code path. No UI here.

Comment polling (WordPress behaviour measured on a real install): the posts feed keeps answering 304
when only comments change; every comment feed of a site shares one validator, so one new comment turns
them all into 200s; comment feeds hold only the newest 10 comments and cannot be paged. So the site-wide
comments feed is the change signal: when it changed, fetch the comment feeds of the posts it shows new
comments for; when everything it holds is new (more comments arrived than its window), or there is no
site-wide feed, fetch the comment feeds of every post that is recent or active (published, or with a
message, in the last `comments_days` days). Blogger's /feeds/comments/default plays the same part; a
Discourse forum's /posts.rss (its newest posts) is a signal only: the topics with a post not stored yet are
polled, whatever their age. A comment that leaves a feed's window is never treated as deleted.

Threads (`social`, `lemmy`): most replies to a Mastodon status, a Bluesky post, a Reddit or a Lemmy post that a
listening feed shows are in no feed it follows. For the posts a configured feed stored, when recent or active (as
comment feeds are), one thread per conversation (its opening post's when it has one) is asked for, and has a feed row
of its own (comment feeds' bookkeeping: validators, errors, backoff, Retry-After). A reply tree is asked of the
platform's public API, the row's URL being the request's: Mastodon's `<server>/api/v1/statuses/<id>/context`, the
Bluesky AppView's `getPostThread?uri=<at://…>`, a Lemmy instance's `/api/v3/comment/list?post_id=<id>…`; at most
`[sync] threads_per_host` of them per API host and sync. A Reddit post's thread is its own feed (`<post>/.rss`),
fetched and parsed as a comment feed; at most `[sync] thread_feeds_per_host` of them per sync for all of reddit.com,
one at a time, as Reddit throttles `.rss`. Either way the least recently asked come first; a 429 or 503 (or Reddit's
403) stops asking that host until the next sync; a deleted or private post ("gone") is not asked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cmtui import paths, text, triage
from cmtui.config import Config, FeedConfig
from cmtui.fetch import Fetcher, FetchResult, Limits, http_reason
from cmtui.store import FeedRow, SaveResult, Store, StoreError, iso, parse_iso, utc_now
from cmtui.summaries import summarise_dirty
from cmtui.urlkeys import discourse_key

if TYPE_CHECKING:
    import httpx

    from cmtui.parse import Entry, ParsedFeed
    from cmtui.social import ThreadResult

PARSE_IN_THREAD = 4  # bodies parsed in a thread before worker processes are worth starting
PARSE_AHEAD = 8  # feeds between download and stored, beyond the requests in flight: bodies waiting to be parsed
# are bounded (memory), and enough of them wait to keep the parse workers busy
SUMMARY_EVERY = 1.0  # seconds: touched conversations are summarised at most this often during a sync (and at its
# end), so a conversation that two feeds of a site both touch is summarised once, not twice
BACKOFF_BASE = timedelta(minutes=10)
BACKOFF_CAP = timedelta(hours=24)
RETRY_AFTER_CAP = timedelta(days=7)
NO_TREES = ("wordpress", "blogger", "discourse", "reddit")  # platforms whose feeds hold no Mastodon status, Bluesky
# post or Reddit post of a listing (a Reddit feed of this platform is one thread): their (often many) conversations
# are not searched for threads to follow
THREAD_FEEDS = ("reddit",)  # threads read through their own feed (conditional GET, parsed as a feed), within
# `[sync] thread_feeds_per_host`, one request at a time per host; the others' trees are API answers (`social`,
# `lemmy`) within `[sync] threads_per_host`


@dataclass
class FeedReport:
    url: str
    name: str
    status: str = "ok"  # ok | unchanged | error | skipped | waiting | gone
    new: int = 0
    http_status: int = 0
    error: str | None = None
    warning: str | None = None
    comment_feeds: int = 0  # comment feeds fetched for this feed
    comment_errors: list[str] = field(default_factory=list)
    next_attempt: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("error", "gone", "skipped") or bool(self.comment_errors)


@dataclass
class SyncReport:
    feeds: list[FeedReport] = field(default_factory=list)
    seconds: float = 0.0
    touched: set[int] = field(default_factory=set)  # conversations that got new or changed messages

    @property
    def new(self) -> int:
        return sum(f.new for f in self.feeds)

    @property
    def failed(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.failed]


@dataclass
class _Outcome:
    """What one fetch + save did, for the comment-polling decisions."""

    ok: bool = False
    changed: bool = False
    new: int = 0
    error: str | None = None
    warning: str | None = None
    http_status: int = 0
    skipped: str | None = None  # why it was not polled this run


@dataclass(frozen=True)
class _Thread:
    """One post whose replies are asked for: its address as `social` takes it, the address that answers (the
    thread's feed row: an API request, or a Reddit thread's feed), the platform and the host that answers (what
    its share counts: all of reddit.com is one)."""

    post: str
    api: str
    platform: str  # mastodon | bluesky | lemmy | reddit
    host: str

    @property
    def share(self) -> str:
        """The `[sync]` key that bounds how many such threads are asked of one host per sync."""
        return "thread_feeds_per_host" if self.platform in THREAD_FEEDS else "threads_per_host"


class SyncBusy(Exception):
    """Another `cmtui sync` holds the store."""


@contextlib.contextmanager
def sync_lock(db_path: Path | str, wait: float = 0.0) -> Iterator[None]:
    """One sync at a time per store (cron overlap, or cron while the app syncs): a lock file next to a SQLite
    store; on PostgreSQL, an advisory lock on the server, so syncs on different machines take turns too."""
    if isinstance(db_path, str) and paths.is_url(db_path):
        from cmtui.store import postgres

        with postgres.sync_lock(db_path, wait, SyncBusy):
            yield
        return
    db_path = Path(db_path)
    try:
        import fcntl
    except ImportError:  # not POSIX: SQLite's own locking still keeps the store whole
        yield
        return
    lock_path = db_path.with_name(db_path.name + ".sync-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SyncBusy(f"another cmtui sync is running on {db_path}") from None
                time.sleep(0.2)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class SyncEngine:
    def __init__(self, config: Config, store: Store, *, force: bool = False,
                 on_feed: Callable[[FeedReport], None] | None = None,
                 cancelled: Callable[[], bool] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 processes: bool = False) -> None:
        self.config, self.store, self.force = config, store, force
        self.on_feed, self.cancelled = on_feed, cancelled or (lambda: False)
        self.transport = transport
        self.processes = processes  # parse in worker processes (the CLI); threads inside the app
        self._pool: Executor | None = None
        self._parsed = 0
        self.now = utc_now()
        self._runs: dict[str, asyncio.Task[_Outcome]] = {}
        self._configured: dict[str, FeedConfig] = {}
        for fc in config.feeds:  # a URL listed twice is one feed: the first entry (as `config.parse` keeps it)
            self._configured.setdefault(fc.url, fc)
        self._kinds: dict[str, str] = {}  # configured URL -> the kind its new conversations get (`_start_kinds`)
        self.touched: set[int] = set()
        self._summarised = 0.0  # time.monotonic() of the last summaries
        self._asked: Counter[tuple[str, str]] = Counter()  # (share, host) -> threads asked of it this sync
        self._refused: dict[str, str] = {}  # hosts that asked us to slow down (429/503, Reddit's 403) -> what they
        # answered: none of their threads is asked again in this sync
        self._tree_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(self.config.sync.per_host))  # trees asked at once of one host
        self._feed_slots: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(1))  # thread feeds of one host: one at a time (Reddit throttles)

    async def run(self) -> SyncReport:
        started = time.monotonic()
        self.now = utc_now()
        summarise_dirty(self.store, triage.Settings(self.config))  # left dirty by a sync cut short: in batches
        self.triage = triage.refresh(self.store, self.config)
        self._kinds = self._start_kinds()
        with self.store.transaction():  # every configured feed's row, in one go
            self._feed_rows = self.store.ensure_configured_feeds((fc.url, fc.name, self._kinds[fc.url], fc.tags)
                                                                 for fc in self._configured.values())
            # A kind written in the config (or a listening feed's, or one detected as mentions) applies to the
            # conversations the feed already has; a forum that was detected stays one.
            self.store.apply_feed_kinds((self._feed_rows[fc.url].id, self._kinds[fc.url])
                                        for fc in self._configured.values()
                                        if fc.kind_set or self._kinds[fc.url] == "mentions")
        if self.processes and sum(row.body_hash is None for row in self._feed_rows.values()) > PARSE_IN_THREAD:
            self._start_pool()  # many feeds never read before: the workers start while the first bodies download
        s = self.config.sync
        limits = Limits(concurrency=s.concurrency, per_host=s.per_host, timeout=s.timeout,
                        connect_timeout=s.connect_timeout, max_body=int(s.max_body_mb * 1024 * 1024))
        self._in_hand = asyncio.Semaphore(s.concurrency + PARSE_AHEAD)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cmtui-parse")
        try:
            async with Fetcher(limits, transport=self.transport) as self.fetcher:
                reports = await asyncio.gather(*(self._sync_site(fc) for fc in self._configured.values()))
            summarise_dirty(self.store, self.triage)
        except sqlite3.DatabaseError as exc:
            # A full disk, a store another program broke: every feed saved before this is complete (one
            # transaction per feed), nothing is half-written. Stop and say so.
            raise StoreError(f"{self.store.where}: {exc}; every feed saved before this point is intact, "
                             "fix the cause and sync again") from None
        finally:
            self.executor.shutdown(wait=True)
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
        return SyncReport(feeds=list(reports), seconds=time.monotonic() - started, touched=self.touched)

    # -- one configured feed and the comment feeds it leads to ------------------------
    async def _sync_site(self, fc: FeedConfig) -> FeedReport:
        report = FeedReport(url=fc.url, name=fc.label)
        try:
            await self._sync_site_work(fc, report)
        except sqlite3.DatabaseError:
            raise  # the store, not this feed: `run` stops the sync and says so
        except Exception as exc:  # noqa: BLE001 - whatever one feed's work raises is that feed's failure only
            report.status, report.error = "error", _unexpected(exc)
        if self.on_feed:
            self.on_feed(report)
        return report

    async def _sync_site_work(self, fc: FeedConfig, report: FeedReport) -> None:
        row = self._feed_rows[fc.url]
        outcome = await self._feed_once(fc.url, owner_id=row.id, kind=self._kinds[fc.url])
        report.new, report.http_status = outcome.new, outcome.http_status
        report.error, report.warning = outcome.error, outcome.warning
        if outcome.skipped:
            report.status = outcome.skipped.split(":")[0]
            report.error = outcome.skipped.split(": ", 1)[1]
        elif outcome.error:
            report.status = "error"
        else:
            report.status = "ok" if outcome.changed else "unchanged"
        fresh = self.store.feed(row.id)
        assert fresh is not None
        row = fresh
        report.next_attempt = row.next_attempt
        if fc.follow_comments and self._kind(fc, row) != "mentions" and (outcome.ok or outcome.skipped):
            await self._sync_comments(fc, row, outcome, report)
        s = self.config.sync
        if (fc.follow_comments and (s.threads_per_host > 0 or s.thread_feeds_per_host > 0)
                and row.platform not in NO_TREES and (outcome.ok or outcome.skipped)):
            await self._sync_threads(fc, row, report)
        if time.monotonic() - self._summarised >= SUMMARY_EVERY:  # the inbox follows the sync as it goes
            summarise_dirty(self.store, self.triage)
            self._summarised = time.monotonic()

    async def _sync_comments(self, fc: FeedConfig, row: FeedRow, outcome: _Outcome, report: FeedReport) -> None:
        """The comment feeds `fc` leads to: those due (`_comment_targets`) fetched together, then what the site
        owed cleared once every one of them was fetched."""
        feed_id: int = row.id
        kind = self._kind(fc, row)
        site_url: str | None = row.site_comments_url
        targets = await self._comment_targets(row, kind, outcome, report)
        targets = [u for u in targets if u != site_url and u != fc.url]
        if self.cancelled():
            return
        if not targets:
            if site_url:
                self._comments_fetched(feed_id)  # nothing (left) to fetch: nothing owed any more
            return
        results = await asyncio.gather(*(self._feed_once(u, owner_id=feed_id, kind=kind, parent_id=feed_id)
                                         for u in targets))
        _count_comment_feeds(report, targets, results)
        if not self.cancelled() and all(r.ok or r.skipped for r in results):
            self._comments_fetched(feed_id)  # all fetched: nothing owed any more (else retried next sync)

    async def _comment_targets(self, row: FeedRow, kind: str, outcome: _Outcome,
                               report: FeedReport) -> list[str]:
        """The comment feeds to fetch: without a site-wide comments feed, those of the recent posts; with one,
        fetch it first and follow what it showed changed."""
        feed_id: int = row.id
        since = iso(self.now - timedelta(days=self.config.sync.comments_days))
        site_url: str | None = row.site_comments_url
        if not site_url:
            return self.store.comment_feeds_of(feed_id, since)
        site = await self._feed_once(site_url, owner_id=feed_id, kind=kind, parent_id=feed_id)
        report.new += site.new
        report.comment_feeds += 1
        if site.error:
            report.comment_errors.append(f"{site_url}: {site.error}")
        # What the site-wide feed showed changed was written down with it (see `_handle`): read it back,
        # so work a killed sync left undone is done now.
        fresh = self.store.feed(feed_id)
        due = json.loads(fresh.comments_due) if fresh is not None and fresh.comments_due else None
        if due is not None:
            conversations = due.get("conversations", [])
            if not due.get("all"):
                return self.store.comment_feeds_of(feed_id, None, conversations)
            # Also every recent or active post's. When the posts feed was just fetched, its comment counts are
            # fresh: complete posts are skipped.
            return self.store.comment_feeds_of(feed_id, since, conversations, skip_complete=outcome.changed)
        if (site.skipped or "").startswith("waiting") or (site.ok and not site.changed):
            return []  # nothing changed, or the site asked us to wait (Retry-After)
        # The site-wide feed failed, backs off or is gone: the recent or active posts' own feeds.
        return self.store.comment_feeds_of(feed_id, since)

    def _comments_fetched(self, feed_id: int) -> None:
        """The site owes no comment feeds any more."""
        with self.store.transaction():
            self.store.update_feed(feed_id, comments_due=None)

    def _kind(self, fc: FeedConfig, row: FeedRow) -> str:
        """The kind of a configured feed's conversations: the config's when written, else a detected forum's, else
        what its address says or its posts showed (`_detected_kind`)."""
        if fc.kind_set:
            return fc.kind
        return "forum" if row.platform == "discourse" else self._kinds.get(fc.url, fc.kind)

    def _start_kinds(self) -> dict[str, str]:
        """Each configured feed's kind as the sync starts: the config's, or "mentions" where the config leaves it to
        the address, the address says "blog", and an earlier sync found the feed's posts all by platform accounts
        (written in its row's `kind`; see `_detected_kind`)."""
        guessed = [fc.url for fc in self._configured.values() if not fc.kind_set and fc.kind == "blog"]
        stored = self.store.feeds_at(guessed) if guessed else {}
        return {fc.url: "mentions" if fc.url in stored and stored[fc.url].kind == "mentions" else fc.kind
                for fc in self._configured.values()}

    def _detected_kind(self, row: FeedRow, parsed: ParsedFeed, kind: str, owner_id: int) -> str:
        """The kind a parse shows where the config does not say: a forum (Discourse), or, for a configured feed whose
        address says "blog", "mentions" when its posts all come from platform accounts (Reddit, Lemmy, Mastodon: each
        a stranger's post to answer, as `cmtui add` decides) and "blog" again when none does."""
        if parsed.forum and kind == "blog" and not self._kind_set(row.url, owner_id):
            return "forum"
        if not self._left_to_address(row) or parsed.forum or parsed.role != "posts" or not parsed.entries:
            return kind
        accounts = [bool(e.account) for e in parsed.entries]
        detected = "mentions" if all(accounts) else "blog" if not any(accounts) else kind
        self._kinds[row.url] = detected
        return detected

    def _left_to_address(self, row: FeedRow) -> bool:
        """Whether `row` is a configured feed whose kind the config leaves to its address, which says "blog"."""
        fc = self._configured.get(row.url)
        return bool(row.configured) and fc is not None and not fc.kind_set and fc.kind == "blog"

    # -- one feed URL, at most once per run --------------------------------------------
    def _feed_once(self, url: str, *, owner_id: int, kind: str, parent_id: int | None = None) -> asyncio.Task[_Outcome]:
        if url not in self._runs:
            configured = self._configured.get(url)
            if configured is not None and parent_id is not None:
                parent_id = None  # also configured on its own: it keeps its own name and kind
            self._runs[url] = asyncio.ensure_future(self._feed(url, owner_id, kind, parent_id))
        return self._runs[url]

    async def _feed(self, url: str, owner_id: int, kind: str, parent_id: int | None,
                    shared: str | None = None) -> _Outcome:
        try:
            return await self._feed_work(url, owner_id, kind, parent_id, shared)
        except sqlite3.DatabaseError:
            raise  # the store, not this feed: `run` stops the sync and says so
        except Exception as exc:  # noqa: BLE001 - whatever one feed's work raises is that feed's failure only
            why = _unexpected(exc)
            row = self._feed_rows.get(url) or self.store.feed_at(url)
            if row is not None:
                self._record_error(row, FetchResult(url, error=why))
            return _Outcome(error=why)

    async def _feed_work(self, url: str, owner_id: int, kind: str, parent_id: int | None,
                         shared: str | None = None) -> _Outcome:
        """Fetch, parse and store one feed, unless it is gone or not due; `shared`: the host whose share of thread
        feeds this one counts against (`_thread_feed`)."""
        row = self._feed_rows.get(url) if parent_id is None else None
        if row is None:
            with self.store.transaction():
                name, tags = self._names(url)
                row = self.store.ensure_feed(url, kind=kind, configured=parent_id is None, parent_id=parent_id,
                                             name=name, tags=tags)
        if parent_id is None:
            owner_id = row.id
        outcome = _Outcome()
        if row.gone_at:
            outcome.skipped = f"gone: the server said 410 Gone on {row.gone_at[:10]}; remove it from feeds.toml"
            return outcome
        outcome.skipped = self._waiting(row)
        if outcome.skipped:
            return outcome
        if shared is not None:
            return await self._thread_feed(row, shared, owner_id, kind, outcome)
        async with self._in_hand:
            if self.cancelled():  # also while this feed waited for its turn
                outcome.skipped = "skipped: sync cancelled"
                return outcome
            result = await self.fetcher.get(url, row.etag, row.last_modified)
            return await self._handle(row, result, owner_id, kind, outcome)

    async def _thread_feed(self, row: FeedRow, host: str, owner_id: int, kind: str, outcome: _Outcome) -> _Outcome:
        """A thread's own feed (a Reddit post's), within its host's share: one at a time per host, none once the host
        asked us to slow down. Reddit throttles `.rss` and sometimes says so with a 403: from reddit.com that is a
        429 without Retry-After, for the host (no more of its threads in this sync) and for the thread (asked again
        after a backoff, not at the next sync)."""
        async with self._feed_slots[host]:
            outcome.skipped = self._share_refused(host, "thread_feeds_per_host", "thread feeds")
            if outcome.skipped:
                return outcome
            async with self._in_hand:
                result = await self.fetcher.get(row.url, row.etag, row.last_modified)
                throttled = result.status in (429, 503) or (result.status == 403 and _is_reddit(host))
                if not throttled:
                    return await self._handle(row, result, owner_id, kind, outcome)
        self._refused[host] = f"{host} answered a thread feed with {http_reason(result.status)}"
        why = result.error or http_reason(result.status)
        if result.status == 403:
            why += f": Reddit's answer when it throttles; {host} is not asked again in this sync"
        self._record_error(row, result, why, throttled=True)
        outcome.http_status, outcome.error = result.status, why
        return outcome

    def _waiting(self, row: FeedRow) -> str | None:
        """Why `row` is not asked this sync: a Retry-After not over yet (even with --force), or a backoff after
        errors (unless --force); None when it is due."""
        waiting_until = parse_iso(row.next_attempt)
        if not waiting_until or waiting_until <= self.now:
            return None
        retry_after = row.last_status in (429, 503)
        if not retry_after and self.force:
            return None
        when = row.next_attempt
        return (f"waiting: the server asked us to wait until {when}" if retry_after else
                f"skipped: backing off after {row.error_count} errors until {when} (last: {row.last_error})")

    def _names(self, url: str) -> tuple[str, tuple[str, ...]]:
        fc = self._configured.get(url)
        return (fc.name, fc.tags) if fc else ("", ())

    async def _handle(self, row: FeedRow, result: FetchResult, owner_id: int, kind: str,
                      outcome: _Outcome) -> _Outcome:
        feed_id: int = row.id
        outcome.http_status = result.status
        if result.error:
            self._record_error(row, result)
            outcome.error = result.error
            return outcome
        base = self._answered(result.status)
        if result.not_modified:
            with self.store.transaction():
                self.store.update_feed(feed_id, **base)
            outcome.ok = True
            return outcome
        digest = hashlib.sha256(result.body).hexdigest()
        validators = {"etag": result.etag, "last_modified": result.last_modified, "body_hash": digest}
        if digest == row.body_hash:
            with self.store.transaction():
                self.store.update_feed(feed_id, **base, **validators)
            outcome.ok = True
            return outcome
        from cmtui import workers  # a sync where nothing changed never needs the parser

        loop = asyncio.get_running_loop()
        parsed = await loop.run_in_executor(self._parser(), workers.parse_feed, result.body,
                                            result.final_url or result.url, result.headers, None, True,
                                            self.config.identity)
        if parsed.error:
            self._record_error(row, result, parsed.error)
            outcome.error = parsed.error
            return outcome
        is_configured = bool(row.configured)
        kind = self._detected_kind(row, parsed, kind, owner_id)
        with self.store.transaction():
            saved = self._store_parsed(row, parsed, kind, owner_id)
            extra: dict[str, object] = {"title": parsed.title, "platform": parsed.platform, "role": parsed.role,
                                        "last_warning": parsed.warning}
            if is_configured:
                extra["site_comments_url"] = parsed.site_comments_feed
            if kind != row.kind and kind != "forum" and self._left_to_address(row):  # detected: kept for next time
                extra["kind"] = kind
                if kind == "mentions":  # and the feed's conversations are mentions from now on, old ones too
                    self.store.apply_feed_kinds([(feed_id, kind)])
            self.store.update_feed(feed_id, **base, **validators, **extra)
        outcome.ok, outcome.changed, outcome.new = True, True, saved.new
        outcome.warning = parsed.warning
        return outcome

    def _answered(self, status: int) -> dict[str, object]:
        """A feed row's health after a usable answer (`status`): no error, due again at the next sync."""
        now_s = iso(self.now)
        return {"last_status": status, "last_attempt": now_s, "last_ok": now_s, "last_error": None, "error_count": 0,
                "next_attempt": None}

    def _store_parsed(self, row: FeedRow, parsed: ParsedFeed, kind: str, owner_id: int) -> SaveResult:
        """Save a parsed feed, inside the caller's transaction. When it is a site's change signal, write down in the
        same transaction which of the site's comment feeds are now owed: those of the posts it shows new comments
        for, and every recent or active post's too if everything in its window was new (older comments may have
        been missed). A Discourse forum's /posts.rss is a signal only (`_owe_topics`): its posts are stored through
        their topics' feeds, which say which post opens a topic."""
        site = self._site_of(row)
        if site is not None and site.platform == "discourse":
            self._owe_topics(site, parsed)
            return SaveResult()
        saved = self.store.save(row, parsed, kind=kind, owner_id=owner_id, us=self.config.identity, now=self.now)
        self.touched |= saved.conversations
        if site is not None and saved.new:
            self._owe_comment_feeds(site, saved.posts_with_new_comments, everything=saved.known == 0)
        return saved

    def _site_of(self, row: FeedRow) -> FeedRow | None:
        """The configured feed whose site-wide change signal `row` is (WordPress /comments/feed/, Blogger
        /feeds/comments/default, Discourse /posts.rss), or None."""
        site = self.store.feed(row.parent_id) if row.parent_id else None
        return site if site is not None and site.site_comments_url == row.url else None

    def _owe_topics(self, site: FeedRow, parsed: ParsedFeed) -> None:
        """What a Discourse forum's /posts.rss (its newest posts, every topic's) shows changed: a topic with a post
        not stored yet is owed its topic feed, whatever its age; every recent or active topic is when none of the
        replies it shows was stored before (more posts came than it holds, or this is the first look)."""
        posts = [(e.uid, key) for e in parsed.entries if (key := discourse_key(e.url))]
        seen = self.store.known_uids(uid for uid, _ in posts)
        unseen = self.store.conversations_keyed(topic for uid, (topic, _) in posts if uid not in seen)
        everything = not any(uid in seen for uid, (_, number) in posts if (number or 1) > 1)
        if unseen or everything:
            self._owe_comment_feeds(site, unseen, everything)

    def _owe_comment_feeds(self, site: FeedRow, conversations: Iterable[int], everything: bool) -> None:
        """Add to what `site` owes (its `comments_due`, read back by `_comment_targets`): the comment feeds of
        `conversations`, and with `everything` those of every recent or active post too."""
        due = json.loads(site.comments_due) if site.comments_due else {}
        due["all"] = bool(due.get("all")) or everything
        due["conversations"] = sorted(set(due.get("conversations", [])) | set(conversations))
        self.store.update_feed(site.id, comments_due=json.dumps(due))

    # -- reply trees of Mastodon statuses and Bluesky posts ---------------------------
    async def _sync_threads(self, fc: FeedConfig, row: FeedRow, report: FeedReport) -> None:
        """The reply trees of the feed's recent or active statuses and posts (`_thread_targets`), asked together
        and counted in its report as comment feeds."""
        targets = self._thread_targets(row)
        if not targets or self.cancelled():
            return
        kind = self._kind(fc, row)
        results = await asyncio.gather(*(self._thread_once(t, row.id, kind) for t in targets))
        _count_comment_feeds(report, [t.api for t in targets], results)

    def _thread_targets(self, feed: FeedRow) -> list[_Thread]:
        """One post per recent or active conversation of the feed, the first of its opening post and the feed's
        own messages that is a status or a post whose thread is not gone (and whose share is not 0, and that is not
        a configured feed of its own); least recently asked first (never asked before first), so that threads over a
        host's share come first next time."""
        since = iso(self.now - timedelta(days=self.config.sync.comments_days))
        options = [[t for t in (self._thread_of(m, feed.url) for m in messages)
                    if t and getattr(self.config.sync, t.share) > 0 and t.api not in self._configured]
                   for messages in self.store.thread_posts_of(feed.id, since)]
        rows = self.store.feeds_at(t.api for ts in options for t in ts)
        chosen: dict[str, _Thread] = {}
        for threads in options:
            usable = [t for t in threads if t.api not in rows or not rows[t.api].gone_at]
            if usable:
                chosen.setdefault(usable[0].api, usable[0])
        return sorted(chosen.values(), key=lambda t: (rows[t.api].last_attempt or "") if t.api in rows else "")

    def _thread_of(self, message: tuple[str, str | None], feed_url: str) -> _Thread | None:
        """The thread of a message (uid, url) stored from the feed at `feed_url`, when it is a Mastodon status, a
        Bluesky post (its at:// uid then names it, whichever form its link has), a Reddit post or comment, or a post
        of a Lemmy feed (its uid, the post's page on the feed's instance, names it)."""
        from cmtui import lemmy, social  # only once a feed stored something that may be a status or a post

        uid, url = message
        comments = lemmy.comments_address(feed_url, uid)
        post = uid if uid.startswith("at://") or comments else url
        found = ("lemmy", comments) if comments else (
            social.thread_address(post, self.config.sync.bluesky_appview) if post else None)
        if post is None or found is None:
            return None
        platform, api = found
        host = (urlsplit(api).hostname or "").lower()
        return _Thread(post, api, platform, "reddit.com" if _is_reddit(host) else host)

    def _thread_once(self, target: _Thread, owner_id: int, kind: str) -> asyncio.Task[_Outcome]:
        """A thread is asked at most once per sync, whichever feeds lead to it: a thread feed as a comment feed of
        the configured feed (`_feed`, within its host's share), a tree through the platform's API."""
        if target.api not in self._runs:
            work = (self._feed(target.api, owner_id, kind, owner_id, shared=target.host)
                    if target.platform in THREAD_FEEDS else self._thread(target, owner_id, kind))
            self._runs[target.api] = asyncio.ensure_future(work)
        return self._runs[target.api]

    async def _thread(self, target: _Thread, owner_id: int, kind: str) -> _Outcome:
        try:
            return await self._thread_work(target, owner_id, kind)
        except sqlite3.DatabaseError:
            raise  # the store, not this tree: `run` stops the sync and says so
        except Exception as exc:  # noqa: BLE001 - whatever one tree's work raises is that tree's failure only
            why = _unexpected(exc)
            row = self.store.feed_at(target.api)
            if row is not None:
                self._record_error(row, FetchResult(target.api, error=why))
            return _Outcome(error=why)

    async def _thread_work(self, target: _Thread, owner_id: int, kind: str) -> _Outcome:
        with self.store.transaction():
            row = self.store.ensure_feed(target.api, kind=kind, configured=False, parent_id=owner_id)
        outcome = _Outcome()
        if row.gone_at:
            outcome.skipped = f"gone: the post was deleted or is not public (seen {row.gone_at[:10]})"
            return outcome
        outcome.skipped = self._waiting(row)
        if outcome.skipped:
            return outcome
        async with self._tree_slots[target.host]:
            outcome.skipped = self._share_refused(target.host, "threads_per_host", "reply trees")
            if outcome.skipped:
                return outcome
            result = await self._ask_tree(target, row)
        if result.status in (429, 503):
            self._refused[target.host] = f"{target.host} answered a reply tree with {http_reason(result.status)}"
        return await self._handle_thread(row, target, result, owner_id, kind, outcome)

    async def _ask_tree(self, target: _Thread, row: FeedRow) -> ThreadResult:
        """The platform's answer for a tree, asked with the validators of the last one."""
        from cmtui import lemmy, social

        if target.platform == "mastodon":
            return await social.fetch_mastodon_thread(self.fetcher, target.post, row.etag, row.last_modified)
        if target.platform == "lemmy":
            return await lemmy.fetch_comments(self.fetcher, target.api, row.etag, row.last_modified)
        return await social.fetch_bluesky_thread(self.fetcher, target.post, row.etag, row.last_modified,
                                                 base=self.config.sync.bluesky_appview)

    def _share_refused(self, host: str, share: str, what: str) -> str | None:
        """Why no more threads are asked of `host` this sync (it asked us to slow down; its share, the `[sync]` key
        `share`, is used up; the sync was cancelled), or None: then this one counts against its share."""
        if host in self._refused:
            return f"waiting: {self._refused[host]}; not asked again in this sync"
        limit = int(getattr(self.config.sync, share))
        if self._asked[share, host] >= limit:
            return f"skipped: {limit} {what} asked of {host} in this sync ([sync] {share}); the others next time"
        if self.cancelled():
            return "skipped: sync cancelled"
        self._asked[share, host] += 1
        return None

    async def _handle_thread(self, row: FeedRow, target: _Thread, result: ThreadResult, owner_id: int,
                             kind: str, outcome: _Outcome) -> _Outcome:
        """Store what a tree's answer holds, with the bookkeeping of a comment feed's (`_handle`); a gone post is
        written down as such (not an error: posts get deleted) and never asked again."""
        outcome.http_status = result.status
        if result.gone:
            with self.store.transaction():
                self.store.update_feed(row.id, gone_at=iso(self.now), last_status=result.status or None,
                                       last_attempt=iso(self.now), last_warning=result.error, next_attempt=None)
            outcome.ok = True
            return outcome
        if result.error:
            self._record_error(row, FetchResult(target.api, status=result.status, error=result.error,
                                                retry_after=result.retry_after))
            outcome.error = result.error
            return outcome
        base = {**self._answered(result.status), "etag": result.etag, "last_modified": result.last_modified}
        digest = None if result.not_modified else _tree_digest(result.entries)
        if digest is None or digest == row.body_hash:
            with self.store.transaction():
                self.store.update_feed(row.id, **base)
            outcome.ok = True
            return outcome
        from cmtui import workers  # a sync where no tree changed never needs the scoring
        from cmtui.parse import ParsedFeed

        parsed = ParsedFeed(url=target.api, title=result.entries[0].conv_title if result.entries else "",
                            platform=target.platform, role="comments", entries=result.entries[::-1])  # oldest last
        loop = asyncio.get_running_loop()
        parsed = await loop.run_in_executor(self.executor, workers.scored, parsed, self.config.identity)
        if parsed.error:
            self._record_error(row, FetchResult(target.api, status=result.status), parsed.error)
            outcome.error = parsed.error
            return outcome
        with self.store.transaction():
            saved = self.store.save(row, parsed, kind=kind, owner_id=owner_id, us=self.config.identity, now=self.now)
            self.touched |= saved.conversations
            self.store.update_feed(row.id, **base, body_hash=digest, title=parsed.title, platform=parsed.platform,
                                   role=parsed.role, last_warning=None)
        outcome.ok, outcome.changed, outcome.new = True, True, saved.new
        return outcome

    def _parser(self) -> Executor:
        """Where to parse: the first few bodies in a thread; after that, when allowed, a pool of worker
        processes (parsing and sentiment are CPU-bound: a cold sync of many feeds uses every core)."""
        self._parsed += 1
        if self._pool is None and self.processes and self._parsed > PARSE_IN_THREAD:
            self._start_pool()
        return self._pool or self.executor

    def _start_pool(self) -> None:
        from cmtui import workers

        try:
            self._pool = workers.start_pool(max(1, min(4, os.cpu_count() or 1)))
        except Exception:  # noqa: BLE001 - no worker processes here (no sem_open, no spawn…): parse in the thread
            self.processes = False

    def _kind_set(self, url: str, owner_id: int) -> bool:
        fc = self._configured.get(url)
        if fc is None:
            owner = self.store.feed(owner_id)
            fc = self._configured.get(owner.url) if owner else None
        return bool(fc and fc.kind_set)

    def _record_error(self, row: FeedRow, result: FetchResult, why: str | None = None, throttled: bool = False) -> None:
        """Write down a failed attempt: the error, and when to try again (the server's Retry-After, else a backoff
        that doubles from the second error on, or from the first when the server said to slow down: `throttled`)."""
        feed_id: int = row.id
        count = int(row.error_count) + 1
        values: dict[str, object] = {"last_status": result.status or None, "last_error": why or result.error,
                                     "last_attempt": iso(self.now), "error_count": count}
        if result.status == 410:
            values["gone_at"] = iso(self.now)
        if result.retry_after is not None and result.status in (429, 503):
            wait = min(timedelta(seconds=result.retry_after), RETRY_AFTER_CAP)
        else:
            wait = min(BACKOFF_BASE * 2 ** (count - 1), BACKOFF_CAP) if count > 1 or throttled else timedelta(0)
        values["next_attempt"] = iso(self.now + wait) if wait else None
        with self.store.transaction():
            self.store.update_feed(feed_id, **values)


def _is_reddit(host: str) -> bool:
    """Whether `host` is Reddit's (its `.rss` throttling counts per IP across all of reddit.com)."""
    return host == "reddit.com" or host.endswith(".reddit.com")


def _count_comment_feeds(report: FeedReport, targets: list[str], results: list[_Outcome]) -> None:
    """Add what the comment feeds brought (and their errors) to their configured feed's report."""
    for url, res in zip(targets, results, strict=True):
        report.new += res.new
        if not res.skipped:
            report.comment_feeds += 1
        if res.error:
            report.comment_errors.append(f"{url}: {res.error}")


def _tree_digest(entries: list[Entry]) -> str:
    """What a reply tree says, as a hash: an answer that says the same (an API without validators) is not saved
    again."""
    digest = hashlib.sha256()
    for e in entries:
        digest.update("\x00".join((e.uid, e.parent_ref or "", e.author, e.text, "\x01")).encode())
    return digest.hexdigest()


def _unexpected(exc: Exception) -> str:
    """One line for an exception nothing expected inside one feed's work (a bug: the rest of the sync goes on)."""
    if isinstance(exc, BaseExceptionGroup) and exc.exceptions:  # what a task group inside httpx raises
        first = exc.exceptions[0]
        return _unexpected(first) if isinstance(first, Exception) else type(first).__name__
    return f"unexpected error: {type(exc).__name__}: {text.one_line(str(exc), 200)}"


def run_sync(config: Config, store: Store, **kwargs: object) -> SyncReport:
    """Synchronous entry point (CLI, app worker thread): runs the engine in its own event loop."""
    return asyncio.run(SyncEngine(config, store, **kwargs).run())  # type: ignore[arg-type]


def format_when(value: str | None) -> str:
    when = parse_iso(value)
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else "-"

