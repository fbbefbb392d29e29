"""The one-line modals of `N` (an internal note) and `l` (a label): what the user types, cleaned, or None.

They only ask: `Marks` writes what they return (off the UI thread) and says how it went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from cmtui import text
from cmtui.ui import render

NOTE_LIMIT = 2000  # characters of one note
LABEL_LIMIT = 80  # characters of one label
LABELS_SHOWN = 12  # labels listed in the label modal ("+3 more" after them)


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


@dataclass(frozen=True)
class LabelChange:
    """What the label modal asks for: add `label`, or (`remove`) take it off."""

    label: str
    remove: bool = False


def label_change(value: str) -> LabelChange | None:
    """`billing` adds the label, `-billing` takes it off; None for nothing (or a lone `-`)."""
    found = typed(value)
    remove = found.startswith("-")
    label = typed(found[1:]) if remove else found
    return LabelChange(label, remove) if label else None


class LabelScreen(ModalScreen[LabelChange | None]):
    """`l`: a label to add to a conversation (or to every marked one), or `-label` to take one off. Returns the
    change (None: nothing)."""

    CSS_PATH = "annotate.tcss"
    HELP_SECTION: ClassVar[str] = "Label"
    AUTO_FOCUS = "#label-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="label.cancel"),
    ]

    def __init__(self, heading: str, labels: list[str], known: list[str]) -> None:
        """`heading`: `Label “title”` or `Label 3 conversations`; `labels`: those it has (or they have); `known`:
        the labels and tags the app knows of, offered as the user types."""
        super().__init__()
        self.heading = heading
        self.labels = labels
        self.known = known

    def compose(self) -> ComposeResult:
        muted = render.colors(self.app)["foreground-muted"]
        with Vertical(id="label-panel", classes="entry-panel"):
            heading = Text()
            heading.append(self.heading, style="bold")
            heading.append("\n")
            if self.labels:
                heading.append("Labels now: ", style=muted)
                shown = self.labels[:LABELS_SHOWN]
                heading.append(" ".join("#" + text.one_line(label, 30) for label in shown), style="bold")
                if len(self.labels) > len(shown):
                    heading.append(f" +{len(self.labels) - len(shown)} more", style=muted)
            else:
                heading.append("No labels yet.", style=muted)
            yield Static(heading, classes="entry-title")
            suggestions = [*self.known, *("-" + label for label in self.labels)]
            yield Input(placeholder="billing", max_length=LABEL_LIMIT + 1, id="label-input",
                        suggester=SuggestFromList(suggestions, case_sensitive=False))
            yield Static(Text("enter: add the label · -label: take it off (e.g. -billing) · →: complete · "
                              "escape: cancel", style=muted), classes="entry-hint")

    def on_mount(self) -> None:
        self.query_one("#label-panel").border_title = "Label"

    @on(Input.Submitted, "#label-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(label_change(event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
