"""Reply trees in the sync: a Mastodon tag feed and a Bluesky profile feed served from 127.0.0.1, their statuses'
context (Mastodon's API) and their posts' threads (a loopback AppView) served as the documented JSON. Replies no feed
carries reach the inbox in their conversation, under their parents; our reply (by handle) answers them and clears a
pending hand-off; an unchanged tree costs one 304; 429, deleted posts and the per-host share are honoured."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from cmtui import social
from cmtui.config import Config, ConfigError, SyncConfig, parse
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import inbox

from .helpers import query, query_one, sync, write_config
from .test_social import JSON, at, did, skeet, thread_path, toot

NOW = datetime.now(UTC).replace(microsecond=0)  # the sync's clock is the real one: "recent" is relative to it


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def created(when: datetime) -> str:
    """A date as Mastodon's and Bluesky's APIs write it."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- Mastodon -------------------------------------------------------------------------------------------------


def tag_rss(statuses: list[dict[str, Any]]) -> str:
    """/tags/acmegrinder.rss as Mastodon 4.x writes it: each item a status, its web address as guid and link, no
    author (the address names the account)."""
    items = "".join(
        f"""<item><guid isPermaLink="true">{escape(s["url"])}</guid><link>{escape(s["url"])}</link>
<pubDate>{format_datetime(datetime.fromisoformat(s["created_at"]))}</pubDate>
<description>{escape(s["content"])}</description><category>acmegrinder</category></item>"""
        for s in statuses)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>#acmegrinder</title><description>Public posts tagged #acmegrinder</description>
<link>https://mastodon.example/tags/acmegrinder</link><generator>Mastodon v4.3.2</generator>{items}</channel></rss>"""


def status(server: FeedServer, sid: str, user: str, content: str, hours: float, *, reply_to: str | None = None,
           remote_id: str | None = None) -> dict[str, Any]:
    """A status by `user` (shown by that name, capitalised), `hours` old, as the API gives it."""
    return toot(server.base_url, sid, user, f"<p>{escape(content)}</p>", reply_to=reply_to, remote_id=remote_id,
                created=created(ago(hours)), display=user.capitalize())


def serve_tree(server: FeedServer, root: dict[str, Any], descendants: list[dict[str, Any]]) -> None:
    """`GET /api/v1/statuses/<id>` and its `/context` for the status `root`, on the server it lives on."""
    server.set(f"/api/v1/statuses/{root['id']}", json.dumps(root), content_type=JSON)
    server.set(f"/api/v1/statuses/{root['id']}/context",
               json.dumps({"ancestors": [], "descendants": descendants}), content_type=JSON)


def context_hits(server: FeedServer) -> list[str]:
    return [h.path for h in server.hits if h.path.startswith("/api/v1/statuses/") and h.path.endswith("/context")]


def mastodon_config(server: FeedServer, tmp_path: Path, sync_keys: str = "") -> Config:
    return write_config(tmp_path / "feeds.toml", [{"url": server.url("/tags/acmegrinder.rss"), "name": "#acme"}],
                        handles=(f"@acme_cm@{server.base_url.removeprefix('http://')}",),
                        extra=f"\n[sync]\n{sync_keys}\n")


def by_author(store: Store) -> dict[str, Any]:
    return {r["author"]: r for r in query(store, "SELECT m.*, p.author AS parent_author FROM messages m "
                                                 "LEFT JOIN messages p ON p.id = m.parent_id")}


