"""The user's marks on a conversation, from the app: done, snoozed, muted, assigned, labelled (each taken back with
u), notes, and opened.

`CmtuiApp.marks` is the one `Marks`; the inbox and conversation screens call it. Done, snooze, mute and assign are one
small write on the app's own store, then the inbox reloads; the opening of a conversation, a note and labels are
written by a worker on a connection of its own instead, as a sync may hold the write lock. A note's or a label's
worker tells the inbox (`NoteSaved`, `LabelsChanged`: the base screen, always there), which hands it back here on
the UI thread: the toast, the undo, the inbox and the conversation's header.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message

from cmtui import team, text
from cmtui.store import Store
from cmtui.triage import InboxItem
from cmtui.ui.screens.annotate import LabelChange, LabelScreen, NoteScreen
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.snooze import SnoozeScreen

if TYPE_CHECKING:
    from cmtui.ui.app import CmtuiApp
    from cmtui.ui.screens.inbox import InboxScreen

UNDO_KEPT = 50  # actions that u can take back, newest first
Target = tuple[int, str]  # a conversation to label: its id and title


@dataclass(frozen=True)
class Undo:
    """One action that `u` can take back."""

    label: str
    conversation_id: int
    revert: Callable[[], None]


@dataclass
class NoteSaved(Message):
    """A worker saved a note (or could not: `error`); posted to the inbox, which calls `Marks.note_saved`."""

    conversation_id: int
    note: str
    error: str | None = None


@dataclass
class LabelsChanged(Message):
    """A worker added or took off a label on `targets` (or could not: `error`); `changed`: the conversations whose
    labels it changed. Posted to the inbox, which calls `Marks.labels_changed`."""

    targets: list[Target]
    change: LabelChange
    changed: list[int]
    error: str | None = None


class Marks:
    """Done, snooze, mute, assign and their undo stack; the opening of a conversation."""

    def __init__(self, app: CmtuiApp) -> None:
        self.app = app
        self.undo_stack: list[Undo] = []

    def mark_opened(self, conversation_id: int) -> None:
        """Record that the conversation was opened, in a worker: a sync may hold the write lock."""
        self.app.run_writer(partial(self._mark_opened, conversation_id), group="mark-opened",
                            description="Recording an opening")

    def _mark_opened(self, conversation_id: int) -> None:
        with Store.open(self.app.db_path) as store, store.transaction():
            store.mark_opened(conversation_id)

    # -- notes: written by a worker ---------------------------------------------------
    def ask_note(self, conversation_id: int, title: str) -> None:
        """The note modal; what is typed there is saved as a note by me (`team.me`)."""
        def written(note: str | None) -> None:
            if note:
                self.add_note(conversation_id, note)

        self.app.push_screen(NoteScreen(title), written)

    def add_note(self, conversation_id: int, note: str) -> None:
        """Save an internal note by me, off the UI thread (a sync may hold the write lock); `note_saved` follows."""
        self.app.run_writer(partial(self._add_note, self.app.inbox, conversation_id, team.me(self.app.config), note),
                            group="note", description="Saving a note")

    def _add_note(self, inbox: InboxScreen, conversation_id: int, author: str, note: str) -> None:
        """Thread worker: the note, on a connection of its own; a failure is told, with the note's text."""
        try:
            with Store.open(self.app.db_path) as store, store.transaction():
                store.add_note(conversation_id, author, note)
        except Exception as error:  # any store error: the note must not vanish unsaid
            inbox.post_message(NoteSaved(conversation_id, note, f"{type(error).__name__}: {error}"))
            return
        inbox.post_message(NoteSaved(conversation_id, note))

    def note_saved(self, event: NoteSaved) -> None:
        """On the UI thread, once the note's worker is done: the toast, then the inbox and the conversation."""
        if event.error is not None:
            self.app.say(f"The note was not saved ({text.one_line(event.error, 200)}): "
                         f"{text.one_line(event.note, 300)}", severity="error")
            return
        self.app.say("Note added")
        self.app.refresh_inbox()
        self.refresh_conversations({event.conversation_id})

    # -- labels: written by a worker, taken back with u --------------------------------
    def ask_label(self, targets: list[Target], labels: list[str], known: list[str],
                  then: Callable[[bool], None] | None = None) -> None:
        """The label modal for these conversations (`labels`: those they have; `known`: offered as one types); the
        label typed is added to every one, `-label` taken off. `then(changed)` once the modal is closed."""
        if len(targets) == 1:
            heading = f"Label “{text.one_line(targets[0][1], 60)}”"
        else:
            heading = f"Label {len(targets)} conversations"

        def chosen(change: LabelChange | None) -> None:
            if change is not None:
                self.change_labels(targets, change)
            if then is not None:
                then(change is not None)

        self.app.push_screen(LabelScreen(heading, labels, known), chosen)

    def change_labels(self, targets: list[Target], change: LabelChange) -> None:
        """Add the label to every target (or take it off), off the UI thread; `labels_changed` follows."""
        self.app.run_writer(partial(self._change_labels, self.app.inbox, targets, change), group="labels",
                            description="Labelling conversations")

    def _change_labels(self, inbox: InboxScreen, targets: list[Target], change: LabelChange) -> None:
        """Thread worker: every target in one transaction, on a connection of its own."""
        changed: list[int] = []
        try:
            with Store.open(self.app.db_path) as store, store.transaction():
                for conversation_id, _ in targets:
                    if change.remove:
                        done = store.remove_label(conversation_id, change.label)
                    else:
                        done = bool(store.add_labels(conversation_id, [change.label]))
                    if done:
                        changed.append(conversation_id)
        except Exception as error:  # any store error: said, nothing half done (one transaction)
            inbox.post_message(LabelsChanged(targets, change, [], f"{type(error).__name__}: {error}"))
            return
        inbox.post_message(LabelsChanged(targets, change, changed))

    def labels_changed(self, event: LabelsChanged) -> None:
        """On the UI thread, once the label's worker is done: the undo, the toast, the inbox and the conversation."""
        change, changed = event.change, event.changed
        label = "#" + text.one_line(change.label, 40)
        what = text.one_line(event.targets[0][1], 60) if len(event.targets) == 1 else count(event.targets)
        if event.error is not None:
            self.app.say(f"{label} was not {'taken off' if change.remove else 'added'} "
                         f"({text.one_line(event.error, 200)}): {what}", severity="error")
            return
        if not changed:
            self.app.say(f"No {label} to take off: {what}" if change.remove else f"Already labelled {label}: {what}")
            return
        store = self.app.store

        def revert() -> None:
            for conversation_id in changed:
                if change.remove:
                    store.add_labels(conversation_id, [change.label])
                else:
                    store.remove_label(conversation_id, change.label)

        self._push_undo(Undo("unlabel" if change.remove else "label", changed[0], revert))
        if len(event.targets) > 1:
            what = count(changed)
        self.app.say(f"{'Took ' + label + ' off' if change.remove else 'Labelled ' + label}: {what} · u to undo")
        self.app.refresh_inbox()
        self.refresh_conversations(set(changed))

    def refresh_conversations(self, conversation_ids: set[int]) -> None:
        """The open conversation screens of these conversations read their header's state again."""
        for screen in self.app.screen_stack:
            if isinstance(screen, ConversationScreen) and screen.conversation_id in conversation_ids:
                screen.refresh_state()

    def mark_done(self, item: InboxItem) -> None:
        store = self.app.store
        previous = item.done_at
        with store.transaction():
            store.mark_done(item.id)

        def revert() -> None:
            if previous:
                store.mark_done(item.id, when=datetime.fromisoformat(previous))
            else:
                store.undo_done(item.id)

        self._push_undo(Undo("done", item.id, revert))
        self.app.say(f"Done: {text.one_line(item.title, 60)} · u to undo")
        self.app.refresh_inbox()

    def ask_snooze(self, conversation_id: int, title: str, snoozed_until: str | None,
                   then: Callable[[bool], None] | None = None) -> None:
        """The snooze modal; `then(snoozed)` once it is closed."""
        def chosen(until: datetime | None) -> None:
            if until is not None:
                self.snooze(conversation_id, title, until, snoozed_until)
            if then is not None:
                then(until is not None)

        self.app.push_screen(SnoozeScreen(title, self.app.now(), snoozed_until), chosen)

    def snooze(self, conversation_id: int, title: str, until: datetime, previous: str | None = None) -> None:
        """Snooze until `until` (a time already past wakes the conversation up)."""
        store = self.app.store
        awake = until <= self.app.now()
        with store.transaction():
            store.snooze(conversation_id, None if awake else until)

        def revert() -> None:
            store.snooze(conversation_id, datetime.fromisoformat(previous) if previous else None)

        self._push_undo(Undo("snooze", conversation_id, revert))
        if awake:
            self.app.say(f"Awake: {text.one_line(title, 60)}")
        else:
            when = until.astimezone().strftime("%a %d %b %H:%M")
            self.app.say(f"Snoozed until {when}: {text.one_line(title, 60)} · u to undo")
        self.app.refresh_inbox()

    def toggle_mute(self, conversation_id: int, title: str, muted: bool) -> None:
        store = self.app.store
        with store.transaction():
            store.mute(conversation_id, not muted)

        def revert() -> None:
            store.mute(conversation_id, muted)

        self._push_undo(Undo("mute" if not muted else "unmute", conversation_id, revert))
        if muted:
            self.app.say(f"Unmuted: {text.one_line(title, 60)}")
        else:
            self.app.say(f"Muted: {text.one_line(title, 60)} · only messages that name you reopen it · u to undo")
        self.app.refresh_inbox()

    def assign(self, conversation_id: int, title: str, who: str | None, previous: str | None) -> None:
        """Give the conversation to `who` on the team (None: to nobody); `previous` is whom it had (u gives it
        back)."""
        name = text.one_line(title, 60)
        if who == previous or (who and previous and who.casefold() == previous.casefold()):
            self.app.say(f"Already {'assigned to ' + who if who else 'unassigned'}: {name}")
            return
        store = self.app.store
        with store.transaction():
            store.assign(conversation_id, who)

        def revert() -> None:
            store.assign(conversation_id, previous)

        self._push_undo(Undo("assign" if who else "unassign", conversation_id, revert))
        was = f" (was {text.one_line(previous, 30)})" if previous and who else ""
        if who:
            self.app.say(f"Assigned to {text.one_line(who, 30)}{was}: {name} · u to undo")
        else:
            self.app.say(f"Unassigned: {name} · u to undo")
        self.app.refresh_inbox()

    # -- many conversations at once (the inbox's marked rows) --------------------------
    def _batch(self, verb: str, items: list[InboxItem], apply: Callable[[InboxItem], None],
               revert_one: Callable[[InboxItem], None]) -> None:
        """`apply` to every item in one transaction, one toast, and one undo that reverts them all."""
        store = self.app.store
        with store.transaction():
            for item in items:
                apply(item)

        def revert() -> None:
            for item in items:
                revert_one(item)

        self._push_undo(Undo(f"{verb.lower()} {count(items)}", items[0].id, revert))
        self.app.say(f"{verb} {count(items)} · u to undo")
        self.app.refresh_inbox()

    def done_many(self, items: list[InboxItem]) -> None:
        """d on marked rows: every one done (u reopens those that were open, keeps earlier done times)."""
        store = self.app.store

        def revert(item: InboxItem) -> None:
            if item.done_at:
                store.mark_done(item.id, when=datetime.fromisoformat(item.done_at))
            else:
                store.undo_done(item.id)

        self._batch("Done", items, lambda item: store.mark_done(item.id), revert)

    def mute_many(self, items: list[InboxItem]) -> None:
        """m on marked rows: mute them all, or unmute them all when every one is muted already."""
        store = self.app.store
        mute = not all(item.muted for item in items)
        self._batch("Muted" if mute else "Unmuted", items, lambda item: store.mute(item.id, mute),
                    lambda item: store.mute(item.id, item.muted))

    def assign_many(self, items: list[InboxItem], who: str | None) -> None:
        """a / A on marked rows: give them all to `who` (None: to nobody)."""
        store = self.app.store
        self._batch(f"Assigned to {text.one_line(who, 30)}:" if who else "Unassigned", items,
                    lambda item: store.assign(item.id, who), lambda item: store.assign(item.id, item.assigned_to))

    def ask_snooze_many(self, items: list[InboxItem], then: Callable[[bool], None] | None = None) -> None:
        """s on marked rows: the snooze modal once, then every one snoozed until the time chosen."""
        store = self.app.store

        def chosen(until: datetime | None) -> None:
            if until is not None:
                later = None if until <= self.app.now() else until
                self._batch("Snoozed", items, lambda item: store.snooze(item.id, later),
                            lambda item: store.snooze(item.id, datetime.fromisoformat(item.snoozed_until)
                                                      if item.snoozed_until else None))
            if then is not None:
                then(until is not None)

        self.app.push_screen(SnoozeScreen(count(items), self.app.now()), chosen)

    def _push_undo(self, undo: Undo) -> None:
        self.undo_stack.append(undo)
        del self.undo_stack[:-UNDO_KEPT]

    def undo(self) -> None:
        if not self.undo_stack:
            self.app.say("Nothing to undo")
            return
        undo = self.undo_stack.pop()
        with self.app.store.transaction():
            undo.revert()
        self.app.say(f"Undone: {undo.label}")
        self.app.refresh_inbox(keep_id=undo.conversation_id)


def count(items: Sized) -> str:
    """"12 conversations", "1 conversation"."""
    return f"{len(items)} conversation{'s' if len(items) != 1 else ''}"
