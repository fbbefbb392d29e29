"""Drafts in the store, saved replies with variables, hand-off URLs, pending replies cleared by a sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from sqlite3 import Row

import pytest

import cmtui.sync
from cmtui.config import Config
from cmtui.demo.server import FeedServer
from cmtui.demo.sites import WP_COMMENTS, WP_POSTS, WordPressSite, WpComment
from cmtui.replies import ReplyContext, fill, handoff_url, load_templates
from cmtui.store import Store
from cmtui.triage import inbox, refresh

from .helpers import query_one, sync, write_config

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CONTEXT = ReplyContext(author="Rachel Kim", post_title="Introducing the Acme Burr One", feed_name="Acme Blog",
                       our_name="Acme Support", message="It arrived cracked.\nI want a refund.")


def test_template_with_every_variable() -> None:
    template = ("Hi {first_name} ({author}), about \"{post_title}\" on {feed_name}:\n{quote}\n\n"
                "We're on it. — {our_name}")
    assert fill(template, CONTEXT) == (
        'Hi Rachel (Rachel Kim), about "Introducing the Acme Burr One" on Acme Blog:\n'
        "> It arrived cracked.\n> I want a refund.\n\nWe're on it. — Acme Support")


def test_missing_or_broken_variables_stay_visible() -> None:
    assert fill("Hi {first_name}, order {order_number} {", CONTEXT) == "Hi Rachel, order {order_number} {"
    assert fill("Hi {first_name}", ReplyContext()) == "Hi {first_name}"  # empty value: left for the user
    assert fill("{0} {} {{x}} %s", CONTEXT) == "{0} {} {{x}} %s"


def test_first_name_from_handles() -> None:
    assert ReplyContext(author="@brewlab_sofia").variables()["first_name"] == "brewlab"
    assert ReplyContext(author="pourover.paul").variables()["first_name"] == "pourover"


def test_templates_from_config_and_folder(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "refund.txt").write_text("Hi {first_name}, refunds take 5 days.\n")
    (folder / "thanks.md").write_text("Thank you {first_name}!")
    (folder / "notes.bak").write_text("ignored")
    found = load_templates({"thanks": "Thanks!", "welcome": "Welcome {first_name}"}, folder)
    assert found == {"thanks": "Thank you {first_name}!", "welcome": "Welcome {first_name}",
                     "refund": "Hi {first_name}, refunds take 5 days."}
    assert load_templates({"a": "b"}, tmp_path / "missing") == {"a": "b"}


def test_handoff_urls() -> None:
    post = "https://blog.example.com/2026/11/burr-one/"
    assert handoff_url("wordpress", post, post + "#comment-1192") == post + "?replytocom=1192#respond"
    assert handoff_url("wordpress", post, post) == post + "#respond"
    topic = "https://forum.example.com/t/noise/1186"
    assert handoff_url("discourse", topic, topic + "/2") == topic + "/2"
    assert handoff_url("blogger", "https://x.blogspot.com/p.html", None) == "https://x.blogspot.com/p.html"
    assert handoff_url("wordpress", "javascript:alert(1)", "javascript:alert(2)") is None


def test_fediverse_handoff_opens_the_post_on_our_own_server() -> None:
    """A reply to a fediverse post is written on our own server (`[identity] home`), where we are logged in, not
    on the author's; without `home`, the post's own page."""
    status = "https://other.example/@bob/113500000000000001"
    assert handoff_url(None, None, status) == status
    assert handoff_url(None, None, status, "https://mastodon.social") == (
        "https://mastodon.social/authorize_interaction?uri=https%3A%2F%2Fother.example%2F%40bob%2F113500000000000001")
    lemmy = "https://lemmy.world/post/4242"
    assert handoff_url(None, lemmy, None, "https://lemmy.ml/search?q={uri}&type=All") == (
        "https://lemmy.ml/search?q=https%3A%2F%2Flemmy.world%2Fpost%2F4242&type=All")
    for post in ("https://misskey.io/notes/9xyz", "https://akkoma.example/notice/AbC12"):
        assert handoff_url(None, None, post, "https://mastodon.social").startswith("https://mastodon.social/")
    blog = "https://blog.example.com/2026/11/burr-one/"  # not the fediverse: unchanged
    assert handoff_url("wordpress", blog, blog + "#comment-1", "https://mastodon.social") == (
        blog + "?replytocom=1#respond")
    assert handoff_url(None, None, "javascript:alert(1)//@x/1", "https://mastodon.social") is None


def test_drafts_are_saved_updated_listed_and_discarded(db: str | Path, tmp_path: Path) -> None:
    store = Store.open(db)
    with store.transaction():
        feed = store.ensure_feed("https://blog.example.com/feed/", name="Blog")
        store.conn.execute("INSERT INTO conversations(id, feed_id, title, created_at) VALUES (1, ?, 'Hello', 'x')",
                           [feed.id])
        first = store.save_draft(1, None, "Hi")
        again = store.save_draft(1, None, "Hi there")
    assert first == again
    store.close()
    store = Store.open(db)  # a new process: still there
    draft = store.draft_for(1, None)
    assert draft is not None and draft.body == "Hi there"
    assert [d.id for d in store.open_drafts()] == [first]
    with store.transaction():
        store.set_draft_state(first, "discarded")
        second = store.save_draft(1, None, "Start over")
    assert second != first and store.draft_for(1, None).body == "Start over"  # type: ignore[union-attr]
    store.close()


OUR_REPLY = "Not yet, it's coming in 2.5!"
# our reply to Olivia, as the feed shows it once posted
OURS = WpComment(1301, 458, "Acme Support", timedelta(minutes=1), (OUR_REPLY,), parent=1242)


def publish(server: FeedServer, comments: tuple[WpComment, ...]) -> None:
    """The demo WordPress blog with these comments."""
    for doc in WordPressSite(server.base_url, NOW, posts=WP_POSTS, comments=comments).render():
        server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)


def handed_off(server: FeedServer, tmp_path: Path) -> tuple[Config, Path, Row, int]:
    """The blog synced, and a reply to Olivia's comment handed off: (config, store file, her message, draft)."""
    publish(server, WP_COMMENTS)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/acme-blog/feed/"), "name": "Acme Blog"}])
    db = tmp_path / "db.sqlite"
    sync(config, db)
    store = Store.open(db)
    olivia = query_one(store, "SELECT id, conversation_id FROM messages WHERE author = 'Olivia Brooks'")
    assert olivia is not None
    with store.transaction():
        draft = store.save_draft(olivia["conversation_id"], olivia["id"], OUR_REPLY)
        store.set_draft_state(draft, "pending")
    store.close()
    return config, db, olivia, draft


