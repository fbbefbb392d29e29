"""The user's `[[triage.rules]]` that act ("tag:LABEL", "hide", "done"), and the patterns that ran out of time."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cmtui.store import Store
from cmtui.triage.rows import said
from cmtui.triage.settings import Settings

if TYPE_CHECKING:
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
    labels: set[str] = set()
    taggers = [r for r in settings.rules if r.action.startswith("tag:")]
    if taggers:
        theirs = "\n".join(said(r) for r in by_id.values() if not r["is_ours"])
        labels = {r.action[4:] for r in taggers if r.matches(theirs)}
    if waiting and (hiders := [r for r in settings.rules if r.action == "hide"]):
        joined = "\n".join(said(by_id[s.msg.id]) for s in waiting)
        hidden = next((r for r in hiders if r.matches(joined)), None)
        if hidden is not None:
            return [], hidden.reason, sorted(labels)
    if waiting and (closers := [r for r in settings.rules if r.action == "done"]):
        covered = store.rule_done_seq(conv_id)
        fresh = [s for s in waiting if (by_id[s.msg.id]["seen_seq"] or 0) > covered]
        joined = "\n".join(said(by_id[s.msg.id]) for s in fresh)
        if fresh and any(r.matches(joined) for r in closers):
            store.mark_done_by_rule(conv_id, max(by_id[s.msg.id]["seen_seq"] or 0 for s in fresh))
    return waiting, closed, sorted(labels)
