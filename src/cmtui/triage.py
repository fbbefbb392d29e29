"""Triage: which conversations need a reply, how urgent each is, and why.

Two steps. `summarise()` runs after every sync on the conversations it touched (and on all of them when
the identity or the `[triage]` settings change): it applies the needs-reply rule (`threads.py`), closes
conversations that ended with a thank-you, and turns what the waiting messages say (`signals.py`) into
weighted signals stored with the conversation. `inbox()` adds the signals that depend on the clock
(waiting time against the SLA, stuck questions, bursts) and sorts. Every point of a priority comes from
a named signal, so `cmtui explain ID` can show the sum.

The functions that summarise import `signals` and `threads` where they run: listing the inbox
(`cmtui inbox --json`, the app's first screen) starts without them.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cmtui import text
from cmtui.config import Config, normalise_name
from cmtui.store import NO_LATEST, Clock, Store, hours_between, iso, parse_iso, utc_now

if TYPE_CHECKING:
    from cmtui.signals import Rule
    from cmtui.threads import Status

HOT_WINDOW = timedelta(hours=6)
EXCERPT_CHARS = 280  # the preview of the latest message in the inbox and `inbox --json`
HOT_MESSAGES = 5
STUCK_AFTER_HOURS = 24.0
THANKS_REASON = "they said thanks"
BACKLOG_REASON = "before you started"  # only messages already old at the feed's first sync wait (`backlog_days`)
RULE_TIMED_OUT = "rule_timeout"  # the signal (0 points) of a `[[triage.rules]]` pattern that ran out of time


def rule_timeout_reason(reason: str) -> str:
    """What `cmtui explain` says about a rule whose pattern ran out of time (`signals.RULE_TIMEOUT`)."""
    from cmtui.signals import RULE_TIMEOUT

    return f"rule {json.dumps(reason, ensure_ascii=False)} timed out ({RULE_TIMEOUT * 1000:g} ms): not applied"


def rule_warnings(store: Store) -> list[str]:
    """One line per `[[triage.rules]]` pattern that ran out of time on the waiting messages of some conversations
    (as last summarised), naming the rule's reason and the first conversations: `cmtui sync` prints them."""
    out = []
    for reason, ids in store.signal_reasons(RULE_TIMED_OUT).items():
        shown = ", ".join(map(str, ids[:5])) + (", …" if len(ids) > 5 else "")
        out.append(f"{reason} in {len(ids)} conversation{'s' if len(ids) != 1 else ''} ({shown}); simplify its "
                   f"pattern")
    return out


class Signal(NamedTuple):
    name: str  # the weight's key in [triage.weights]
    reason: str  # shown in the inbox ("" for the base points)
    points: float


class Settings:
    """The parts of the config that triage needs, compiled once."""

    def __init__(self, config: Config) -> None:
        t = config.triage
        self.ours = config.our_names
        self.shown_names = {normalise_name(n): " ".join(n.split()) for n in config.names}  # as the config wrote them
        self.weights = t.weights
        self.sla_hours = t.sla_hours
        self.thanks_closes = t.thanks_closes
        self.complaint_words = tuple(w.lower() for w in t.complaint_words)
        self.vip = {normalise_name(v) for v in t.vip}
        self.regular_messages = t.regular_messages
        self.aliases = t.aliases
        self.rules: list[Rule] = []
        if t.rules:
            from cmtui import signals

            self.rules = [signals.make_rule(r.reason, r.weight, r.pattern, r.words, r.action) for r in t.rules]
        triage = {**t._asdict(), "rules": [r._asdict() for r in t.rules]}
        self.stamp = json.dumps([sorted(self.ours), triage], sort_keys=True, default=str)
        w = self.weights
        self.clock = Clock(sla_hours=t.sla_hours, waiting=w["waiting"], sla_breached=w["sla_breached"],
                           stuck=w["stuck"], hot=w["hot"], stuck_after_hours=STUCK_AFTER_HOURS,
                           hot_messages=HOT_MESSAGES, hot_window_hours=HOT_WINDOW.total_seconds() / 3600)

    def signal(self, name: str, reason: str, scale: float = 1.0) -> Signal:
        return Signal(name, reason, round(self.weights.get(name, 0.0) * scale, 1))


