""""Done after that message" (and "muted, unless a later message names us") by the order in which cmtui saw
things, not by wall clocks: a done mark written while the clock ran ahead must not hide the messages that come
after it once the clock is set back. Real feeds from 127.0.0.1, real stores."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import Config
from cmtui.demo.server import FeedServer
from cmtui.demo.sites import WordPressSite, WpComment, WpPost
from cmtui.store import Store, stamp, utc_now
from cmtui.triage import inbox

from .helpers import query, query_one, sync, write_config

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
POSTS = [WpPost(n, f"post-{n}", f"Post {n}", "Acme Support", timedelta(days=3), "News", ("Hello",))
         for n in (1, 2, 3)]
FIRST = [WpComment(10 + n, n, f"customer{n}", timedelta(days=1), ("Is the grinder broken?",)) for n in (1, 2, 3)]
LATER = [WpComment(20 + n, n, f"customer{n}", timedelta(hours=1), ("Acme Support, it broke again",))
         for n in (1, 2, 3)]


def serve(server: FeedServer, comments: list[WpComment]) -> None:
    for doc in WordPressSite(server.base_url, NOW, posts=POSTS, comments=comments).render():
        server.set(doc.path, doc.body, content_type=doc.content_type)


def waiting(config: Config, db: Path) -> dict[str, bool]:
    store = Store.open(db)
    try:
        return {i.title: i.needs_reply for i in inbox(store, config, include_answered=True, now=NOW)}
    finally:
        store.close()


def test_a_mark_made_while_the_clock_ran_ahead_still_reopens_on_a_new_message(server: FeedServer,
                                                                                tmp_path: Path) -> None:
    serve(server, FIRST)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/acme-blog/feed/")}])
    db = tmp_path / "db.sqlite"
    sync(config, db)
    assert waiting(config, db) == {"Post 1": True, "Post 2": True, "Post 3": True}
    ids = {r["title"]: r["id"] for r in query(Store.open(db), "SELECT id, title FROM conversations")}
    args = ["--config", str(config.path), "--db", str(db)]

    # Post 1: `cmtui done` while the clock ran a day ahead (its done_at is what that clock said).
    assert CliRunner().invoke(cli, ["done", str(ids["Post 1"]), *args]).exit_code == 0
    ahead = utc_now() + timedelta(days=1)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE conversation_state SET done_at = ? WHERE conversation_id = ?",
                     [stamp(ahead), ids["Post 1"]])
    conn.close()
    # Post 2 done and Post 3 muted by the app, with that clock.
    store = Store.open(db)
    with store.transaction():
        store.mark_done(ids["Post 2"], when=ahead)
        store.mute(ids["Post 3"], when=ahead)
    store.close()
    assert waiting(config, db) == {"Post 1": False, "Post 2": False, "Post 3": False}

    # The clock is set back to the right time; new comments come, the muted one's naming us: seen "before" the
    # marks by the clock, after them by the order cmtui saw things.
    serve(server, FIRST + LATER)
    assert sync(config, db).new == 3
    assert waiting(config, db) == {"Post 1": True, "Post 2": True, "Post 3": True}
    store = Store.open(db)
    late = query_one(store, "SELECT max(seen_at) AS seen, min(seen_seq) AS seq FROM messages "
                            "WHERE author LIKE 'customer%' AND text LIKE '%broke again%'")
    marks = query_one(store, "SELECT min(done_at) AS done, max(done_seq) AS done_seq, max(muted_seq) AS muted_seq "
                             "FROM conversation_state")
    store.close()
    assert late is not None and marks is not None
    assert late["seen"] < marks["done"]  # by the wall clock, the new messages came before the marks
    assert late["seq"] > max(marks["done_seq"], marks["muted_seq"])  # in the order cmtui saw them, after

    # A mark made now covers them, and nothing seen before it reopens the conversation.
    assert CliRunner().invoke(cli, ["done", str(ids["Post 1"]), *args]).exit_code == 0
    assert sync(config, db).new == 0
    assert waiting(config, db)["Post 1"] is False


def test_a_store_from_before_the_sequence_keeps_its_marks(server: FeedServer, tmp_path: Path) -> None:
    """Migration m013 numbers the stored messages in the order they were seen and gives each mark and summary
    the sequence its times stood for: every conversation waits, or not, as it did."""
    serve(server, FIRST)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/acme-blog/feed/")}])
    db = tmp_path / "db.sqlite"
    sync(config, db)
    ids = {r["title"]: r["id"] for r in query(Store.open(db), "SELECT id, title FROM conversations")}
    store = Store.open(db)
    with store.transaction():
        store.mark_done(ids["Post 1"])  # done after its comment: stays done
        store.mute(ids["Post 3"])  # muted: the mention below reopens it
    store.close()
    serve(server, FIRST + [LATER[2]])
    sync(config, db)
    store = Store.open(db)
    with store.transaction():
        store.mark_done(ids["Post 2"], when=datetime(2000, 1, 1, tzinfo=UTC))  # done before any comment: waits
    store.close()
    before = waiting(config, db)
    assert before == {"Post 1": False, "Post 2": True, "Post 3": True}

    # The same store as the previous cmtui left it: no sequence anywhere, m013 not applied.
    conn = sqlite3.connect(db, isolation_level=None)
    for table, column in [("messages", "seen_seq"), ("conversation_state", "done_seq"),
                          ("conversation_state", "muted_seq"), ("conversation_summary", "unanswered_seen_seq"),
                          ("conversation_summary", "mention_seen_seq")]:
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("DELETE FROM meta WHERE key = 'seen_seq'")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm013_seen_seq'")
    conn.execute("PRAGMA user_version = 12")
    conn.close()

    store = Store.open(db)  # migrates
    seqs = [r[0] for r in store.conn.execute("SELECT seen_seq FROM messages ORDER BY seen_at, id")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert store.get_meta("seen_seq") == str(len(seqs))
    assert query_one(store, "SELECT count(*) FROM conversation_summary WHERE unanswered_seen_seq IS NULL")[0] == 0  # type: ignore[index]
    store.close()
    assert waiting(config, db) == before
    serve(server, FIRST + LATER)  # and the sequence goes on from there
    assert sync(config, db).new == 2
    assert waiting(config, db) == {"Post 1": True, "Post 2": True, "Post 3": True}
