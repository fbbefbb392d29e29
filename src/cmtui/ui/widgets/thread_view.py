"""The thread view: the post and its comments as an indented tree of message cards.

A conversation can have 10,000 comments: mounting a widget for each took seconds. The view mounts one page of
`PAGE` cards at a time; j/k, n, g/G move through the whole thread and bring in the page they lead to."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from cmtui import text
from cmtui.ui import render
from cmtui.ui.data import BYLINE_LIMIT, ThreadMessage

MAX_DEPTH = 6  # deeper replies are drawn at this indentation (classes -depth-0 … -depth-6 in cmtui.tcss)
PAGE = 40  # cards mounted at a time (a screen shows about ten)


def card_title(message: ThreadMessage, now: datetime) -> Text:
    """`Author (@account) · 3 h ago · Fri 20 Nov 09:14`: the byline is literal text."""
    title = Text(no_wrap=True, overflow="ellipsis")
    title.append(text.one_line(message.byline, BYLINE_LIMIT) or "(anonymous)", style="bold")
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
        # no id: a page mounted again while its old cards are still being removed would repeat it
        super().__init__(Text(message.text or "(no text)"), classes=" ".join(classes), markup=False)
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

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.messages: list[ThreadMessage] = []
        self.page_start = 0  # index in `messages` of the first mounted card
        self._index: dict[int, int] = {}  # message id -> index in `messages`
        self._now: datetime | None = None
        self._cards: list[MessageCard] = []

    def show(self, messages: list[ThreadMessage], now: datetime) -> None:
        """The thread's messages; the first page is mounted."""
        self.messages, self._now = messages, now
        self._index = {m.id: i for i, m in enumerate(messages)}
        self._mount_page(0)

    def _mount_page(self, start: int) -> None:
        assert self._now is not None
        self.page_start = start
        self.remove_children()
        now = self._now
        self._cards = [MessageCard(m, now) for m in self.messages[start:start + PAGE]]
        self.mount_all(self._cards)

    @property
    def cards(self) -> list[MessageCard]:
        """The cards of the page mounted now (removed ones linger in the DOM for a moment: not these)."""
        return list(self._cards)

    @property
    def selected(self) -> MessageCard | None:
        focused = self.screen.focused
        return focused if isinstance(focused, MessageCard) else None

    def card_at(self, index: int) -> MessageCard:
        """The card of `messages[index]`, its page mounted first when it is another one."""
        if not self.page_start <= index < self.page_start + PAGE:
            self._mount_page(index - index % PAGE)
        return self._cards[index - self.page_start]

    def reveal(self, message_id: int) -> MessageCard | None:
        """The card of this message (its page mounted), or None when the thread does not hold it."""
        index = self._index.get(message_id)
        return self.card_at(index) if index is not None else None

    def select(self, card: MessageCard | None, *, top: bool = False) -> None:
        if card is None:
            return
        card.focus(scroll_visible=False)
        if top:
            self.call_after_refresh(self.scroll_to_widget, card, top=True, animate=False)
        else:
            self.call_after_refresh(self.scroll_to_widget, card, animate=False)

    def _current_index(self) -> int | None:
        current = self.selected
        return self._index.get(current.message.id) if current is not None else None

    def action_move(self, step: int) -> None:
        if not self.messages:
            return
        current = self._current_index()
        index = current + step if current is not None else self.page_start
        self.select(self.card_at(max(0, min(index, len(self.messages) - 1))))

    def action_first(self) -> None:
        if self.messages:
            self.select(self.card_at(0))
            self.call_after_refresh(self.scroll_home, animate=False)

    def action_last(self) -> None:
        if self.messages:
            self.select(self.card_at(len(self.messages) - 1))
            self.call_after_refresh(self.scroll_end, animate=False)

    def action_next_unanswered(self) -> None:
        """Jump to the next message waiting for a reply (wrapping around)."""
        waiting = [i for i, m in enumerate(self.messages) if m.unanswered]
        if not waiting:
            self.notify("Nothing in this conversation waits for a reply", markup=False)
            return
        current = self._current_index()
        start = current if current is not None else -1
        after = [i for i in waiting if i > start]
        self.select(self.card_at((after or waiting)[0]))

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)
