"""The inbox: the conversations of a view, most urgent first, as `InboxItem`s or as the JSON `cmtui inbox --json`
prints. The store's inbox query adds the signals that grow with the clock (waiting time against the SLA, stuck
questions, bursts) to the static ones `summary` stored, and sorts.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cmtui import text
from cmtui.config import Config, ConfigError, ViewConfig, normalise_name
from cmtui.store import CLOCK_SIGNALS, Clock, ConversationRow, InboxQuery, Store, utc_now
from cmtui.triage.settings import Settings, Signal


@dataclass(frozen=True)
class Latest:
    author: str
    text: str
    url: str | None


@dataclass(slots=True)
class InboxItem:
    # In the order `inbox --json` writes them: what changes only with the conversation, its feed or its messages; the
    # clock's priority and reasons; what waits and the latest message; the user's state and drafts.
    id: int
    title: str
    feed: str
    feed_id: int
    brand: str  # the brand its feed is watched for ("" for [identity]'s, unnamed)
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
    assigned_to: str | None = None  # the teammate who answers it (`cmtui assign`)
    replying: list[str] = field(default_factory=list)  # teammates with the reply editor open on it now
    signals: list[Signal] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `cmtui inbox --json` object (see `_object`): every field but `signals`, in order."""
        data = {name: getattr(self, name) for name in _JSON_FIELDS}
        data["latest"] = {"author": self.latest.author, "text": self.latest.text, "url": self.latest.url}
        return data


_JSON_FIELDS = [name for name in InboxItem.__dataclass_fields__ if name != "signals"]
UNTITLED = "(untitled)"
TITLE_CHARS = 300  # a longer title is cut, with an ellipsis


def waiting_label(hours: float) -> str:
    """45 min, 26 h, 3 d (rounded half up)."""
    if hours < 1:
        return f"{max(1, int(hours * 60 + 0.5))} min"
    if hours < 48:
        return f"{int(hours + 0.5)} h"
    return f"{int(hours / 24 + 0.5)} d"


def _clock_reason(name: str, row: ConversationRow, clock: Clock) -> str:
    """The wording of a clock signal (the store's inbox query decides which hold and their points)."""
    hours = row.hours or 0.0
    if name == "sla_breached":
        return f"SLA breached {waiting_label(hours)}"
    if name == "sla":
        return f"due in {waiting_label(clock.sla_hours - max(0.0, hours))}"
    if name == "stuck":
        return f"stuck {waiting_label(row.stuck_hours or 0.0)}"
    if name == "hot":
        return f"hot: {row.burst} in {waiting_label(clock.hot_window_hours)}"
    return ""  # "waiting": its points grow with the wait, and the SLA's reason says how long


_WORDED = [name for name in CLOCK_SIGNALS if name != "waiting"]  # "waiting" has points but no reason of its own


def clock_signals(row: ConversationRow, clock: Clock) -> list[Signal]:
    """The signals that grow with time: the wait against the SLA ("SLA breached 26 h" / "due in 3 h"), a
    question stuck for more than a day, a burst of messages within six hours."""
    held = ((name, getattr(row, name)) for name in CLOCK_SIGNALS)
    return [Signal(name, _clock_reason(name, row, clock), points) for name, points in held if points is not None]


def _reasons(row: ConversationRow, clock: Clock) -> list[str]:
    """Why a waiting conversation ranks where it does ("reply pending", the stored reasons, the clock's), or why
    another one does not wait."""
    if row.needs_reply:
        stored = json.loads(row.reasons) if row.reasons and row.reasons != "[]" else []
        held = [_clock_reason(name, row, clock) for name in _WORDED if getattr(row, name) is not None]
        return ["reply pending"] * bool(row.reply_pending) + stored + held
    closed = row.closed_reason or ("done" if row.done_at else "snoozed" if row.snoozed_until else
                                   "muted" if row.muted else "answered" if row.unanswered == 0 else "")
    return [closed] if closed else []


def _title(title: str) -> str:
    if len(title) > TITLE_CHARS:
        return title[:TITLE_CHARS - 1] + "…"
    return title or UNTITLED


