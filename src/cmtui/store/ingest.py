"""Saving a parsed feed: messages, their conversations, comment feeds and people."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cmtui.config import normalise_name
from cmtui.identity import Identity
from cmtui.store.base import StoreBase
from cmtui.store.rows import FeedRow
from cmtui.store.times import iso, parse_iso, stamp, utc_now

if TYPE_CHECKING:  # the parser (and its imports) is not needed to read the store
    from cmtui.parse import Entry, ParsedFeed


@dataclass
class SaveResult:
    new: int = 0  # messages stored for the first time
    updated: int = 0  # messages whose text changed (an edit)
    conversations: set[int] = field(default_factory=set)  # touched: their summaries are recomputed
    posts_with_new_comments: set[int] = field(default_factory=set)
    known: int = 0  # entries already stored before this save


class _Batch:
    """One feed's entries being saved: what they refer to is fetched up front and kept up to date in memory."""

    def __init__(self, store: IngestStore, feed: FeedRow, kind: str, owner_id: int, us: Identity,
                 now_s: str, seen: str) -> None:
        self.store, self.feed, self.kind, self.owner_id = store, feed, kind, owner_id
        self.us, self.now_s, self.seen = us, now_s, seen
        self.result = SaveResult()
        self.entries = 0
        self.seqs: Iterator[int] = iter(())  # the sequence numbers reserved for this batch's new messages
        self.existing: dict[str, Any] = {}  # uid -> its row as stored (or as this batch wrote it)
        self.keys: dict[str, int] = {}
        self.refs: dict[str, tuple[int, int]] = {}  # uid or url_key -> (message id, conversation id)
        self.named: set[int] = set()  # conversations whose stub title/url were filled in this batch
        self.posted: dict[str, int] = {}  # url_key -> our reply stored when posted, until the feed's copy comes
        self.copies: dict[str, sqlite3.Row] = {}  # url_key -> the one message another feed stored at that address
        self.people: dict[str, list[Any]] = {}
        self.backlog_before: str | None = None  # new messages published before this are backlog (a first sync)

    def prefetch(self, entries: list[Entry]) -> None:
        self.entries = len(entries)
        q = self.store.lookup
        for row in q("SELECT id, uid, conversation_id, text, html, title, author, explicit_parent FROM messages "
                     "WHERE uid IN ({marks})",
                     [e.uid for e in entries]):
            self.existing[row["uid"]] = row
        for row in q("SELECT key, conversation_id FROM conversation_keys WHERE key IN ({marks})",
                     [k for e in entries for k in e.conv_keys]):
            self.keys[row["key"]] = row["conversation_id"]
        refs = [e.parent_ref for e in entries if e.parent_ref]
        for sql in ("SELECT id, uid AS ref, conversation_id FROM messages WHERE uid IN ({marks})",
                    "SELECT id, url_key AS ref, conversation_id FROM messages WHERE url_key IN ({marks})"):
            for row in q(sql, refs):
                self.refs.setdefault(row["ref"], (row["id"], row["conversation_id"]))
        self.posted = {row["url_key"]: row["id"] for row in q(
            "SELECT id, url_key FROM messages WHERE url_key IN ({marks}) AND uid LIKE 'posted:%'",
            [e.url_key for e in entries if e.url_key and e.uid not in self.existing])}
        self._prefetch_copies(entries)

    def _prefetch_copies(self, entries: list[Entry]) -> None:
        """The messages other feeds stored at the addresses of this feed's new entries: a permalink names one
        message, whichever feed shows it (a Google Alert's result, a comment in its blog's feed). Only addresses
        that name one entry here and one message there: a feed whose entries all link to one page is not that."""
        counts: dict[str, int] = {}
        for e in entries:
            if e.url_key:
                counts[e.url_key] = counts.get(e.url_key, 0) + 1
        wanted = [k for k, n in counts.items() if n == 1]
        found: dict[str, list[sqlite3.Row]] = {}
        for row in self.store.lookup("SELECT id, uid, feed_id, conversation_id, text, html, title, author, "
                                     "explicit_parent, url_key FROM messages WHERE url_key IN ({marks}) "
                                     "AND uid NOT LIKE 'posted:%'", wanted):
            found.setdefault(row["url_key"], []).append(row)
        self.copies = {k: rows[0] for k, rows in found.items() if len(rows) == 1 and rows[0]["feed_id"] != self.feed.id}

    def save(self, e: Entry) -> None:
        existing = self.existing.get(e.uid)
        if existing is None and e.url_key:
            existing = self._posted_copy(e)
            if existing is None and self._other_copy(e):
                return
        if existing is not None:
            self._update(existing, e)
            return
        store = self.store
        conv_id = self._conversation_for(e)
        author_norm = normalise_name(e.author)
        parent = self.refs.get(e.parent_ref) if e.parent_ref else None
        cursor = store._run(
            """INSERT INTO messages(uid, conversation_id, feed_id, parent_id, parent_ref, explicit_parent, is_post,
                   is_ours, author, author_norm, account, title, url, url_key, published, seen_at, seen_seq, text,
                   html, sentiment, features, backlog)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [e.uid, conv_id, self.feed.id, parent[0] if parent else None, e.parent_ref, int(e.explicit_parent),
             int(e.is_post), int(self.us.is_ours(author_norm, e.account)), e.author, author_norm, e.account, e.title,
             e.url, e.url_key,
             e.published or self.now_s, self.seen, self._next_seq(), e.text, e.html, e.sentiment, _features_json(e),
             int(bool(self.backlog_before and e.published and e.published < self.backlog_before))],
        )
        message_id = int(cursor.fetchone()[0])
        self.existing[e.uid] = {"id": message_id, "conversation_id": conv_id, "text": e.text,
                                "html": e.html, "title": e.title, "author": e.author,
                                "explicit_parent": int(e.explicit_parent)}
        self.refs.setdefault(e.uid, (message_id, conv_id))
        if e.url_key:
            self.refs.setdefault(e.url_key, (message_id, conv_id))
        self.result.new += 1
        self.result.conversations.add(conv_id)
        if e.is_post:
            store._fill_conversation(conv_id, e, message_id)
        else:
            self.result.posts_with_new_comments.add(conv_id)
        self._comment_feeds(conv_id, e)
        self._count_person(e, author_norm)

    def _count_person(self, e: Entry, author_norm: str) -> None:
        """One more message by `e`'s author, for the people ledger (`finish`)."""
        if author_norm:
            when = e.published or self.now_s
            person = self.people.setdefault(author_norm, [e.author, when, when, 0])
            person[0], person[1], person[2] = e.author, min(person[1], when), max(person[2], when)
            person[3] += 1

    def _next_seq(self) -> int:
        """The next message's `seen_seq`: numbers are reserved for the whole batch at its first new message (one
        write; those left unused are skipped)."""
        found = next(self.seqs, None)
        if found is None:
            first = self.store.take_seen_seq(max(1, self.entries))
            self.seqs = iter(range(first + 1, first + max(1, self.entries)))
            found = first
        return found

    def _posted_copy(self, e: Entry) -> sqlite3.Row | None:
        """Our reply posted through the site's API was stored at once under a local id: this is its copy."""
        local = self.posted.pop(e.url_key or "", None)
        if local is None:
            return None
        self.store._run("UPDATE messages SET uid = ?, published = coalesce(?, published) WHERE id = ?",
                        [e.uid, e.published, local])
        return self.store._row("SELECT id, uid, conversation_id, text, html, title, author, explicit_parent "
                               "FROM messages WHERE id = ?", [local])

    def _other_copy(self, e: Entry) -> bool:
        """Whether `e` is a message another feed already stored at the same address (`copies`): then there is one
        message, which the site's own copy describes (its author, what it replies to), in the conversation that
        copy belongs to. One of the two is a pointer without an author (a Google Alert's snippet); two copies with
        authors are two messages (a Hacker News or Lemmy post linking to a blog post is a conversation of its own)."""
        row = self.copies.get(e.url_key or "")
        if row is None or (e.author and row["author"]):
            return False
        del self.copies[e.url_key or ""]
        self.result.known += 1
        if e.author:  # the stored copy was the pointer: the site's copy describes the message from now on
            self._adopt(row, e)
            self._count_person(e, normalise_name(e.author))  # the pointer had nobody to count
        return True

    def _adopt(self, row: Any, e: Entry) -> None:
        """Stored message `row` is described by `e`, a copy that knows more (`_knows_more`): its author, what it
        replies to, its text; it moves to `e`'s conversation, and the conversation it leaves goes if it is empty
        (a listening feed's copy, a status a tag feed showed alone before its reply tree came)."""
        store, author_norm = self.store, normalise_name(e.author)
        parent = self.refs.get(e.parent_ref) if e.parent_ref else None
        conv_id = self._conversation_for(e)
        store._run("""UPDATE messages SET uid = ?, feed_id = ?, conversation_id = ?, author = ?, author_norm = ?,
                          account = ?, is_ours = ?, is_post = ?, parent_ref = ?, parent_id = ?, explicit_parent = ?,
                          title = ?, text = ?, html = ?, sentiment = ?, features = ?, published = coalesce(?, published)
                      WHERE id = ?""",
                   [e.uid, self.feed.id, conv_id, e.author, author_norm, e.account,
                    int(self.us.is_ours(author_norm, e.account)), int(e.is_post), e.parent_ref,
                    parent[0] if parent else None, int(e.explicit_parent), e.title, e.text, e.html, e.sentiment,
                    _features_json(e), e.published, row["id"]])
        self.refs.setdefault(e.uid, (row["id"], conv_id))
        self.result.conversations |= {conv_id, row["conversation_id"]}
        if row["conversation_id"] != conv_id and not store._row(
                "SELECT 1 FROM messages WHERE conversation_id = ?", [row["conversation_id"]]):
            store._merge(row["conversation_id"], conv_id)  # the copy's conversation was only that copy
            self.result.conversations.discard(row["conversation_id"])
        self.existing[e.uid] = {**dict(row), "conversation_id": conv_id, "text": e.text, "html": e.html,
                                "title": e.title, "author": e.author, "explicit_parent": int(e.explicit_parent)}

    def _update(self, existing: Any, e: Entry) -> None:
        self.result.known += 1
        if _knows_more(e, existing):
            self._adopt(existing, e)
            existing = self.existing[e.uid]
            self.result.updated += 1
        elif (existing["text"], existing["title"]) != (e.text, e.title) and e.text:  # what reads differently
            self.store._run("UPDATE messages SET text = ?, html = ?, title = ?, sentiment = ?, features = ? "
                            "WHERE id = ?", [e.text, e.html, e.title, e.sentiment, _features_json(e), existing["id"]])
            self.result.updated += 1
            self.result.conversations.add(existing["conversation_id"])
        if e.is_post:
            self.store._fill_conversation(existing["conversation_id"], e, existing["id"])
        self._comment_feeds(existing["conversation_id"], e)

    def _conversation_for(self, e: Entry) -> int:
        store = self.store
        ids = sorted({self.keys[k] for k in e.conv_keys if k in self.keys})
        if not ids and e.parent_ref and e.parent_ref in self.refs:
            ids = [self.refs[e.parent_ref][1]]
        if not ids:
            new_id = int(store._run("INSERT INTO conversations(feed_id, title, url, kind, created_at) "
                                    "VALUES (?, ?, ?, ?, ?) RETURNING id",
                                    [self.owner_id, e.conv_title, e.conv_url, self.kind, self.now_s]).fetchone()[0])
            ids = [new_id]
            self.named.add(new_id)
        conv_id = ids[0]
        for other in ids[1:]:
            store._merge(other, conv_id)
            for key, value in list(self.keys.items()):
                if value == other:
                    self.keys[key] = conv_id
        new_keys = [k for k in e.conv_keys if self.keys.get(k) != conv_id]
        if new_keys:
            store.conn.executemany("INSERT INTO conversation_keys(key, conversation_id) VALUES (?, ?) "
                                   "ON CONFLICT DO NOTHING",
                                      [(k, conv_id) for k in new_keys])
            for k in new_keys:
                self.keys.setdefault(k, conv_id)
        if conv_id not in self.named and (e.conv_title or e.conv_url):
            self.named.add(conv_id)
            store._run("UPDATE conversations SET title = CASE WHEN title = '' THEN ? ELSE title END, "
                       "url = coalesce(url, ?) WHERE id = ?", [e.conv_title or "", e.conv_url, conv_id])
        return conv_id

    def _comment_feeds(self, conv_id: int, e: Entry) -> None:
        if e.comment_feeds:
            self.store.conn.executemany("INSERT INTO comment_feeds(conversation_id, url) VALUES (?, ?) "
                                        "ON CONFLICT DO NOTHING", [(conv_id, u) for u in e.comment_feeds])

    def finish(self) -> None:
        """People seen in this batch, counted in one statement. The feeds each has written in are read first
        and extended here (the batch holds the write lock): no JSON is taken apart row by row in SQL."""
        feeds = {row["name_norm"]: json.loads(row["feeds"]) for row in self.store.lookup(
            "SELECT name_norm, feeds FROM people WHERE name_norm IN ({marks})", list(self.people))}
        rows = []
        for norm, (name, first, last, count) in self.people.items():
            known = feeds.get(norm, [])
            listed = known if self.owner_id in known else [*known, self.owner_id]
            rows.append((norm, name, first, last, count, json.dumps(listed, separators=(",", ":"))))
        self.store.conn.executemany(
            """INSERT INTO people(name_norm, name, first_seen, last_seen, messages, feeds) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(name_norm) DO UPDATE SET name = excluded.name,
                   first_seen = min(people.first_seen, excluded.first_seen),
                   last_seen = max(people.last_seen, excluded.last_seen),
                   messages = people.messages + excluded.messages, feeds = excluded.feeds""", rows)


def _knows_more(e: Entry, row: Any) -> bool:
    """Whether copy `e` of a stored message knows more of it than `row`: an author where it had none, or what it
    replies to where it said nothing."""
    return bool((e.author and not row["author"]) or (e.explicit_parent and not row["explicit_parent"]))


def _features_json(e: Entry) -> str | None:
    return json.dumps(e.features, separators=(",", ":")) if e.features is not None else None


class IngestStore(StoreBase):
    """Saving a parsed feed: messages, their conversations, comment feeds and people."""

    # -- saving a parsed feed --------------------------------------------------------
    def save(self, feed: FeedRow, parsed: ParsedFeed, *, kind: str, owner_id: int, us: Identity,
             now: datetime | None = None) -> SaveResult:
        """Store what `parsed` holds; call inside `transaction()`. Nothing is ever deleted. What the feed's
        entries refer to is looked up in a few queries up front, not entry by entry. Touched conversations
        are marked dirty: `summaries.summarise_dirty` brings their summaries up to date.
        `now` stands in for missing feed dates; `seen_at` is always the real time of the write."""
        batch = _Batch(self, feed, kind, owner_id, us, iso(now or utc_now()), stamp())
        batch.backlog_before = self._backlog_cutoff(owner_id, batch.now_s)
        batch.prefetch(parsed.entries)
        for entry in reversed(parsed.entries):  # oldest first, so parents tend to come before replies
            batch.save(entry)
        batch.finish()
        self._link_orphans(batch.result)
        self.conn.executemany("INSERT INTO dirty(conversation_id) VALUES (?) ON CONFLICT DO NOTHING",
                                 [(c,) for c in batch.result.conversations])
        return batch.result

    def _backlog_cutoff(self, owner_id: int, now_s: str) -> str | None:
        """On the first sync of the configured feed `owner_id` (its own feed and the comment feeds fetched with
        it), the time before which a message is backlog: stored and searchable, but never waiting ("before you
        started"); None on later syncs, or when `backlog_days` (meta, written from `[sync] backlog_days` by
        `triage.refresh`) is 0 or unset. The first sync is the one at `feeds.first_ok`, the `now` of the sync
        that first stored something for the feed (so it is told apart by that sync's second)."""
        owner = self._row("SELECT first_ok FROM feeds WHERE id = ?", [owner_id])
        if owner is None:
            return None
        if owner["first_ok"] is None:
            self._run("UPDATE feeds SET first_ok = ? WHERE id = ?", [now_s, owner_id])
        elif owner["first_ok"] != now_s:
            return None
        days = float(self.get_meta("backlog_days") or 0)
        started = parse_iso(now_s)
        if days <= 0 or started is None:
            return None
        return iso(started - timedelta(days=days))

    def dirty_ids(self) -> list[int]:
        return [r[0] for r in self._run("SELECT conversation_id FROM dirty")]

    def clear_dirty(self, ids: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM dirty WHERE conversation_id = ?", [(i,) for i in ids])

    def _fill_conversation(self, conv_id: int, e: Entry, message_id: int) -> None:
        """The opening post arrived: it names the conversation."""
        self._run("""UPDATE conversations SET title = coalesce(nullif(?, ''), title), url = coalesce(?, url),
                      author = ?, published = ?, root_id = ?, comment_count = coalesce(?, comment_count)
                  WHERE id = ?""",
                  [e.title, e.url, e.author, e.published, message_id, e.comment_count, conv_id])

    def _add_comment_feeds(self, conv_id: int, e: Entry) -> None:
        for url in e.comment_feeds:
            self._run("INSERT INTO comment_feeds(conversation_id, url) VALUES (?, ?) ON CONFLICT DO NOTHING",
                      [conv_id, url])

    def _merge(self, source: int, target: int) -> None:
        """Two conversations turned out to be one (a comment arrived before its post)."""
        for table in ("messages", "conversation_keys", "notes"):
            self._run(f"UPDATE {table} SET conversation_id = ? WHERE conversation_id = ?", [target, source])
        for table in ("comment_feeds", "labels"):  # (conversation_id, url or label) rows the target lacks
            columns = ", ".join(self._columns(table)[1:])
            self._run(f"INSERT INTO {table} SELECT ?, {columns} FROM {table} WHERE conversation_id = ? "
                      "ON CONFLICT DO NOTHING", [target, source])
        # The user's marks go with it, every column of them, unless the target has marks of its own.
        columns = ", ".join(c for c in self._columns("conversation_state") if c != "conversation_id")
        self._run(f"INSERT INTO conversation_state(conversation_id, {columns}) "
                  f"SELECT ?, {columns} FROM conversation_state WHERE conversation_id = ? ON CONFLICT DO NOTHING",
                  [target, source])
        for table in ("comment_feeds", "conversation_state", "conversation_summary", "conversation_keys", "dirty",
                      "labels"):
            self._run(f"DELETE FROM {table} WHERE conversation_id = ?", [source])
        self._run("INSERT INTO dirty(conversation_id) VALUES (?) ON CONFLICT DO NOTHING", [target])
        self._run("DELETE FROM conversations WHERE id = ?", [source])

    def _link_orphans(self, result: SaveResult) -> None:
        """Replies stored before their parent: link them now that it may be here, in its conversation."""
        rows = self._rows("""
            SELECT o.id, o.conversation_id, p.id AS parent_id, p.conversation_id AS parent_conv
            FROM messages o JOIN messages p ON p.uid = o.parent_ref OR p.url_key = o.parent_ref
            WHERE o.parent_id IS NULL AND o.parent_ref IS NOT NULL AND p.id != o.id""")
        for row in rows:
            self._run("UPDATE messages SET parent_id = ? WHERE id = ?", [row["parent_id"], row["id"]])
            result.conversations.add(row["parent_conv"])
            if row["conversation_id"] != row["parent_conv"]:
                self._merge(row["conversation_id"], row["parent_conv"])

