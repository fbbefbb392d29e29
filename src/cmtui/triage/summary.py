"""After a sync: which messages of each conversation wait for a reply, and the summary stored with it.

`refresh()` summarises the conversations a sync touched (and all of them when the identity or the `[triage]`
settings change): it applies the needs-reply rule (`threads.py`), closes conversations that ended with a
thank-you or only hold the backlog of a feed's first sync, applies the rules that act (`rules.py`) and stores
the static signals (`scoring.py`) with the conversation.

`signals`, `threads` and `scoring` are imported where a conversation is summarised: listing the inbox starts
without them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cmtui import text
from cmtui.config import Config
from cmtui.store import Store, iso, parse_iso
from cmtui.triage.rows import feature, said
from cmtui.triage.rules import RULE_TIMED_OUT, rule_actions
from cmtui.triage.settings import HOT_WINDOW, Settings, Signal

if TYPE_CHECKING:
    from cmtui.threads import Msg, Status

EXCERPT_CHARS = 280  # the preview of the latest message in the inbox and `inbox --json`
THANKS_REASON = "they said thanks"
BACKLOG_REASON = "before you started"  # only messages already old at the feed's first sync wait (`backlog_days`)


def refresh(store: Store, config: Config, conversation_ids: set[int] | None = None) -> Settings:
    """Summarise `conversation_ids`; everything when the identity or the triage settings changed. Returns the
    settings it read from `config` (for the caller's own queries)."""
    settings = Settings(config)
    urls = [f.url for f in config.feeds]
    backlog_days = f"{config.sync.backlog_days:g}"
    if store.get_meta("backlog_days") != backlog_days:  # what `Store.save` reads on a feed's first sync
        with store.transaction():
            store.set_meta("backlog_days", backlog_days)
    if (not conversation_ids and store.get_meta("triage-settings") == settings.stamp and store.configured_are(urls)
            and not store.dirty_ids()):
        return settings  # nothing to do: no write lock taken (the app calls this often)
    with store.transaction():
        store.keep_only(urls)
        if store.settings_changed("triage-settings", settings.stamp):
            store.mark_ours(settings.us)
            conversation_ids = set(store.conversation_ids())
        summarise(store, settings, set(conversation_ids or ()) | set(store.dirty_ids()))
    return settings


def summarise(store: Store, settings: Settings, conversation_ids: set[int]) -> None:
    """Recompute each conversation's summary (and mark it clean), and mark sent the handed-off replies that
    came through a feed since; call inside a transaction. Whoever summarises first (the sync, or the app
    reading the store while a sync runs) does both, so neither is lost."""
    store.clear_dirty(conversation_ids)
    known: dict[str, int] = {}  # people's message counts, read once per call (the same regulars write everywhere)

    def people_counts(names: list[str]) -> dict[str, int]:
        missing = [n for n in names if n not in known]
        if missing:
            found = store.people_counts(missing)
            known.update({n: found.get(n, 0) for n in missing})
        return {n: known[n] for n in names if known[n]}

    for conv_id in sorted(conversation_ids):
        found = store.summary_input(conv_id)
        if found is None:
            continue
        kind, rows = found
        if not rows:
            store.write_summary(conv_id, None)
            continue
        store.write_summary(conv_id, _summary(store, settings, kind, rows, people_counts, conv_id))
    store.clear_pending(conversation_ids)


def _summary(store: Store, settings: Settings, kind: str, rows: list[Any],
             people_counts: Callable[[list[str]], dict[str, int]], conv_id: int | None = None) -> dict[str, Any]:
    """One conversation's summary (the columns of `conversation_summary`) from its message rows, oldest first;
    stores the messages' sentiment and answer times on the way, and applies the rules that act (`conv_id`)."""
    from cmtui.threads import analyse
    from cmtui.triage.scoring import static_signals

    by_id = {r["id"]: dict(r) for r in rows}
    msgs = _messages(rows)
    statuses = analyse(msgs, kind)
    sentiment = _sentiment(statuses, by_id)
    _store_message_fields(store, rows, statuses, sentiment)
    waiting, closed = _close_thanks(settings, statuses, by_id)
    rule_labels: list[str] = []
    if conv_id is not None and any(r.action for r in settings.rules):
        waiting, closed, rule_labels = rule_actions(store, settings, conv_id, waiting, closed, by_id)
    # A conversation left out as "before you started" is still ranked: `inbox --all` shows how urgent it would be.
    backlog = [s for s in statuses if s.answered_at is None] if closed == BACKLOG_REASON and not waiting else []
    scored = waiting or backlog
    found = static_signals(people_counts, settings, scored, by_id, sentiment, statuses) if scored else []
    return {
        **_message_fields(msgs, waiting, by_id),
        **_waiting_fields(settings, waiting, by_id),
        **_signal_fields(found),
        "closed_reason": closed,
        "rule_labels": json.dumps(rule_labels, ensure_ascii=False),
    }


def _messages(rows: list[Any]) -> list[Msg]:
    """The message rows as `threads.analyse` reads them."""
    from cmtui.threads import Msg

    return [Msg(r["id"], r["parent_id"], bool(r["is_ours"]), bool(r["is_post"]), bool(r["explicit_parent"]),
                r["published"], r["seen_at"], r["author_norm"]) for r in rows]


def _sentiment(statuses: list[Status], by_id: dict[int, Any]) -> dict[int, float]:
    """Sentiment of the messages that ask for our attention; the parser leaves it out for posts (on a blog
    they are context), so an opening post that does wait (forums, mentions) is scored here, once."""
    from cmtui import signals

    return {s.msg.id: by_id[s.msg.id]["sentiment"] if by_id[s.msg.id]["sentiment"] is not None
            else signals.sentiment(said(by_id[s.msg.id])) for s in statuses}


def _store_message_fields(store: Store, rows: list[Any], statuses: list[Status], sentiment: dict[int, float]) -> None:
    """Store each message's sentiment and when we answered it, where they changed."""
    answered = {s.msg.id: s.answered_at for s in statuses}
    updates = []
    for r in rows:
        score = sentiment.get(r["id"], r["sentiment"])
        if (r["sentiment"], r["answered_at"]) != (score, answered.get(r["id"])):
            updates.append((score, answered.get(r["id"]), r["id"]))
    store.set_message_fields(updates)


def _message_fields(msgs: list[Msg], waiting: list[Status], by_id: dict[int, Any]) -> dict[str, Any]:
    """The summary's columns about all the messages: how many, the latest (the inbox's preview shows the latest
    waiting one), and the burst of messages within `HOT_WINDOW` before the latest."""
    latest = max(msgs, key=lambda m: (m.published, m.id))
    latest_at = parse_iso(latest.published)
    burst_start = iso(latest_at - HOT_WINDOW) if latest_at else latest.published
    shown = by_id[waiting[-1].msg.id if waiting else latest.id]
    return {
        "messages": len(msgs),
        "last_message_at": latest.published,
        "latest_id": latest.id,
        "latest": json.dumps({"author": shown["author"], "text": text.one_line(shown["text"], EXCERPT_CHARS),
                              "url": text.safe_url(shown["url"])}, ensure_ascii=False),
        "burst": sum(1 for m in msgs if m.published >= burst_start),
        "burst_since": latest.published,
    }


def _waiting_fields(settings: Settings, waiting: list[Status], by_id: dict[int, Any]) -> dict[str, Any]:
    """The summary's columns about the waiting messages: since when, when cmtui saw them (for new, done and
    muted), the latest that mentions us, and since when a question is stuck."""
    mentions = [s.msg for s in waiting if any(n in by_id[s.msg.id]["text"].casefold() for n in settings.ours)]
    seq = {s.msg.id: by_id[s.msg.id]["seen_seq"] or 0 for s in waiting}  # the order cmtui saw them in: vs done, muted
    stuck = [s.msg.published for s in waiting if s.last_word and feature(by_id[s.msg.id], "question")]
    return {
        "unanswered": len(waiting),
        "waiting_since": waiting[0].msg.published if waiting else None,
        "unanswered_seen_at": max((s.msg.seen_at for s in waiting), default=None),
        "unanswered_seen_seq": max(seq.values(), default=None),
        "latest_unanswered_id": waiting[-1].msg.id if waiting else None,
        "mention_seen_at": max((m.seen_at for m in mentions), default=None),
        "mention_seen_seq": max((seq[m.id] for m in mentions), default=None),
        "stuck_since": min(stuck, default=None),
    }


def _signal_fields(found: list[Signal]) -> dict[str, Any]:
    """The static signals, their points, and the reasons the inbox shows, most points first (a rule that timed
    out is not a reason: `cmtui explain` and `cmtui sync` say so)."""
    return {
        "signals": json.dumps([list(s) for s in found], separators=(",", ":")),
        "score": sum(s.points for s in found),
        "reasons": json.dumps([s.reason for s in sorted(found, key=lambda s: -s.points)
                               if s.reason and s.name != RULE_TIMED_OUT], ensure_ascii=False),
    }


def _close_thanks(settings: Settings, statuses: list[Status], by_id: dict[int, Any]) -> tuple[list[Status], str | None]:
    """The waiting messages once the backlog of a feed's first sync and closing acknowledgements are taken out,
    and the reason the conversation closed ("before you started", "they said thanks") when they were all it
    had."""
    from cmtui import signals

    waiting = [s for s in statuses if s.answered_at is None]
    backlog = [s for s in waiting if by_id[s.msg.id]["backlog"]]  # already old at the feed's first sync
    if backlog:
        waiting = [s for s in waiting if s not in backlog]
        if not waiting:
            return waiting, BACKLOG_REASON
    if not settings.thanks_closes:
        return waiting, None
    acks = [s for s in waiting if s.after_our_reply and feature(by_id[s.msg.id], "thanks")
            and not (settings.complaint_words and signals.complaints(by_id[s.msg.id]["text"],
                                                                     settings.complaint_words))]
    still = [s for s in waiting if s not in acks]
    return still, (THANKS_REASON if acks and not still else None)


def waiting_ids(store: Store, config: Config, conv_id: int) -> set[int]:
    """Ids of the messages of one conversation that wait for us, by the same rule as the inbox (thank-you
    notes after our reply closed), for the conversation view."""
    from cmtui.threads import analyse

    found = store.summary_input(conv_id)
    if found is None:
        return set()
    kind, rows = found
    waiting, _ = _close_thanks(Settings(config), analyse(_messages(rows), kind), {r["id"]: r for r in rows})
    return {s.msg.id for s in waiting}
