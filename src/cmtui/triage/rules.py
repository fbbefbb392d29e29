"""The user's `[[triage.rules]]` that act ("tag:LABEL", "hide", "done"), and the patterns that ran out of time."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cmtui.store import Store
from cmtui.triage.rows import said
from cmtui.triage.settings import Settings

if TYPE_CHECKING:
    from cmtui.signals import Rule
    from cmtui.threads import Status

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


def rule_actions(store: Store, settings: Settings, conv_id: int, waiting: list[Status], closed: str | None,
                 by_id: dict[int, Any]) -> tuple[list[Status], str | None, list[str]]:
    """What the `[[triage.rules]]` with an action do to one conversation: "tag:LABEL" rules read every message
    of someone else (the label stays once answered); a "hide" rule that matches the waiting messages keeps the
    conversation out of the needs-reply inbox (closed with the rule's reason); a "done" rule that matches the
    waiting messages seen since the last done mark marks it done (a later message that does not match reopens
    it). A rule over its time limit does nothing. Returns the waiting messages, the closed reason, the labels."""
    labels = _labels(settings.rules, by_id)
    if not waiting:
        return waiting, closed, labels
    hidden = _hiding_rule(settings.rules, waiting, by_id)
    if hidden is not None:
        return [], hidden.reason, labels
    _mark_done(store, settings.rules, conv_id, waiting, by_id)
    return waiting, closed, labels


def _labels(rules: list[Rule], by_id: dict[int, Any]) -> list[str]:
    """The labels of the "tag:LABEL" rules that match what others wrote in the conversation, sorted."""
    taggers = [r for r in rules if r.action.startswith("tag:")]
    if not taggers:
        return []
    theirs = "\n".join(said(r) for r in by_id.values() if not r["is_ours"])
    return sorted({r.action[4:] for r in taggers if r.matches(theirs)})


def _hiding_rule(rules: list[Rule], waiting: list[Status], by_id: dict[int, Any]) -> Rule | None:
    """The first "hide" rule that matches the waiting messages, if any."""
    hiders = [r for r in rules if r.action == "hide"]
    if not hiders:
        return None
    joined = _joined(waiting, by_id)
    return next((r for r in hiders if r.matches(joined)), None)


def _mark_done(store: Store, rules: list[Rule], conv_id: int, waiting: list[Status], by_id: dict[int, Any]) -> None:
    """Mark the conversation done when a "done" rule matches the waiting messages seen since its last done mark."""
    closers = [r for r in rules if r.action == "done"]
    if not closers:
        return
    covered = store.rule_done_seq(conv_id)
    fresh = [s for s in waiting if _seen_seq(s, by_id) > covered]
    if not fresh:
        return
    joined = _joined(fresh, by_id)
    if any(r.matches(joined) for r in closers):
        store.mark_done_by_rule(conv_id, max(_seen_seq(s, by_id) for s in fresh))


def _joined(statuses: list[Status], by_id: dict[int, Any]) -> str:
    return "\n".join(said(by_id[s.msg.id]) for s in statuses)


def _seen_seq(status: Status, by_id: dict[int, Any]) -> int:
    """The order cmtui saw the message in (0 when not known)."""
    return int(by_id[status.msg.id]["seen_seq"] or 0)
