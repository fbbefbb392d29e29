"""The thread view: the post and its comments as an indented tree of message cards."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from cmtui import text
from cmtui.ui import render
from cmtui.ui.data import ThreadMessage

MAX_DEPTH = 6  # deeper replies are drawn at this indentation (classes -depth-0 … -depth-6 in cmtui.tcss)


def card_title(message: ThreadMessage, now: datetime) -> Text:
    """`Author · 3 h ago · Fri 20 Nov 09:14`: the author is literal text."""
    title = Text(no_wrap=True, overflow="ellipsis")
    title.append(text.one_line(message.author, 80) or "(anonymous)", style="bold")
    title.append(f" · {render.when_label(message.published, now)}")
    return title


def card_badges(message: ThreadMessage) -> Text:
    """The state badges drawn in the card's bottom border: post, ours, waiting for a reply, new."""
    badges = [label for flag, label in ((message.is_post, "post"), (message.is_ours, "● ours"),
                                         (message.unanswered, "waiting for a reply"), (message.new, "new"))
              if flag]
    return Text(" · ".join(badges))


class MessageCard(Static, can_focus=True):
    """One message: author and time in the border, the text inside, state as classes for the stylesheet."""

    def __init__(self, message: ThreadMessage, now: datetime) -> None:
        classes = [f"-depth-{min(message.depth, MAX_DEPTH)}"]
        classes += [name for flag, name in ((message.is_ours, "-ours"), (message.is_post, "-post"),
                                            (message.unanswered, "-unanswered"), (message.new, "-new")) if flag]
        super().__init__(Text(message.text or "(no text)"), classes=" ".join(classes), markup=False,
                         id=f"message-{message.id}")
        self.message = message
        self.border_title = card_title(message, now)
        badges = card_badges(message)
        if badges.plain:
            self.border_subtitle = badges


class ThreadView(VerticalScroll, can_focus=False, inherit_bindings=False):
    """The cards of one conversation; j/k move between messages, the focused one is the selection."""

    HELP_SECTION: ClassVar[str] = "Conversation"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Next message", show=False, id="conversation.next"),
        Binding("k,up", "move(-1)", "Previous message", show=False, id="conversation.previous"),
        Binding("g,home", "first", "First message", show=False, id="conversation.first"),
        Binding("G,end", "last", "Last message", show=False, id="conversation.last"),
        Binding("n", "next_unanswered", "Next waiting", id="conversation.next_waiting"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="conversation.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="conversation.page_up"),
    ]

    def show(self, messages: list[ThreadMessage], now: datetime) -> None:
        self.remove_children()
        self.mount_all([MessageCard(m, now) for m in messages])

    @property
    def cards(self) -> list[MessageCard]:
        return list(self.query(MessageCard))

    @property
    def selected(self) -> MessageCard | None:
        focused = self.screen.focused
        return focused if isinstance(focused, MessageCard) else None

    def select(self, card: MessageCard | None, *, top: bool = False) -> None:
        if card is None:
            return
        card.focus(scroll_visible=False)
        if top:
            self.scroll_to_widget(card, top=True, animate=False)
        else:
            self.scroll_to_widget(card, animate=False)

    def action_move(self, step: int) -> None:
        cards = self.cards
        if not cards:
            return
        current = self.selected
        index = cards.index(current) + step if current in cards else 0
        self.select(cards[max(0, min(index, len(cards) - 1))])

    def action_first(self) -> None:
        cards = self.cards
        if cards:
            self.select(cards[0])
            self.scroll_home(animate=False)

    def action_last(self) -> None:
        cards = self.cards
        if cards:
            self.select(cards[-1])
            self.scroll_end(animate=False)

    def action_next_unanswered(self) -> None:
        """Jump to the next message waiting for a reply (wrapping around)."""
        cards = self.cards
        waiting = [c for c in cards if c.message.unanswered]
        if not waiting:
            self.notify("Nothing in this conversation waits for a reply", markup=False)
            return
        current = self.selected
        start = cards.index(current) if current in cards else -1
        after = [c for c in waiting if cards.index(c) > start]
        self.select((after or waiting)[0])

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)
