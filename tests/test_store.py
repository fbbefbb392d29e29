"""The store on its own: search index filled on demand and kept exact on edits, people counted across feeds."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest

from cmtui.config import Config, FeedConfig
from cmtui.identity import Identity
from cmtui.parse import parse
from cmtui.store import Store, StoreError, utc_now
from cmtui.summaries import summarise_dirty
from cmtui.triage import Settings, inbox, inbox_json, inbox_json_chunks

from .helpers import query, query_one

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Forum</title><link>http://f.example/</link>
{items}</channel></rss>"""
ITEM = "<item><title>{t}</title><link>http://f.example/{i}</link><guid>http://f.example/{i}</guid>" \
       "<author>{a}</author><description>{d}</description></item>"


def save(store: Store, url: str, items: list[tuple[str, str, str]]) -> None:
    """One feed's items; an item's guid comes from its title."""
    body = FEED.format(items="".join(ITEM.format(i=t.replace(" ", "-"), t=t, a=a, d=d) for t, a, d in items))
    parsed = parse(body.encode(), url)
    with store.transaction():
        feed = store.ensure_feed(url, name=url)
        store.save(feed, parsed, kind="mentions", owner_id=feed.id, us=Identity())


def matches(store: Store, words: str) -> list[int]:
    return [r.id for r in store.conversations(view="all", search=words)]


def test_search_indexes_new_messages_when_asked_and_follows_edits(db: str | Path, tmp_path: Path) -> None:
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [("Grinder jammed", "ann", "The burrs jammed this morning")])
    summarise_dirty(store, Settings(Config(path=tmp_path / "x")))
    if store.dialect == "sqlite":  # PostgreSQL's index is kept as messages are written
        indexed = "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'burrs'"
        assert store.conn.execute(indexed).fetchone()[0] == 0  # a sync does not index: the first search does
    assert len(matches(store, "burrs jam")) == 1  # prefix match on the last word; indexed on demand
    save(store, "http://f.example/a.rss", [("Grinder jammed", "ann", "Fixed it: the hopper was loose")])
    summarise_dirty(store, Settings(Config(path=tmp_path / "x")))
    assert matches(store, "burrs") == [] and len(matches(store, "hopper")) == 1  # the edit replaced the old text
    assert matches(store, '"unbalanced') == []  # user input never breaks the query
    store.close()


def test_people_are_counted_once_per_message_across_feeds(db: str | Path, tmp_path: Path) -> None:
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [("One", "Ann", "hi"), ("Two", "ann ", "hello")])
    save(store, "http://f.example/b.rss", [("Three", "ANN", "hey")])
    save(store, "http://f.example/b.rss", [("Three", "ANN", "hey")])  # the same again: not counted twice
    row = query_one(store, "SELECT * FROM people WHERE name_norm = 'ann'")
    assert row is not None and row["messages"] == 3
    assert len(json.loads(row["feeds"])) == 2
    store.close()


def test_counts_and_first_pages_agree_with_the_whole_list(db: str | Path, tmp_path: Path) -> None:
    """What the app reads before its first paint: `limit` gives the head of the same order, and
    `count_conversations` the length of the whole list, in every view."""
    store = Store.open(db)
    save(store, "http://f.example/a.rss",
         [(f"Topic {n}", f"user{n % 4}", "It broke again, refund please?" if n % 3 == 0 else "Nice post")
          for n in range(12)])
    summarise_dirty(store, Settings(Config(path=Path("-"))))
    ids = [r.id for r in store.conversations(view="all")]
    with store.transaction():
        store.mark_done(ids[0])
        store.snooze(ids[1], None)
    for view in Store.VIEWS:
        whole = [r.id for r in store.conversations(view=view)]
        assert store.count_conversations(view=view) == (len(whole), sum(r.needs_reply for r in
                                                                        store.conversations(view=view))), view
        assert [r.id for r in store.conversations(view=view, limit=5)] == whole[:5], view
        assert [r.id for r in store.conversations(view=view, limit=0)] == whole, view  # 0: no limit
    waiting = store.conversations(view="needs_reply")
    assert len(waiting) == 11
    # the same order as the waiting rows of "all"
    assert [r.id for r in waiting] == [r.id for r in store.conversations(view="all") if r.needs_reply]
    assert store.count_conversations(view="all") == (12, 11)
    assert store.count_conversations(view="done") == (1, 0)
    assert [r.priority for r in waiting] == sorted((r.priority for r in waiting), reverse=True)
    config = Config(path=Path("-"))
    assert json.loads(inbox_json(store, config, limit=3)) == json.loads(inbox_json(store, config))[:3]
    store.close()


