"""The signals that depend only on a conversation's waiting messages: what they say and who wrote them.

Each signal is a small function in `SIGNALS` that reads a `Waiting` and returns the signals it finds (usually
none or one); each reason is worded there, once. `static_signals` runs them in order (the order in which
`cmtui explain` lists signals of equal points).

Imported where a conversation is summarised (`summary`, `one_message`), not with the package: listing the inbox
starts without `signals` and the model.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cmtui import identity, model, signals
from cmtui.triage.rows import feature, said
from cmtui.triage.rules import RULE_TIMED_OUT, rule_timeout_reason
from cmtui.triage.settings import Settings, Signal

if TYPE_CHECKING:
    from cmtui.threads import Status

NEGATIVE_SHOWN = 0.5  # the model's estimate from which a message reads as a complaint or negative
PRAISE_SHOWN = 0.5  # the positive estimate from which every waiting message reads as praise
PILE_ON_PEOPLE = 3  # different people waiting in one conversation


@dataclass
class Waiting:
    """What the signal functions read: the waiting messages of one conversation (at least one) and what they
    say. What several signals need is worked out once, on first use."""

    settings: Settings
    waiting: list[Status]
    by_id: dict[int, Any]  # the conversation's message rows by id
    sentiment: dict[int, float]  # by message id, for every message of `statuses`
    statuses: list[Status]  # every message by others, oldest first
    people_counts: Callable[[list[str]], dict[str, int]]  # how many messages each of these people wrote

    def feature(self, status: Status, name: str) -> Any:
        return feature(self.by_id[status.msg.id], name)

    @cached_property
    def texts(self) -> list[str]:
        return [said(self.by_id[s.msg.id]) for s in self.waiting]

    @cached_property
    def joined(self) -> str:
        return "\n".join(self.texts)

    @cached_property
    def estimates(self) -> list[model.Estimate]:
        return [model.Estimate(self.feature(s, "attention"), self.feature(s, "positive"),
                               tuple(self.feature(s, "words"))) for s in self.waiting]

    @cached_property
    def worst(self) -> model.Estimate:
        """The model's estimate for the most negative waiting message."""
        return max(self.estimates, key=lambda e: e.attention)

    @cached_property
    def complaint_terms(self) -> list[str]:
        """The built-in complaint words found when the messages were parsed, then the config's own."""
        terms = list(dict.fromkeys(t for s in self.waiting for t in self.feature(s, "complaints")))
        if self.settings.complaint_words:
            extra = signals.complaint_words(self.settings.complaint_words).find(self.joined)
            terms += [t for t in extra if t not in terms]
        return terms

    @cached_property
    def problem(self) -> bool:
        """They report a problem: complaint words, or the model reads a message as negative."""
        return bool(self.complaint_terms) or self.worst.attention >= NEGATIVE_SHOWN

    @cached_property
    def between(self) -> list[Status]:
        """The waiting replies that are customers talking to each other (`_talks_to_a_customer`)."""
        return [s for s in self.waiting if _talks_to_a_customer(self, s)]

    @cached_property
    def asks(self) -> bool:
        return any(self.feature(s, "question") for s in self.waiting if s not in self.between)

    @cached_property
    def sarcastic(self) -> bool:
        return any(signals.sarcasm(t, self.problem) for t in self.texts)

    @cached_property
    def authors(self) -> set[str]:
        return {s.msg.author for s in self.waiting if s.msg.author}

    @cached_property
    def rude(self) -> bool:
        return any(self.feature(s, "profanity") for s in self.waiting)


def _talks_to_a_customer(w: Waiting, status: Status) -> bool:
    """A reply to another customer's comment that neither names us nor asks anything: people helping each
    other, not a question to us."""
    row = w.by_id[status.msg.id]
    parent = w.by_id.get(status.msg.parent_id) if status.msg.parent_id is not None else None
    if parent is None or parent.get("is_ours") or parent.get("is_post"):
        return False
    return not feature(row, "question") and not signals.names_us(row["text"], w.settings.ours)


def _one(w: Waiting, found: bool, name: str, reason: str) -> list[Signal]:
    """The signal `name` with its reason when `found`, else none."""
    return [w.settings.signal(name, reason)] if found else []


# -- the signals, in the order they are listed ---------------------------------------------


def _needs_reply(w: Waiting) -> list[Signal]:
    """The base points of every conversation that waits."""
    return [w.settings.signal("needs_reply", "")]


def _scam(w: Waiting) -> list[Signal]:
    """An author imitating us: with a link or a request for DMs, card, order number, payment or a login it is a
    possible scam, which ranks above everything else."""
    for s in w.waiting:
        row = w.by_id[s.msg.id]
        name = poses_as(w.settings, row)
        if not name:
            continue
        shown, words = w.settings.shown_names.get(name, name), said(row)
        if signals.has_link(words) or signals.asks_for_details(words):
            return [w.settings.signal("scam", f"possible scam: imitates {shown}")]
        return [w.settings.signal("impersonation", f"impersonates {shown}?")]
    return []


