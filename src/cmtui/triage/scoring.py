"""The signals that depend only on a conversation's waiting messages: what they say and who wrote them. Each
signal's reason is worded here, once.

Imported where a conversation is summarised (`summary`, `one_message`), not with the package: listing the inbox
starts without `signals` and the model.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cmtui import model, signals
from cmtui.triage.rows import feature, said
from cmtui.triage.rules import RULE_TIMED_OUT, rule_timeout_reason
from cmtui.triage.settings import Settings, Signal

if TYPE_CHECKING:
    from cmtui.threads import Status

NEGATIVE_SHOWN = 0.5  # the model's estimate from which a message reads as a complaint or negative
PRAISE_SHOWN = 0.5  # the positive estimate from which every waiting message reads as praise


def static_signals(people_counts: Callable[[list[str]], dict[str, int]], settings: Settings,
                   waiting: list[Status], by_id: dict[int, Any], sentiment: dict[int, float],
                   statuses: list[Status]) -> list[Signal]:
    """Signals that depend only on the messages: what they say and who wrote them."""
    out = [settings.signal("needs_reply", "")]
    texts = [said(by_id[s.msg.id]) for s in waiting]
    joined = "\n".join(texts)
    estimates = {s.msg.id: model.Estimate(feature(by_id[s.msg.id], "attention"), feature(by_id[s.msg.id], "positive"),
                                          tuple(feature(by_id[s.msg.id], "words"))) for s in waiting}
    worst = max(estimates.values(), key=lambda e: e.attention)
    out += _scam(settings, waiting, by_id)
    complaint_terms = list(dict.fromkeys(t for s in waiting for t in feature(by_id[s.msg.id], "complaints")))
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
    questions = any(feature(by_id[s.msg.id], "question") for s in waiting if s not in between)
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
    rude = [t for s in waiting for t in feature(by_id[s.msg.id], "profanity")]
    if rude:
        out.append(settings.signal("profanity", "profanity"))
    for rule in settings.rules:
        if rule.action and not rule.weight:  # acts only (`rules.rule_actions`)
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


def _negative(settings: Settings, worst: Any) -> Signal:
    """The model's share: its estimate for the most negative waiting message times the weight, with the
    words that drove it when it reads as a complaint or negative."""
    if worst.attention < NEGATIVE_SHOWN:
        return settings.signal("negative", "", worst.attention)
    words = ", ".join(f"'{w}'" for w in worst.words)
    return settings.signal("negative", f"negative: {words}" if words else "negative", worst.attention)


def _turning_negative(settings: Settings, theirs: list[float]) -> list[Signal]:
    """Every message by others, oldest first: the recent third clearly more negative than the rest."""
    if len(theirs) < 3:
        return []
    cut = max(1, len(theirs) // 3)
    earlier, recent = statistics.fmean(theirs[:-cut]), statistics.fmean(theirs[-cut:])
    return [settings.signal("turning_negative", "turning negative")] if recent <= earlier - 0.3 and recent < -0.2 \
        else []


def _scam(settings: Settings, waiting: list[Status], by_id: dict[int, Any]) -> list[Signal]:
    """An author imitating us: with a link or a request for DMs, card, order number, payment or a login it is a
    possible scam, which ranks above everything else."""
    for s in waiting:
        row = by_id[s.msg.id]
        name = signals.imitates(row["author"], settings.ours)
        if not name:
            continue
        shown, words = settings.shown_names.get(name, name), said(row)
        if signals.has_link(words) or signals.asks_for_details(words):
            return [settings.signal("scam", f"possible scam: imitates {shown}")]
        return [settings.signal("impersonation", f"impersonates {shown}?")]
    return []


def _between_customers(settings: Settings, status: Status, by_id: dict[int, Any]) -> bool:
    """A reply to another customer's comment that neither names us nor asks anything: people helping each
    other, not a question to us."""
    row = by_id[status.msg.id]
    parent = by_id.get(status.msg.parent_id) if status.msg.parent_id is not None else None
    if parent is None or parent.get("is_ours") or parent.get("is_post"):
        return False
    return not feature(row, "question") and not signals.names_us(row["text"], settings.ours)


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
