"""One conversation: the post and its comments as a thread, ours marked, unanswered and new highlighted."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from cmtui import text
from cmtui.ui import render
from cmtui.ui.data import ThreadMessage, load_thread
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.widgets.thread_view import ThreadView


class ConversationScreen(CmtuiScreen):
    HELP_SECTION: ClassVar[str] = "Conversation"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="conversation.back"),
        Binding("r", "reply", "Reply", id="conversation.reply"),
        Binding("d", "done", "Done", id="conversation.done"),
        Binding("s", "snooze", "Snooze", id="conversation.snooze"),
        Binding("m", "mute", "Mute", id="conversation.mute"),
        Binding("o", "open_url", "Browser", id="conversation.browser"),
    ]

    def __init__(self, conversation_id: int) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.messages: list[ThreadMessage] = []
        self.title_text = ""
        self.url: str | None = None
        self.muted = False
        self.snoozed_until: str | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield Static(id="conversation-head", markup=False)
        yield ThreadView(id="thread")
        yield Footer()

    def on_mount(self) -> None:
        app = self.cmtui
        now = app.now()
        previous = app.mark_opened(self.conversation_id)
        conv = app.store.conversation(self.conversation_id)
        if conv is None:
            self.query_one("#conversation-head", Static).update(Text("This conversation is gone from the store."))
            return
        self.messages = load_thread(app.store, app.config, self.conversation_id, previous)
        self.title_text = text.one_line(conv["title"], 300) or "(untitled)"
        self.url = text.safe_url(conv["url"])
        self._load_state()
        self.query_one("#conversation-head", Static).update(self._head(conv["feed_name"] or "", previous))
        thread = self.query_one(ThreadView)
        thread.show(self.messages, now)
        self.call_after_refresh(self._focus_first)

    def _load_state(self) -> None:
        item = self.cmtui.item(self.conversation_id)
        self.muted = bool(item and item.muted)
        self.snoozed_until = item.snoozed_until if item else None

    def _head(self, feed: str, previous: str | None) -> Text:
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        waiting = [m for m in self.messages if m.unanswered]
        new = [m for m in self.messages if m.new]
        head = Text()
        head.append(self.title_text, style="bold")
        head.append("\n")
        head.append(text.one_line(feed, 60), style=muted)
        if self.url:
            head.append("  ")
            head.append(self.url, style=f"underline {muted}")
        head.append("\n")
        head.append(f"{len(self.messages)} messages", style=muted)
        if waiting:
            oldest = min((m.published or "" for m in waiting), default="")
            head.append(" · ", style=muted)
            head.append(f"{len(waiting)} waiting for a reply, the oldest for "
                        f"{render.ago(oldest, self.cmtui.now()).removesuffix(' ago')}", style=palette["warning"])
        else:
            head.append(" · ", style=muted)
            head.append("nothing waits for a reply", style=palette["success"])
        if new:
            head.append(" · ", style=muted)
            head.append(f"{len(new)} new since you last looked", style=palette["accent"])
        elif previous:
            head.append(f" · last opened {render.ago(previous, self.cmtui.now())}", style=muted)
        if self.muted:
            head.append(" · muted", style=muted)
        return head

    def _focus_first(self) -> None:
        thread = self.query_one(ThreadView)
        cards = thread.cards
        if not cards:
            return
        target = next((c for c in cards if c.message.new), None) or next(
            (c for c in cards if c.message.unanswered), None) or cards[0]
        if target is cards[0]:
            thread.select(target)
            thread.scroll_home(animate=False)
        else:
            thread.select(target, top=True)

    # -- actions ---------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss()

    def _selected(self) -> ThreadMessage | None:
        card = self.query_one(ThreadView).selected
        return card.message if card else None

    def action_open_url(self) -> None:
        selected = self._selected()
        url = (selected.url if selected else None) or self.url
        self.cmtui.open_in_browser(url)

    def action_reply(self) -> None:
        selected = self._selected()
        self.cmtui.reply(self.conversation_id, selected.id if selected else None)

    def action_done(self) -> None:
        item = self.cmtui.item(self.conversation_id)
        if item is not None:
            self.cmtui.mark_done(item)
        self.dismiss()

    def action_snooze(self) -> None:
        def snoozed(done: bool | None) -> None:
            if done:
                self.dismiss()

        self.cmtui.ask_snooze(self.conversation_id, self.title_text, self.snoozed_until, then=snoozed)

    def action_mute(self) -> None:
        self.cmtui.toggle_mute(self.conversation_id, self.title_text, self.muted)
        self._load_state()
