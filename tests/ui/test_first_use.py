"""First use: the app syncs as it opens on a store that never synced (or synced too long ago), the header says
when the store last synced and how many feeds fail, an empty store is never "inbox zero", and an edited
feeds.toml is read again while the app runs (a broken edit keeps the config in use, with a notice)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from textual.pilot import Pilot

from cmtui import triage
from cmtui.config import Config, ConfigError
from cmtui.demo import sites
from cmtui.feedlist import append_feeds
from cmtui.store import Store
from cmtui.ui import render
from cmtui.ui.app import CmtuiApp, make_app
from cmtui.ui.config_watch import ConfigWatch, describe_change
from cmtui.ui.data import SyncStatus
from cmtui.ui.screens.feeds import FeedsScreen

from .conftest import BASE, FIXED, SIZE, SOCIAL, Demo, write_config
from .test_app import notifications, row_ids, screen_text, settle, table, workers_done

SOCIAL_NAME = sites.MASTODON_NAME


def fresh_app(demo: Demo, config: Config, db_path: Path) -> CmtuiApp:
    """The app on a store of its own, fetching from the demo sites."""
    app = make_app(config, db_path, now=demo.clock, sync_options={"transport": demo.transport})
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    return app


def waiting_titles(db_path: Path, config: Config) -> list[str]:
    store = Store.open(db_path)
    try:
        return [i.title for i in triage.inbox(store, config, now=FIXED)]
    finally:
        store.close()


async def until(pilot: Pilot[None], done: Callable[[], bool], seconds: float = 15.0) -> bool:
    """Let the app run until `done()` (True) or `seconds` have passed (False)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if done():
            return True
        await pilot.pause(0.05)
    return done()


def shown_titles(app: CmtuiApp) -> list[str]:
    return [i.title for i in table(app).items]


# -- the status and when to sync, without the app ------------------------------------------------------------


def test_when_the_app_syncs_as_it_opens() -> None:
    synced = FIXED - timedelta(minutes=20)
    assert SyncStatus(None, 0, 0).due(FIXED, 15)
    assert SyncStatus(None, 0, 0).due(FIXED, 0)  # the first sync happens even with the app's own syncs off
    assert SyncStatus(synced, 0, 0).due(FIXED, 15)
    assert not SyncStatus(synced, 0, 0).due(FIXED, 30)
    assert not SyncStatus(synced, 0, 0).due(FIXED, 0)
    assert SyncStatus(synced, 0, 1).due(FIXED, 0)  # a feed added to feeds.toml was never fetched


def test_synced_labels() -> None:
    assert render.synced_label(None, FIXED) == "never synced"
    assert render.synced_label(FIXED - timedelta(seconds=20), FIXED) == "synced just now"
    assert render.synced_label(FIXED - timedelta(minutes=3), FIXED) == "synced 3 min ago"
    assert render.synced_label(FIXED - timedelta(hours=5), FIXED) == "synced 5 h ago"
    assert render.synced_label(datetime(2026, 11, 20, 12, 5, tzinfo=UTC), FIXED) == "synced just now"  # clock skew


# -- a store that never synced -------------------------------------------------------------------------------


async def test_a_never_synced_store_syncs_at_once_and_lists_what_waits(demo: Demo, tmp_path: Path) -> None:
    expected = waiting_titles(demo.db_path, demo.config)
    assert len(expected) > 5
    app = fresh_app(demo, demo.config, tmp_path / "fresh.db")
    async with app.run_test(size=SIZE) as pilot:
        started = time.monotonic()
        assert await until(pilot, lambda: not app.syncing and shown_titles(app) == expected
                           and "synced just now" in app.sub_title)
        assert time.monotonic() - started < 10
        await settle(pilot)
        assert app.sub_title == f"{len(expected)} waiting · 4 feeds · synced just now"
        assert any(n.startswith("Synced 4 feeds") for n in notifications(app))
        text = screen_text(app)
        assert "synced just now" in text and expected[0] in text
        assert "Inbox zero" not in text