def test_replies_no_feed_carries_reach_the_inbox_and_our_reply_answers_them(server: FeedServer,
                                                                             tmp_path: Path) -> None:
    bob = status(server, "1001", "bob", "My #acmegrinder jams every morning, is there a fix?", 5)
    carol = status(server, "1002", "carol", "Same here, mine squeaks too.", 4, reply_to="1001", remote_id="77")
    dave = status(server, "1003", "dave", "@carol did you try cleaning the burrs?", 3, reply_to="1002")
    server.set("/tags/acmegrinder.rss", tag_rss([bob]))
    serve_tree(server, bob, [carol, dave])
    config = mastodon_config(server, tmp_path)
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.feeds[0].comment_feeds == 1 and report.new == 3
    with Store.open(db) as store:
        msgs = by_author(store)
        assert set(msgs) == {"@bob", "Carol", "Dave"}  # the feed's copy of bob's status came first: no name
        assert len({m["conversation_id"] for m in msgs.values()}) == 1  # the conversation the feed's copy started
        assert (msgs["Carol"]["parent_author"], msgs["Dave"]["parent_author"]) == ("@bob", "Carol")
        assert msgs["Carol"]["account"] == "carol@other.example" and msgs["@bob"]["is_post"] == 1
        assert msgs["Carol"]["url"] == "https://other.example/@carol/77"
        item = next(i for i in inbox(store, config) if i.id == msgs["@bob"]["conversation_id"])
        assert item.unanswered == 3 and item.messages == 3
        tree = store.feed_at(server.url("/api/v1/statuses/1001/context"))
        feed = store.feed_at(config.feeds[0].url)
        assert tree is not None and feed is not None and tree.parent_id == feed.id and not tree.configured
        assert (tree.platform, tree.role, tree.error_count) == ("mastodon", "comments", 0) and tree.etag
        # We hand a reply to carol off to the fediverse: pending until a message of ours shows up.
        with store.transaction():
            draft = store.save_draft(msgs["Carol"]["conversation_id"], msgs["Carol"]["id"], "Try a reset.")
            store.set_draft_state(draft, "pending")
    ours = status(server, "1004", "acme_cm", "@carol @dave sorry! A reset fixes it: hold the dial 10 s.", 1,
                  reply_to="1002")
    serve_tree(server, bob, [carol, dave, ours])
    assert sync(config, db).new == 1
    with Store.open(db) as store:
        msgs = by_author(store)
        assert msgs["Acme_cm"]["is_ours"] == 1 and msgs["Acme_cm"]["parent_author"] == "Carol"
        assert inbox(store, config) == []  # our reply answers carol and dave (its thread) and the post
        done = store.draft(draft)
        assert done is not None and done.state == "sent" and done.sent_message_id == msgs["Acme_cm"]["id"]
    server.reset_hits()
    again = sync(config, db)
    assert again.new == 0 and not again.failed
    # Unchanged: one conditional request, answered 304, and the status itself is not asked for.
    asked = [h for h in server.hits if h.path.startswith("/api/")]
    assert [(h.path, h.status) for h in asked] == [("/api/v1/statuses/1001/context", 304)]
    assert asked[0].headers.get("if-none-match")


def test_a_reply_in_the_feed_brings_its_root_and_then_the_root_is_asked(server: FeedServer,
                                                                         tmp_path: Path) -> None:
    """The tag feed shows kim's reply, not bob's post it answers: kim's tree brings the post and lee's answer into
    kim's conversation, which the post then names; from then on the tree asked is the post's, which holds every
    reply (a reply's context holds only its own branch)."""
    bob = status(server, "1001", "bob", "Is the firmware out?", 5)
    kim = status(server, "1011", "kim", "Same question #acmegrinder", 4, reply_to="1001")
    lee = status(server, "1012", "lee", "Not yet, they said Friday.", 3, reply_to="1011")
    server.set("/tags/acmegrinder.rss", tag_rss([kim]))
    server.set("/api/v1/statuses/1011", json.dumps(kim), content_type=JSON)
    server.set("/api/v1/statuses/1011/context", json.dumps({"ancestors": [bob], "descendants": [lee]}),
               content_type=JSON)
    serve_tree(server, bob, [kim, lee])
    config = mastodon_config(server, tmp_path)
    db = tmp_path / "db.sqlite"
    assert sync(config, db).new == 3
    assert context_hits(server) == ["/api/v1/statuses/1011/context"]
    with Store.open(db) as store:
        msgs = by_author(store)
        # kim's status, stored from the tag feed alone, is described by the tree's copy, which knows its parent
        # and kim's display name
        assert len({m["conversation_id"] for m in msgs.values()}) == 1 and msgs["Lee"]["parent_author"] == "Kim"
        assert msgs["Kim"]["parent_author"] == "Bob"
        conversation = query_one(store, "SELECT title, root_id FROM conversations")
        assert conversation["root_id"] == msgs["Bob"]["id"] and conversation["title"] == "Is the firmware out?"
    server.reset_hits()
    sync(config, db)
    assert context_hits(server) == ["/api/v1/statuses/1001/context"]


