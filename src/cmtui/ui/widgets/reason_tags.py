"""Reason tags: why a conversation is in the inbox (and its state), as short coloured labels."""

from __future__ import annotations

from rich.text import Text
from textual.app import App
from textual.widgets import Static

from cmtui import text
from cmtui.triage import RULE_TIMED_OUT, InboxItem, WaitingMessage
from cmtui.ui import render

# signal name (see `triage`) → theme colour name
SIGNAL_COLORS: dict[str, str] = {
    "complaint": "error", "negative": "error", "turning_negative": "error", "profanity": "error",
    "sla_breached": "error", "impersonation": "error", "impersonation_link": "error", "stuck": "error",
    "question": "warning", "follow_up": "warning", "pile_on": "warning", "vip": "warning", "hot": "warning",
    "regular": "accent", "rule": "accent", "praise": "success", "sla": "foreground-muted",
}
# for reasons without a signal (states, or an older core): a keyword in the reason → colour name
REASON_COLORS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("complaint", "negative", "profanity", "breached", "impersonat", "stuck"), "error"),
    (("question", "wrote again", "waiting", "vip", "hot"), "warning"),
    (("done", "answered", "thanks", "praise"), "success"),
    (("snoozed", "pending"), "primary"),
)


def reason_color(reason: str) -> str:
    lowered = reason.casefold()
    for words, color in REASON_COLORS:
        if any(w in lowered for w in words):
            return color
    return "foreground-muted"


ASSIGNEE_LIMIT = 12  # characters of a teammate's name in the tags ("→ maya"): the reasons still show at 80 columns


def replying_label(names: list[str]) -> str:
    """"maya is replying", "maya and ravi are replying": teammates with the reply editor open."""
    shown = [text.one_line(n, ASSIGNEE_LIMIT) for n in names]
    return f"{shown[0]} is replying" if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]} are replying"


def replying_tag(names: list[str]) -> tuple[str, str]:
    return ("✎ " + replying_label(names), "warning")


def item_tags(item: InboxItem) -> list[tuple[str, str]]:
    """(label, colour name) of who has the conversation ("→ maya") and of its reasons, most points first; the
    waiting time has its own column."""
    by_reason = {s.reason: s.name for s in getattr(item, "signals", []) if s.reason}
    tags = []
    for reason in item.reasons:
        if reason.startswith("waiting "):
            continue
        name = by_reason.get(reason)
        color = SIGNAL_COLORS.get(name, "foreground-muted") if name else reason_color(reason)
        tags.append((text.one_line(reason, 40), color))
    if item.muted and "muted" not in item.reasons:
        tags.append(("muted", "foreground-muted"))
    if item.assigned_to:
        tags.insert(0, ("→ " + text.one_line(item.assigned_to, ASSIGNEE_LIMIT), "primary"))
    if item.replying:
        tags.insert(0, replying_tag(item.replying))
    # new since the user last opened it: a waiting message reached us (seen_at, our clock) after that
    if item.needs_reply and item.unanswered_seen_at and item.opened_at and item.unanswered_seen_at > item.opened_at:
        tags.insert(0, ("new", "accent"))
    return tags


def message_tags(message: WaitingMessage) -> list[tuple[str, str]]:
    """(label, colour name) of a waiting message in the inbox by message: new to the user, who has its
    conversation, then the message's own reasons, most points first."""
    tags = [(text.one_line(s.reason, 40), SIGNAL_COLORS.get(s.name, "foreground-muted"))
            for s in sorted(message.signals, key=lambda s: -s.points) if s.reason and s.name != RULE_TIMED_OUT]
    if message.conversation.assigned_to:
        tags.insert(0, ("→ " + text.one_line(message.conversation.assigned_to, ASSIGNEE_LIMIT), "primary"))
    if message.conversation.replying:
        tags.insert(0, replying_tag(message.conversation.replying))
    if message.new and message.conversation.opened_at:  # opened before, and this one came since
        tags.insert(0, ("new", "accent"))
    return tags


def reason_text(tags: list[tuple[str, str]], palette: dict[str, str]) -> Text:
    """Tags on one line, coloured, separated by a muted dot."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (label, color) in enumerate(tags):
        if i:
            out.append(" · ", style=palette["foreground-muted"])
        out.append(label, style=palette.get(color, palette["foreground-muted"]))
    return out


class ReasonTags(Static):
    """The tags of one conversation (used above the preview)."""

    def show(self, item: InboxItem | None) -> None:
        if item is None:
            self.update("")
            return
        app: App[object] = self.app
        self.update(reason_text(item_tags(item), render.colors(app)))
