"""A reply chain thousands deep (each comment answers the one before, as Atom's thr:in-reply-to says) served
on 127.0.0.1, synced into a real store and opened in the app: no walk over feed data may recurse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pytest

from cmtui.config import Config
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.ui.app import make_app
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.widgets.thread_view import MAX_DEPTH, PAGE, MessageCard, ThreadView

from ..helpers import query, sync, write_config
from .conftest import FIXED, SIZE
from .test_app import settle

DEPTH = 3000
ATOM = "application/atom+xml; charset=UTF-8"
POST_URL = "http://blog.test/2026/11/the-long-argument.html"


def atom(title: str, entries: list[str]) -> str:
    return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:thr='http://purl.org/syndication/thread/1.0'>"
            f"<id>tag:blog.test,2026:{escape(title)}</id><title>{escape(title)}</title>"
            f"<updated>{FIXED.isoformat()}</updated>" + "".join(entries) + "</feed>")


def entry(uid: str, url: str, author: str, body: str, minutes_ago: int, reply_to: str | None = None) -> str:
    when = (FIXED - timedelta(minutes=minutes_ago)).isoformat()
    reply = (f"<thr:in-reply-to ref={quoteattr(reply_to)} href={quoteattr(POST_URL)} type='text/html'/>"
             if reply_to else "")
    return (f"<entry><id>{uid}</id><published>{when}</published><updated>{when}</updated>"
            f"<title>{escape(body[:40])}</title><content type='html'>{escape('<p>' + body + '</p>')}</content>"
            f"<link rel='alternate' type='text/html' href={quoteattr(url)}/>"
            f"<author><name>{escape(author)}</name></author>{reply}</entry>")


def serve_chain(server: FeedServer) -> None:
    post = entry("tag:blog.test,2026:post-1", POST_URL, "Kim", "Which grinder setting for espresso?", DEPTH + 60)
    comments = []
    for i in range(1, DEPTH + 1):
        parent = "tag:blog.test,2026:post-1" if i == 1 else f"tag:blog.test,2026:c{i - 1}"
        author = "Acme Support" if i % 10 == 9 else ("Ann" if i % 2 else "Bob")
        comments.append(entry(f"tag:blog.test,2026:c{i}", f"{POST_URL}?showComment={i}#c{i}", author,
                              f"Reply number {i} in the chain", DEPTH + 30 - i, reply_to=parent))
    server.set("/posts.atom", atom("The long argument blog", [post]), content_type=ATOM)
    server.set("/comments.atom", atom("Comments", comments[::-1]), content_type=ATOM)


@pytest.fixture
def chain(server: FeedServer, tmp_path: Path) -> tuple[Config, Path]:
    """The chain synced into a store (outside the test's event loop: the sync runs its own)."""
    serve_chain(server)
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url("/posts.atom"), "name": "Blog", "follow_comments": False},
        {"url": server.url("/comments.atom"), "name": "Blog comments", "follow_comments": False}],
        extra="\n[ui]\nsync_every = 0\n[sync]\nmax_body_mb = 50\n")
    db = tmp_path / "cmtui.db"
    report = sync(config, db)
    assert not report.failed, report.failed
    store = Store.open(db)
    try:
        [conversation] = query(store, "SELECT id FROM conversations")
        assert len(store.messages(conversation["id"])) == DEPTH + 1
    finally:
        store.close()
    return config, db


async def test_a_3000_deep_reply_chain_opens(chain: tuple[Config, Path]) -> None:
    config, db = chain
    app = make_app(config, db, now=FIXED)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        messages = app.screen.messages
        assert [m.depth for m in messages] == list(range(DEPTH + 1))  # the post, then one reply under another
        assert [m.text for m in messages[1:3]] == ["Reply number 1 in the chain", "Reply number 2 in the chain"]
        assert messages[-1].unanswered and messages[-2].is_ours  # 3000 by Bob waits; 2999 is ours
        assert not any(m.unanswered for m in messages[:-1])
        thread = app.screen.query_one(ThreadView)
        cards = thread.cards  # one page of cards is mounted: the one with the message waiting for a reply
        assert 0 < len(cards) <= PAGE and cards[-1].message.id == messages[-1].id
        assert cards[-1].has_class(f"-depth-{MAX_DEPTH}")
        assert app.screen.focused is cards[-1]
        await pilot.press("g")
        await settle(pilot)
        assert thread.cards[0].message.id == messages[0].id and app.screen.focused is thread.cards[0]
        await pilot.press("G")
        await settle(pilot)
        assert isinstance(app.screen.focused, MessageCard) and app.screen.focused.message.id == messages[-1].id