async def test_the_first_sync_says_it_is_syncing_not_inbox_zero(demo: Demo, tmp_path: Path) -> None:
    """Every feed answers only once the test lets it: meanwhile the empty inbox says what is going on."""
    gate = threading.Event()
    for feed in sites.demo_feeds(BASE):
        path = feed.url.removeprefix(BASE)
        route = demo.server.routes[path]
        demo.server.handle(path, held(gate, route.body, route.content_type))
    app = fresh_app(demo, demo.config, tmp_path / "fresh.db")
    async with app.run_test(size=SIZE) as pilot:
        try:
            assert await until(pilot, lambda: "Syncing your 4 feeds for the first time" in screen_text(app))
            text = screen_text(app)
            assert "Inbox zero" not in text and "syncing 0/4 feeds…" in text
        finally:
            gate.set()
        assert await until(pilot, lambda: not app.syncing and bool(row_ids(app)))
        await workers_done(pilot)
        assert "synced just now" in app.sub_title


def held(gate: threading.Event, body: bytes, content_type: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """A route handler that answers `body` once `gate` is set."""
    def handler(req: BaseHTTPRequestHandler) -> None:
        gate.wait(20)
        req.send_response(200)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)
    return handler


async def test_a_first_sync_that_fails_says_never_synced(demo: Demo, tmp_path: Path) -> None:
    feeds = [sites.DemoFeed(f"{BASE}/gone/feed/", "Gone Blog", "blog", ())]
    config = write_config(tmp_path / "gone.toml", feeds=feeds)
    app = fresh_app(demo, config, tmp_path / "fresh.db")
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: "failing" in app.sub_title and not app.syncing)
        await settle(pilot)
        assert app.sub_title == "0 waiting · 1 feed, 1 failing · never synced"
        text = screen_text(app)
        assert "Never synced" in text and "The last try failed." in text and "R: try again" in text
        assert any(n.startswith("Synced 1 feed in") for n in notifications(app))
        assert "Inbox zero" not in text


# -- a stale store, a fresh one ------------------------------------------------------------------------------


def every_15_minutes(tmp_path: Path) -> Config:
    config = write_config(tmp_path / "every15.toml")
    return config._replace(ui=config.ui._replace(sync_every=15))


async def test_a_stale_store_syncs_as_the_app_opens(demo: Demo, tmp_path: Path) -> None:
    url = demo.add_social_post("late_voice", "Is the #acmegrinder back in stock?", status_id=501, minutes_ago=1)
    demo.clock.advance(minutes=20)  # the fixture's sync was 20 minutes ago; the app syncs every 15
    app = demo.app(every_15_minutes(tmp_path))
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: any(i.url == url for i in table(app).items) and not app.syncing
                           and "synced just now" in app.sub_title)
        assert any(n.startswith("Synced 4 feeds") for n in notifications(app))


