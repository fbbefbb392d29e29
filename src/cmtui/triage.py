"""The inbox: conversations that need a reply, most urgent first, each with its reasons.

Priority is, for now, the waiting time of the oldest unanswered message in hours, with a reason
such as "waiting 26 h". The signals of the triage issue (sentiment, complaints, SLA …) build on this.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cmtui import text
from cmtui.store import Store, hours_between, utc_now


@dataclass(frozen=True)
class Latest:
    author: str
    text: str
    url: str | None


@dataclass(frozen=True)
class InboxItem:
    id: int
    title: str
    feed: str
    feed_id: int
    url: str | None
    kind: str
    priority: float
    reasons: list[str]
    waiting_since: str | None
    last_message_at: str | None
    unanswered: int
    messages: int
    needs_reply: bool
    done_at: str | None
    snoozed_until: str | None
    muted: bool
    opened_at: str | None
    tags: list[str]
    latest: Latest

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def waiting_label(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} d"


def inbox(store: Store, *, include_answered: bool = False, view: str = "needs_reply", now: datetime | None = None,
          limit: int | None = None, feed_id: int | None = None, tag: str | None = None,
          search: str | None = None) -> list[InboxItem]:
    """The conversations of `view` (see `Store.conversations`), most urgent first."""
    now = now or utc_now()
    items: list[InboxItem] = []
    rows = store.conversations(view="all" if include_answered else view, now=now, limit=limit, feed_id=feed_id,
                               tag=tag, search=search)
    for row in rows:
        needs = bool(row["needs_reply"])
        hours = hours_between(row["waiting_since"], now) if needs else 0.0
        reasons = list(json.loads(row["reasons"] or "[]"))
        if needs:
            reasons.insert(0, f"waiting {waiting_label(hours)}")
        items.append(InboxItem(
            id=row["id"],
            title=text.one_line(row["title"], 300) or "(untitled)",
            feed=row["feed_name"] or row["feed_url"],
            feed_id=row["feed_id"],
            url=text.safe_url(row["url"]),
            kind=row["kind"],
            priority=round(hours, 2),
            reasons=reasons,
            waiting_since=row["waiting_since"] if needs else None,
            last_message_at=row["last_message_at"],
            unanswered=row["unanswered"] if needs else 0,
            messages=row["messages"],
            needs_reply=needs,
            done_at=row["done_at"],
            snoozed_until=row["snoozed_until"],
            muted=bool(row["muted"]),
            opened_at=row["opened_at"],
            tags=json.loads(row["feed_tags"] or "[]"),
            latest=Latest(author=row["latest_author"] or "", text=text.one_line(row["latest_text"], 280),
                          url=text.safe_url(row["latest_url"])),
        ))
    items.sort(key=lambda i: (not i.needs_reply, -i.priority, i.waiting_since or "", i.id))
    return items