def test_a_summary_left_behind_is_listed_with_the_conversation_that_takes_its_id(db: str | Path,
                                                                                 tmp_path: Path) -> None:
    """Whatever was stored first: a summary left behind with no conversation (an interrupted store) is listed
    with the conversation that takes its id, before and after the sync summarises it."""
    store = Store.open(db)
    with store.transaction():
        store.conn.execute("INSERT INTO conversation_summary(conversation_id, messages, unanswered) VALUES (7, 1, 1)")
    save(store, "http://f.example/a.rss", [(f"Topic {i}", "ann", "Is the grinder broken?") for i in range(7)])
    # listed before the sync summarises (an app reading meanwhile): the old summary, with its new conversation's card
    config = Config(path=tmp_path / "x")
    [early] = json.loads(inbox_json(store, config, include_answered=True))
    assert early["id"] == 7 and early["title"].startswith("Topic") and early["feed"] == "http://f.example/a.rss"
    summarise_dirty(store, Settings(Config(path=tmp_path / "x")))
    listed = json.loads(inbox_json(store, config, include_answered=True))
    assert len(listed) == 7 and all(item["title"].startswith("Topic") for item in listed)
    store.close()


def test_a_store_from_before_m018_lists_the_same_objects_once_upgraded(tmp_path: Path) -> None:
    """Migration m018 drops the JSON cards the store kept for `inbox --json`: a store written before it lists the
    same objects, members in the same order, once upgraded."""
    import sqlite3

    from sqlite_utils import Database

    from cmtui.store.migrations import registry
    from cmtui.triage import inbox

    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    registry().apply(Database(conn), stop_before="m018_no_inbox_cards")
    # m019's, m020's, m021's: today's code uses them
    later = [("messages", "account"), ("conversation_state", "assigned_to"), ("drafts", "author")]
    for table, column in later:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
    conn.execute("CREATE TABLE replying (conversation_id INTEGER, who TEXT, since TEXT, heartbeat TEXT)")  # m021's
    old = Store(conn, path)
    save(old, "http://f.example/a.rss", [(f"Topic {i}", f"person {i}", "Is the grinder broken?") for i in range(7)])
    config = Config(path=tmp_path / "x", feeds=(FeedConfig("http://f.example/a.rss", kind="mentions"),))
    summarise_dirty(old, Settings(config))
    now = utc_now()
    done, snoozed, muted, drafted, pending, *_ = old.conversation_ids()
    with old.transaction():  # every kind of state: none, done, snoozed, muted (no mention), a draft, a hand-off
        old.mark_done(done)
        old.snooze(snoozed, now + timedelta(hours=3))
        old.mute(muted)
        old.save_draft(drafted, None, "Thanks, looking into it")
        old.set_draft_state(old.save_draft(pending, None, "Fixed in 2.1"), "pending")
    before = [item.to_json() for item in inbox(old, config, include_answered=True, now=now)]
    assert query_one(old, "SELECT count(*) FROM conversation_summary WHERE wait_card IS NULL")[0] == 0  # type: ignore[index]
    for table, column in later:  # as the store was before the later migrations add them
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("DROP TABLE replying")
    old.close()

    store = Store.open(path)
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(conversation_summary)")}
    assert not {"card", "wait_card"} & columns
    assert sorted(o["needs_reply"] for o in before) == [False] * 3 + [True] * 4
    after = json.loads(inbox_json(store, config, include_answered=True, now=now))
    assert after == before
    assert [list(o) for o in after] == [list(o) for o in before]  # members in the same order
    store.close()


