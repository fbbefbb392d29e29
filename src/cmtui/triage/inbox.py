"""The inbox: the conversations of a view, most urgent first, as `InboxItem`s or as the JSON `cmtui inbox --json`
prints. The store's inbox query adds the signals that grow with the clock (waiting time against the SLA, stuck
questions, bursts) to the static ones `summary` stored, and sorts.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cmtui import text
from cmtui.config import Config
from cmtui.store import NO_LATEST, Store, utc_now
from cmtui.triage.settings import Settings, Signal
from cmtui.triage.summary import refresh


@dataclass(frozen=True)
class Latest:
    author: str
    text: str
    url: str | None


@dataclass(slots=True)
class InboxItem:
    # In the order `inbox --json` writes them (see `Store.inbox_json`): what changes only with the conversation, its
    # feed or its messages; the clock's priority and reasons; what waits and the latest message; the user's state
    # and drafts.
    id: int
    title: str
    feed: str
    feed_id: int
    url: str | None
    kind: str
    tags: list[str]
    unanswered_seen_at: str | None  # when the newest waiting message reached us (vs opened_at: "new")
    last_message_at: str | None
    messages: int
    priority: float
    reasons: list[str]
    waiting_since: str | None
    unanswered: int
    needs_reply: bool
    latest: Latest
    done_at: str | None
    snoozed_until: str | None
    muted: bool
    opened_at: str | None
    reply_pending: bool = False  # handed off to the site; waiting to see our reply in the feed
    has_draft: bool = False
    labels: list[str] = field(default_factory=list)  # the user's (`cmtui tag`); feed tags are in `tags`
    notes: list[dict[str, str]] = field(default_factory=list)  # internal notes: {author, time, text}, oldest first
    signals: list[Signal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `cmtui inbox --json` object (which `Store.inbox_json` writes in SQL: a test checks they agree)."""
        data = asdict(self)
        del data["signals"]
        return data


def waiting_label(hours: float) -> str:
    """45 min, 26 h, 3 d (rounded half up, as the inbox query's `store._label` does)."""
    if hours < 1:
        return f"{max(1, int(hours * 60 + 0.5))} min"
    if hours < 48:
        return f"{int(hours + 0.5)} h"
    return f"{int(hours / 24 + 0.5)} d"


def clock_signals(row: Any) -> list[Signal]:
    """The signals that grow with time, as the inbox query computed them (`store._CLOCK_SIGNALS`, one
    definition): the wait against the SLA ("SLA breached 26 h" / "due in 3 h"), a question stuck for more
    than a day, a burst of messages within six hours."""
    return [Signal(*s) for s in json.loads(row["clock"] or "[]") if s]


def inbox(store: Store, config: Config | None = None, *, include_answered: bool = False, view: str = "needs_reply",
          now: datetime | None = None, limit: int | None = None, feed_id: int | None = None,
          tag: str | None = None, search: str | None = None) -> list[InboxItem]:
    """The conversations of `view` (see `Store.conversations`), most urgent first."""
    now = now or utc_now()
    settings = refresh(store, config) if config is not None else Settings(Config(path=Path("-")))
    rows = store.conversations(view="all" if include_answered else view, now=now, feed_id=feed_id, tag=tag,
                               search=search, limit=limit, clock=settings.clock)
    return [_item(row) for row in rows]


def inbox_count(store: Store, config: Config | None = None, *, view: str = "needs_reply",
                now: datetime | None = None, feed_id: int | None = None, tag: str | None = None,
                search: str | None = None) -> tuple[int, int]:
    """How many conversations `inbox()` would list, and how many of them need a reply."""
    settings = Settings(config or Config(path=Path("-")))
    return store.count_conversations(view=view, now=now or utc_now(), feed_id=feed_id, tag=tag, search=search,
                                     clock=settings.clock)


def inbox_json(store: Store, config: Config, *, include_answered: bool = False, now: datetime | None = None,
               limit: int | None = None, tag: str | None = None) -> bytes:
    """`inbox()` as the UTF-8 JSON text `cmtui inbox --json` prints, built by SQLite (see `Store.inbox_json`)."""
    return b"".join(inbox_json_chunks(store, config, include_answered=include_answered, now=now, limit=limit,
                                      tag=tag))


def inbox_json_chunks(store: Store, config: Config, *, include_answered: bool = False, now: datetime | None = None,
                      limit: int | None = None, tag: str | None = None) -> Iterator[bytes]:
    """`inbox_json` in pieces, to write as they come (see `Store.inbox_json_chunks`); `tag`: only the
    conversations with that label or whose feed has that tag."""
    settings = refresh(store, config)
    return store.inbox_json_chunks(view="all" if include_answered else "needs_reply", now=now or utc_now(),
                                   limit=limit, clock=settings.clock, tag=tag)


@functools.lru_cache(maxsize=256)
def _tags(raw: str | None) -> tuple[str, ...]:
    return tuple(json.loads(raw or "[]"))


def _item(row: Any, detailed: bool = False) -> InboxItem:
    needs = bool(row["needs_reply"])
    found: list[Signal] = []
    if detailed and needs:
        found = [Signal(*s) for s in json.loads(row["signals"] or "[]")]
        found = sorted(found + clock_signals(row), key=lambda s: -s.points)
    return InboxItem(
        id=row["id"],
        title=row["title_short"],
        feed=row["feed_name"] or row["feed_url"],
        feed_id=row["feed_id"],
        url=text.safe_url(row["url"]),
        kind=row["kind"],
        priority=row["priority"],
        reasons=json.loads(row["reasons_all"]),
        waiting_since=row["waiting_since"] if needs else None,
        unanswered_seen_at=row["unanswered_seen_at"],
        last_message_at=row["last_message_at"],
        unanswered=row["unanswered"] if needs else 0,
        messages=row["messages"],
        needs_reply=needs,
        done_at=row["done_at"],
        snoozed_until=row["snoozed_until"],
        muted=bool(row["muted"]),
        opened_at=row["opened_at"],
        tags=list(_tags(row["feed_tags"])),
        latest=Latest(**json.loads(row["latest"] or NO_LATEST)),
        reply_pending=bool(row["reply_pending"]),
        has_draft=bool(row["has_draft"]),
        labels=json.loads(row["labels"] or "[]"),
        notes=json.loads(row["notes"] or "[]"),
        signals=found,
    )


def item(store: Store, config: Config, conv_id: int, now: datetime | None = None) -> InboxItem | None:
    """One conversation as the inbox shows it, with every signal (`cmtui explain`, the conversation view)."""
    settings = refresh(store, config)
    now = now or utc_now()
    rows = store.conversations(view="all", now=now, conversation_id=conv_id, clock=settings.clock)
    return _item(rows[0], detailed=True) if rows else None