def test_a_rate_limited_host_is_not_asked_again_in_that_sync(server: FeedServer, tmp_path: Path) -> None:
    statuses = [status(server, str(1001 + i), f"user{i}", f"#acmegrinder question {i}", 5 - i) for i in range(2)]
    server.set("/tags/acmegrinder.rss", tag_rss(statuses))
    for s in statuses:
        server.set(f"/api/v1/statuses/{s['id']}/context", '{"error": "Too many requests"}', status=429,
                   content_type=JSON, headers={"Retry-After": "600"}, validators=False)
    config = mastodon_config(server, tmp_path, "per_host = 1")  # one at a time: the second waits for the first
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    first = context_hits(server)
    assert len(first) == 1  # the 429 stops the other tree on that host
    assert report.feeds[0].comment_errors == [f"{server.url(first[0])}: HTTP 429 Too Many Requests"]
    with Store.open(db) as store:
        row = store.feed_at(server.url(first[0]))
        assert row is not None and row.last_status == 429 and row.next_attempt is not None
        assert row.next_attempt > (NOW + timedelta(seconds=500)).strftime("%Y-%m-%dT%H:%M:%SZ")
    server.reset_hits()
    sync(config, db, force=True)  # the next sync asks the other one; the first waits for its Retry-After
    second = context_hits(server)
    assert len(second) == 1 and second != first


def test_threads_per_host_zero_asks_no_api(server: FeedServer, tmp_path: Path) -> None:
    bob = status(server, "1001", "bob", "#acmegrinder jams", 5)
    server.set("/tags/acmegrinder.rss", tag_rss([bob]))
    serve_tree(server, bob, [status(server, "1002", "carol", "me too", 4, reply_to="1001")])
    db = tmp_path / "db.sqlite"
    report = sync(mastodon_config(server, tmp_path, "threads_per_host = 0"), db)
    assert report.new == 1 and report.feeds[0].comment_feeds == 0
    assert not [h for h in server.hits if h.path.startswith("/api/")]


def test_threads_per_host_takes_turns(server: FeedServer, tmp_path: Path) -> None:
    """With a share of one tree per host and sync, the tree never asked comes first the next time."""
    statuses = [status(server, str(1001 + i), f"user{i}", f"#acmegrinder question {i}", 5 - i) for i in range(2)]
    server.set("/tags/acmegrinder.rss", tag_rss(statuses))
    for s in statuses:
        serve_tree(server, s, [])
    config = mastodon_config(server, tmp_path, "threads_per_host = 1")
    db = tmp_path / "db.sqlite"
    asked = []
    for _ in range(3):
        server.reset_hits()
        sync(config, db)
        asked.append(context_hits(server))
    assert [len(a) for a in asked] == [1, 1, 1]
    assert {asked[0][0], asked[1][0]} == {"/api/v1/statuses/1001/context", "/api/v1/statuses/1002/context"}
    assert asked[2] == asked[0]  # then round again


def test_a_deleted_post_is_not_asked_again(server: FeedServer, tmp_path: Path) -> None:
    bob = status(server, "1001", "bob", "#acmegrinder jams", 5)
    server.set("/tags/acmegrinder.rss", tag_rss([bob]))  # its context is not served: 404, as for a deleted status
    config = mastodon_config(server, tmp_path)
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert context_hits(server) == ["/api/v1/statuses/1001/context"]
    assert not report.failed  # posts get deleted: not a failure of the sync
    with Store.open(db) as store:
        row = store.feed_at(server.url("/api/v1/statuses/1001/context"))
        assert row is not None and row.gone_at and row.last_status == 404
    server.reset_hits()
    assert not sync(config, db, force=True).failed
    assert context_hits(server) == []


def test_old_posts_are_asked_only_while_their_conversation_is_active(server: FeedServer, tmp_path: Path) -> None:
    """`comments_days` = 2: a 10-day-old status whose tree got a reply yesterday is still asked; one whose last
    reply is 9 days old is not."""
    lively = status(server, "1001", "bob", "#acmegrinder old question", 240)
    quiet = status(server, "2001", "kim", "#acmegrinder older question", 240)
    server.set("/tags/acmegrinder.rss", tag_rss([lively, quiet]))
    serve_tree(server, lively, [status(server, "1002", "carol", "still broken here", 24, reply_to="1001")])
    serve_tree(server, quiet, [status(server, "2002", "dave", "fixed for me", 216, reply_to="2001")])
    db = tmp_path / "db.sqlite"
    sync(mastodon_config(server, tmp_path, "comments_days = 30"), db)
    assert sorted(context_hits(server)) == ["/api/v1/statuses/1001/context", "/api/v1/statuses/2001/context"]
    server.reset_hits()
    sync(mastodon_config(server, tmp_path, "comments_days = 2"), db)
    assert context_hits(server) == ["/api/v1/statuses/1001/context"]


