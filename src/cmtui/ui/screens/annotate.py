"""The one-line modals of `N` (an internal note) and `l` (a label): what the user types, cleaned, or None.

They only ask: `Marks` writes what they return (off the UI thread) and says how it went."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from cmtui import text
from cmtui.ui import render

NOTE_LIMIT = 2000  # characters of one note


def typed(value: str) -> str:
    """What was typed, as stored: control characters and escapes removed, trimmed (as `cmtui note` and `cmtui tag`
    clean their arguments)."""
    return text.clean(value).strip()


class NoteScreen(ModalScreen[str | None]):
    """`N`: an internal note on a conversation, for the team, never posted. Returns its text (None: nothing)."""

    CSS_PATH = "annotate.tcss"
    HELP_SECTION: ClassVar[str] = "Note"
    AUTO_FOCUS = "#note-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.conversation_title = text.one_line(title, 70)

    def compose(self) -> ComposeResult:
        muted = render.colors(self.app)["foreground-muted"]
        with Vertical(id="note-panel", classes="entry-panel"):
            heading = Text()
            heading.append(f"A note on “{self.conversation_title}”", style="bold")
            heading.append("\nInternal: your team sees it in the conversation and in inbox --json; it is never "
                           "posted.", style=muted)
            yield Static(heading, classes="entry-title")
            yield Input(placeholder="asked billing, ticket 4411", max_length=NOTE_LIMIT, id="note-input")
            yield Static(Text("enter: save · escape: cancel", style=muted), classes="entry-hint")

    def on_mount(self) -> None:
        self.query_one("#note-panel").border_title = "Internal note"

    @on(Input.Submitted, "#note-input")
    def _submitted(self, event: Input.Submitted) -> None:
        """enter: the note; an empty one saves nothing."""
        self.dismiss(typed(event.value) or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
