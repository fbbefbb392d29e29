"""Replying in the app: the reply editor opened on the right message, drafts written by a worker thread, and a
finished reply posted through the site's API or handed off (clipboard + the reply page in the browser).

`CmtuiApp.replying` is the one `Replying`; screens call it (`self.cmtui.replying.hand_off(...)`). Its workers run
on the app, which passes what they send back (`ReplyPosted`, `ClipboardCopied`, a worker's failure) to it. What a
post's answer stores and says is `drafting.record_post`: this module starts the work and shows the outcome.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState, get_current_worker

from cmtui import replies, text
from cmtui.store import DatabaseError, Store, StoreError
from cmtui.ui import drafting
from cmtui.ui.drafting import Draft, ReplyPlan
from cmtui.ui.messages import ClipboardCopied, DraftSaved, ReplyPosted
from cmtui.ui.screens.editor import ReplyEditorScreen

if TYPE_CHECKING:
    from cmtui.ui.app import CmtuiApp

DRAFT_LOCK_WAIT = 0.25  # seconds the draft worker waits for the store's write lock before it tries again
POSTING = "post-reply"  # worker groups: their failures are said here
CLIPBOARD = "clipboard"


class Replying:
    """The app's reply editors, draft worker, posting and hand-off."""

    def __init__(self, app: CmtuiApp) -> None:
        self.app = app
        self._drafts: set[Draft] = set()  # drafts the draft worker wrote to (`save_drafts` checks them at the end)
        self._quit_while_posting = False

    @property
    def editors(self) -> list[ReplyEditorScreen]:
        return [s for s in self.app.screen_stack if isinstance(s, ReplyEditorScreen)]

    def _editor_for(self, draft_id: int) -> ReplyEditorScreen | None:
        return next((e for e in self.editors if e.draft_id == draft_id), None)

    # -- presence ----------------------------------------------------------------------
    def present(self, conversation_id: int, *, here: bool) -> None:
        """Tell the store that I have the editor open on the conversation (again: a heartbeat), or closed it; in
        a worker, best effort (a teammate's app forgets a silent editor after 90 s anyway)."""
        self.app.run_writer(partial(self._present, conversation_id, here), group="presence",
                            description="Replying")  # our own write: the poller does not reload for it

    def _present(self, conversation_id: int, here: bool) -> None:
        try:
            with Store.open(self.app.db_path) as store:
                store.set_lock_wait(DRAFT_LOCK_WAIT)
                if here:
                    store.start_replying(conversation_id, self.app.me)
                else:
                    store.stop_replying(conversation_id, self.app.me)
        except (StoreError, DatabaseError):
            pass

    # -- drafts ------------------------------------------------------------------------
    def save_drafts(self) -> None:
        """Write every open reply editor's text, and whatever the draft worker has not stored yet, to the store
        now, on this thread (the app is quitting: waiting for the store is better than losing a reply)."""
        for editor in self.editors:
            editor.save_now()
        for draft in list(self._drafts):
            error = draft.flush(self.app.store)
            if error is None:
                self._drafts.discard(draft)
            else:
                self.app.say(f"A draft could not be saved: {error}", severity="error")

    def write_draft(self, draft: Draft, editor: ReplyEditorScreen) -> None:
        """Start the draft worker on `draft` (`Draft.want` said none is on it). It outlives the editor (escape
        closes the editor at once; the worker goes on until the store has the text)."""
        self._drafts.add(draft)
        self.app.run_writer(partial(self._write_draft, draft, editor), group="draft-save",
                            description="Saving a draft")

    def _write_draft(self, draft: Draft, editor: ReplyEditorScreen) -> None:
        """Thread worker: store the draft on a connection of its own that waits `DRAFT_LOCK_WAIT` seconds for the
        write lock at a time, retrying until it is stored (or the app quits: `save_drafts` then writes it)."""
        worker = get_current_worker()

        def result(body: str, draft_id: int | None, error: str | None) -> None:
            editor.post_message(DraftSaved(body, draft_id, error))

        try:
            store = Store.open(self.app.db_path)
        except StoreError as exc:
            draft.stopped()
            result(draft.written, None, text.one_line(str(exc), 120))
            return
        with store:
            store.set_lock_wait(DRAFT_LOCK_WAIT)
            draft.write_pending(store, lambda: worker.is_cancelled, time.sleep, result)

    def discard_draft(self, draft_id: int) -> None:
        with self.app.store.transaction():
            self.app.store.set_draft_state(draft_id, "discarded")
        self.app.say("Draft discarded")
        self.app.refresh_inbox()

    # -- the editor --------------------------------------------------------------------
    def reply(self, conversation_id: int, message_id: int | None = None) -> None:
        """r: answer `message_id` (default: the message the conversation's inbox row and preview show, its newest
        waiting for us) in the editor; the open draft for that message comes back."""
        if message_id is None:
            message_id = drafting.default_message_id(self.app.store, self.app.config, conversation_id)
        self.open_editor(conversation_id, message_id)

    def open_editor(self, conversation_id: int, message_id: int | None, *, draft_id: int | None = None) -> None:
        """The reply editor for exactly this message (or the conversation); one editor at a time."""
        app = self.app
        editors = self.editors
        if any(e.sending for e in editors):
            app.say("A reply is being posted: wait for the site's answer", severity="warning")
            return
        plan = drafting.reply_plan(app.store, app.config, conversation_id, message_id)
        if plan is None:
            app.say("This conversation is gone from the store", severity="warning")
            return
        for editor in editors:  # another reply was open (under the drafts list): keep it and close it
            editor.save_now()
            editor.closed = True
        while self.editors:
            app.pop_screen()
        app.push_screen(ReplyEditorScreen(plan, draft_id=draft_id))

    def may_quit(self) -> bool:
        """Quitting while a reply is being posted loses the site's answer: the first ctrl+q only warns; the second
        puts those replies back to drafts, with a note to check the site before sending them again."""
        sending = [e for e in self.editors if e.sending and e.draft_id is not None]
        if sending and not self._quit_while_posting:
            self._quit_while_posting = True
            self.app.say("A reply is being posted: wait for the site's answer, or press ctrl+q again to quit anyway",
                         severity="warning")
            return False
        with self.app.store.transaction():
            for editor in sending:
                assert editor.draft_id is not None
                self.app.store.set_draft_state(editor.draft_id, "draft", error="cmtui quit while this reply was "
                                               "being posted: check the site before sending it again")
        return True

    # -- posting -----------------------------------------------------------------------
    def post(self, draft_id: int, plan: ReplyPlan, body: str) -> None:
        """ctrl+s with posting configured: post in a thread worker; `posted` stores the outcome."""
        self.app.run_worker(partial(self._post, draft_id, plan, body), name="_post_reply", thread=True,
                            group=POSTING, exit_on_error=False, description="Posting a reply")

    def _post(self, draft_id: int, plan: ReplyPlan, body: str) -> None:
        """Thread worker: where on the site the reply goes, then the site's answer (or why it cannot be posted)."""
        from cmtui import posting as posting_api  # httpx & co. are imported when first needed: a quicker start

        posting = plan.posting
        assert posting is not None
        target = posting_api.target_for(posting.type, posting.site, plan.post_url, plan.post_guid,
                                        plan.answered_url, plan.answers_post)
        if target is None:
            why = f"cmtui cannot tell where on {text.one_line(posting.site, 80)} this reply goes"
            self.app.post_message(ReplyPosted(draft_id, plan, body, None, why))
            return
        self.app.post_message(ReplyPosted(draft_id, plan, body, posting_api.post_reply(posting, target, body)))

    def posted(self, message: ReplyPosted) -> None:
        """The posting worker is back (`CmtuiApp.on_reply_posted`): store and say the outcome."""
        editor = self._editor_for(message.draft_id)
        if message.result is None:  # nowhere to post it: the hand-off still gets it there
            if editor is not None:
                editor.posted()
            self.hand_off(message.draft_id, message.plan, message.body, note=message.why)
            return
        outcome = drafting.record_post(self.app.store, self.app.config, message.draft_id, message.plan,
                                       message.body, message.result)
        self.app.say(outcome.message, severity=outcome.severity, timeout=outcome.timeout)
        if editor is not None:
            if outcome.refused is not None:
                editor.post_failed(outcome.refused)
            else:
                editor.posted()
        if outcome.refused is None:
            self.app.refresh_inbox()

    # -- the hand-off and the clipboard --------------------------------------------------
    def hand_off(self, draft_id: int, plan: ReplyPlan, body: str, note: str | None = None) -> None:
        """No posting here: copy the reply, open the page where it goes, and mark it pending until a sync sees
        our reply in the feed."""
        app = self.app
        app.copy_to_clipboard(body)  # OSC 52: works over ssh, if the terminal allows it
        url = plan.handoff_url
        opened = False
        if url is not None:
            app.open_url(url)
            opened = app.is_web or drafting.browser_available()
        with app.store.transaction():
            app.store.set_draft_state(draft_id, "pending")
        app.refresh_inbox()
        self._to_system_clipboard(body, handoff=True, url=url, opened=opened, note=note)

    def copy_text(self, body: str, note: str | None = None) -> None:
        """Copy `body` (a draft, an address); `note` opens the toast that says it was copied."""
        self.app.copy_to_clipboard(body)
        self._to_system_clipboard(body, note=note)

    def _to_system_clipboard(self, body: str, *, handoff: bool = False, url: str | None = None,
                             opened: bool = False, note: str | None = None) -> None:
        """Also copy with the system's clipboard tool (wl-copy, xclip, pbcopy …), in a thread worker."""
        def copy() -> None:
            self.app.post_message(ClipboardCopied(replies.copy_to_system_clipboard(body), handoff, url, opened, note))

        self.app.run_worker(copy, name="_system_clipboard", thread=True, group=CLIPBOARD, exit_on_error=False,
                            description="Copying to the clipboard")

    def copied(self, message: ClipboardCopied) -> None:
        """The clipboard worker is back (`CmtuiApp.on_clipboard_copied`)."""
        notice, timeout = drafting.copied_notice(message.tool, handoff=message.handoff, url=message.url,
                                                 opened=message.opened, note=message.note)
        self.app.say(notice, timeout=timeout)

    def worker_failed(self, event: Worker.StateChanged) -> bool:
        """A posting or clipboard worker raised: say so (an editor waiting for the site's answer can send again).
        False for any other worker."""
        group = event.worker.group
        if group not in (POSTING, CLIPBOARD) or event.state != WorkerState.ERROR:
            return False
        error = event.worker.error
        why = f"{type(error).__name__}: {text.one_line(str(error), 200)}"
        if group == POSTING:
            for editor in self.editors:
                if editor.sending:
                    editor.post_failed(why)
        self.app.say(f"{'Posting' if group == POSTING else 'Copying'} failed: {why}", severity="error")
        return True