# -- after a sync --------------------------------------------------------------------------


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
            store.mark_ours(settings.ours)
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
    from cmtui import signals
    from cmtui.threads import Msg, analyse

    by_id = {r["id"]: dict(r) for r in rows}
    msgs = [Msg(r["id"], r["parent_id"], bool(r["is_ours"]), bool(r["is_post"]), bool(r["explicit_parent"]),
                r["published"], r["seen_at"], r["author_norm"]) for r in rows]
    statuses = analyse(msgs, kind)
    # Sentiment of the messages that ask for our attention; the parser leaves it out for posts (on a blog
    # they are context), so an opening post that does wait (forums, mentions) is scored here, once.
    sentiment = {s.msg.id: by_id[s.msg.id]["sentiment"] if by_id[s.msg.id]["sentiment"] is not None
                 else signals.sentiment(_said(by_id[s.msg.id])) for s in statuses}
    updates = []
    answered = {s.msg.id: s.answered_at for s in statuses}
    for r in rows:
        score = sentiment.get(r["id"], r["sentiment"])
        if (r["sentiment"], r["answered_at"]) != (score, answered.get(r["id"])):
            updates.append((score, answered.get(r["id"]), r["id"]))
    store.set_message_fields(updates)

    waiting, closed = _close_thanks(settings, statuses, by_id)
    rule_labels: list[str] = []
    if conv_id is not None and any(r.action for r in settings.rules):
        waiting, closed, rule_labels = _rule_actions(store, settings, conv_id, waiting, closed, by_id)
    # A conversation left out as "before you started" is still ranked: `inbox --all` shows how urgent it would be.
    backlog = [s for s in statuses if s.answered_at is None] if closed == BACKLOG_REASON and not waiting else []
    scored = waiting or backlog
    found = _static_signals(people_counts, settings, scored, by_id, sentiment, statuses) if scored else []
    latest = max(msgs, key=lambda m: (m.published, m.id))
    texts = {s.msg.id: by_id[s.msg.id]["text"].casefold() for s in waiting}
    mentions = [s.msg for s in waiting if any(n in texts[s.msg.id] for n in settings.ours)]
    seq = {s.msg.id: by_id[s.msg.id]["seen_seq"] or 0 for s in waiting}  # the order cmtui saw them in: vs done, muted
    stuck = [s.msg.published for s in waiting if s.last_word and _feature(by_id[s.msg.id], "question")]
    latest_at = parse_iso(latest.published)
    burst_start = iso(latest_at - HOT_WINDOW) if latest_at else latest.published
    shown = by_id[waiting[-1].msg.id if waiting else latest.id]  # the inbox's preview of the conversation
    return {
        "messages": len(msgs),
        "unanswered": len(waiting),
        "waiting_since": waiting[0].msg.published if waiting else None,
        "unanswered_seen_at": max(s.msg.seen_at for s in waiting) if waiting else None,
        "unanswered_seen_seq": max(seq.values()) if waiting else None,
        "last_message_at": latest.published,
        "latest_id": latest.id,
        "latest_unanswered_id": waiting[-1].msg.id if waiting else None,
        "latest": json.dumps({"author": shown["author"], "text": text.one_line(shown["text"], EXCERPT_CHARS),
                              "url": text.safe_url(shown["url"])}, ensure_ascii=False),
        "mention_seen_at": max(m.seen_at for m in mentions) if mentions else None,
        "mention_seen_seq": max(seq[m.id] for m in mentions) if mentions else None,
        "signals": json.dumps([list(s) for s in found], separators=(",", ":")),
        "score": sum(s.points for s in found),
        "closed_reason": closed,
        "stuck_since": min(stuck) if stuck else None,
        "burst": sum(1 for m in msgs if m.published >= burst_start),
        "burst_since": latest.published,
        "reasons": json.dumps([s.reason for s in sorted(found, key=lambda s: -s.points)
                               if s.reason and s.name != RULE_TIMED_OUT], ensure_ascii=False),
        "rule_labels": json.dumps(rule_labels, ensure_ascii=False),
    }