def inbox(store: Store, config: Config | None = None, *, include_answered: bool = False, view: str = "needs_reply",
          now: datetime | None = None, limit: int | None = None, feed_id: int | None = None,
          tag: str | None = None, search: str | None = None, brand: str | None = None,
          saved: ViewConfig | None = None, assigned_to: str | None = None,
          unassigned: bool = False) -> list[InboxItem]:
    """The conversations of `view` (see `Store.conversations`), most urgent first; `brand`: only those of the
    feeds watched for that brand; `saved`: narrowed by a saved view's filters; `assigned_to`: only a teammate's;
    `unassigned`: only those nobody has."""
    config = config or Config(path=Path("-"))
    settings = Settings(config)
    query = InboxQuery(view="all" if include_answered else view, now=now or utc_now(), feed_id=feed_id, tag=tag,
                       search=search, limit=limit, clock=settings.clock, feed_urls=_brand_feeds(config, brand),
                       assigned_to=assigned_to, unassigned=unassigned, muted_feeds=settings.muted_feeds,
                       me=settings.me)
    query = narrowed(query, config, saved)
    return [_item(row, settings) for row in store.iter_conversations(query)]


def narrowed(query: InboxQuery, config: Config, saved: ViewConfig | None) -> InboxQuery:
    """`query` with a saved view's filters (`[views.NAME]`) added to its own."""
    if saved is None:
        return query
    urls = query.feed_urls
    for wanted in (_brand_feeds(config, saved.brand),
                   tuple(fc.url for fc in config.feeds if saved.feed in (fc.name, fc.url)) if saved.feed else None):
        if wanted is not None:
            urls = wanted if urls is None else tuple(u for u in urls if u in wanted)
    return dataclasses.replace(
        query, feed_urls=urls, tag=saved.tag or query.tag, reason=saved.reason or None,
        person=normalise_name(saved.person) or None,
        kind=saved.kind or None, min_hours=saved.waiting_longer_than or None)


def _brand_feeds(config: Config, brand: str | None) -> tuple[str, ...] | None:
    """The feeds of `brand` (None: every feed); a brand the config does not name is a `ConfigError`."""
    if brand is None:
        return None
    known = [b.name for b in config.brands]
    if brand not in known:
        listed = ", ".join(repr(k) for k in known if k) or "none"
        raise ConfigError(config.path, "brands", f"no brand called {brand!r} (brands: {listed})")
    return config.brand_feeds(brand)


def inbox_count(store: Store, config: Config | None = None, *, view: str = "needs_reply",
                now: datetime | None = None, feed_id: int | None = None, tag: str | None = None,
                search: str | None = None, brand: str | None = None, saved: ViewConfig | None = None,
                assigned_to: str | None = None, unassigned: bool = False) -> tuple[int, int]:
    """How many conversations `inbox()` would list (with the same filters), and how many of them need a reply."""
    config = config or Config(path=Path("-"))
    settings = Settings(config)
    query = InboxQuery(view=view, now=now or utc_now(), feed_id=feed_id, tag=tag, search=search,
                       clock=settings.clock, muted_feeds=settings.muted_feeds, feed_urls=_brand_feeds(config, brand),
                       assigned_to=assigned_to, unassigned=unassigned)
    return store.count_conversations(narrowed(query, config, saved))


def inbox_json(store: Store, config: Config, *, include_answered: bool = False, now: datetime | None = None,
               limit: int | None = None, tag: str | None = None, brand: str | None = None,
               saved: ViewConfig | None = None, assigned_to: str | None = None, unassigned: bool = False) -> bytes:
    """`inbox()` as the UTF-8 JSON text `cmtui inbox --json` prints."""
    return b"".join(inbox_json_chunks(store, config, include_answered=include_answered, now=now, limit=limit,
                                      tag=tag, brand=brand, saved=saved, assigned_to=assigned_to,
                                      unassigned=unassigned))


