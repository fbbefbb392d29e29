"""A yes/no modal for actions that cannot be undone (discarding a draft). Returns True only for an explicit yes."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from cmtui.ui import render


class ConfirmScreen(ModalScreen[bool]):
    HELP_SECTION: ClassVar[str] = "Confirm"
    AUTO_FOCUS = "#confirm-no"  # enter on a reflex keeps things as they are
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape,q", "answer(False)", "No", id="confirm.no"),
        Binding("left,right", "app.focus_next", "Switch", show=False, id="confirm.switch"),
    ]

    def __init__(self, question: str, detail: str = "", *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        muted = render.colors(self.app)["foreground-muted"]
        body = Text()
        body.append(self.question, style="bold")
        if self.detail:
            body.append("\n\n")
            body.append(self.detail, style=muted)  # may come from a feed or a draft: plain text only
        with Vertical(id="confirm-panel"):
            yield Static(body, id="confirm-body", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="confirm-yes")
                yield Button(f"{self.no} (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-panel").border_title = "Confirm"

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
