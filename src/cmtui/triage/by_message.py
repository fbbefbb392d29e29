"""Who waits: the inbox with one row per waiting message instead of one per conversation (`cmtui inbox
--by-message`, `T` in the app).

Every conversation of the list that needs a reply gives its waiting messages, by the inbox's own rule (`summary`:
a message by someone else with no reply of ours after it in its thread; thank-yous after our reply and a first
sync's backlog do not wait). Each message is scored on its own by the same static signals a conversation gets
(`scoring.static_signals` over that one message, with its thread's context: a follow-up, customers talking to each
other), so the rows go most urgent first: the conversation's priority (the inbox's order), then the message's own
points, then the longest wait. No SQL of its own: the conversations come from `inbox()`, their messages from
`Store.summary_input`, as the summaries read them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cmtui import text
from cmtui.config import Config
from cmtui.store import Store, hours_between, utc_now
from cmtui.triage.inbox import InboxItem, inbox
from cmtui.triage.one_message import urgency
from cmtui.triage.rules import RULE_TIMED_OUT
from cmtui.triage.settings import Settings, Signal
from cmtui.triage.summary import EXCERPT_CHARS, _close_thanks, _messages, _sentiment

if TYPE_CHECKING:
    from cmtui.threads import Status

# Signals that read the whole conversation, the same for each of its messages: not a message's own urgency.
CONVERSATION_SIGNALS = frozenset({"turning_negative", "pile_on"})


@dataclass(frozen=True, eq=False)
class WaitingMessage:
    """One message waiting for our reply, with the conversation it waits in (d, s, m, a act on that)."""

    conversation: InboxItem
    id: int  # the message's
    author: str  # as written ("" when anonymous)
    account: str | None  # on platforms with accounts
    text: str  # one line, at most `EXCERPT_CHARS` characters
    url: str | None
    published: str | None
    seen_at: str | None  # when cmtui first saw it (vs the conversation's `opened_at`: new)
    points: float  # its own static signals' sum: how urgent it is on its own
    signals: tuple[Signal, ...]

    @property
    def conversation_id(self) -> int:
        return self.conversation.id

    @property
    def urgency(self) -> str:
        """high, normal or low (`one_message.urgency`)."""
        return urgency(self.points)

    @property
    def reasons(self) -> list[str]:
        """Why it ranks where it does among its conversation's messages, most points first."""
        return [s.reason for s in sorted(self.signals, key=lambda s: -s.points)
                if s.reason and s.name != RULE_TIMED_OUT]

    @property
    def new(self) -> bool:
        """Reached us after the user last opened its conversation (or it was never opened)."""
        opened = self.conversation.opened_at
        return opened is None or bool(self.seen_at and self.seen_at > opened)

    def to_json(self, now: datetime) -> dict[str, Any]:
        """The `cmtui inbox --by-message --json` object; `waiting_hours` is worked out here, against `now`."""
        c = self.conversation
        return {
            "id": self.id, "conversation_id": c.id, "title": c.title, "feed": c.feed, "feed_id": c.feed_id,
            "brand": c.brand, "author": self.author, "account": self.account, "text": self.text, "url": self.url,
            "published": self.published, "waiting_hours": round(hours_between(self.published, now), 1),
            "priority": c.priority, "points": self.points, "urgency": self.urgency, "reasons": self.reasons,
            "conversation_reasons": c.reasons, "assigned_to": c.assigned_to, "labels": c.labels,
        }


def waiting_messages(store: Store, config: Config, items: Iterable[InboxItem]) -> Iterator[WaitingMessage]:
    """The waiting messages of each of `items` that needs a reply, in the items' order; within a conversation the
    most urgent first, then the longest waiting."""
    settings = Settings(config)
    people_counts = _people_counter(store)
    for item in items:
        if item.needs_reply:
            yield from _of_conversation(store, settings, item, people_counts)


def inbox_by_message(store: Store, config: Config, *, limit: int | None = None, now: datetime | None = None,
                     **filters: Any) -> list[WaitingMessage]:
    """`inbox()` (with `filters`: a view, a feed, a tag, a search, a brand, a saved view, an assignee) one row per
    waiting message, most urgent first; `limit`: at most that many messages."""
    now = now or utc_now()
    rows = waiting_messages(store, config, inbox(store, config, now=now, limit=limit, **filters))
    return list(itertools.islice(rows, limit)) if limit else list(rows)


def _of_conversation(store: Store, settings: Settings, item: InboxItem,
                     people_counts: Callable[[list[str]], dict[str, int]]) -> list[WaitingMessage]:
    from cmtui.threads import analyse
    from cmtui.triage.scoring import static_signals

    found = store.summary_input(item.id)
    if found is None:
        return []
    kind, rows = found
    by_id = {r["id"]: r for r in rows}
    statuses = analyse(_messages(rows), kind)
    waiting, _ = _close_thanks(settings, statuses, by_id)
    if not waiting:
        return []
    sentiment = _sentiment(statuses, by_id)
    out = []
    for status in waiting:
        signals = [s for s in static_signals(people_counts, settings, [status], by_id, sentiment, statuses)
                   if s.name not in CONVERSATION_SIGNALS]
        out.append(_message(item, by_id[status.msg.id], status, signals))
    out.sort(key=lambda m: (-m.points, m.published or "", m.id))
    return out


def _message(item: InboxItem, row: dict[str, Any], status: Status, signals: list[Signal]) -> WaitingMessage:
    return WaitingMessage(
        conversation=item, id=status.msg.id, author=text.one_line(row["author"], 120), account=row["account"],
        text=text.one_line(row["text"], EXCERPT_CHARS), url=text.safe_url(row["url"]), published=row["published"],
        seen_at=row["seen_at"], points=round(sum(s.points for s in signals), 1), signals=tuple(signals))


def _people_counter(store: Store) -> Callable[[list[str]], dict[str, int]]:
    """`Store.people_counts`, each name read once per listing (the same regulars write everywhere)."""
    known: dict[str, int] = {}

    def counts(names: list[str]) -> dict[str, int]:
        missing = [n for n in names if n not in known]
        if missing:
            found = store.people_counts(missing)
            known.update({n: found.get(n, 0) for n in missing})
        return {n: known[n] for n in names if known[n]}

    return counts
