"""The reply editor: the message being answered quoted above, a text area that has the focus, the thread one key
away, and a draft that is never lost.

The draft is written to the store as the user types (at most `SAVE_EVERY` seconds behind, `SAVE_DELAY` after the
last keystroke), when the text area loses the focus, when another screen covers the editor, before `$EDITOR`,
on escape and when the app quits. After a crash, `r` on the same message brings it back.

Writes happen in the app's draft worker (`drafting.Draft`), never on the UI thread: a cron sync can hold the
store's write lock for seconds, and a keystroke must not wait for it. A write that fails is retried until it
succeeds (the status line says "Not saved … (retrying)"); quitting writes what is still unsaved, on the spot.
"""

from __future__ import annotations

import math
import time
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Static, TextArea

from cmtui import replies, text
from cmtui.store import Store, stamp
from cmtui.ui import render
from cmtui.ui.data import BYLINE_LIMIT, ThreadMessage, load_thread
from cmtui.ui.drafting import (
    Draft,
    EditorFailed,
    ReplyPlan,
    edit_externally,
    editor_command,
    fill_template,
    known_variables,
)
from cmtui.ui.messages import DraftSaved
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.screens.templates import TemplatePicker
from cmtui.ui.widgets.reason_tags import replying_label
from cmtui.ui.widgets.thread_view import ThreadView, card_badges, card_title

PRESENCE_EVERY = 30.0  # seconds between heartbeats of "I am replying" (stale after `store.presence.STALE_AFTER`)