def test_configured_feeds_are_written_and_read_back_together(db: str | Path, tmp_path: Path) -> None:
    """The sync writes and reads its configured feeds together: new feeds inserted, renamed or retagged ones
    updated, a feed first found through a post (not configured) taken over, the rows returned as stored."""
    store = Store.open(db)
    with store.transaction():
        store.ensure_feed("http://f.example/kept.rss", name="Kept", kind="forum", tags=["a"])
        store.ensure_feed("http://f.example/renamed.rss", name="Old name")
        parent = store.ensure_feed("http://f.example/posts.rss", name="Posts")
        store.ensure_feed("http://f.example/p/1/feed/", configured=False, parent_id=parent.id)
    wanted = [("http://f.example/kept.rss", "Kept", "forum", ["a"]),
              ("http://f.example/renamed.rss", "New name", "blog", ["b", "c"]),
              ("http://f.example/p/1/feed/", "", "blog", []),
              *((f"http://f{i}.example/feed/", f"Feed {i}", "blog", []) for i in range(1200))]  # several chunks
    with store.transaction():
        rows = store.ensure_configured_feeds([*wanted, wanted[1]])  # a URL twice: written once
    assert list(rows) == [url for url, *_ in wanted]
    stored = {row["url"]: row for row in query(store, "SELECT * FROM feeds")}
    assert len(stored) == 1204
    for url, name, kind, tags in wanted:
        assert dataclasses.asdict(rows[url]) == dict(stored[url])  # as stored after the writes
        assert (rows[url].name, rows[url].kind, json.loads(rows[url].tags), rows[url].configured) == \
            (name, kind, tags, 1)
    assert rows["http://f.example/p/1/feed/"].parent_id == parent.id  # taken over, its origin kept
    assert rows["http://f.example/kept.rss"].id == 1 and stored["http://f.example/posts.rss"]["name"] == "Posts"
    store.close()