def _rule_actions(store: Store, settings: Settings, conv_id: int, waiting: list[Status], closed: str | None,
                  by_id: dict[int, Any]) -> tuple[list[Status], str | None, list[str]]:
    """What the `[[triage.rules]]` with an action do to one conversation: "tag:LABEL" rules read every message
    of someone else (the label stays once answered); a "hide" rule that matches the waiting messages keeps the
    conversation out of the needs-reply inbox (closed with the rule's reason); a "done" rule that matches the
    waiting messages seen since the last done mark marks it done (a later message that does not match reopens
    it). A rule over its time limit does nothing. Returns the waiting messages, the closed reason, the labels."""
    labels: set[str] = set()
    taggers = [r for r in settings.rules if r.action.startswith("tag:")]
    if taggers:
        theirs = "\n".join(_said(r) for r in by_id.values() if not r["is_ours"])
        labels = {r.action[4:] for r in taggers if r.matches(theirs)}
    if waiting and (hiders := [r for r in settings.rules if r.action == "hide"]):
        joined = "\n".join(_said(by_id[s.msg.id]) for s in waiting)
        hidden = next((r for r in hiders if r.matches(joined)), None)
        if hidden is not None:
            return [], hidden.reason, sorted(labels)
    if waiting and (closers := [r for r in settings.rules if r.action == "done"]):
        covered = store.rule_done_seq(conv_id)
        fresh = [s for s in waiting if (by_id[s.msg.id]["seen_seq"] or 0) > covered]
        joined = "\n".join(_said(by_id[s.msg.id]) for s in fresh)
        if fresh and any(r.matches(joined) for r in closers):
            store.mark_done_by_rule(conv_id, max(by_id[s.msg.id]["seen_seq"] or 0 for s in fresh))
    return waiting, closed, sorted(labels)


def _said(row: Any) -> str:
    """What a message says, for the triage: an opening post's title is its author's words too ("This company is a
    joke", a forum topic's question), so it comes first unless the text already opens with it."""
    body: str = row["text"]
    title = (row.get("title") or "").strip() if isinstance(row, dict) and row.get("is_post") else ""
    if not title or text.one_line(body, len(title) + 1).startswith(title.rstrip("…").rstrip()):
        return body
    return f"{title}\n{body}"


def _feature(row: Any, name: str) -> Any:
    """One of `signals.features` of a message row (decoded once and kept on the row's dict; computed for rows
    stored without them, or before the triage model)."""
    found = row.get("_features") if isinstance(row, dict) else None
    if found is None:
        raw = row["features"] if "features" in row.keys() else None
        found = json.loads(raw) if raw else {}
        said = _said(row)
        if "attention" not in found or said is not row["text"]:  # none stored, before the model, or a title to read
            from cmtui import signals

            found = signals.features(said, row.get("sentiment") if isinstance(row, dict) else None)
        if isinstance(row, dict):
            row["_features"] = found
    return found[name]


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
    acks = [s for s in waiting if s.after_our_reply and _feature(by_id[s.msg.id], "thanks")
            and not (settings.complaint_words and signals.complaints(by_id[s.msg.id]["text"],
                                                                     settings.complaint_words))]
    still = [s for s in waiting if s not in acks]
    return still, (THANKS_REASON if acks and not still else None)


def waiting_ids(store: Store, config: Config, conv_id: int) -> set[int]:
    """Ids of the messages of one conversation that wait for us, by the same rule as the inbox (thank-you
    notes after our reply closed), for the conversation view."""
    from cmtui.threads import Msg, analyse

    found = store.summary_input(conv_id)
    if found is None:
        return set()
    kind, rows = found
    msgs = [Msg(r["id"], r["parent_id"], bool(r["is_ours"]), bool(r["is_post"]), bool(r["explicit_parent"]),
                r["published"], r["seen_at"], r["author_norm"]) for r in rows]
    waiting, _ = _close_thanks(Settings(config), analyse(msgs, kind), {r["id"]: r for r in rows})
    return {s.msg.id for s in waiting}


