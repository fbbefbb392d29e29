"""The SQLite store: every read and write of cmtui's data goes through `Store`.

One `Store` belongs to the thread that opened it (SQLite connections are per thread).
WAL and a busy timeout let a cron `cmtui sync` write while the app reads.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmtui.config import normalise_name
from cmtui.text import clean

if TYPE_CHECKING:  # the parser (and its imports) is not needed to read the store
    from cmtui.parse import Entry, ParsedFeed

BUSY_TIMEOUT_MS = 30_000
MAP_FOR_READING = 1 << 30  # bytes of the file `inbox_json` may map
INBOX_JSON_BATCH = 500  # objects `inbox_json_chunks` joins into one piece


class StoreError(Exception):
    """The database cannot be used (not SQLite, corrupt, unwritable): the CLI prints it and exits."""


class NewerStoreError(StoreError):
    """The store was written by a newer cmtui: it is refused untouched (its schema is beyond this code)."""


def _schema_state(conn: sqlite3.Connection, path: Path | str) -> bool:
    """Whether every migration this cmtui defines is applied (read-only, without importing sqlite-utils: it
    costs 0.15 s at every start). The rule is sqlite-utils' own: a migration is pending when its name is not
    among the applied ones recorded in `_sqlite_migrations`. A store that records migrations this code does not
    define, or whose `user_version` (the number of migrations applied, as cmtui writes it) is beyond the number
    defined here, was written by a newer cmtui: `NewerStoreError`."""
    from cmtui.store.migrations import MIGRATION_SET, MIGRATIONS

    defined = {fn.__name__ for fn in MIGRATIONS}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    applied: set[str] = set()
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone():
        applied = {row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                                                  [MIGRATION_SET])}
    unknown = sorted(applied - defined)
    if version > len(MIGRATIONS) or unknown:
        what = f"migration {unknown[0]}" if unknown else f"schema version {version}"
        raise NewerStoreError(f"{path}: this store was written by a newer cmtui ({what}; this cmtui knows "
                              f"{len(MIGRATIONS)} migrations): upgrade cmtui to use it; it was left untouched")
    return applied == defined and version == len(MIGRATIONS)


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending schema migrations (sqlite-utils decides which), then record how many are applied in
    `PRAGMA user_version` (for `_schema_state`'s check of a newer store)."""
    from sqlite_utils import Database

    from cmtui.store.migrations import MIGRATIONS, registry

    migrations = registry()
    db = Database(conn)
    migrations.apply(db)
    if not migrations.pending(db):
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(dt: datetime | None = None) -> str:
    """A precise UTC time for our own events (seen, done, muted, opened): they are compared with each other,
    often within the same second, so they keep microseconds. Feed dates use `iso`."""
    return (dt or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


@dataclass
class SaveResult:
    new: int = 0  # messages stored for the first time
    updated: int = 0  # messages whose text changed (an edit)
    conversations: set[int] = field(default_factory=set)  # touched: their summaries are recomputed
    posts_with_new_comments: set[int] = field(default_factory=set)
    known: int = 0  # entries already stored before this save


@dataclass(frozen=True)
class Clock:
    """The weights of the signals that grow with time (see `triage.clock_signals`), for the inbox query."""

    sla_hours: float = 24.0
    waiting: float = 15.0
    sla_breached: float = 15.0
    stuck: float = 10.0
    hot: float = 10.0
    stuck_after_hours: float = 24.0
    hot_messages: int = 5
    hot_window_hours: float = 6.0

    def params(self) -> dict[str, float]:
        return {f"c_{k}": v for k, v in self.__dict__.items()}


def _label(hours: str) -> str:
    """SQL for `triage.waiting_label`: 45 min, 26 h, 3 d."""
    return (f"(CASE WHEN {hours} < 1 THEN max(1, CAST({hours} * 60 + 0.5 AS INTEGER)) || ' min' "
            f"WHEN {hours} < 48 THEN CAST({hours} + 0.5 AS INTEGER) || ' h' "
            f"ELSE CAST({hours} / 24 + 0.5 AS INTEGER) || ' d' END)")


# The signals that grow with time (`triage.clock_signals` documents them), defined once as SQL over the columns
# `hours` (waiting), `stuck_hours`, `burst` and `burst_age`: (name, when, reason, points). The inbox query turns
# them into the priority, the reasons shown, and (for one conversation) a JSON array of [name, reason, points].
_CLOCK = (
    ("waiting", "1", "''", "round(:c_waiting * min(1.0, max(0.0, hours) / :c_sla_hours), 1)"),
    ("sla_breached", "hours > :c_sla_hours", f"'SLA breached ' || {_label('hours')}", ":c_sla_breached"),
    ("sla", "hours <= :c_sla_hours", f"'due in ' || {_label('(:c_sla_hours - max(0.0, hours))')}", "0.0"),
    ("stuck", "stuck_hours > :c_stuck_after_hours", f"'stuck ' || {_label('stuck_hours')}", ":c_stuck"),
    ("hot", "burst >= :c_hot_messages AND burst_age <= :c_hot_window_hours", "'hot: ' || burst || ' in 6 h'",
     ":c_hot"),
)
_CLOCK_SIGNALS = "json_array(" + ", ".join(f"CASE WHEN {when} THEN json_array('{name}', {reason}, {points}) END"
                                           for name, when, reason, points in _CLOCK) + ")"
_CLOCK_POINTS = "(" + " + ".join(f"CASE WHEN {when} THEN {points} ELSE 0 END" for _, when, _, points in _CLOCK) + ")"
# The reasons of a waiting conversation as JSON text, spliced by hand (json_each and json_group_array cost most
# of the query on 10k rows): "reply pending", the stored reasons (a JSON array) and the clock's, in that order.
_REASONS = ("'[' || substr(CASE WHEN reply_pending THEN ',\"reply pending\"' ELSE '' END"
            " || CASE WHEN length(reasons) > 2 THEN ',' || substr(reasons, 2, length(reasons) - 2) ELSE '' END"
            + "".join(f" || CASE WHEN {when} THEN ',' || json_quote({reason}) ELSE '' END"
                      for _, when, reason, _ in _CLOCK if reason != "''")
            + ", 2) || ']'")

# The reasons of any conversation of the inbox query: a waiting one's, else why it does not wait.
_REASONS_ALL = f"""CASE WHEN q.needs_reply THEN {_REASONS}
                        ELSE json_array(coalesce(s.closed_reason, CASE WHEN st.done_at IS NOT NULL THEN 'done'
                            WHEN st.snoozed_until IS NOT NULL THEN 'snoozed' WHEN q.muted THEN 'muted'
                            WHEN s.unanswered = 0 THEN 'answered' END)) END"""


def _json_members(fields: list[tuple[str, str, str]], *, braces: bool = False) -> str:
    """SQL that writes JSON object members as text from (key, expression, how): "text" and "number" values go
    through json_quote (NULL becomes null), "json" is trusted JSON text, "bool" is true/false, and "members" is
    SQL that writes members itself (its key is not used). One printf, not a chain of `||` (each of which copies
    the whole text so far: a fifth of `inbox --json` on 10k conversations); with `braces`, a whole object."""
    template, values = [], []
    for key, expr, how in fields:
        template.append("%s" if how == "members" else json.dumps(key).replace("%", "%%") + ":%s")
        values.append({"text": f"json_quote({expr})", "number": f"json_quote({expr})",
                       "json": f"coalesce({expr}, 'null')", "members": expr,
                       "bool": f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"}[how])
    body = ",".join(template).replace("'", "''")
    return f"printf('{'{' + body + '}' if braces else body}', {', '.join(values)})"


# The `latest` of a summary written before it had one (until the store summarises it again).
NO_LATEST = '{"author":"","text":"","url":null}'
# A conversation's title as the inbox shows it.
_TITLE = """coalesce(nullif(CASE WHEN length(c.title) > 300 THEN substr(c.title, 1, 299) || '…' ELSE c.title END, ''),
                  '(untitled)')"""
# One conversation of `cmtui inbox --json` (see `Store.inbox_json`), the same members in the same order as
# `InboxItem.to_json`: its card (what changes only with the conversation, its feed or its summary, kept by
# triggers: migrations m011, m012), the clock's priority and reasons, what waits (a waiting conversation's is
# its summary's `wait_card`, which the triggers write with every summary), the user's state and drafts (none, for
# nearly every conversation).
_NOT_WAITING = f"""printf('"waiting_since":null,"unanswered":0,"needs_reply":false,"latest":%s',
                           coalesce(latest, '{NO_LATEST}'))"""
_STATE = [("done_at", "done_at", "text"), ("snoozed_until", "snoozed_until", "text"), ("muted", "muted", "bool"),
          ("opened_at", "opened_at", "text"), ("reply_pending", "reply_pending", "bool"),
          ("has_draft", "has_draft", "bool")]
_NO_STATE = ",".join(json.dumps(key) + (":false" if how == "bool" else ":null") for key, _, how in _STATE)
_INBOX_OBJECT = _json_members([
    ("card", """coalesce(card, '"id":' || id)""", "members"),
    ("priority", "priority", "number"), ("reasons", "reasons_all", "json"),
    ("waiting", f"CASE WHEN needs_reply THEN wait_card ELSE {_NOT_WAITING} END", "members"),
    ("state", f"""CASE WHEN has_state IS NULL AND NOT reply_pending AND NOT has_draft THEN '{_NO_STATE}'
                       ELSE {_json_members(_STATE)} END""", "members"),
    ("labels", "labels", "json"), ("notes", "notes", "json"),
], braces=True)


# A conversation's labels as a JSON array, sorted, for the row `q` of the inbox query: the user's (`cmtui tag`)
# and those of the rules that tag (the summary's `rule_labels`).
# Most conversations have none: '[]' without building it (a tenth of `inbox --json` on 10k conversations).
_LABELS = """CASE WHEN coalesce(s.rule_labels, '[]') = '[]'
                       AND NOT EXISTS (SELECT 1 FROM labels WHERE conversation_id = q.id) THEN '[]'
             ELSE (SELECT json_group_array(label) FROM (SELECT label FROM labels WHERE conversation_id = q.id
                   UNION SELECT value FROM json_each(coalesce(s.rule_labels, '[]')) ORDER BY 1)) END"""
# Its internal notes (`cmtui note`), oldest first, as a JSON array of {author, time, text}.
_NOTES = """CASE WHEN NOT EXISTS (SELECT 1 FROM notes WHERE conversation_id = q.id) THEN '[]'
            ELSE (SELECT json_group_array(json_object('author', author, 'time', time, 'text', text))
                  FROM (SELECT author, time, text FROM notes WHERE conversation_id = q.id ORDER BY id)) END"""

# Most urgent first; LIMIT and OFFSET keep `ranked` a subquery of its own (see `Store._inbox_query`). When every
# conversation listed waits (the default view), the same order needs fewer keys: a fifth less sorting.
_LIMIT = "LIMIT coalesce(:limit, -1) OFFSET 0"
_ORDER = f"""ORDER BY needs_reply DESC, priority DESC, waiting_since IS NULL, waiting_since ASC, last_message_at DESC,
                       id ASC {_LIMIT}"""
_ORDER_WAITING = f"ORDER BY priority DESC, waiting_since ASC, last_message_at DESC, id ASC {_LIMIT}"


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path

    # -- opening ---------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> Store:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                current = _schema_state(conn, path)  # before anything is written: a newer store stays untouched
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = wal")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = OFF")
                if not current:
                    _migrate(conn)
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot use this database: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc.strerror or exc}") from None
        return cls(conn, path)

    @classmethod
    def memory(cls) -> Store:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        if not _schema_state(conn, ":memory:"):
            _migrate(conn)
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front (no upgrade deadlocks)."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def q(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        cursor = self.conn.execute(sql, params if isinstance(params, dict) else tuple(params))
        cursor.row_factory = sqlite3.Row
        return cursor.fetchall()

    def one(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        rows = self.q(sql, params)
        return rows[0] if rows else None

    def x(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params if isinstance(params, dict) else tuple(params))

    # -- meta ------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", [key])
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.x("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, value])

    def data_version(self) -> int:
        """Changes whenever another connection commits: the app polls this to notice a cron sync."""
        return int(self.x("PRAGMA data_version").fetchone()[0])

    # -- feeds -----------------------------------------------------------------------
    def ensure_feed(self, url: str, *, name: str = "", kind: str = "blog", tags: Iterable[str] = (),
                    configured: bool = True, parent_id: int | None = None) -> sqlite3.Row:
        if configured:
            return self.ensure_configured_feeds([(url, name, kind, tags)])[url]
        row = self.one("SELECT * FROM feeds WHERE url = ?", [url])
        if row is None:  # found through another feed (a post's comment feed)
            self.x("INSERT INTO feeds(url, name, kind, tags, configured, parent_id) VALUES (?, ?, ?, ?, 0, ?)",
                   [url, name, kind, json.dumps(list(tags)), parent_id])
        elif row["parent_id"] is None and not row["configured"]:
            self.x("UPDATE feeds SET parent_id = ? WHERE id = ?", [parent_id, row["id"]])
        else:
            return row  # nothing written: the row as read
        found = self.one("SELECT * FROM feeds WHERE url = ?", [url])
        assert found is not None
        return found

    def ensure_configured_feeds(self, feeds: Iterable[tuple[str, str, str, Iterable[str]]]) -> dict[str, sqlite3.Row]:
        """`ensure_feed` for every configured feed, (url, name, kind, tags), in a few queries: url -> its row. Rows
        read together share their query's column description, which each single-row query repeats (3.7 KB a
        feed: 9 MB a sync of 2,400 feeds holds to its end)."""
        wanted = {url: (name, kind, json.dumps(list(tags))) for url, name, kind, tags in feeds}
        query = "SELECT * FROM feeds WHERE url IN ({marks})"
        rows = {row["url"]: row for row in self.lookup(query, list(wanted))}
        written = []
        for url, (name, kind, tags_json) in wanted.items():
            row = rows.get(url)
            if row is None:
                self.x("INSERT INTO feeds(url, name, kind, tags, configured) VALUES (?, ?, ?, ?, 1)",
                       [url, name, kind, tags_json])
            elif (row["name"], row["kind"], row["tags"], row["configured"]) != (name, kind, tags_json, 1):
                self.x("UPDATE feeds SET name = ?, kind = ?, tags = ?, configured = 1 WHERE id = ?",
                       [name, kind, tags_json, row["id"]])
            else:
                continue
            written.append(url)
        rows.update((row["url"], row) for row in self.lookup(query, written))
        return {url: rows[url] for url in wanted}

    def keep_only(self, urls: Iterable[str]) -> None:
        """Feeds no longer in the config stop counting: their conversations leave the inbox (nothing is
        deleted, and they come back if the feed is configured again)."""
        wanted = sorted(set(urls))
        marks = ",".join("?" * len(wanted)) or "NULL"
        self.x(f"UPDATE feeds SET configured = coalesce(url IN ({marks}), 0) "
               f"WHERE (parent_id IS NULL OR configured = 1) AND configured != coalesce(url IN ({marks}), 0)",
               wanted + wanted)

    def configured_are(self, urls: Iterable[str]) -> bool:
        """Whether the feeds marked configured are exactly `urls` (read-only check before `keep_only`)."""
        marked = {r[0] for r in self.x("SELECT url FROM feeds WHERE configured = 1")}
        wanted = set(urls)
        known = {r[0] for r in self.x("SELECT url FROM feeds WHERE parent_id IS NULL OR configured = 1")}
        return marked == wanted & known

    def feed(self, feed_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM feeds WHERE id = ?", [feed_id])

    def update_feed(self, feed_id: int, **values: Any) -> None:
        if values:
            sets = ", ".join(f"{k} = ?" for k in values)
            self.x(f"UPDATE feeds SET {sets} WHERE id = ?", [*values.values(), feed_id])

    def feeds_health(self) -> list[sqlite3.Row]:
        """Configured feeds with the health of the comment feeds found through them."""
        # Counted in one pass over each table, then joined: neither feeds.parent_id nor messages.feed_id has an
        # index, so a count per feed scanned both tables once a feed (10,000 feeds: 12 s).
        return self.q("""
            SELECT f.*, coalesce(c.comment_feeds, 0) AS comment_feeds,
                   coalesce(c.comment_feed_errors, 0) AS comment_feed_errors, coalesce(m.messages, 0) AS messages
            FROM feeds f
            LEFT JOIN (SELECT parent_id, count(*) AS comment_feeds, count(last_error) AS comment_feed_errors
                       FROM feeds WHERE parent_id IS NOT NULL GROUP BY parent_id) c ON c.parent_id = f.id
            LEFT JOIN (SELECT feed_id, count(*) AS messages FROM messages GROUP BY feed_id) m ON m.feed_id = f.id
            WHERE f.configured = 1 ORDER BY f.name COLLATE NOCASE, f.url""")

    def comment_feeds_of(self, site_feed_id: int, since: str | None,
                         conversation_ids: Iterable[int] | None = None, skip_complete: bool = False) -> list[str]:
        """Comment feeds of the site's posts: those of `conversation_ids`, or of every post newer than `since`;
        with `skip_complete`, not those of posts whose comments are all stored already (by the count the
        posts feed gives, which is only fresh right after that feed was fetched)."""
        if conversation_ids is not None:
            ids = list(conversation_ids)
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            rows = self.q(f"SELECT DISTINCT url FROM comment_feeds WHERE conversation_id IN ({marks})", ids)
        else:
            complete = ("AND (c.comment_count IS NULL OR c.comment_count > (SELECT count(*) FROM messages m "
                        "WHERE m.conversation_id = c.id AND m.is_post = 0))" if skip_complete else "")
            rows = self.q(f"""
                SELECT DISTINCT cf.url FROM comment_feeds cf JOIN conversations c ON c.id = cf.conversation_id
                WHERE c.feed_id = ? AND (? IS NULL OR coalesce(c.published, c.created_at) >= ?) {complete}""",
                          [site_feed_id, since, since])
        return [r["url"] for r in rows]

    # -- saving a parsed feed --------------------------------------------------------
    def save(self, feed: sqlite3.Row, parsed: ParsedFeed, *, kind: str, owner_id: int,
             our_names: frozenset[str], now: datetime | None = None) -> SaveResult:
        """Store what `parsed` holds; call inside `transaction()`. Nothing is ever deleted. What the feed's
        entries refer to is looked up in a few queries up front, not entry by entry. Touched conversations
        are marked dirty: `summaries.summarise_dirty` brings their summaries up to date.
        `now` stands in for missing feed dates; `seen_at` is always the real time of the write."""
        batch = _Batch(self, feed, kind, owner_id, our_names, iso(now or utc_now()), stamp())
        batch.backlog_before = self._backlog_cutoff(owner_id, batch.now_s)
        batch.prefetch(parsed.entries)
        for entry in reversed(parsed.entries):  # oldest first, so parents tend to come before replies
            batch.save(entry)
        batch.finish()
        self._link_orphans(batch.result)
        self.conn.executemany("INSERT OR IGNORE INTO dirty(conversation_id) VALUES (?)",
                                 [(c,) for c in batch.result.conversations])
        return batch.result

    def _backlog_cutoff(self, owner_id: int, now_s: str) -> str | None:
        """On the first sync of the configured feed `owner_id` (its own feed and the comment feeds fetched with
        it), the time before which a message is backlog: stored and searchable, but never waiting ("before you
        started"); None on later syncs, or when `backlog_days` (meta, written from `[sync] backlog_days` by
        `triage.refresh`) is 0 or unset. The first sync is the one at `feeds.first_ok`, the `now` of the sync
        that first stored something for the feed (so it is told apart by that sync's second)."""
        owner = self.one("SELECT first_ok FROM feeds WHERE id = ?", [owner_id])
        if owner is None:
            return None
        if owner["first_ok"] is None:
            self.x("UPDATE feeds SET first_ok = ? WHERE id = ?", [now_s, owner_id])
        elif owner["first_ok"] != now_s:
            return None
        days = float(self.get_meta("backlog_days") or 0)
        started = parse_iso(now_s)
        if days <= 0 or started is None:
            return None
        return iso(started - timedelta(days=days))

    def lookup(self, sql: str, values: list[str]) -> list[sqlite3.Row]:
        """Run `sql` (with one `{marks}` placeholder list) over `values` in chunks SQLite accepts."""
        rows: list[sqlite3.Row] = []
        unique = list(dict.fromkeys(values))
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            rows += self.q(sql.format(marks=",".join("?" * len(chunk))), chunk)
        return rows

    def index_search(self) -> int:
        """Add the messages stored since the last search to the full-text index; returns how many."""
        upto = int(self.get_meta("search_indexed_upto") or 0)
        newest = self.x("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
        if newest <= upto:
            return 0
        with self.transaction():
            upto = int(self.get_meta("search_indexed_upto") or 0)  # another process may have done it meanwhile
            cursor = self.x("INSERT INTO messages_fts(rowid, title, author, text) "
                            "SELECT id, title, author, text FROM messages WHERE id > ? AND id <= ?", [upto, newest])
            self.set_meta("search_indexed_upto", str(max(upto, newest)))
        return cursor.rowcount

    def apply_feed_kinds(self, kinds: Iterable[tuple[int, str]]) -> int:
        """Give the conversations of configured feeds their feed's kind, (feed id, kind) pairs, where it changed in
        the config, and mark them dirty, so they are summarised again by the new rule; returns how many changed."""
        pairs = json.dumps([list(p) for p in kinds])
        changed = self.x("""WITH want(feed_id, kind) AS (SELECT value ->> 0, value ->> 1 FROM json_each(?))
                            SELECT c.id, w.kind FROM conversations c JOIN want w ON c.feed_id = w.feed_id
                            WHERE c.kind != w.kind""", [pairs]).fetchall()
        if changed:
            self.conn.executemany("UPDATE conversations SET kind = ? WHERE id = ?", [(k, i) for i, k in changed])
            self.conn.executemany("INSERT OR IGNORE INTO dirty(conversation_id) VALUES (?)", [(i,) for i, _ in changed])
        return len(changed)

    def dirty_ids(self) -> list[int]:
        return [r[0] for r in self.x("SELECT conversation_id FROM dirty")]

    def clear_dirty(self, ids: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM dirty WHERE conversation_id = ?", [(i,) for i in ids])

    def _fill_conversation(self, conv_id: int, e: Entry, message_id: int) -> None:
        """The opening post arrived: it names the conversation."""
        self.x("""UPDATE conversations SET title = coalesce(nullif(?, ''), title), url = coalesce(?, url),
                      author = ?, published = ?, root_id = ?, comment_count = coalesce(?, comment_count)
                  WHERE id = ?""",
               [e.title, e.url, e.author, e.published, message_id, e.comment_count, conv_id])

    def _add_comment_feeds(self, conv_id: int, e: Entry) -> None:
        for url in e.comment_feeds:
            self.x("INSERT OR IGNORE INTO comment_feeds(conversation_id, url) VALUES (?, ?)", [conv_id, url])

    def _merge(self, source: int, target: int) -> None:
        """Two conversations turned out to be one (a comment arrived before its post)."""
        for table in ("messages", "conversation_keys", "conversation_summary", "labels", "notes"):
            self.x(f"UPDATE OR IGNORE {table} SET conversation_id = ? WHERE conversation_id = ?", [target, source])
        self.x("INSERT OR IGNORE INTO comment_feeds SELECT ?, url FROM comment_feeds WHERE conversation_id = ?",
               [target, source])
        state = self.one("SELECT * FROM conversation_state WHERE conversation_id = ?", [source])
        if state is not None:
            self.x("INSERT OR IGNORE INTO conversation_state(conversation_id, done_at, done_seq, snoozed_until, muted, "
                   "muted_at, muted_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [target, state["done_at"], state["done_seq"], state["snoozed_until"], state["muted"],
                    state["muted_at"], state["muted_seq"]])
        for table in ("comment_feeds", "conversation_state", "conversation_summary", "conversation_keys", "dirty",
                      "labels"):
            self.x(f"DELETE FROM {table} WHERE conversation_id = ?", [source])
        self.x("INSERT OR IGNORE INTO dirty(conversation_id) VALUES (?)", [target])
        self.x("DELETE FROM conversations WHERE id = ?", [source])

    def _link_orphans(self, result: SaveResult) -> None:
        """Replies stored before their parent: link them now that it may be here, in its conversation."""
        rows = self.q("""
            SELECT o.id, o.conversation_id, p.id AS parent_id, p.conversation_id AS parent_conv
            FROM messages o JOIN messages p ON p.uid = o.parent_ref OR p.url_key = o.parent_ref
            WHERE o.parent_id IS NULL AND o.parent_ref IS NOT NULL AND p.id != o.id""")
        for row in rows:
            self.x("UPDATE messages SET parent_id = ? WHERE id = ?", [row["parent_id"], row["id"]])
            result.conversations.add(row["parent_conv"])
            if row["conversation_id"] != row["parent_conv"]:
                self._merge(row["conversation_id"], row["parent_conv"])

    # -- derived state ---------------------------------------------------------------
    def settings_changed(self, key: str, stamp: str) -> bool:
        """True (and remembers `stamp`) when the settings under `key` differ from the last call's."""
        if self.get_meta(key) == stamp:
            return False
        self.set_meta(key, stamp)
        return True

    def mark_ours(self, our_names: frozenset[str]) -> None:
        if not our_names:  # no [identity] names yet: nothing is ours
            self.x("UPDATE messages SET is_ours = 0 WHERE is_ours != 0")
            return
        marks = ",".join("?" * len(our_names))
        self.x(f"UPDATE messages SET is_ours = (author_norm IN ({marks}))", sorted(our_names))

    def conversation_ids(self) -> list[int]:
        return [r[0] for r in self.x("SELECT id FROM conversations")]

    def summary_input(self, conv_id: int) -> tuple[str, list[sqlite3.Row]] | None:
        """The conversation's kind and the message fields the triage needs."""
        conv = self.one("SELECT kind FROM conversations WHERE id = ?", [conv_id])
        if conv is None:
            return None
        rows = self.q("""SELECT id, parent_id, is_ours, is_post, explicit_parent, published, seen_at, seen_seq, title,
                                text, author, author_norm, url, sentiment, answered_at, features, backlog
                         FROM messages WHERE conversation_id = ?""", [conv_id])
        return conv["kind"], rows

    def set_message_fields(self, updates: list[tuple[float | None, str | None, int]]) -> None:
        """(sentiment, answered_at, id) for messages whose derived fields changed."""
        self.conn.executemany("UPDATE messages SET sentiment = ?, answered_at = ? WHERE id = ?", updates)

    def write_summary(self, conv_id: int, values: dict[str, Any] | None) -> None:
        if values is None:
            self.x("DELETE FROM conversation_summary WHERE conversation_id = ?", [conv_id])
            return
        cols = ["conversation_id", *values]
        self.x(f"INSERT OR REPLACE INTO conversation_summary({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
               [conv_id, *values.values()])

    def signal_reasons(self, name: str) -> dict[str, list[int]]:
        """The reasons of the stored signals called `name` in the summaries of configured feeds' conversations,
        each with the ids of the conversations that have it (ascending)."""
        rows = self.q("""
            SELECT json_extract(e.value, '$[1]') AS reason, s.conversation_id AS id
            FROM conversation_summary s JOIN conversations c ON c.id = s.conversation_id
            JOIN feeds f ON f.id = c.feed_id AND f.configured = 1, json_each(s.signals) e
            WHERE instr(s.signals, ?) AND json_extract(e.value, '$[0]') = ?
            ORDER BY reason, id""", [json.dumps(name), name])
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(row["reason"], []).append(row["id"])
        return found

    def people_counts(self, names: list[str]) -> dict[str, int]:
        """How many messages each (normalised) name has written, across feeds."""
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        return {r[0]: r[1] for r in self.x(f"SELECT name_norm, messages FROM people WHERE name_norm IN ({marks})",
                                           names)}

    def people(self) -> list[sqlite3.Row]:
        """Everyone who wrote (not us), with counts and sentiment from their messages."""
        return self.q("""
            SELECT p.name_norm, p.name, p.first_seen, p.last_seen, p.feeds,
                   count(m.id) AS messages, avg(m.sentiment) AS sentiment,
                   sum(m.sentiment <= -0.3) AS negative, sum(m.sentiment >= 0.3) AS positive,
                   sum(m.is_post = 0 OR c.kind != 'blog') AS addressed,
                   sum(m.answered_at IS NOT NULL) AS answered
            FROM people p JOIN messages m ON m.author_norm = p.name_norm AND m.is_ours = 0
            JOIN conversations c ON c.id = m.conversation_id
            GROUP BY p.name_norm ORDER BY count(m.id) DESC, p.last_seen DESC""")

    def responses(self, since: str | None) -> list[sqlite3.Row]:
        """Messages by others that count for the response time (answered or not), with their feed."""
        return self.q("""
            SELECT m.id, m.published, m.answered_at, f.name AS feed, f.url AS feed_url
            FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN feeds f ON f.id = c.feed_id
            WHERE m.is_ours = 0 AND (m.is_post = 0 OR c.kind IN ('forum', 'mentions'))
              AND (? IS NULL OR m.published >= ?)""", [since, since])

    # -- user state ------------------------------------------------------------------
    def _set_state(self, conv_id: int, **values: Any) -> None:
        self.x("INSERT OR IGNORE INTO conversation_state(conversation_id) VALUES (?)", [conv_id])
        sets = ", ".join(f"{k} = ?" for k in values)
        self.x(f"UPDATE conversation_state SET {sets} WHERE conversation_id = ?", [*values.values(), conv_id])

    def take_seen_seq(self, count: int) -> int:
        """Reserve `count` numbers of the sequence in which cmtui sees messages; returns the first. The counter
        only grows (numbers left unused are skipped), so a message's `seen_seq` tells what came before it
        whatever the clock says."""
        row = self.x("""INSERT INTO meta(key, value) VALUES ('seen_seq', ?)
                        ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value
                        RETURNING CAST(value AS INTEGER)""", [count]).fetchall()[0]
        return int(row[0]) - count + 1

    def _mark_seq(self, conv_id: int, when: datetime | None) -> int:
        """What a done or mute mark covers: every message seen so far (the counter now); with `when` (a mark
        restored, as the app's undo does), the conversation's messages seen at or before that time."""
        if when is None:
            return int(self.get_meta("seen_seq") or 0)
        row = self.one("SELECT coalesce(max(seen_seq), 0) FROM messages WHERE conversation_id = ? AND seen_at <= ?",
                       [conv_id, stamp(when)])
        return int(row[0]) if row else 0

    def mark_done(self, conv_id: int, when: datetime | None = None) -> None:
        """Done: the conversation leaves the inbox until a message cmtui sees after this mark waits (by the
        order cmtui saw things, `seen_seq`; the time is kept for display)."""
        self._set_state(conv_id, done_at=stamp(when), done_seq=self._mark_seq(conv_id, when))

    def rule_done_seq(self, conv_id: int) -> int:
        """The sequence up to which the conversation's messages are covered by a done mark, by hand or by a rule
        (`mark_done_by_rule`): a "done" rule acts on messages after it."""
        row = self.one("SELECT max(coalesce(done_seq, 0), coalesce(auto_done_seq, 0)) FROM conversation_state "
                       "WHERE conversation_id = ?", [conv_id])
        return int(row[0]) if row else 0

    def mark_done_by_rule(self, conv_id: int, upto_seq: int) -> None:
        """A "done" rule matched the messages seen up to `upto_seq`: done, and those messages never mark it again."""
        self.mark_done(conv_id)
        self._set_state(conv_id, auto_done_seq=upto_seq)

    def undo_done(self, conv_id: int) -> None:
        self._set_state(conv_id, done_at=None, done_seq=None)

    def snooze(self, conv_id: int, until: datetime | None) -> None:
        self._set_state(conv_id, snoozed_until=iso(until) if until else None)

    def mute(self, conv_id: int, muted: bool = True, when: datetime | None = None) -> None:
        """Muted: new messages no longer reopen it, except ones that name us."""
        self._set_state(conv_id, muted=int(muted), muted_at=stamp(when) if muted else None,
                        muted_seq=self._mark_seq(conv_id, when) if muted else None)

    def opened_at(self, conv_id: int) -> str | None:
        """When the user last opened the conversation (None: never)."""
        row = self.one("SELECT opened_at FROM conversation_state WHERE conversation_id = ?", [conv_id])
        return row["opened_at"] if row else None

    def mark_opened(self, conv_id: int, when: datetime | None = None) -> None:
        """Record that the user opened the conversation (`opened_at` reads the previous time first)."""
        self._set_state(conv_id, opened_at=stamp(when))

    # -- labels and notes ------------------------------------------------------------
    def add_labels(self, conv_id: int, labels: Iterable[str]) -> list[str]:
        """Label the conversation (`cmtui tag`); returns the labels it did not have yet."""
        now = stamp()
        added = []
        for label in dict.fromkeys(labels):
            cursor = self.x("INSERT OR IGNORE INTO labels(conversation_id, label, added_at) VALUES (?, ?, ?)",
                            [conv_id, label, now])
            if cursor.rowcount:
                added.append(label)
        return added

    def remove_label(self, conv_id: int, label: str) -> bool:
        """Take a label of the user's off the conversation; False when it had none such."""
        return self.x("DELETE FROM labels WHERE conversation_id = ? AND label = ?", [conv_id, label]).rowcount > 0

    def add_note(self, conv_id: int, author: str, text: str) -> str:
        """An internal note on the conversation (never posted); returns its time."""
        now = iso(utc_now())
        self.x("INSERT INTO notes(conversation_id, author, time, text) VALUES (?, ?, ?, ?)",
               [conv_id, author, now, text])
        return now

    # -- drafts ----------------------------------------------------------------------
    def save_draft(self, conv_id: int, message_id: int | None, body: str) -> int:
        """Create or update the open draft answering `message_id` (or the conversation); returns its id."""
        now = stamp()
        row = self.draft_for(conv_id, message_id)
        if row is None:
            cursor = self.x("INSERT INTO drafts(conversation_id, message_id, body, created_at, updated_at) "
                            "VALUES (?, ?, ?, ?, ?)", [conv_id, message_id, body, now, now])
            assert cursor.lastrowid is not None
            return cursor.lastrowid
        if row["body"] != body:
            self.x("UPDATE drafts SET body = ?, updated_at = ? WHERE id = ?", [body, now, row["id"]])
        return int(row["id"])

    def draft_for(self, conv_id: int, message_id: int | None) -> sqlite3.Row | None:
        return self.one("SELECT * FROM drafts WHERE conversation_id = ? AND coalesce(message_id, 0) = ? "
                        "AND state = 'draft'", [conv_id, message_id or 0])

    def draft(self, draft_id: int) -> sqlite3.Row | None:
        return self.one("SELECT * FROM drafts WHERE id = ?", [draft_id])

    def open_drafts(self) -> list[sqlite3.Row]:
        """Every draft not yet sent or discarded, newest first, with what it answers."""
        return self.q("""
            SELECT d.*, c.title, f.name AS feed_name, m.author AS reply_to, m.url AS reply_to_url
            FROM drafts d JOIN conversations c ON c.id = d.conversation_id JOIN feeds f ON f.id = c.feed_id
            LEFT JOIN messages m ON m.id = d.message_id
            WHERE d.state IN ('draft', 'pending') ORDER BY d.updated_at DESC""")

    def set_draft_state(self, draft_id: int, state: str, *, error: str | None = None,
                        sent_message_id: int | None = None) -> None:
        now = stamp()
        values: dict[str, Any] = {"state": state, "updated_at": now, "error": error}
        if state == "pending":
            values["pending_at"] = now
        if state == "sent":
            values["sent_at"], values["sent_message_id"] = now, sent_message_id
        sets = ", ".join(f"{k} = ?" for k in values)
        self.x(f"UPDATE drafts SET {sets} WHERE id = ?", [*values.values(), draft_id])

    def clear_pending(self, conversation_ids: Iterable[int]) -> int:
        """Pending hand-offs whose reply of ours has now come through a feed become sent; returns how many."""
        ids = list(conversation_ids)
        if len(ids) > 500:  # SQLite caps the number of parameters of a statement
            return sum(self.clear_pending(ids[i:i + 500]) for i in range(0, len(ids), 500))
        if not ids or not self.one("SELECT 1 FROM drafts WHERE state = 'pending' LIMIT 1"):
            return 0
        marks = ",".join("?" * len(ids))
        cursor = self.x(f"""
            UPDATE drafts SET state = 'sent', sent_at = ?, sent_message_id = (
                SELECT m.id FROM messages m WHERE m.conversation_id = drafts.conversation_id AND m.is_ours = 1
                  AND m.seen_at > drafts.pending_at ORDER BY m.published LIMIT 1)
            WHERE state = 'pending' AND conversation_id IN ({marks})
              AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = drafts.conversation_id
                          AND m.is_ours = 1 AND m.seen_at > drafts.pending_at)
              AND (message_id IS NULL OR (SELECT answered_at FROM messages WHERE id = drafts.message_id) IS NOT NULL)
            """, [stamp(), *ids])
        return cursor.rowcount

    def add_our_message(self, conv_id: int, *, parent_id: int | None, author: str, text: str, html: str,
                        url: str | None, url_key: str | None, uid: str, feed_id: int) -> int:
        """A reply we just posted through a site's API, stored at once; the feed's copy merges into it later
        (same link)."""
        now = stamp()
        cursor = self.x(
            """INSERT INTO messages(uid, conversation_id, feed_id, parent_id, explicit_parent, is_post, is_ours,
                   author, author_norm, title, url, url_key, published, seen_at, seen_seq, text, html)
               VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?, '', ?, ?, ?, ?, ?, ?, ?)""",
            [uid, conv_id, feed_id, parent_id, int(parent_id is not None), author, normalise_name(author), url,
             url_key, iso(utc_now()), now, self.take_seen_seq(1), text, html])
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    # -- reading ---------------------------------------------------------------------
    VIEWS = ("needs_reply", "all", "answered", "done", "snoozed", "muted")

    def conversations(self, *, view: str = "needs_reply", include_answered: bool = False,
                      now: datetime | None = None, limit: int | None = None, feed_id: int | None = None,
                      tag: str | None = None, search: str | None = None, conversation_id: int | None = None,
                      clock: Clock | None = None) -> list[sqlite3.Row]:
        """Conversations with their summary, user state, latest message and priority, filtered by `view`:
        needs_reply (unanswered, not done since, not snoozed, not muted unless we are named since),
        all, answered, done, snoozed, muted. Optionally one feed, one tag, a full-text search, one id.
        Most urgent first."""
        sql, params = self._inbox_query(view, include_answered, now, limit, feed_id, tag, search, conversation_id,
                                        clock or Clock(), detailed=conversation_id is not None)
        return self.q(sql, params)

    def count_conversations(self, *, view: str = "needs_reply", now: datetime | None = None,
                            feed_id: int | None = None, tag: str | None = None, search: str | None = None,
                            clock: Clock | None = None) -> tuple[int, int]:
        """How many conversations `conversations()` would list, and how many of those need a reply (in one
        query, without reading them)."""
        sql, params = self._inbox_query(view, False, now, None, feed_id, tag, search, None, clock or Clock(),
                                        count=True)
        row = self.one(sql, params)
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def inbox_json(self, *, view: str = "needs_reply", now: datetime | None = None, limit: int | None = None,
                   clock: Clock | None = None, tag: str | None = None) -> bytes:
        """`conversations()` as the JSON array `cmtui inbox --json` prints (UTF-8), spliced together by SQLite
        from each summary's card (no JSON parsing of 10k rows; the same objects as `triage.InboxItem.to_json`,
        which a test checks)."""
        return b"".join(self.inbox_json_chunks(view=view, now=now, limit=limit, clock=clock, tag=tag))

    def inbox_json_chunks(self, *, view: str = "needs_reply", now: datetime | None = None, limit: int | None = None,
                          clock: Clock | None = None, tag: str | None = None) -> Iterator[bytes]:
        """`inbox_json` in pieces to write as they come: one object per row, as SQLite's UTF-8 bytes, joined a
        few hundred at a time. Never the whole 10 MB text at once (one `group_concat` of it cost a sixth more
        time, in page faults and copies, and 25 MB more memory on 10k conversations)."""
        sql, params = self._inbox_query(view, False, now, limit, None, tag, None, None, clock or Clock(),
                                        as_json=True)
        # Every summary is read: straight from the OS's page cache, not copied in by a read() each (a tenth
        # off; only here: the pages a sync maps would count in its memory).
        self.conn.execute(f"PRAGMA mmap_size = {MAP_FOR_READING}")
        separator = b"["
        try:  # a failure once pieces are out (a corrupt page) ends the text short: the CLI exits 2 with this
            cursor = self.conn.execute(f"SELECT CAST({_INBOX_OBJECT} AS BLOB) FROM ({sql})", params)
            while rows := cursor.fetchmany(INBOX_JSON_BATCH):
                yield separator + b",".join([row[0] for row in rows])
                separator = b","
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the inbox: {exc}") from None
        yield b"[]" if separator == b"[" else b"]"

    def _inbox_query(self, view: str, include_answered: bool, now: datetime | None, limit: int | None,
                     feed_id: int | None, tag: str | None, search: str | None, conversation_id: int | None,
                     clock: Clock, detailed: bool = False, count: bool = False,
                     as_json: bool = False) -> tuple[str, dict[str, Any]]:
        if include_answered:
            view = "all"
        if view not in self.VIEWS:
            raise ValueError(f"unknown view {view!r}")
        conditions = {
            "needs_reply": "needs_reply = 1", "all": "1", "answered": "needs_reply = 0 AND unanswered = 0",
            "done": "needs_reply = 0 AND done_at IS NOT NULL", "snoozed": "snoozed_until > :now",
            "muted": "muted = 1",
        }
        where = [conditions[view]]
        inner = ["1"]  # conditions SQLite can look up by index: they go inside the subquery it cannot see into
        params: dict[str, Any] = {"now": iso(now or utc_now()), "limit": limit or None, "feed_id": feed_id, "tag": tag,
                                  "conversation_id": conversation_id, **clock.params()}
        if conversation_id is not None:
            inner.append("c.id = :conversation_id")
        if feed_id is not None:
            inner.append("c.feed_id = :feed_id")
        if tag:  # the feed's tags, or the conversation's labels
            where.append("(EXISTS (SELECT 1 FROM json_each(feed_tags) WHERE value = :tag)"
                         " OR EXISTS (SELECT 1 FROM labels l WHERE l.conversation_id = id AND l.label = :tag)"
                         " OR EXISTS (SELECT 1 FROM json_each(coalesce(rule_labels, '[]')) WHERE value = :tag))")
        if search and (match := fts_query(search)):
            self.index_search()
            params["match"] = match
            where.append("id IN (SELECT m.conversation_id FROM messages_fts "
                         "JOIN messages m ON m.id = messages_fts.rowid WHERE messages_fts MATCH :match)")
        clock_json = f", CASE WHEN needs_reply THEN {_CLOCK_SIGNALS} ELSE '[]' END AS clock" if detailed else ""
        # Two steps. `ranked` finds and orders the conversations of the view from a few narrow columns (sorting
        # 10k full rows cost more than everything else); the outer query then reads each one's display columns
        # in that order: CROSS JOIN keeps `ranked` as the outer loop (SQLite never reorders it), and the
        # OFFSET keeps it a subquery of its own. The OFFSET inside keeps SQLite from pasting the columns'
        # expressions (`needs_reply`, `hours`) into every place that names them: each is computed once a row.
        sql = f"""
            WITH ranked AS (
              SELECT id, needs_reply, hours, stuck_hours, burst_age, reply_pending, has_draft, muted,
                     CASE WHEN needs_reply THEN round(score + {_CLOCK_POINTS}, 1)
                          WHEN unanswered = 0 THEN round(score, 1) ELSE 0.0 END AS priority
              FROM (
                SELECT c.id, c.feed_id, {"f.tags AS feed_tags, s.rule_labels, " if tag else ""}s.unanswered,
                       s.waiting_since,
                       s.last_message_at,
                       s.burst, s.score, st.done_at, st.snoozed_until, coalesce(st.muted, 0) AS muted,
                       (julianday(:now) - julianday(s.waiting_since)) * 24.0 AS hours,
                       (julianday(:now) - julianday(s.stuck_since)) * 24.0 AS stuck_hours,
                       (julianday(:now) - julianday(s.burst_since)) * 24.0 AS burst_age,
                       coalesce(d.reply_pending, 0) AS reply_pending, coalesce(d.has_draft, 0) AS has_draft,
                       (s.unanswered > 0 AND (st.done_at IS NULL OR coalesce(st.done_seq, 0) < s.unanswered_seen_seq)
                        AND (st.snoozed_until IS NULL OR st.snoozed_until <= :now)
                        AND (coalesce(st.muted, 0) = 0 OR s.mention_seen_seq > coalesce(st.muted_seq, 0))
                       ) AS needs_reply
                FROM conversation_summary s
                JOIN conversations c ON c.id = s.conversation_id
                JOIN feeds f ON f.id = c.feed_id AND f.configured = 1
                LEFT JOIN conversation_state st ON st.conversation_id = c.id
                LEFT JOIN (SELECT conversation_id, max(state = 'pending') AS reply_pending,
                                  max(state = 'draft' AND body != '') AS has_draft
                           FROM drafts WHERE state IN ('pending', 'draft') GROUP BY conversation_id
                          ) d ON d.conversation_id = c.id
                WHERE {" AND ".join(inner)}
                LIMIT -1 OFFSET 0
              ) WHERE {" AND ".join(where)}
              {"" if count else _ORDER_WAITING if view == "needs_reply" else _ORDER}
            )"""
        if count:
            return sql + "SELECT count(*), total(needs_reply) FROM ranked", params
        if as_json:  # what `_INBOX_OBJECT` reads: the card has the rest
            return sql + f"""
            SELECT q.id, q.needs_reply, q.priority, q.reply_pending, q.has_draft, q.muted, s.card, s.wait_card,
                   s.latest, s.unanswered, s.waiting_since, st.conversation_id AS has_state, st.done_at,
                   st.snoozed_until, st.opened_at,
                   {_REASONS_ALL} AS reasons_all, {_LABELS} AS labels, {_NOTES} AS notes
            FROM ranked q
            CROSS JOIN conversation_summary s ON s.conversation_id = q.id
            LEFT JOIN conversation_state st ON st.conversation_id = q.id""", params
        sql += f"""
            SELECT q.id, q.needs_reply, q.priority, q.reply_pending, q.has_draft, q.muted,
                   c.url, c.kind, c.feed_id, f.name AS feed_name, f.url AS feed_url, f.tags AS feed_tags,
                   s.messages, s.unanswered, s.waiting_since, s.last_message_at, s.unanswered_seen_at, s.signals,
                   s.latest, st.done_at, st.snoozed_until, st.opened_at,
                   {_TITLE} AS title_short,
                   {_REASONS_ALL} AS reasons_all, {_LABELS} AS labels, {_NOTES} AS notes {clock_json}
            FROM ranked q
            CROSS JOIN conversation_summary s ON s.conversation_id = q.id
            CROSS JOIN conversations c ON c.id = q.id
            CROSS JOIN feeds f ON f.id = c.feed_id
            LEFT JOIN conversation_state st ON st.conversation_id = q.id"""
        return sql, params

    def conversation(self, conv_id: int) -> sqlite3.Row | None:
        return self.one("""SELECT c.*, f.name AS feed_name FROM conversations c JOIN feeds f ON f.id = c.feed_id
                           WHERE c.id = ?""", [conv_id])

    def messages(self, conv_id: int) -> list[sqlite3.Row]:
        return self.q("SELECT * FROM messages WHERE conversation_id = ? ORDER BY published, id", [conv_id])

    def counts(self) -> dict[str, int]:
        row = self.one("""SELECT (SELECT count(*) FROM feeds WHERE configured = 1) AS feeds,
                                 (SELECT count(*) FROM conversations) AS conversations,
                                 (SELECT count(*) FROM messages) AS messages""")
        assert row is not None
        return dict(row)

    # -- marks by id, from the command line ------------------------------------------
    def conversation_labels(self, ids: Iterable[int]) -> dict[int, sqlite3.Row]:
        """id -> (id, title, feed) of those of `ids` that exist, the feed as the inbox names it (its name, else
        its URL): what `cmtui done 94 99` checks before it changes anything, and prints."""
        rows = self.q("""SELECT c.id, c.title, coalesce(nullif(f.name, ''), f.url) AS feed
                         FROM conversations c JOIN feeds f ON f.id = c.feed_id
                         WHERE c.id IN (SELECT value FROM json_each(?))""", [json.dumps(list(ids))])
        return {row["id"]: row for row in rows}

    def feed_ids_named(self, name: str) -> list[int]:
        """The configured feeds called `name` (as in feeds.toml, case-insensitive) or whose URL it is."""
        return [row["id"] for row in self.q(
            "SELECT id FROM feeds WHERE configured = 1 AND (url = ? OR (name != '' AND name = ? COLLATE NOCASE)) "
            "ORDER BY id", [name.strip(), name.strip()])]


# Surrogates break the UTF-8 encoding (UnicodeEncodeError): a pasted pair is joined into its character, lone
# ones are dropped.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def fts_query(query: str) -> str:
    """A user's search words, any str at all, as a safe FTS5 query: terminal escapes and control characters
    removed (`text.clean`: a NUL ended FTS5's string, "unterminated string"), surrogates made encodable, every
    word quoted (no syntax errors: FTS5's operators are taken as words), the last a prefix; "" when nothing
    searchable is left."""
    if not query.isascii():
        query = _SURROGATE.sub("", _SURROGATE_PAIR.sub(
            lambda m: m.group().encode("utf-16", "surrogatepass").decode("utf-16"), query))
    words = [w.replace('"', '""') for w in clean(query).split()]
    return " ".join(f'"{w}"' for w in words[:-1]) + (f' "{words[-1]}"*' if words else "")


def hours_between(start: str | None, end: datetime) -> float:
    begun = parse_iso(start)
    return max(0.0, (end - begun).total_seconds() / 3600) if begun else 0.0



class _Batch:
    """One feed's entries being saved: what they refer to is fetched up front and kept up to date in memory."""

    def __init__(self, store: Store, feed: sqlite3.Row, kind: str, owner_id: int, our_names: frozenset[str],
                 now_s: str, seen: str) -> None:
        self.store, self.feed, self.kind, self.owner_id = store, feed, kind, owner_id
        self.our_names, self.now_s, self.seen = our_names, now_s, seen
        self.result = SaveResult()
        self.entries = 0
        self.seqs: Iterator[int] = iter(())  # the sequence numbers reserved for this batch's new messages
        self.existing: dict[str, sqlite3.Row] = {}
        self.keys: dict[str, int] = {}
        self.refs: dict[str, tuple[int, int]] = {}  # uid or url_key -> (message id, conversation id)
        self.named: set[int] = set()  # conversations whose stub title/url were filled in this batch
        self.posted: dict[str, int] = {}  # url_key -> our reply stored when posted, until the feed's copy comes
        self.people: dict[str, list[Any]] = {}
        self.backlog_before: str | None = None  # new messages published before this are backlog (a first sync)

    def prefetch(self, entries: list[Entry]) -> None:
        self.entries = len(entries)
        q = self.store.lookup
        for row in q("SELECT id, uid, conversation_id, text, html, title FROM messages WHERE uid IN ({marks})",
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

    def save(self, e: Entry) -> None:
        existing = self.existing.get(e.uid)
        if existing is None and e.url_key:
            existing = self._posted_copy(e)
        if existing is not None:
            self._update(existing, e)
            return
        store = self.store
        conv_id = self._conversation_for(e)
        author_norm = normalise_name(e.author)
        parent = self.refs.get(e.parent_ref) if e.parent_ref else None
        cursor = store.x(
            """INSERT INTO messages(uid, conversation_id, feed_id, parent_id, parent_ref, explicit_parent, is_post,
                   is_ours, author, author_norm, title, url, url_key, published, seen_at, seen_seq, text, html,
                   sentiment, features, backlog)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [e.uid, conv_id, self.feed["id"], parent[0] if parent else None, e.parent_ref, int(e.explicit_parent),
             int(e.is_post), int(author_norm in self.our_names), e.author, author_norm, e.title, e.url, e.url_key,
             e.published or self.now_s, self.seen, self._next_seq(), e.text, e.html, e.sentiment, _features_json(e),
             int(bool(self.backlog_before and e.published and e.published < self.backlog_before))],
        )
        message_id = cursor.lastrowid
        assert message_id is not None
        self.existing[e.uid] = {"id": message_id, "conversation_id": conv_id, "text": e.text,  # type: ignore[assignment]
                                "html": e.html, "title": e.title}
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
        self.store.x("UPDATE messages SET uid = ?, published = coalesce(?, published) WHERE id = ?",
                     [e.uid, e.published, local])
        return self.store.one("SELECT id, uid, conversation_id, text, html, title FROM messages WHERE id = ?", [local])

    def _update(self, existing: Any, e: Entry) -> None:
        self.result.known += 1
        if (existing["text"], existing["title"]) != (e.text, e.title) and e.text:  # what reads differently
            self.store.x("UPDATE messages SET text = ?, html = ?, title = ?, sentiment = ?, features = ? WHERE id = ?",
                         [e.text, e.html, e.title, e.sentiment, _features_json(e), existing["id"]])
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
            cursor = store.x("INSERT INTO conversations(feed_id, title, url, kind, created_at) VALUES (?, ?, ?, ?, ?)",
                             [self.owner_id, e.conv_title, e.conv_url, self.kind, self.now_s])
            assert cursor.lastrowid is not None
            ids = [cursor.lastrowid]
            self.named.add(cursor.lastrowid)
        conv_id = ids[0]
        for other in ids[1:]:
            store._merge(other, conv_id)
            for key, value in list(self.keys.items()):
                if value == other:
                    self.keys[key] = conv_id
        new_keys = [k for k in e.conv_keys if self.keys.get(k) != conv_id]
        if new_keys:
            store.conn.executemany("INSERT OR IGNORE INTO conversation_keys(key, conversation_id) VALUES (?, ?)",
                                      [(k, conv_id) for k in new_keys])
            for k in new_keys:
                self.keys.setdefault(k, conv_id)
        if conv_id not in self.named and (e.conv_title or e.conv_url):
            self.named.add(conv_id)
            store.x("UPDATE conversations SET title = CASE WHEN title = '' THEN ? ELSE title END, "
                    "url = coalesce(url, ?) WHERE id = ?", [e.conv_title or "", e.conv_url, conv_id])
        return conv_id

    def _comment_feeds(self, conv_id: int, e: Entry) -> None:
        if e.comment_feeds:
            self.store.conn.executemany("INSERT OR IGNORE INTO comment_feeds(conversation_id, url) VALUES (?, ?)",
                                           [(conv_id, u) for u in e.comment_feeds])

    def finish(self) -> None:
        """People seen in this batch, counted in one statement."""
        self.store.conn.executemany(
            """INSERT INTO people(name_norm, name, first_seen, last_seen, messages, feeds)
               VALUES (?, ?, ?, ?, ?, json_array(?))
               ON CONFLICT(name_norm) DO UPDATE SET name = excluded.name,
                   first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
                   messages = messages + excluded.messages,
                   feeds = CASE WHEN EXISTS (SELECT 1 FROM json_each(people.feeds) WHERE value = ?) THEN feeds
                                ELSE json_insert(feeds, '$[#]', ?) END""",
            [(norm, name, first, last, count, self.owner_id, self.owner_id, self.owner_id)
             for norm, (name, first, last, count) in self.people.items()])


def _features_json(e: Entry) -> str | None:
    return json.dumps(e.features, separators=(",", ":")) if e.features is not None else None