def test_handoff_marks_pending_and_a_later_sync_clears_it(server: FeedServer, tmp_path: Path) -> None:
    config, db, olivia, draft = handed_off(server, tmp_path)
    store = Store.open(db)
    item = next(i for i in inbox(store, config) if i.id == olivia["conversation_id"])
    assert item.reasons[0] == "reply pending" and item.needs_reply
    store.close()
    # Someone else comments: still pending. Then our reply shows up in the feed: sent.
    other = WpComment(1300, 458, "Somebody", timedelta(minutes=3), ("Me too",))
    publish(server, (*WP_COMMENTS, other))
    sync(config, db)
    store = Store.open(db)
    assert store.draft(draft).state == "pending"  # type: ignore[union-attr]
    store.close()
    publish(server, (*WP_COMMENTS, other, OURS))
    sync(config, db)
    store = Store.open(db)
    done = store.draft(draft)
    assert done is not None and done.state == "sent" and done.sent_message_id is not None
    assert query_one(store, "SELECT answered_at FROM messages WHERE id = ?", [olivia["id"]])["answered_at"]  # type: ignore[index]
    store.close()


def test_a_reader_that_summarises_before_the_sync_still_marks_the_reply_sent(
        server: FeedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app refreshes the store while a sync runs and summarises what the sync left dirty before the sync
    gets to it: the hand-off that came through is marked sent all the same."""
    config, db, _olivia, draft = handed_off(server, tmp_path)
    publish(server, (*WP_COMMENTS, OURS))
    monkeypatch.setattr(cmtui.sync, "summarise_dirty", lambda *a: set())  # the sync stores, summarises nothing
    sync(config, db)
    store = Store.open(db)
    assert store.dirty_ids() and store.draft(draft).state == "pending"  # type: ignore[union-attr]
    refresh(store, config)  # what the app's worker does before it reads: it summarises the dirty conversations
    assert store.draft(draft).state == "sent"  # type: ignore[union-attr]
    store.close()
