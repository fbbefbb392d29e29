"""Reading the inbox: conversations of a view, ranked most urgent first, and as JSON."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cmtui.store.base import StoreError
from cmtui.store.search import SearchStore, fts_query
from cmtui.store.times import iso, utc_now

MAP_FOR_READING = 1 << 30  # bytes of the file `inbox_json` may map


INBOX_JSON_BATCH = 500  # objects `inbox_json_chunks` joins into one piece


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


class InboxStore(SearchStore):
    """Reading the inbox: conversations of a view, ranked most urgent first, and as JSON."""

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