def test_inbox_json_comes_in_pieces_and_a_failure_midway_is_a_store_error(db: str | Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`inbox --json` writes its array as it reads it: an empty view is `[]`, the pieces join into the whole
    array, and a failure once pieces are out becomes a StoreError (the CLI's one line and exit 2), never a
    traceback."""
    import importlib

    listing_module = importlib.import_module("cmtui.triage.inbox")  # the module, not the function `triage.inbox`
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [(f"Topic {i}", "ann", "Is the grinder broken?") for i in range(5)])
    config = Config(path=tmp_path / "x")
    summarise_dirty(store, Settings(config))
    with store.transaction():
        for conv_id in store.conversation_ids():
            store.mark_done(conv_id)
    assert inbox_json(store, config) == b"[]"
    monkeypatch.setattr(listing_module, "_JSON_BATCH", 2)
    monkeypatch.setattr(importlib.import_module("cmtui.store.inbox"), "_BATCH", 2)  # rows read at a time
    pieces = list(inbox_json_chunks(store, config, include_answered=True))
    assert len(pieces) == 4 and pieces[0].startswith(b"[{") and pieces[-1] == b"]"
    assert len(json.loads(b"".join(pieces))) == 5
    if store.dialect == "sqlite":  # PostgreSQL's rows are all read at once: nothing can fail midway
        listing = inbox_json_chunks(store, config, include_answered=True)
        assert next(listing).startswith(b"[{")
        store.conn.interrupt()  # the statement is still being read: its next step fails
        with pytest.raises(StoreError, match="cannot read the inbox"):
            list(listing)
    store.close()


# -- migrations: pending ones applied to an existing store, a newer store refused ------------------


def applied_migrations(path: Path) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
    finally:
        conn.close()


def test_a_new_migration_is_applied_to_an_existing_store_and_an_older_cmtui_then_refuses_it(tmp_path: Path) -> None:
    from sqlite_utils import Database

    from cmtui.store import NewerStoreError
    from cmtui.store.migrations import MIGRATIONS, migration

    path = tmp_path / "db.sqlite"
    store = Store.open(path)
    save(store, "http://f.example/a.rss", [("Topic", "Ann", "Is it broken?")])
    store.close()
    before = len(MIGRATIONS)

    @migration
    def m999_a_new_column(db: Database) -> None:  # what the next version of cmtui adds
        db.execute("ALTER TABLE feeds ADD COLUMN m999 TEXT")

    try:
        store = Store.open(path)  # the store says every migration it knew is applied; this one is not
        assert query_one(store, "SELECT m999 FROM feeds") is not None
        assert query_one(store, "PRAGMA user_version")[0] == before + 1  # type: ignore[index]
        assert store.counts()["messages"] == 1
        store.close()
    finally:
        MIGRATIONS.remove(m999_a_new_column)
    assert applied_migrations(path)[-1] == "m999_a_new_column"
    with pytest.raises(NewerStoreError, match="this store was written by a newer cmtui"):
        Store.open(path)  # this code, without m999: the store is beyond it


@pytest.mark.parametrize("newer", ["user_version", "migration"])
def test_a_store_written_by_a_newer_cmtui_is_refused_untouched(newer: str, tmp_path: Path) -> None:
    import sqlite3

    from cmtui.store import NewerStoreError
    from cmtui.store.migrations import MIGRATIONS

    path = tmp_path / "db.sqlite"
    store = Store.open(path)
    save(store, "http://f.example/a.rss", [("Topic", "Ann", "Is it broken?")])
    store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    if newer == "user_version":  # a newer cmtui's count of its migrations
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    else:  # … or one of its migrations, recorded, with the same count (another line of development)
        conn.execute("INSERT INTO _sqlite_migrations(migration_set, name, applied_at) "
                     "VALUES ('cmtui', 'm013_from_the_future', '2030-01-01')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    content = path.read_bytes()
    with pytest.raises(NewerStoreError, match=f"{path}: this store was written by a newer cmtui"):
        Store.open(path)
    assert path.read_bytes() == content  # not a byte written: not its user_version, not a migration


# -- search: any str a person can paste ---------------------------------------------------------

PASTED = ["grinder\x00", "\x00", "gri\x00nder", "\ud800", "grinder\udfff", "\udc00grinder\ud800", '"', '"grinder',
          'grinder"', "grinder AND", "OR", "NOT grinder", "NEAR(grinder broken)", "grinder*", "*", "^grinder",
          "title:grinder", "{title}: grinder", "grinder -broken", "(grinder", "grinder)", "\x1b[31mgrinder",
          "\u202egrinder", "\ufeffgrinder", "grinder\r\nbroken", "\t", "'; DROP TABLE messages; --", "\\", "''",
          "\ud83d\ude00", "grinder 😀", "\x7f", "\x9b31m"]


@pytest.mark.parametrize("query", PASTED)
def test_search_takes_any_pasted_text(db: str | Path, query: str, tmp_path: Path) -> None:
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [("Topic one", "Ann", "Is the grinder broken?"),
                                            ("Topic two", "Bob", "Love the kettle 😀")])
    summarise_dirty(store, Settings(Config(path=tmp_path / "x", feeds=(FeedConfig("http://f.example/a.rss"),))))
    found = store.conversations(view="all", search=query)  # never OperationalError nor UnicodeEncodeError
    assert store.count_conversations(view="all", search=query)[0] == len(found) <= 2
    store.close()


def test_search_strips_what_cannot_be_searched_and_keeps_the_words(db: str | Path, tmp_path: Path) -> None:
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [("Topic one", "Ann", "Is the grinder broken?"),
                                            ("Topic two", "Bob", "Love the kettle 😀")])
    summarise_dirty(store, Settings(Config(path=tmp_path / "x", feeds=(FeedConfig("http://f.example/a.rss"),))))

    def titles(query: str) -> list[str]:
        return sorted(item.title for item in inbox(store, include_answered=True, search=query))

    assert titles("grinder\x00") == titles("\ud800grinder\udfff") == titles("\x1b[31mgrinder") == ["Topic one"]
    assert titles("gri\x00nder") == ["Topic one"]  # control characters removed, as everywhere (text.clean)
    assert titles("\x00") == titles("\ud800") == titles("\t") == ["Topic one", "Topic two"]  # nothing left: no filter
    assert titles("NOT grinder") == titles("NEAR(grinder") == titles('"') == []  # operators are words, not syntax
    assert titles("kettle \ud83d\ude00") == ["Topic two"]  # a surrogate pair is its character
    assert store.counts()["messages"] == 2
    store.close()


def test_feeds_health_counts_comment_feeds_their_errors_and_messages(db: str | Path, tmp_path: Path) -> None:
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [("Topic one", "Ann", "Hello"), ("Topic two", "Bob", "Hi")])
    with store.transaction():
        b = store.ensure_feed("http://f.example/b.rss", name="B")
        a = store.ensure_feed("http://f.example/a.rss", name="A")
        for i in range(3):
            store.ensure_feed(f"http://f.example/a/{i}/feed", configured=False, parent_id=a.id)
        store.conn.execute("UPDATE feeds SET last_error = 'HTTP 404 Not Found' WHERE url = 'http://f.example/a/1/feed'")
    rows = {r.url: r for r in store.feeds_health()}
    assert set(rows) == {"http://f.example/a.rss", "http://f.example/b.rss"}  # configured feeds only
    a_row, b_row = rows["http://f.example/a.rss"], rows["http://f.example/b.rss"]
    assert (a_row.comment_feeds, a_row.comment_feed_errors, a_row.messages) == (3, 1, 2)
    assert (b_row.comment_feeds, b_row.comment_feed_errors, b_row.messages) == (0, 0, 0)
    assert b_row.id == b.id and a_row.name == "A"
    store.close()


def test_merged_conversations_keep_every_mark_labels_and_notes(db: str | Path, tmp_path: Path) -> None:
    """A comment stored before its post starts a conversation of its own, merged into the post's when the post
    comes: the user's marks (done by hand and by a rule, snoozed, muted, opened), labels and notes go with it."""
    store = Store.open(db)
    save(store, "http://f.example/a.rss", [("Orphan", "ann", "Where is my order?"), ("Post", "bob", "Hello")])
    orphan, post = store.conversation_ids()
    with store.transaction():
        store.mark_done_by_rule(orphan, 7)
        store.mark_opened(orphan)
        store.mute(orphan)
        store.add_labels(orphan, ["billing"])
        store.add_note(orphan, "me", "asked the warehouse")
        before = dict(query_one(store, "SELECT * FROM conversation_state WHERE conversation_id = ?", [orphan]))
        store._merge(orphan, post)
    after = dict(query_one(store, "SELECT * FROM conversation_state WHERE conversation_id = ?", [post]))
    assert after == {**before, "conversation_id": post} and after["auto_done_seq"] == 7 and after["opened_at"]
    assert [r["label"] for r in query(store, "SELECT label FROM labels WHERE conversation_id = ?", [post])] == \
        ["billing"]
    assert query_one(store, "SELECT text FROM notes WHERE conversation_id = ?", [post])["text"] == \
        "asked the warehouse"
    assert store.conversation_ids() == [post]
    store.close()