def _static_signals(people_counts: Callable[[list[str]], dict[str, int]], settings: Settings,
                    waiting: list[Status], by_id: dict[int, Any], sentiment: dict[int, float],
                    statuses: list[Status]) -> list[Signal]:
    """Signals that depend only on the messages: what they say and who wrote them."""
    from cmtui import model, signals

    out = [settings.signal("needs_reply", "")]
    texts = [_said(by_id[s.msg.id]) for s in waiting]
    joined = "\n".join(texts)
    estimates = {s.msg.id: model.Estimate(_feature(by_id[s.msg.id], "attention"), _feature(by_id[s.msg.id], "positive"),
                                          tuple(_feature(by_id[s.msg.id], "words"))) for s in waiting}
    worst = max(estimates.values(), key=lambda e: e.attention)
    out += _scam(settings, waiting, by_id)
    complaint_terms = list(dict.fromkeys(t for s in waiting for t in _feature(by_id[s.msg.id], "complaints")))
    if settings.complaint_words:
        complaint_terms += [t for t in signals.complaint_words(settings.complaint_words).find(joined)
                            if t not in complaint_terms]
    if complaint_terms:
        out.append(settings.signal("complaint", "complaint: " + "/".join(complaint_terms[:2])))
    out.append(_negative(settings, worst))
    out += _turning_negative(settings, [sentiment[s.msg.id] for s in statuses])
    problem = bool(complaint_terms) or worst.attention >= NEGATIVE_SHOWN
    if any(signals.sarcasm(t, problem) for t in texts):
        out.append(settings.signal("sarcasm", "sarcasm"))
    between = [s for s in waiting if _between_customers(settings, s, by_id)]
    questions = any(_feature(by_id[s.msg.id], "question") for s in waiting if s not in between)
    if questions:
        out.append(settings.signal("question", "question"))
    if waiting and len(between) == len(waiting) and not problem:
        out.append(settings.signal("between_customers", "customers talking to each other"))
    if any(signals.names_us(t, settings.ours) for t in texts):
        out.append(settings.signal("mention", "mentions us"))
    if not problem and any(signals.sales_lead(t) for t in texts):
        out.append(settings.signal("sales_lead", "sales lead"))
    if any(s.follow_up for s in waiting):
        out.append(settings.signal("follow_up", "wrote again after our reply"))
    authors = {s.msg.author for s in waiting if s.msg.author}
    if len(authors) >= 3:
        out.append(settings.signal("pile_on", f"{len(authors)} people waiting"))
    rude = [t for s in waiting for t in _feature(by_id[s.msg.id], "profanity")]
    if rude:
        out.append(settings.signal("profanity", "profanity"))
    for rule in settings.rules:
        if rule.action and not rule.weight:  # acts only (`_rule_actions`)
            continue
        matched = rule.matches(joined)
        if matched:
            out.append(Signal("rule", rule.reason, rule.weight))
        elif matched is None:  # over its time limit: not applied, and said so (`cmtui explain`, `cmtui sync`)
            out.append(Signal(RULE_TIMED_OUT, rule_timeout_reason(rule.reason), 0.0))
    out += _people(people_counts, settings, waiting, by_id, authors)
    if not problem and not rude and not any(s.name in ("sarcasm", "question") for s in out):
        happiest = min(e.positive for e in estimates.values())  # every waiting message reads as praise
        out.append(settings.signal("praise", "praise" if happiest >= PRAISE_SHOWN else "", happiest))
    return out


NEGATIVE_SHOWN = 0.5  # the model's estimate from which a message reads as a complaint or negative
PRAISE_SHOWN = 0.5  # the positive estimate from which every waiting message reads as praise


def _negative(settings: Settings, worst: Any) -> Signal:
    """The model's share: its estimate for the most negative waiting message times the weight, with the
    words that drove it when it reads as a complaint or negative."""
    if worst.attention < NEGATIVE_SHOWN:
        return settings.signal("negative", "", worst.attention)
    words = ", ".join(f"'{w}'" for w in worst.words)
    return settings.signal("negative", f"negative: {words}" if words else "negative", worst.attention)


