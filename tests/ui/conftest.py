"""Fixtures for the app tests: the bundled demo sites served on 127.0.0.1, synced into a temporary store.

The demo documents are rendered for the fixed address http://demo.test and a transport forwards those requests
to the local `FeedServer`: URLs in snapshots stay the same from run to run while the HTTP stays real. The sync
clock is pinned to `FIXED` (feed health times) and every "waiting 3 h" label uses `FIXED` too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

import cmtui.sync
from cmtui.config import Config, parse
from cmtui.demo import sites
from cmtui.demo.server import FeedServer, ForwardTransport
from cmtui.store import Store
from cmtui.sync import SyncReport, run_sync
from cmtui.ui.app import CmtuiApp, make_app

FIXED = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = "http://demo.test"
SOCIAL = "/social/tags/acmegrinder.rss"
MOKA_TOPIC = "/forum/t/which-setting-for-a-moka-pot/1183.rss"
SIZE = (160, 45)


class Clock:
    """A settable clock: `clock()` is the time, `clock.advance(minutes=5)` moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Demo:
    server: FeedServer
    config: Config
    db_path: Path
    transport: ForwardTransport
    clock: Clock
    report: SyncReport
    extra: list[str] = field(default_factory=list)

    def app(self, config: Config | None = None, **kwargs: Any) -> CmtuiApp:
        return make_app(config or self.config, self.db_path, now=self.clock,
                        sync_options={"transport": self.transport}, **kwargs)

    def store(self) -> Store:
        return Store.open(self.db_path)

    def sync(self) -> SyncReport:
        """One sync, as a cron `cmtui sync` would (in a thread: tests may call it inside the app's event loop)."""
        def run() -> SyncReport:
            store = self.store()
            try:
                return run_sync(self.config, store, transport=self.transport)
            finally:
                store.close()

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(run).result()

    def add_social_post(self, author: str, text: str, *, status_id: int, minutes_ago: int = 5,
                        title: str | None = None) -> str:
        """Put a new status at the top of the Mastodon tag feed; returns its URL."""
        url = f"{BASE}/social/@{author}/{status_id}"
        when = format_datetime(self.clock() - timedelta(minutes=minutes_ago))
        title_xml = f"\n      <title>{escape(title)}</title>" if title is not None else ""
        item = (f"    <item>\n      <guid isPermaLink=\"true\">{url}</guid>\n      <link>{url}</link>{title_xml}\n"
                f"      <pubDate>{when}</pubDate>\n      <description>{escape('<p>' + escape(text) + '</p>')}"
                f"</description>\n      <category>acmegrinder</category>\n    </item>\n")
        route = self.server.routes[SOCIAL]
        body = route.body.decode("utf-8")
        marker = "</generator>\n"
        body = body.replace(marker, marker + item, 1)
        self.server.set(SOCIAL, body, content_type=route.content_type)
        return url


    def add_forum_post(self, topic_path: str, author: str, text: str, *, post_id: int, minutes_ago: int = 5) -> None:
        """Append a reply by `author` to a Discourse topic feed, and list it first in the forum's /posts.rss, as
        Discourse does (the sync's signal that the topic changed)."""
        when = format_datetime(self.clock() - timedelta(minutes=minutes_ago))
        link = BASE + topic_path.removesuffix(".rss") + f"/{post_id}"
        item = (f"      <item>\n        <title>Re</title>\n        <dc:creator><![CDATA[{author}]]></dc:creator>\n"
                f"        <description><![CDATA[<p>{escape(text)}</p>]]></description>\n"
                f"        <link>{link}</link>\n        <pubDate>{when}</pubDate>\n"
                f"        <guid isPermaLink=\"false\">demo.test-post-{post_id}</guid>\n      </item>\n")
        route = self.server.routes[topic_path]
        body = route.body.decode("utf-8").replace("  </channel>", item + "  </channel>", 1)
        self.server.set(topic_path, body, content_type=route.content_type)
        latest = self.server.routes["/forum/posts.rss"]
        body = latest.body.decode("utf-8")
        first = body.find("      <item>") if "      <item>" in body else body.find("  </channel>")
        self.server.set("/forum/posts.rss", body[:first] + item + body[first:], content_type=latest.content_type)


def write_config(path: Path, extra: str = "", feeds: list[sites.DemoFeed] | None = None) -> Config:
    # without the demo's saved replies: the tests that need some bring their own `[templates]`
    text = sites.config_toml(sites.demo_feeds(BASE) if feeds is None else feeds, replies=False)
    text += "\n[ui]\nsync_every = 0\n" + extra
    path.write_text(text, encoding="utf-8")
    return parse(text, path)


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local times ("tomorrow 9:00", "Fri 20 Nov 09:14") are computed in UTC for every test."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def no_team_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who the user is comes from the config (`[team] me`), never from the shell running the tests: `$CMTUI_USER`
    would add the Mine and Unassigned views to the cycle."""
    monkeypatch.delenv("CMTUI_USER", raising=False)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(FIXED)
    monkeypatch.setattr(cmtui.sync, "utc_now", clock)
    return clock


@pytest.fixture
def demo(tmp_path: Path, clock: Clock) -> Iterator[Demo]:
    yield from _demo(tmp_path, clock, tmp_path / "cmtui.db")


@pytest.fixture
def pg_demo(tmp_path: Path, clock: Clock, postgres_server: str) -> Iterator[Demo]:
    """`demo` on a PostgreSQL store of its own."""
    from ..conftest import fresh_postgres

    yield from _demo(tmp_path, clock, fresh_postgres(postgres_server))  # type: ignore[arg-type]


def _demo(tmp_path: Path, clock: Clock, db_path: Path) -> Iterator[Demo]:
    with FeedServer() as server:
        for doc in sites.documents(BASE, FIXED):
            server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
        config = write_config(tmp_path / "feeds.toml")
        transport = ForwardTransport(server.base_url)
        store = Store.open(db_path)
        try:
            report = run_sync(config, store, transport=transport)
        finally:
            store.close()
        assert not report.failed, report.failed
        yield Demo(server, config, db_path, transport, clock, report)