# -- Bluesky --------------------------------------------------------------------------------------------------

OUR_POST = at("acme", "3kpost")


def profile_rss() -> str:
    """A Bluesky profile feed (/profile/<handle>/rss): the channel names the account, items link to the post by
    DID, guids are at:// URIs, no titles."""
    link = f"https://bsky.app/profile/{did('acme')}/post/3kpost"
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<title>@acme.bsky.social - Acme Coffee</title><link>https://bsky.app/profile/acme.bsky.social</link>
<description>Grinders and brewers.</description>
<item><link>{link}</link><description>Firmware 2.5 is out: quieter burrs, faster dosing.</description>
<pubDate>{format_datetime(ago(6))}</pubDate><guid isPermaLink="false">{OUR_POST}</guid></item>
</channel></rss>"""


def bluesky_tree(*, answered: bool) -> dict[str, Any]:
    """Our post, jo's question under it, and (when `answered`) our answer to jo."""
    ours = [skeet("acme", "3kanswer", "Yes, it does: update from the app.", parent=at("jo", "3kjo"), root=OUR_POST,
                  handle="acme.bsky.social", display="Acme Coffee", created=created(ago(1)), replies=[])]
    jo = skeet("jo", "3kjo", "Does it fix the squeak on the Burr One?", parent=OUR_POST, root=OUR_POST,
               handle="jo.bsky.social", display="Jo", created=created(ago(3)), replies=ours if answered else [])
    return {"thread": skeet("acme", "3kpost", "Firmware 2.5 is out: quieter burrs, faster dosing.",
                            handle="acme.bsky.social", display="Acme Coffee", created=created(ago(6)), replies=[jo])}


def test_bluesky_replies_reach_the_inbox_through_the_appview(server: FeedServer, tmp_path: Path) -> None:
    server.set("/profile/acme.bsky.social/rss", profile_rss())
    server.set(thread_path(OUR_POST), json.dumps(bluesky_tree(answered=False)), content_type=JSON)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/profile/acme.bsky.social/rss")}],
                          handles=("@acme.bsky.social",), extra=f"\n[sync]\nbluesky_appview = \"{server.base_url}\"\n")
    assert config.feeds[0].kind == "mentions"
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.new == 2
    with Store.open(db) as store:
        msgs = by_author(store)
        assert msgs["Jo"]["parent_author"] == "Acme Coffee" and msgs["Jo"]["uid"] == at("jo", "3kjo")
        assert msgs["Acme Coffee"]["is_ours"] == 1 and msgs["Jo"]["account"] == "jo.bsky.social@bsky.app"
        assert msgs["Jo"]["conversation_id"] == msgs["Acme Coffee"]["conversation_id"]
        assert [i.latest.author for i in inbox(store, config)] == ["Jo"]
        tree = store.feed_at(server.url(thread_path(OUR_POST)))
        assert tree is not None and tree.platform == "bluesky" and tree.etag
    server.set(thread_path(OUR_POST), json.dumps(bluesky_tree(answered=True)), content_type=JSON)
    assert sync(config, db).new == 1
    with Store.open(db) as store:
        assert by_author(store)["Acme Coffee"]["is_ours"] == 1
        assert inbox(store, config) == []
    server.reset_hits()
    sync(config, db)
    assert [(h.path, h.status) for h in server.hits if h.path.startswith("/xrpc/")] == [(thread_path(OUR_POST), 304)]


# -- configuration --------------------------------------------------------------------------------------------


def test_sync_keys_for_reply_trees() -> None:
    assert SyncConfig().bluesky_appview == social.BLUESKY_APPVIEW and SyncConfig().threads_per_host == 20
    config = parse('[sync]\nthreads_per_host = 0\nbluesky_appview = "https://appview.example/"\n', Path("f.toml"))
    assert (config.sync.threads_per_host, config.sync.bluesky_appview) == (0, "https://appview.example")
    for text, key in (('[sync]\nbluesky_appview = "ftp://x.example"\n', "sync.bluesky_appview"),
                      ("[sync]\nthreads_per_host = -1\n", "sync.threads_per_host")):
        with pytest.raises(ConfigError) as err:
            parse(text, Path("f.toml"))
        assert err.value.key == key