class ReplyEditorScreen(CmtuiScreen):
    HELP_SECTION: ClassVar[str] = "Reply"
    AUTO_FOCUS = "#reply"
    SAVE_DELAY: ClassVar[float] = 0.5  # seconds after the last keystroke
    SAVE_EVERY: ClassVar[float] = 1.0  # while typing without a pause, the store is never further behind
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the text area binds ctrl+e itself (end of line) and would take the key first
        Binding("ctrl+s", "send", "Send", priority=True, id="editor.send"),
        Binding("ctrl+t", "template", "Saved reply", priority=True, id="editor.template"),
        Binding("ctrl+e", "external", "$EDITOR", priority=True, id="editor.external"),
        Binding("ctrl+o", "toggle_thread", "Thread", priority=True, id="editor.thread"),
        Binding("escape", "close", "Close (keeps the draft)", id="editor.close"),
    ]

    def __init__(self, plan: ReplyPlan, *, draft_id: int | None = None) -> None:
        super().__init__()
        self.plan = plan
        self.wanted_draft = draft_id
        self.draft = Draft(plan.conversation_id, plan.message_id, body="", draft_id=None, pending_id=None)
        self.opened_at = stamp()  # the store's time when the editor opened: a teammate's reply after it is told
        self._warned_of: list[str] = []  # teammates whose replies since then were told once before sending
        self.pending_at: str | None = None
        self.saved_at: str | None = None  # local time of the last save, for the status line
        self.save_error: str | None = None
        self.post_error: str | None = None
        self.sending = False
        self.closed = False
        self._last_save = -math.inf
        self._timer: Timer | None = None
        self._thread_loaded = False
        self._send_when_saved = False
        self._area: TextArea | None = None

    @property
    def draft_id(self) -> int | None:
        """The open draft in the store, once there is one."""
        return self.draft.draft_id

    @property
    def pending_id(self) -> int | None:
        """A handed-off reply reopened: it becomes a draft again when edited."""
        return self.draft.pending_id

    @property
    def saved_body(self) -> str:
        """The text the store holds."""
        return self.draft.written

    @property
    def area(self) -> TextArea:
        """The text area (a reference kept from compose: on unmount it is already out of the DOM, and its text
        is what the last save needs)."""
        assert self._area is not None, "the editor is not composed yet"
        return self._area

    # -- building ----------------------------------------------------------------------
    def _load_draft(self) -> str:
        """The text to start from: the draft asked for, else the open draft for this message."""
        store = self.cmtui.store
        plan = self.plan
        self.draft.author = self.cmtui.drafts_author  # a teammate's drafts are their own
        row = store.draft(self.wanted_draft) if self.wanted_draft is not None else None
        if row is None or row.state not in ("draft", "pending"):
            row = store.draft_for(plan.conversation_id, plan.message_id, self.draft.author)
        elif row.state == "pending":  # an open draft for the same message wins over a handed-off one
            row = store.draft_for(plan.conversation_id, plan.message_id, self.draft.author) or row
        if row is None:
            return ""
        pending = row.state == "pending"
        if pending:
            self.pending_at = row.pending_at
        else:
            self.post_error = row.error
        self.draft = Draft(plan.conversation_id, plan.message_id, body=row.body,
                           draft_id=None if pending else int(row.id), pending_id=int(row.id) if pending else None,
                           author=self.draft.author)
        return str(row.body)

    def compose(self) -> ComposeResult:
        body = self._load_draft()
        yield Header(icon="●")
        yield Static(id="editor-head", markup=False)
        with Horizontal(id="editor-body"):
            with Vertical(id="editor-main"):
                with VerticalScroll(id="quote"):
                    yield Static(id="quote-body", markup=False)
                self._area = TextArea(body, id="reply", soft_wrap=True, tab_behavior="focus",
                                      placeholder="Write your reply… (ctrl+t: a saved reply · ctrl+e: your $EDITOR)")
                yield self._area
                yield Static(id="editor-error", markup=False)
                yield Static(id="editor-status", markup=False)
            yield ThreadView(id="context")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#editor-head", Static).update(self._head())
        self._show_quote()
        area = self.area
        area.move_cursor(area.document.end)
        self._show_status()
        self.cmtui.replying.present(self.plan.conversation_id, here=True)  # "maya is replying", for the others
        self.set_interval(PRESENCE_EVERY, lambda: self.cmtui.replying.present(self.plan.conversation_id, here=True))
        others = self.cmtui.store.replying([self.plan.conversation_id], besides=self.cmtui.me)
        if others:
            self.cmtui.say(f"{replying_label(others[self.plan.conversation_id])} to this too", severity="warning")

    def _head(self) -> Text:
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        plan = self.plan
        head = Text()
        head.append(f"Reply to {text.one_line(plan.reply_to, BYLINE_LIMIT)}", style="bold")
        head.append("  in  ", style=muted)
        head.append(text.one_line(plan.title, 120), style="bold")
        head.append("\n")
        head.append(text.one_line(plan.feed_name, 60), style=muted)
        head.append(" · ", style=muted)
        if plan.posting is not None:
            head.append("ctrl+s posts it on ", style=muted)
            head.append(text.one_line(plan.posting.site, 80))
            head.append(f" as {text.one_line(plan.posting.user, 40)}", style=muted)
        elif plan.handoff_url:
            head.append("ctrl+s copies it and opens the reply page: ", style=muted)
            head.append(text.one_line(plan.handoff_url, 100), style=f"underline {muted}")
        else:
            head.append("ctrl+s copies it (no web page to open: paste it on the site yourself)", style=muted)
        if self.pending_id is not None:
            head.append("\n")
            head.append(f"Handed off {render.when_label(self.pending_at, self.cmtui.now())}, not seen in the feed "
                        "yet; editing makes it a draft again", style=palette["warning"])
        return head

    def _show_quote(self) -> None:
        quote = self.query_one("#quote", VerticalScroll)
        body = self.query_one("#quote-body", Static)
        message = self.plan.answered
        now = self.cmtui.now()
        if message is None:
            quote.border_title = "Replying to the conversation"
            body.update(Text(self.plan.title))
            return
        quote.border_title = card_title(message, now)
        badges = card_badges(message)
        quote.border_subtitle = badges if badges.plain else None
        quote.set_class(message.unanswered, "-unanswered")
        body.update(Text(message.text or "(no text)"))  # literal: it came from a feed

    def _show_status(self) -> None:
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        body = self.area.text
        status = Text()
        if self.sending and self.plan.posting is not None:
            status.append(f"Posting to {text.one_line(self.plan.posting.site, 60)}…", style=palette["accent"])
        elif self.save_error:
            status.append(f"Not saved: {self.save_error} (retrying)", style=palette["error"])
        elif body != self.saved_body:
            status.append("Editing…", style=muted)
        elif self.draft_id is not None and self.saved_at:
            status.append(f"✓ Draft saved {self.saved_at}", style=palette["success"])
        elif self.draft_id is not None:
            status.append("✓ Draft from earlier", style=palette["success"])
        elif self.pending_id is not None:
            status.append("Handed off", style=palette["warning"])
        else:
            status.append("New reply: saved as you type", style=muted)
        words = len(body.split())
        status.append(f" · {words} word{'s' if words != 1 else ''}", style=muted)
        status.append(" · ctrl+o: the whole thread · tab: into it · escape: close", style=muted)
        self.query_one("#editor-status", Static).update(status)
        error = self.query_one("#editor-error", Static)
        if self.post_error:
            line = Text()
            line.append("Not posted: ", style=f"bold {palette['error']}")
            line.append(text.one_line(self.post_error, 400), style=palette["error"])
            error.update(line)
        error.display = bool(self.post_error)

    # -- saving ------------------------------------------------------------------------
    @on(TextArea.Changed, "#reply")
    def _changed(self) -> None:
        if self.closed or self.area.text == self.saved_body:
            self._show_status()
            return
        if time.monotonic() - self._last_save >= self.SAVE_EVERY:
            self.save_now()
        else:
            self._arm_timer()
        self._show_status()

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.SAVE_DELAY, self.save_now, name="draft-autosave")

    def save_now(self) -> None:
        """Have the text written to the store (if it changed), by the app's draft worker: this never waits on
        the store. A busy store is retried there; nothing raises."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._area is None:  # never composed: nothing was typed
            return
        self._last_save = time.monotonic()
        if self.draft.want(self._area.text):
            self.cmtui.replying.write_draft(self.draft, self)

    @on(DraftSaved)
    def _saved(self, event: DraftSaved) -> None:
        """The draft worker is back from a write: the status line says so; a failed write is being retried."""
        if event.error is not None:
            self.save_error = event.error
        else:
            self.save_error = None
            self.saved_at = self.cmtui.now().astimezone().strftime("%H:%M:%S")
        if self.closed or not self.is_attached:
            return
        self._show_status()
        if self._send_when_saved and self.draft.settled and self.area.text == self.saved_body:
            self._send_when_saved = False
            self._send()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget.id == "reply":
            self.save_now()

    def on_screen_suspend(self) -> None:
        self.save_now()

    def on_unmount(self) -> None:
        self.closed = True  # its widgets are gone: save without touching them
        self.save_now()
        self.cmtui.replying.present(self.plan.conversation_id, here=False)

    # -- actions -----------------------------------------------------------------------
    def action_close(self) -> None:
        if self.sending:
            self.notify("Posting… wait for the site's answer", markup=False)
            return
        if self.area.text.strip():
            self.save_now()
            message = "Draft kept · D lists your drafts"
        else:
            message = "Empty reply: nothing kept"
            if self.draft.want(self.area.text, discard=True):  # the worker drops the draft row
                self.cmtui.replying.write_draft(self.draft, self)
        self.closed = True
        self.dismiss()
        self.cmtui.say(message)

    def action_toggle_thread(self) -> None:
        showing = not self.has_class("-thread")
        self.set_class(showing, "-thread")
        if showing and not self._thread_loaded:
            self._thread_loaded = True
            self.run_worker(self._read_thread, thread=True, group="editor-thread", exit_on_error=False,
                            description="Reading the thread")
        if not showing:
            self.area.focus()

    def _read_thread(self) -> None:
        """Thread worker: the conversation (it can be 10,000 messages) on a connection of its own."""
        app = self.cmtui
        with Store.open(app.db_path) as store:
            messages = load_thread(store, app.config, self.plan.conversation_id, None)
        app.call_from_thread(self._show_thread, messages)

    def _show_thread(self, messages: list[ThreadMessage]) -> None:
        if not self.is_attached:
            return
        self.query_one("#context", ThreadView).show(messages, self.cmtui.now())
        self.call_after_refresh(self._scroll_thread)

    def _scroll_thread(self) -> None:
        thread = self.query_one("#context", ThreadView)
        card = thread.reveal(self.plan.message_id) if self.plan.message_id is not None else None
        if card is not None:
            card.add_class("-answering")
            thread.call_after_refresh(thread.scroll_to_widget, card, top=True, animate=False)

    def action_template(self) -> None:
        if self.sending:
            return
        config = self.cmtui.config
        templates = replies.load_templates(config.templates, config.templates_dir)
        if not templates:
            self.cmtui.say(
                "No saved replies yet. Add them to [templates] in "
                f"{config.path} (thanks = \"Thank you {{first_name}}!\") or as one .txt or .md file per reply in "
                f"{config.templates_dir}/", severity="warning", timeout=12)
            return

        def chosen(name: str | None) -> None:
            if name is not None:
                self.insert_template(templates[name])

        self.app.push_screen(TemplatePicker(templates, known_variables()), chosen)

    def insert_template(self, template: str) -> None:
        """Fill `template` for this reply and insert it at the cursor; say which variables stayed as written."""
        filled = fill_template(template, self.plan.context(self.cmtui.config))
        area = self.area
        area.insert(filled.text)
        area.focus()
        self.save_now()
        problems = []
        if filled.unknown:
            problems.append("unknown, left as written: " + ", ".join("{" + n + "}" for n in filled.unknown) +
                            " (known: " + " ".join("{" + n + "}" for n in known_variables()) + ")")
        if filled.empty:
            hint = " — set [identity] names in feeds.toml" if "our_name" in filled.empty else ""
            problems.append("no value here, left as written: " + ", ".join("{" + n + "}" for n in filled.empty)
                            + hint)
        if problems:
            self.cmtui.say("Saved reply inserted; fill in by hand: " + "; ".join(problems), severity="warning",
                           timeout=12)

    def action_external(self) -> None:
        # Priority bindings run before keys still queued for the text area: go through its queue, so the
        # last characters typed are in the text first.
        self.area.call_later(self._external)

    def _external(self) -> None:
        """Save, open the text in $VISUAL/$EDITOR with the app suspended, take the file back."""
        if self.sending:
            return
        self.save_now()
        command = editor_command()
        area = self.area
        try:
            with self.app.suspend():
                edited = edit_externally(area.text, command)
        except SuspendNotSupported:
            self.cmtui.say("This terminal cannot hand over to an external editor (suspending is not supported "
                           "here): write in the box, or paste", severity="warning")
            return
        except EditorFailed as exc:
            self.cmtui.say(str(exc), severity="error")
            return
        if edited != area.text:
            area.load_text(edited)
            area.move_cursor(area.document.end)
        self.save_now()
        area.focus()
        self.cmtui.say(f"Back from {text.one_line(command[0], 40)}: the draft is saved")

    def action_send(self) -> None:
        self.area.call_later(self._send)  # after the keys still queued for the text area (see action_external)

    def _send(self) -> None:
        if self.sending:
            return
        body = self.area.text
        if not body.strip():
            self.cmtui.say("Nothing to send: the reply is empty", severity="warning")
            return
        self.save_now()
        if not self.draft.settled or self.draft_id is None:  # sent once the draft worker has stored it
            self._send_when_saved = True
            if self.save_error:
                self.cmtui.say(f"The draft is not saved yet ({self.save_error}): it is sent once it is",
                               severity="warning")
            return
        if self._teammate_replied():
            return
        if self.plan.posting is not None:
            self.sending = True
            self.post_error = None
            self.area.read_only = True
            self._show_status()
            self.cmtui.replying.post(self.draft_id, self.plan, body)
            return
        self.closed = True
        self.dismiss()
        self.cmtui.replying.hand_off(self.draft_id, self.plan, body)

    def _teammate_replied(self) -> bool:
        """Whether a teammate answered since this editor opened and has not been told yet: then it is said, and
        the next ctrl+s sends anyway (a reply after theirs may still be wanted, but never by surprise)."""
        replied = self.cmtui.store.replied_since(self.plan.conversation_id, self.opened_at, besides=self.cmtui.me)
        new = [name for name in replied if name not in self._warned_of]
        if not new:
            return False
        self._warned_of += new
        who = " and ".join(text.one_line(n, 40) for n in new)
        self.cmtui.say(f"{who} replied here since you opened this editor: read the thread (ctrl+o); "
                       "ctrl+s again sends yours anyway", severity="warning")
        return True

    # -- posting results (from the app) ------------------------------------------------
    def post_failed(self, error: str) -> None:
        self.sending = False
        self.post_error = error
        area = self.area
        area.read_only = False
        area.focus()
        self._show_status()

    def posted(self) -> None:
        self.sending = False
        self.closed = True
        self.dismiss()