async def test_a_fresh_store_does_not_sync_as_the_app_opens(demo: Demo, tmp_path: Path) -> None:
    url = demo.add_social_post("late_voice", "Is the #acmegrinder back in stock?", status_id=501, minutes_ago=1)
    demo.clock.advance(minutes=5)
    demo.server.reset_hits()
    app = demo.app(every_15_minutes(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, 3)
        assert app.sub_title.endswith("4 feeds · synced 5 min ago")
        assert "synced 5 min ago" in screen_text(app)
        assert not any(i.url == url for i in table(app).items)
        assert not app.syncing and not any(n.startswith("Synced") for n in notifications(app))
        assert demo.server.hits == []


# -- the header follows the clock and every sync -------------------------------------------------------------


async def test_the_header_follows_the_clock_and_a_cron_sync(demo: Demo) -> None:
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    app.STATUS_SECONDS = 0  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.sub_title.endswith("4 feeds · synced just now")
        demo.clock.advance(minutes=3)
        assert await until(pilot, lambda: app.sub_title.endswith("synced 3 min ago"))
        demo.server.set(SOCIAL, "not a feed <<<", content_type="text/html", status=500)
        demo.clock.advance(minutes=2)
        report = demo.sync()  # cron
        assert [f.name for f in report.failed] == [SOCIAL_NAME]
        assert await until(pilot, lambda: app.sub_title.endswith("4 feeds, 1 failing · synced just now"))
        assert "4 feeds, 1 failing · synced just now" in screen_text(app)


# -- feeds.toml, edited while the app runs -------------------------------------------------------------------


def test_the_watch_sees_each_edit_once(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    config = write_config(path, feeds=sites.demo_feeds(BASE)[:1])
    watch = ConfigWatch(path)
    assert not watch.changed()
    append_feeds(path, [{"url": f"{BASE}/new/feed/", "name": "New Blog"}])
    assert watch.changed() and not watch.changed()
    read = watch.read()
    assert isinstance(read, Config) and [f.name for f in read.feeds] == [sites.WP_NAME, "New Blog"]
    assert describe_change(config, read) == f"Read {path} again: 2 feeds (1 added) · R syncs them"
    assert describe_change(read, config) == f"Read {path} again: 1 feed (1 removed)"
    path.write_text("[[feeds]\n", encoding="utf-8")
    assert watch.changed()
    broken = watch.read()
    assert isinstance(broken, ConfigError) and str(path) in str(broken)
    path.unlink()
    assert watch.changed() and isinstance(watch.read(), ConfigError) and not watch.changed()



async def test_a_feed_added_with_cmtui_add_is_synced_by_r(demo: Demo, tmp_path: Path) -> None:
    social = sites.demo_feeds(BASE)[3]
    config = write_config(tmp_path / "feeds.toml", feeds=sites.demo_feeds(BASE)[:3])
    app = fresh_app(demo, config, tmp_path / "fresh.db")
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: not app.syncing and "synced just now" in app.sub_title)
        await settle(pilot)
        assert "3 feeds" in app.sub_title
        assert not any(i.feed == SOCIAL_NAME for i in table(app).items)
        added = append_feeds(config.path, [{"url": social.url, "name": social.name, "kind": social.kind}])
        assert added == [social.url]
        await pilot.press("R")
        assert await until(pilot, lambda: any(i.feed == SOCIAL_NAME for i in table(app).items)
                           and not app.syncing)
        await settle(pilot)
        assert "4 feeds" in app.sub_title and len(app.config.feeds) == 4
        assert any("feeds.toml again: 4 feeds (1 added)" in n for n in notifications(app))
        assert any(n.startswith("Synced 4 feeds") for n in notifications(app))
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        row = next(f for f in app.screen.feeds if f.config.url == social.url)
        assert row.row is not None and row.row.last_ok and not row.row.last_error


async def test_an_edit_shows_in_the_feeds_screen_without_a_sync(demo: Demo) -> None:
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        append_feeds(demo.config.path, [{"url": f"{BASE}/new/feed/", "name": "New Blog"}])
        screen = app.screen
        assert isinstance(screen, FeedsScreen)
        assert await until(pilot, lambda: len(screen.feeds) == 5)
        new = screen.feeds[-1]
        assert new.name == "New Blog" and (new.row is None or not new.row.last_ok)
        assert "5 feeds from" in screen_text(app)


async def test_a_broken_edit_keeps_the_config_with_a_notice(demo: Demo) -> None:
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    path = demo.config.path
    good = path.read_text(encoding="utf-8")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path.write_text(good + "\n[[feeds]]\nurl = 'ftp://nope.example'\n", encoding="utf-8")
        assert await until(pilot, lambda: any("Still using" in n for n in notifications(app)))
        await pilot.pause(0.5)  # several polls: one notice per edit
        errors = [n.message for n in app._notifications if n.severity == "error"]  # noqa: SLF001
        assert len(errors) == 1
        assert str(path) in errors[0] and "feeds[4].url" in errors[0]
        assert app.config is demo.config
        await pilot.press("R")  # the config read before still syncs
        assert await until(pilot, lambda: any(n.startswith("Synced 4 feeds") for n in notifications(app)))
        path.write_text(good.replace("Acme Community", "Acme Forum"), encoding="utf-8")
        assert await until(pilot, lambda: any("feeds.toml again: 4 feeds" in n for n in notifications(app)))
        await workers_done(pilot)
        assert "Acme Forum" in [f.name for f in app.config.feeds]