def _turning_negative(settings: Settings, theirs: list[float]) -> list[Signal]:
    """Every message by others, oldest first: the recent third clearly more negative than the rest."""
    import statistics  # here and in `report`: the inbox alone does not pay for its import

    if len(theirs) < 3:
        return []
    cut = max(1, len(theirs) // 3)
    earlier, recent = statistics.fmean(theirs[:-cut]), statistics.fmean(theirs[-cut:])
    return [settings.signal("turning_negative", "turning negative")] if recent <= earlier - 0.3 and recent < -0.2 \
        else []


def _scam(settings: Settings, waiting: list[Status], by_id: dict[int, Any]) -> list[Signal]:
    """An author imitating us: with a link or a request for DMs, card, order number, payment or a login it is a
    possible scam, which ranks above everything else."""
    from cmtui import signals

    for s in waiting:
        row = by_id[s.msg.id]
        name = signals.imitates(row["author"], settings.ours)
        if not name:
            continue
        shown, said = settings.shown_names.get(name, name), _said(row)
        if signals.has_link(said) or signals.asks_for_details(said):
            return [settings.signal("scam", f"possible scam: imitates {shown}")]
        return [settings.signal("impersonation", f"impersonates {shown}?")]
    return []


def _between_customers(settings: Settings, status: Status, by_id: dict[int, Any]) -> bool:
    """A reply to another customer's comment that neither names us nor asks anything: people helping each
    other, not a question to us."""
    from cmtui import signals

    row = by_id[status.msg.id]
    parent = by_id.get(status.msg.parent_id) if status.msg.parent_id is not None else None
    if parent is None or parent.get("is_ours") or parent.get("is_post"):
        return False
    return not _feature(row, "question") and not signals.names_us(row["text"], settings.ours)


def _people(people_counts: Callable[[list[str]], dict[str, int]], settings: Settings, waiting: list[Status],
            by_id: dict[int, Any], authors: set[str]) -> list[Signal]:
    """VIPs and regulars among the people waiting."""
    out = []
    vips = sorted({by_id[s.msg.id]["author"] for s in waiting if s.msg.author in settings.vip})
    if vips:
        out.append(settings.signal("vip", "VIP: " + ", ".join(vips)))
    counts = people_counts(sorted(authors - settings.vip))
    regulars = sorted(name for name, n in counts.items() if n >= settings.regular_messages)
    if regulars:
        out.append(settings.signal("regular", "regular: " + ", ".join(regulars[:2])))
    return out


URGENCY_HIGH = 50.0  # without the clock: complaints, negative turns, breaches, impersonation
URGENCY_LOW = 25.0  # praise and chatter: the base points and a weak estimate of the model


def urgency(static_points: float) -> str:
    return "high" if static_points >= URGENCY_HIGH else "low" if static_points <= URGENCY_LOW else "normal"


def classify(settings: Settings, body: str, *, author: str = "someone", after_our_reply: bool = False,
             follow_up: bool = False) -> tuple[bool, float, list[Signal]]:
    """One message on its own, as the triage would see it waiting in a conversation: (needs a reply,
    points without the clock, signals). Used to measure the triage on a labelled set."""
    from cmtui import signals
    from cmtui.threads import Msg, Status
    msg = Msg(1, None, False, False, False, "2026-01-01T00:00:00Z", "-", normalise_name(author))
    status = Status(msg=msg, answered_at=None, after_our_reply=after_our_reply, follow_up=follow_up, last_word=True)
    if settings.thanks_closes and after_our_reply and signals.is_acknowledgement(body, settings.complaint_words):
        return False, 0.0, []
    found = _static_signals(lambda names: {}, settings, [status], {1: {"text": body, "author": author}},
                            {1: signals.sentiment(body)}, [status])
    return True, sum(s.points for s in found), found


# -- the inbox -----------------------------------------------------------------------------


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



# -- people and the response-time report ----------------------------------------------------


@dataclass
class Person:
    name: str
    messages: int = 0
    feeds: set[int] = field(default_factory=set)
    first_seen: str = ""
    last_seen: str = ""
    sentiment: float = 0.0
    negative: int = 0
    positive: int = 0
    addressed: int = 0  # messages that asked for our attention (not posts on blogs)
    answered: int = 0
    marks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["feeds"] = sorted(self.feeds)
        data["sentiment"] = round(self.sentiment, 3)
        data["answered_share"] = round(self.answered / self.addressed, 3) if self.addressed else None
        return data


def people(store: Store, config: Config, now: datetime | None = None) -> list[Person]:
    """Everyone who wrote, merged by `[triage] aliases`, with advocate / detractor marks."""
    refresh(store, config)
    now = now or utc_now()
    merged: dict[str, Person] = {}
    sums: dict[str, float] = defaultdict(float)
    for row in store.people():
        main = config.triage.aliases.get(row["name_norm"])
        key = normalise_name(main) if main else row["name_norm"]
        p = merged.setdefault(key, Person(name=main or row["name"], first_seen=row["first_seen"],
                                          last_seen=row["last_seen"]))
        p.messages += row["messages"]
        p.feeds.update(json.loads(row["feeds"]))
        p.first_seen, p.last_seen = min(p.first_seen, row["first_seen"]), max(p.last_seen, row["last_seen"])
        sums[key] += (row["sentiment"] or 0.0) * row["messages"]
        p.negative += row["negative"] or 0
        p.positive += row["positive"] or 0
        p.answered += row["answered"] or 0
        p.addressed += row["addressed"] or 0
    recent = iso(now - timedelta(days=30))
    for key, p in merged.items():
        p.sentiment = sums[key] / p.messages if p.messages else 0.0
        if p.messages >= 3 and p.sentiment >= 0.3 and p.negative <= 1 and p.last_seen >= recent:
            p.marks.append("advocate")
        if p.negative >= 2 and p.sentiment <= -0.1:
            p.marks.append("detractor")
    return sorted(merged.values(), key=lambda p: (-p.messages, p.name.casefold()))


@dataclass
class ResponseStats:
    label: str
    answered: int = 0
    unanswered: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    within_sla: float | None = None  # share of answered ones answered within the SLA
    oldest_wait_hours: float | None = None


def report(store: Store, config: Config, since: timedelta | None = None,
           now: datetime | None = None) -> dict[str, Any]:
    """First response times from the feeds' own timestamps: overall, per feed and per week."""
    import statistics

    refresh(store, config)
    now = now or utc_now()
    rows = store.responses(iso(now - since) if since else None)
    sla = config.triage.sla_hours
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in rows:
        week = parse_iso(r["published"])
        groups[("all", "all")].append(r)
        groups[("feed", r["feed"] or r["feed_url"])].append(r)
        if week:
            groups[("week", f"{week.isocalendar().year}-W{week.isocalendar().week:02d}")].append(r)

    def stats(label: str, items: list[Any]) -> ResponseStats:
        times = sorted(hours_between(r["published"], parse_iso(r["answered_at"]) or now)
                       for r in items if r["answered_at"])
        waits = [hours_between(r["published"], now) for r in items if not r["answered_at"]]
        out = ResponseStats(label=label, answered=len(times), unanswered=len(waits))
        if times:
            out.median_hours = round(statistics.median(times), 2)
            out.p90_hours = round(times[min(len(times) - 1, int(0.9 * len(times)))], 2)
            out.within_sla = round(sum(t <= sla for t in times) / len(times), 3)
        if waits:
            out.oldest_wait_hours = round(max(waits), 2)
        return out

    return {
        "sla_hours": sla,
        "since": iso(now - since) if since else None,
        "overall": asdict(stats("all", groups.get(("all", "all"), []))),
        "feeds": [asdict(stats(k[1], v)) for k, v in sorted(groups.items()) if k[0] == "feed"],
        "weeks": [asdict(stats(k[1], v)) for k, v in sorted(groups.items()) if k[0] == "week"],
    }
