"""Reading the inbox: the conversations of a view, ranked most urgent first.

SQL does what ranking and paging need: which conversations wait, their priority (the static score the triage
stored plus the points of the signals that grow with the clock) and the order. Everything shown (the reasons'
wording, titles, the JSON of `cmtui inbox --json`) is the triage's job, in Python (`triage.inbox`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from cmtui.store.base import DatabaseError, StoreError
from cmtui.store.presence import PresenceStore
from cmtui.store.rows import ConversationInfo, MessageRow
from cmtui.store.search import SearchStore
from cmtui.store.times import iso, utc_now

VIEWS = ("needs_reply", "all", "answered", "done", "snoozed", "muted")
_BATCH = 500  # rows read from the database at a time while the inbox streams


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


# The signals that grow with time, as (name, when, points) over the columns `hours` (waiting), `stuck_hours`,
# `burst` and `burst_age`: the priority adds their points; each has a column of `ConversationRow`, its points
# where it holds (else NULL), and `triage.clock_signals` words them.
_CLOCK = (
    ("waiting", "1 = 1", "round(:c_waiting * min(1.0, max(0.0, hours) / :c_sla_hours), 1)"),
    ("sla_breached", "hours > :c_sla_hours", ":c_sla_breached"),
    ("sla", "hours <= :c_sla_hours", "0.0"),
    ("stuck", "stuck_hours > :c_stuck_after_hours", ":c_stuck"),
    ("hot", "burst >= :c_hot_messages AND burst_age <= :c_hot_window_hours", ":c_hot"),
)
CLOCK_SIGNALS = tuple(name for name, _, _ in _CLOCK)
_CLOCK_POINTS = "(" + " + ".join(f"CASE WHEN {when} THEN {points} ELSE 0 END" for _, when, points in _CLOCK) + ")"


@dataclass(slots=True)
class ConversationRow:
    """One conversation as the inbox query reads it. JSON columns are text (the triage reads them); the last
    five are the points of the clock signals that hold (NULL when one does not, or the conversation does not
    wait). `signals` (the stored signals with their points) is read for one conversation only."""

    id: int
    needs_reply: int
    priority: float
    hours: float | None  # since the oldest unanswered message
    stuck_hours: float | None
    burst: int | None  # messages in the latest burst
    reply_pending: int
    has_draft: int
    muted: int
    title: str
    url: str | None
    kind: str
    feed_id: int
    feed_name: str
    feed_url: str
    feed_tags: str
    messages: int
    unanswered: int
    waiting_since: str | None
    last_message_at: str | None
    unanswered_seen_at: str | None
    signals: str | None
    reasons: str | None
    closed_reason: str | None
    latest: str | None
    done_at: str | None
    snoozed_until: str | None
    opened_at: str | None
    labels: str | None
    notes: str | None
    assigned_to: str | None
    replying: str | None  # JSON array: the teammates replying to it now (`presence`), besides the one reading
    waiting: float | None
    sla_breached: float | None
    sla: float | None
    stuck: float | None
    hot: float | None


# The columns of a `ConversationRow`, in its order, read from the ranked conversations `q`.
_COLUMNS = {
    "id": "q.id", "needs_reply": "q.needs_reply", "priority": "q.priority", "hours": "q.hours",
    "stuck_hours": "q.stuck_hours", "burst": "s.burst", "reply_pending": "q.reply_pending",
    "has_draft": "q.has_draft", "muted": "q.muted", "title": "c.title", "url": "c.url", "kind": "c.kind",
    "feed_id": "c.feed_id", "feed_name": "f.name", "feed_url": "f.url", "feed_tags": "f.tags",
    "messages": "s.messages", "unanswered": "s.unanswered", "waiting_since": "s.waiting_since",
    "last_message_at": "s.last_message_at", "unanswered_seen_at": "s.unanswered_seen_at",
    "signals": "CASE WHEN :conversation_id IS NOT NULL THEN s.signals END",
    "reasons": "s.reasons", "closed_reason": "s.closed_reason", "latest": "s.latest", "done_at": "st.done_at",
    "snoozed_until": "st.snoozed_until", "opened_at": "st.opened_at",
    "labels": "s.rule_labels", "notes": "NULL",  # with the user's labels and the notes by `_add_labels_and_notes`
    "assigned_to": "st.assigned_to", "replying": "NULL",  # by `_add_labels_and_notes`
    **{name: f"CASE WHEN q.needs_reply = 1 AND {when} THEN {points} END" for name, when, points in _CLOCK},
}
assert list(_COLUMNS) == [f.name for f in fields(ConversationRow)]

# Most urgent first; LIMIT and OFFSET keep `ranked` a subquery of its own (see `InboxStore._ranked`).
_ORDER = """ORDER BY needs_reply DESC, priority DESC, waiting_since IS NULL, waiting_since ASC,
                     last_message_at DESC NULLS LAST, id ASC"""
_OUTER_ORDER = """ORDER BY q.needs_reply DESC, q.priority DESC, s.waiting_since IS NULL, s.waiting_since ASC,
                           s.last_message_at DESC NULLS LAST, q.id ASC"""
# Muted: by the user's mark on the conversation (muting or unmuting it), else by its feed's `mute = true`.
_MUTED = "coalesce(st.muted, CASE WHEN f.url IN (SELECT value FROM json_each(:muted_feeds)) THEN 1 ELSE 0 END)"
_CONDITIONS = {
    "needs_reply": "needs_reply = 1", "all": "1 = 1", "answered": "needs_reply = 0 AND unanswered = 0",
    "done": "needs_reply = 0 AND done_at IS NOT NULL", "snoozed": "snoozed_until > :now", "muted": "muted = 1",
}


@dataclass(frozen=True)
class InboxQuery:
    """Which conversations to read: a view (see `VIEWS`), optionally one feed, one tag, a search, one id."""

    view: str = "needs_reply"
    now: datetime | None = None
    limit: int | None = None
    feed_id: int | None = None
    feed_urls: tuple[str, ...] | None = None  # only these configured feeds' conversations (a brand's)
    tag: str | None = None
    reason: str | None = None  # a stored signal's name, or words of its reason (case-insensitive)
    person: str | None = None  # someone who wrote in it (`author_norm`)
    kind: str | None = None
    min_hours: float | None = None  # waiting at least this long
    muted_feeds: tuple[str, ...] = ()  # configured feeds muted whole (`mute = true`): their conversations are muted
    # unless the user unmuted one
    assigned_to: str | None = None  # only those assigned to this teammate (any case)
    unassigned: bool = False  # only those assigned to nobody
    search: str | None = None
    conversation_id: int | None = None
    clock: Clock = Clock()
    me: str = ""  # who reads: their own "replying" is not shown to them


class InboxStore(SearchStore, PresenceStore):
    """Reading the inbox: conversations of a view, ranked most urgent first."""

    VIEWS = VIEWS

    def conversations(self, query: InboxQuery | None = None, **filters: Any) -> list[ConversationRow]:
        """The conversations of `query` (or of `InboxQuery(**filters)`), most urgent first. Views: needs_reply
        (unanswered, not done since, not snoozed, not muted unless we are named since), all, answered, done,
        snoozed, muted."""
        return list(self.iter_conversations(query or InboxQuery(**filters)))

    def iter_conversations(self, query: InboxQuery) -> Iterator[ConversationRow]:
        """`conversations`, read a few hundred rows at a time; a failure once rows are out (a corrupt page)
        is a StoreError."""
        sql, params = self._ranked(query)
        columns = ", ".join(_COLUMNS.values())
        # CROSS JOIN keeps `ranked` SQLite's outer loop (it never reorders one), so its rows come in its order;
        # PostgreSQL joins as it sees fit and is told the order again.
        join, order = ("CROSS JOIN", "") if self.dialect == "sqlite" else ("JOIN", _OUTER_ORDER)
        try:
            cursor = self.conn.execute(f"""{sql}
                SELECT {columns}
                FROM ranked q
                {join} conversation_summary s ON s.conversation_id = q.id
                {join} conversations c ON c.id = q.id
                {join} feeds f ON f.id = c.feed_id
                LEFT JOIN conversation_state st ON st.conversation_id = q.id {order}""", params)
            while batch := cursor.fetchmany(_BATCH):
                rows = [ConversationRow(*row) for row in batch]
                self._add_labels_and_notes(rows, query)
                yield from rows
        except DatabaseError as exc:
            raise StoreError(f"{self.where}: cannot read the inbox: {exc}") from None

    def _add_labels_and_notes(self, rows: list[ConversationRow], query: InboxQuery) -> None:
        """Each row's labels (the user's, `cmtui tag`, and its rules', read as `labels`) as a sorted JSON array,
        its internal notes (`cmtui note`), oldest first, as a JSON array of {author, time, text}, and who else is
        replying to it now; NULL for none, as most conversations have."""
        ids = json.dumps([row.id for row in rows])
        labels: dict[int, set[str]] = {}
        for conv_id, label in self._run("SELECT conversation_id, label FROM labels WHERE conversation_id IN "
                                        "(SELECT CAST(value AS INTEGER) FROM json_each(?))", [ids]):
            labels.setdefault(conv_id, set()).add(label)
        notes: dict[int, list[dict[str, str]]] = {}
        for conv_id, author, time, text in self._run(
                "SELECT conversation_id, author, time, text FROM notes WHERE conversation_id IN "
                "(SELECT CAST(value AS INTEGER) FROM json_each(?)) ORDER BY id", [ids]):
            notes.setdefault(conv_id, []).append({"author": author, "time": time, "text": text})
        replying = self.replying([row.id for row in rows], besides=query.me)  # by the real clock, as heartbeats
        for row in rows:
            if row.id in replying:
                row.replying = json.dumps(replying[row.id], ensure_ascii=False)
            found = labels.get(row.id, set()) | set(json.loads(row.labels or "[]"))
            row.labels = json.dumps(sorted(found), ensure_ascii=False) if found else None
            row.notes = json.dumps(notes[row.id], ensure_ascii=False) if row.id in notes else None

    def count_conversations(self, query: InboxQuery | None = None, **filters: Any) -> tuple[int, int]:
        """How many conversations `conversations()` would list, and how many of those need a reply (in one
        query, without reading them)."""
        sql, params = self._ranked(query or InboxQuery(**filters), count=True)
        total, waiting = self.conn.execute(sql + "SELECT count(*), coalesce(sum(needs_reply), 0) FROM ranked",
                                           params).fetchone()
        return int(total), int(waiting)

    def _ranked(self, query: InboxQuery, count: bool = False) -> tuple[str, dict[str, Any]]:
        """A `WITH ranked AS (…)` clause: the ids of the view's conversations, most urgent first, with what
        ranks them."""
        if query.view not in VIEWS:
            raise ValueError(f"unknown view {query.view!r}")
        where = [_CONDITIONS[query.view]]
        inner = ["1 = 1"]  # conditions SQLite can look up by index: they go inside the subquery it cannot see into
        params: dict[str, Any] = {"now": iso(query.now or utc_now()), "limit": query.limit or None,
                                  "feed_id": query.feed_id, "tag": query.tag,
                                  "conversation_id": query.conversation_id, **query.clock.params(),
                                  "muted_feeds": json.dumps(list(query.muted_feeds))}
        if query.conversation_id is not None:
            inner.append("c.id = :conversation_id")
        if query.feed_id is not None:
            inner.append("c.feed_id = :feed_id")
        if query.feed_urls is not None:
            params["feed_urls"] = json.dumps(list(query.feed_urls))
            inner.append("f.url IN (SELECT value FROM json_each(:feed_urls))")
        inner += self._saved_filters(query, params)
        if query.min_hours is not None:
            params["min_hours"] = query.min_hours
            where.append("hours >= :min_hours")
        if query.tag:  # the feed's tags, or the conversation's labels
            where.append("(EXISTS (SELECT 1 FROM json_each(feed_tags) WHERE value = :tag)"
                         " OR EXISTS (SELECT 1 FROM labels l WHERE l.conversation_id = id AND l.label = :tag)"
                         " OR EXISTS (SELECT 1 FROM json_each(coalesce(rule_labels, '[]')) WHERE value = :tag))")
        if query.search and (found := self.search_condition(query.search)):
            where.append(f"id IN ({found[0]})")
            params["match"] = found[1]
        muted = _MUTED if query.muted_feeds else "coalesce(st.muted, 0)"
        no_limit = "-1" if self.dialect == "sqlite" else "ALL"
        limit = "LIMIT :limit" if query.limit else f"LIMIT {no_limit}"
        # `ranked` finds and orders the conversations of the view from a few narrow columns (sorting full rows
        # costs more than everything else); the query that uses it reads each one's display columns in that
        # order: CROSS JOIN keeps `ranked` the outer loop (SQLite never reorders it), and the OFFSET keeps each
        # subquery one of its own, so `needs_reply` and `hours` are computed once a row.
        sql = f"""
            WITH ranked AS (
              SELECT id, needs_reply, hours, stuck_hours, burst_age, reply_pending, has_draft, muted,
                     CASE WHEN needs_reply = 1 THEN round(score + {_CLOCK_POINTS}, 1)
                          WHEN unanswered = 0 THEN round(score, 1) ELSE 0.0 END AS priority
              FROM (
                SELECT c.id, c.feed_id, f.tags AS feed_tags, s.rule_labels, s.unanswered, s.waiting_since,
                       s.last_message_at, s.burst, s.score, st.done_at, st.snoozed_until,
                       {muted} AS muted,
                       (julianday(:now) - julianday(s.waiting_since)) * 24.0 AS hours,
                       (julianday(:now) - julianday(s.stuck_since)) * 24.0 AS stuck_hours,
                       (julianday(:now) - julianday(s.burst_since)) * 24.0 AS burst_age,
                       coalesce(d.reply_pending, 0) AS reply_pending, coalesce(d.has_draft, 0) AS has_draft,
                       CASE WHEN s.unanswered > 0
                                  AND (st.done_at IS NULL OR coalesce(st.done_seq, 0) < s.unanswered_seen_seq)
                                  AND (st.snoozed_until IS NULL OR st.snoozed_until <= :now)
                                  AND ({muted} = 0 OR s.mention_seen_seq > coalesce(st.muted_seq, 0))
                            THEN 1 ELSE 0 END AS needs_reply
                FROM conversation_summary s
                JOIN conversations c ON c.id = s.conversation_id
                JOIN feeds f ON f.id = c.feed_id AND f.configured = 1
                LEFT JOIN conversation_state st ON st.conversation_id = c.id
                LEFT JOIN (SELECT conversation_id, max(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS reply_pending,
                                  max(CASE WHEN state = 'draft' AND body != '' THEN 1 ELSE 0 END) AS has_draft
                           FROM drafts WHERE state IN ('pending', 'draft') GROUP BY conversation_id
                          ) d ON d.conversation_id = c.id
                WHERE {" AND ".join(inner)}
                LIMIT {no_limit} OFFSET 0
              ) AS v WHERE {" AND ".join(where)}
              {"" if count else f"{_ORDER} {limit} OFFSET 0"}
            )"""
        return sql, params

    @staticmethod
    def _saved_filters(query: InboxQuery, params: dict[str, Any]) -> list[str]:
        """The conditions of a saved view's filters (reason, person, kind) and of assignment, with their
        parameters added."""
        found = []
        if query.kind:
            params["kind"] = query.kind
            found.append("c.kind = :kind")
        if query.assigned_to:
            params["assigned_to"] = query.assigned_to
            found.append("lower(st.assigned_to) = lower(:assigned_to)")
        if query.unassigned:
            found.append("st.assigned_to IS NULL")
        if query.person:
            params["person"] = query.person
            found.append("EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.author_norm = :person)")
        if query.reason:
            params["reason"] = query.reason.casefold()
            # a signal by its name only where it gives a reason (a weak one, scored without, shows nothing)
            found.append("EXISTS (SELECT 1 FROM json_each(s.signals) e WHERE json_extract(e.value, '$[1]') != '' AND"
                         " (json_extract(e.value, '$[0]') = :reason"
                         " OR instr(lower(json_extract(e.value, '$[1]')), :reason) > 0))")
        return found

    def conversation(self, conv_id: int) -> ConversationInfo | None:
        found = self._typed(ConversationInfo, """SELECT c.*, f.name AS feed_name FROM conversations c
                                                 JOIN feeds f ON f.id = c.feed_id WHERE c.id = ?""", [conv_id])
        return found[0] if found else None

    def messages(self, conv_id: int) -> list[MessageRow]:
        """The conversation's messages, oldest first."""
        return self._typed(MessageRow, "SELECT * FROM messages WHERE conversation_id = ? ORDER BY published, id",
                           [conv_id])

    def counts(self) -> dict[str, int]:
        row = self._row("""SELECT (SELECT count(*) FROM feeds WHERE configured = 1) AS feeds,
                                 (SELECT count(*) FROM conversations) AS conversations,
                                 (SELECT count(*) FROM messages) AS messages""")
        assert row is not None
        return dict(row)