def poses_as(settings: Settings, row: dict[str, Any]) -> str | None:
    """The name or handle of ours that a message by someone else uses: on a platform with accounts our name or
    handle from another account (`Identity.copies`), else a look-alike of them (`signals.imitates`), in its name
    or its account's."""
    acct = row.get("account")
    found = settings.us.copies(row.get("author_norm") or "", acct)
    if found:
        return found
    found = signals.imitates(row["author"], settings.ours)
    if found or not acct:
        return found
    return signals.imitates(identity.user(acct), settings.ours)


def _complaint(w: Waiting) -> list[Signal]:
    return _one(w, bool(w.complaint_terms), "complaint", "complaint: " + "/".join(w.complaint_terms[:2]))


def _negative(w: Waiting) -> list[Signal]:
    """The model's share: its estimate for the most negative waiting message times the weight, with the
    words that drove it when it reads as a complaint or negative."""
    worst = w.worst
    if worst.attention < NEGATIVE_SHOWN:
        return [w.settings.signal("negative", "", worst.attention)]
    words = ", ".join(f"'{word}'" for word in worst.words)
    return [w.settings.signal("negative", f"negative: {words}" if words else "negative", worst.attention)]


def _turning_negative(w: Waiting) -> list[Signal]:
    """Every message by others, oldest first: the recent third clearly more negative than the rest."""
    theirs = [w.sentiment[s.msg.id] for s in w.statuses]
    if len(theirs) < 3:
        return []
    cut = max(1, len(theirs) // 3)
    earlier, recent = statistics.fmean(theirs[:-cut]), statistics.fmean(theirs[-cut:])
    return _one(w, recent <= earlier - 0.3 and recent < -0.2, "turning_negative", "turning negative")


def _sarcasm(w: Waiting) -> list[Signal]:
    return _one(w, w.sarcastic, "sarcasm", "sarcasm")


def _question(w: Waiting) -> list[Signal]:
    return _one(w, w.asks, "question", "question")


def _between_customers(w: Waiting) -> list[Signal]:
    found = len(w.between) == len(w.waiting) and not w.problem
    return _one(w, found, "between_customers", "customers talking to each other")


def _mention(w: Waiting) -> list[Signal]:
    return _one(w, any(signals.names_us(t, w.settings.ours) for t in w.texts), "mention", "mentions us")


def _sales_lead(w: Waiting) -> list[Signal]:
    return _one(w, not w.problem and any(signals.sales_lead(t) for t in w.texts), "sales_lead", "sales lead")


def _follow_up(w: Waiting) -> list[Signal]:
    return _one(w, any(s.follow_up for s in w.waiting), "follow_up", "wrote again after our reply")


def _pile_on(w: Waiting) -> list[Signal]:
    return _one(w, len(w.authors) >= PILE_ON_PEOPLE, "pile_on", f"{len(w.authors)} people waiting")


def _profanity(w: Waiting) -> list[Signal]:
    return _one(w, w.rude, "profanity", "profanity")


def _rules(w: Waiting) -> list[Signal]:
    """The `[[triage.rules]]` with a weight that match; a rule over its time limit is not applied, and says so
    (`cmtui explain`, `cmtui sync`). Rules that only act are `rules.rule_actions`."""
    out = []
    for rule in w.settings.rules:
        if rule.action and not rule.weight:
            continue
        matched = rule.matches(w.joined)
        if matched:
            out.append(Signal("rule", rule.reason, rule.weight))
        elif matched is None:
            out.append(Signal(RULE_TIMED_OUT, rule_timeout_reason(rule.reason), 0.0))
    return out


def _vip(w: Waiting) -> list[Signal]:
    vips = sorted({w.by_id[s.msg.id]["author"] for s in w.waiting if s.msg.author in w.settings.vip})
    return _one(w, bool(vips), "vip", "VIP: " + ", ".join(vips))


def _regular(w: Waiting) -> list[Signal]:
    """People who wrote at least `regular_messages` messages (VIPs count as VIPs only)."""
    counts = w.people_counts(sorted(w.authors - w.settings.vip))
    regulars = sorted(name for name, n in counts.items() if n >= w.settings.regular_messages)
    return _one(w, bool(regulars), "regular", "regular: " + ", ".join(regulars[:2]))


def _praise(w: Waiting) -> list[Signal]:
    """No problem, no question, no sarcasm: points by how surely every waiting message reads as praise."""
    if w.problem or w.rude or w.sarcastic or w.asks:
        return []
    happiest = min(e.positive for e in w.estimates)
    return [w.settings.signal("praise", "praise" if happiest >= PRAISE_SHOWN else "", happiest)]


SIGNALS: tuple[Callable[[Waiting], list[Signal]], ...] = (
    _needs_reply, _scam, _complaint, _negative, _turning_negative, _sarcasm, _question, _between_customers,
    _mention, _sales_lead, _follow_up, _pile_on, _profanity, _rules, _vip, _regular, _praise,
)


def static_signals(people_counts: Callable[[list[str]], dict[str, int]], settings: Settings,
                   waiting: list[Status], by_id: dict[int, Any], sentiment: dict[int, float],
                   statuses: list[Status]) -> list[Signal]:
    """Every signal of `SIGNALS` that the waiting messages (at least one) give, in order."""
    found = Waiting(settings, waiting, by_id, sentiment, statuses, people_counts)
    return [s for signal in SIGNALS for s in signal(found)]
