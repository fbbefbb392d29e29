"""One conversation: the post and its comments as a thread, ours marked, unanswered and new highlighted; under its
header the priority and each signal with its points (as `cmtui explain ID` lists them).

The conversation is read by a thread worker (10,000 comments take a while to read and order), then recorded as
opened by another, after it is shown: the UI thread neither reads nor waits on the store to open it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from cmtui import team, text
from cmtui.store import Store
from cmtui.ui import render
from cmtui.ui.data import LoadedThread, Note, Ranking, ThreadMessage, ThreadState, read_state, read_thread
from cmtui.ui.messages import ThreadLoaded
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.widgets.reason_tags import replying_label
from cmtui.ui.widgets.thread_view import ThreadView

REASON_CHARS = 60  # of one signal's reason in the priority line (its words come from a feed)
NOTES_SHOWN = 5  # the newest notes under the header; the older ones are counted
NOTE_CHARS = 200  # of one note's text on its line


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


def notes_lines(notes: tuple[Note, ...], now: datetime, palette: dict[str, str]) -> Text:
    """`Internal note · ravi · 2 h ago: asked billing, ticket 4411`, one line a note, oldest first (the newest
    `NOTES_SHOWN`; a line counts the older ones): what the team wrote about it, never posted."""
    muted = palette["foreground-muted"]
    out = Text()
    older = len(notes) - NOTES_SHOWN
    if older > 0:
        out.append(f"{older} older note{'' if older == 1 else 's'} · cmtui inbox --json lists them all", style=muted)
    for note in notes[-NOTES_SHOWN:]:
        if out:
            out.append("\n")
        out.append("Internal note", style=f"bold {palette['primary']}")
        out.append(f" · {text.one_line(note.author, 40) or '?'} · {render.ago(note.time, now)}: ", style=muted)
        out.append(text.one_line(note.text, NOTE_CHARS))
    return out


class StateRead(Message):
    """A worker read the conversation's `ThreadState` again."""

    def __init__(self, conversation_id: int, state: ThreadState) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.state = state


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
        Binding("N", "note", "Internal note", show=False, id="conversation.note"),
        Binding("l", "label", "Label", show=False, id="conversation.label"),
    ]

    def __init__(self, conversation_id: int, message_id: int | None = None) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.focus_id = message_id  # the message to show first (opened from its row in the inbox by message)
        self.messages: list[ThreadMessage] = []
        self.title_text = ""
        self.url: str | None = None
        self.state = ThreadState()
        self.loaded: LoadedThread | None = None

    @property
    def muted(self) -> bool:
        return self.state.muted

    @property
    def assigned_to(self) -> str | None:
        return self.state.assigned_to

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
        self.state = loaded.state
        self._show_head()
        self.query_one(ThreadView).show(self.messages, self.cmtui.now())
        self.call_after_refresh(self._focus_first)

    def _load_state(self) -> None:
        """The state again, read here: after the app's own mark (mute, assign), the next key sees it."""
        self.workers.cancel_group(self, "conversation-state")  # what they read may be older than this
        self.state = ThreadState.of(self.cmtui.item(self.conversation_id))
        self._show_head()

    def refresh_state(self) -> None:
        """Read the state again in a worker (`_state_read`): after a note or a label was saved, or when another
        program (a teammate) changed the store (the inbox's reload calls it): who else is replying now. The thread
        itself stays as it is."""
        self.run_worker(self._read_state, thread=True, exclusive=True, group="conversation-state",
                        exit_on_error=False, description="Reading a conversation's state")

    def _read_state(self) -> None:
        """Thread worker: the state, on a connection of its own."""
        worker = get_current_worker()
        app = self.cmtui
        with Store.open(app.db_path) as store:
            state = read_state(store, app.config, self.conversation_id, app.now())
        if not worker.is_cancelled:
            self.post_message(StateRead(self.conversation_id, state))

    @on(StateRead)
    def _state_read(self, event: StateRead) -> None:
        if event.conversation_id == self.conversation_id and self.loaded is not None:
            self.state = event.state
            self._show_head()

    def _show_head(self) -> None:
        if self.loaded is not None:
            self.query_one("#conversation-head", Static).update(self._head(self.loaded.feed_name,
                                                                           self.loaded.previous))

    def _head(self, feed: str, previous: str | None) -> Text:
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        head = Text()
        head.append(self.title_text, style="bold")
        head.append("\n")
        head.append(text.one_line(feed, 60), style=muted)
        if self.url:
            head.append("  ")
            head.append(self.url, style=f"underline {muted}")
        head.append("\n")
        head.append_text(self._status_line(previous, palette))
        ranking = self.state.ranking
        if ranking is not None and (ranking.needs_reply or ranking.signals):
            head.append("\n")
            head.append_text(priority_line(ranking, muted))
        if self.state.notes:
            head.append("\n")
            head.append_text(notes_lines(self.state.notes, self.cmtui.now(), palette))
        return head

    def _status_line(self, previous: str | None, palette: dict[str, str]) -> Text:
        """`4 messages · 1 waiting for a reply, the oldest for 3 h · 2 new since you last looked · muted ·
        assigned to maya · ✎ ravi is replying · #billing #urgent`."""
        muted = palette["foreground-muted"]
        waiting = [m for m in self.messages if m.unanswered]
        new = [m for m in self.messages if m.new]
        line = Text()
        line.append(f"{len(self.messages)} message{'' if len(self.messages) == 1 else 's'}", style=muted)
        line.append(" · ", style=muted)
        if waiting:
            oldest = min((m.published or "" for m in waiting), default="")
            line.append(f"{len(waiting)} waiting for a reply, the oldest for "
                        f"{render.ago(oldest, self.cmtui.now()).removesuffix(' ago')}", style=palette["warning"])
        else:
            line.append("nothing waits for a reply", style=palette["success"])
        if new:
            line.append(" · ", style=muted)
            line.append(f"{len(new)} new since you last looked", style=palette["accent"])
        elif previous:
            line.append(f" · last opened {render.ago(previous, self.cmtui.now())}", style=muted)
        if self.state.muted:
            line.append(" · muted", style=muted)
        if self.state.assigned_to:
            line.append(" · ", style=muted)
            line.append(f"assigned to {text.one_line(self.state.assigned_to, 40)}", style=palette["primary"])
        if self.state.replying:
            line.append(" · ", style=muted)
            line.append("✎ " + replying_label(list(self.state.replying)), style=palette["warning"])
        if self.state.labels:
            line.append(" · ", style=muted)
            line.append(" ".join("#" + text.one_line(label, 30) for label in self.state.labels), style="bold")
        return line

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

        self.cmtui.marks.ask_snooze(self.conversation_id, self.title_text, self.state.snoozed_until,
                                    then=snoozed)

    def action_mute(self) -> None:
        self.cmtui.marks.toggle_mute(self.conversation_id, self.title_text, self.muted)
        self._load_state()

    def action_assign(self) -> None:
        self.cmtui.marks.assign(self.conversation_id, self.title_text, team.me(self.cmtui.config), self.assigned_to)
        self._load_state()

    def action_unassign(self) -> None:
        self.cmtui.marks.assign(self.conversation_id, self.title_text, None, self.assigned_to)
        self._load_state()

    def action_note(self) -> None:
        """N: an internal note on this conversation; the header lists it once it is saved."""
        self.cmtui.marks.ask_note(self.conversation_id, self.title_text)

    def action_label(self) -> None:
        """l: add a label to this conversation (`-label` takes it off); the header shows its labels."""
        known = self.cmtui.inbox.known_tags()
        self.cmtui.marks.ask_label([(self.conversation_id, self.title_text)], list(self.state.labels), known)