def inbox_json_chunks(store: Store, config: Config, *, include_answered: bool = False, now: datetime | None = None,
                      limit: int | None = None, tag: str | None = None, brand: str | None = None,
                      saved: ViewConfig | None = None, assigned_to: str | None = None,
                      unassigned: bool = False) -> Iterator[bytes]:
    """`inbox_json` in pieces, to write as they come: a few hundred objects at a time, never the whole text at
    once; `tag`: only the conversations with that label or whose feed has that tag; `brand`: only that brand's;
    `saved`: a saved view's."""
    settings = Settings(config)
    query = InboxQuery(view="all" if include_answered else "needs_reply", now=now or utc_now(), limit=limit,
                       clock=settings.clock, tag=tag, feed_urls=_brand_feeds(config, brand),
                       assigned_to=assigned_to, unassigned=unassigned, muted_feeds=settings.muted_feeds,
                       me=settings.me)
    query = narrowed(query, config, saved)
    rows = store.iter_conversations(query)
    separator = "["
    while batch := list(itertools.islice(rows, _JSON_BATCH)):
        array = _dumps([_object(row, settings) for row in batch])  # one call a batch, not one an object
        yield (separator + array[1:-1]).encode()
        separator = ","
    yield b"[]" if separator == "[" else b"]"


_JSON_BATCH = 500  # objects joined into one piece of `inbox_json_chunks`
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@functools.lru_cache(maxsize=256)
def _tags(raw: str | None) -> tuple[str, ...]:
    return tuple(json.loads(raw or "[]"))


def _object(row: ConversationRow, settings: Settings) -> dict[str, Any]:
    """The one definition of a conversation as the inbox shows it: `InboxItem`'s fields but `signals`, in their
    order, `latest` as a dict. `cmtui inbox --json` writes it as it is."""
    needs, clock = bool(row.needs_reply), settings.clock
    return {
        "id": row.id, "title": _title(row.title), "feed": row.feed_name or row.feed_url, "feed_id": row.feed_id,
        "brand": settings.feed_brands.get(row.feed_url, ""),
        "url": text.safe_url(row.url), "kind": row.kind, "tags": list(_tags(row.feed_tags)),
        "unanswered_seen_at": row.unanswered_seen_at, "last_message_at": row.last_message_at,
        "messages": row.messages, "priority": row.priority, "reasons": _reasons(row, clock),
        "waiting_since": row.waiting_since if needs else None, "unanswered": row.unanswered if needs else 0,
        "needs_reply": needs,
        "latest": json.loads(row.latest) if row.latest else {"author": "", "text": "", "url": None},
        "done_at": row.done_at, "snoozed_until": row.snoozed_until, "muted": bool(row.muted),
        "opened_at": row.opened_at, "reply_pending": bool(row.reply_pending), "has_draft": bool(row.has_draft),
        "labels": json.loads(row.labels) if row.labels else [], "notes": json.loads(row.notes) if row.notes else [],
        "assigned_to": row.assigned_to, "replying": json.loads(row.replying) if row.replying else [],
    }


def _item(row: ConversationRow, settings: Settings, detailed: bool = False) -> InboxItem:
    """`_object` as an `InboxItem`; `detailed`: with every signal and its points (`cmtui explain`)."""
    clock = settings.clock
    data = _object(row, settings)
    data["latest"] = Latest(**data["latest"])
    found: list[Signal] = []
    if detailed and row.needs_reply:
        found = [Signal(*s) for s in json.loads(row.signals or "[]")]
        found = sorted(found + clock_signals(row, clock), key=lambda s: -s.points)
    return InboxItem(**data, signals=found)


def item(store: Store, config: Config, conv_id: int, now: datetime | None = None) -> InboxItem | None:
    """One conversation as the inbox shows it, with every signal (`cmtui explain`, the conversation view)."""
    settings = Settings(config)
    now = now or utc_now()
    rows = store.conversations(InboxQuery(view="all", now=now, conversation_id=conv_id, clock=settings.clock,
                                          muted_feeds=settings.muted_feeds, me=settings.me))
    return _item(rows[0], settings, detailed=True) if rows else None
