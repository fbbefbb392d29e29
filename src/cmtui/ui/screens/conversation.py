"""One conversation: the post and its comments as a thread, ours marked, unanswered and new highlighted; under its
header the priority and each signal with its points (as `cmtui explain ID` lists them).

The conversation is read by a thread worker (10,000 comments take a while to read and order), then recorded as
opened by another, after it is shown: the UI thread neither reads nor waits on the store to open it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Static

from cmtui import team, text
from cmtui.store import Store
from cmtui.ui import render
from cmtui.ui.data import LoadedThread, Ranking, ThreadMessage, read_thread
from cmtui.ui.messages import ThreadLoaded
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.widgets.thread_view import ThreadView

REASON_CHARS = 60  # of one signal's reason in the priority line (its words come from a feed)


def points(value: float) -> str:
    """`+30`, `+1.6`, `-20`: a signal's points as `cmtui explain` prints them, without a trailing `.0`."""
    return f"{value:+.1f}".removesuffix(".0")


def priority_line(ranking: Ranking, muted: str) -> Text:
    """`priority 87 · complaint: refund +30 · SLA breached 26 h +15 · question +15 …`: the total and each
    signal with its points, as `cmtui explain ID` lists them (a signal without a reason by its name). Plain
    text: reasons quote a feed's words."""
    line = Text()
    if ranking.needs_reply:
        line.append(f"priority {points(ranking.priority).lstrip('+')}", style="bold")
    else:
        line.append("not in the inbox now", style=muted)
    for signal in ranking.signals:
        line.append(" · ", style=muted)
        line.append(text.one_line(signal.reason, REASON_CHARS) or signal.name.replace("_", " "))
        line.append(f" {points(signal.points)}", style=muted)
    return line


class ConversationScreen(CmtuiScreen):
    HELP_SECTION: ClassVar[str] = "Conversation"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="conversation.back"),
        Binding("r", "reply", "Reply", id="conversation.reply"),
        Binding("d", "done", "Done", id="conversation.done"),
        Binding("s", "snooze", "Snooze", id="conversation.snooze"),
        Binding("m", "mute", "Mute", id="conversation.mute"),
        Binding("o", "open_url", "Browser", id="conversation.browser"),
        Binding("a", "assign", "Assign to me", show=False, id="conversation.assign"),
        Binding("A", "unassign", "Unassign", show=False, id="conversation.unassign"),
    ]

    def __init__(self, conversation_id: int, message_id: int | None = None) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.focus_id = message_id  # the message to show first (opened from its row in the inbox by message)
        self.messages: list[ThreadMessage] = []
        self.title_text = ""
        self.url: str | None = None
        self.muted = False
        self.snoozed_until: str | None = None
        self.assigned_to: str | None = None
        self.ranking: Ranking | None = None
        self.loaded: LoadedThread | None = None

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield Static(id="conversation-head", markup=False)
        yield ThreadView(id="thread")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#conversation-head", Static).update(Text("Reading the conversation…"))
        self.run_worker(self._read, thread=True, exclusive=True, group="conversation", exit_on_error=False,
                        description="Reading a conversation")

    def _read(self) -> None:
        """Thread worker: the conversation, on a connection of its own."""
        app = self.cmtui
        with Store.open(app.db_path) as store:
            self.post_message(ThreadLoaded(read_thread(store, app.config, self.conversation_id, app.now())))

    @on(ThreadLoaded)
    def _loaded(self, event: ThreadLoaded) -> None:
        loaded = event.thread
        self.cmtui.marks.mark_opened(self.conversation_id)
        if loaded is None:
            self.query_one("#conversation-head", Static).update(Text("This conversation is gone from the store."))
            return
        self.loaded = loaded
        self.messages = loaded.messages
        self.title_text, self.url = loaded.title, loaded.url
        self.muted, self.snoozed_until = loaded.muted, loaded.snoozed_until
        self.assigned_to, self.ranking = loaded.assigned_to, loaded.ranking
        self._show_head()
        self.query_one(ThreadView).show(self.messages, self.cmtui.now())
        self.call_after_refresh(self._focus_first)

    def _load_state(self) -> None:
        item = self.cmtui.item(self.conversation_id)
        self.muted = bool(item and item.muted)
        self.snoozed_until = item.snoozed_until if item else None
        self.assigned_to = item.assigned_to if item else None
        self.ranking = Ranking.of(item)
        self._show_head()

    def _show_head(self) -> None:
        if self.loaded is not None:
            self.query_one("#conversation-head", Static).update(self._head(self.loaded.feed_name,
                                                                           self.loaded.previous))

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
        head.append(f"{len(self.messages)} message{'' if len(self.messages) == 1 else 's'}", style=muted)
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
        if self.assigned_to:
            head.append(" · ", style=muted)
            head.append(f"assigned to {text.one_line(self.assigned_to, 40)}", style=palette["primary"])
        if self.ranking is not None and (self.ranking.needs_reply or self.ranking.signals):
            head.append("\n")
            head.append_text(priority_line(self.ranking, muted))
        return head

    def _focus_first(self) -> None:
        """The message it was opened at, else the first new message, else the first waiting for a reply, else the
        post."""
        thread = self.query_one(ThreadView)
        if not self.messages:
            return
        index = next((i for i, m in enumerate(self.messages) if m.id == self.focus_id), None)
        if index is None:
            index = next((i for i, m in enumerate(self.messages) if m.new), None)
        if index is None:
            index = next((i for i, m in enumerate(self.messages) if m.unanswered), 0)
        if index == 0:
            thread.select(thread.card_at(0))
            thread.scroll_home(animate=False)
        else:
            thread.select(thread.card_at(index), top=True)

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
            self.cmtui.marks.mark_done(item)
        self.dismiss()

    def action_snooze(self) -> None:
        def snoozed(done: bool | None) -> None:
            if done:
                self.dismiss()

        self.cmtui.marks.ask_snooze(self.conversation_id, self.title_text, self.snoozed_until, then=snoozed)

    def action_mute(self) -> None:
        self.cmtui.marks.toggle_mute(self.conversation_id, self.title_text, self.muted)
        self._load_state()

    def action_assign(self) -> None:
        self.cmtui.marks.assign(self.conversation_id, self.title_text, team.me(self.cmtui.config), self.assigned_to)
        self._load_state()

    def action_unassign(self) -> None:
        self.cmtui.marks.assign(self.conversation_id, self.title_text, None, self.assigned_to)
        self._load_state()
