"""Posting from the app with a secret that an error could quote: the notification and the draft's stored error
never hold it, in any form. The demo Discourse forum is served on 127.0.0.1 under its own URLs, with
`[feeds.posting]` for it in feeds.toml."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from cmtui.config import Config, parse
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.sync import run_sync
from cmtui.ui.app import CmtuiApp, make_app

from ..test_posting import allow_post, assert_no_form, read_json, send_json
from .conftest import FIXED, SIZE, Clock
from .test_app import notifications, settle, workers_done
from .test_replies import area, drafts, reply_to

MOKA = "Which setting for a moka pot?"
USER = "acme_support"


@dataclass
class Forum:
    server: FeedServer
    config: Config
    db_path: Path
    clock: Clock

    def app(self) -> CmtuiApp:
        return make_app(self.config, self.db_path, now=self.clock)


@pytest.fixture
def forum(tmp_path: Path, clock: Clock) -> Iterator[Forum]:
    with FeedServer() as server:
        for doc in sites.documents(server.base_url, FIXED):
            if doc.path.startswith(sites.FORUM_ROOT):
                server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
        feed = sites.DemoFeed(f"{server.base_url}{sites.FORUM_ROOT}/latest.rss", sites.FORUM_NAME, "forum", ())
        text = sites.config_toml([feed]) + (
            f'\n[feeds.posting]\ntype = "discourse"\nsite = "{server.base_url}{sites.FORUM_ROOT}"\n'
            f'user = "{USER}"\nsecret_env = "CMTUI_TEST_DISCOURSE_KEY"\n\n[ui]\nsync_every = 0\n')
        config = parse(text, tmp_path / "feeds.toml")
        db_path = tmp_path / "cmtui.db"
        store = Store.open(db_path)
        try:
            assert not run_sync(config, store).failed
        finally:
            store.close()
        yield Forum(server, config, db_path, clock)


async def post_from_the_editor(forum: Forum) -> tuple[list[str], str]:
    """r on the moka pot topic, a reply, ctrl+s: the notifications and the draft's stored error."""
    app = forum.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, MOKA)
        area(app).insert("Use the third setting from the finest, then adjust.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot)
        shown = notifications(app)
    [draft] = drafts(forum.db_path)
    assert draft["state"] == "draft"
    return shown, str(draft["error"])


@pytest.mark.parametrize("key", ["9f8e7d6c5b4a3f2e\n1d0c9b8a7f6e5d4c", "9f8e7d6c5b4a3f2e\r\n1d0c\t9b8a7f6e5d4c"])
async def test_a_secret_with_a_newline_stays_out_of_the_notification_and_the_draft(
        forum: Forum, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """h11 refuses the Api-Key header and quotes it (as a bytes repr) in its error."""
    monkeypatch.setenv("CMTUI_TEST_DISCOURSE_KEY", key)
    shown, stored = await post_from_the_editor(forum)
    [told] = [n for n in shown if n.startswith("Not posted: ")]
    assert "•••" in told and "•••" in stored
    for error in (told, stored):
        assert_no_form(error, USER, key)


async def test_a_very_short_secret_hides_the_whole_error_in_the_app(forum: Forum,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_TEST_DISCOURSE_KEY", "q7z")

    def echo(req: BaseHTTPRequestHandler) -> None:
        read_json(req)
        send_json(req, 403, {"errors": [f"invalid key q7z for {USER}"]})

    allow_post(forum.server)
    forum.server.handle(f"{sites.FORUM_ROOT}/posts.json", echo)
    shown, stored = await post_from_the_editor(forum)
    [told] = [n for n in shown if n.startswith("Not posted: ")]
    for error in (told, stored):
        assert "q7z" not in error.lower() and "details are hidden" in error
