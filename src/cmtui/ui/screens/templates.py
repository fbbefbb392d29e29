"""The saved-reply picker: the templates of feeds.toml and of the templates folder. Returns the chosen name."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cmtui import text
from cmtui.ui import render


class TemplatePicker(ModalScreen[str | None]):
    HELP_SECTION: ClassVar[str] = "Saved replies"
    AUTO_FOCUS = "#template-choices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="templates.cancel"),
    ]

    def __init__(self, templates: dict[str, str], variables: list[str]) -> None:
        super().__init__()
        self.templates = templates
        self.names = sorted(templates, key=str.casefold)
        self.variables = variables

    def compose(self) -> ComposeResult:
        muted = render.colors(self.app)["foreground-muted"]
        with Vertical(id="template-panel"):
            heading = Text()
            heading.append("Insert a saved reply at the cursor", style="bold")
            heading.append("\nFilled in: " + " ".join("{" + v + "}" for v in self.variables), style=muted)
            yield Static(heading, id="template-title")
            options = []
            for name in self.names:
                prompt = Text(no_wrap=True, overflow="ellipsis")
                prompt.append(f"{text.one_line(name, 24):<26}", style="bold")
                prompt.append(text.one_line(self.templates[name], 200), style=muted)
                options.append(Option(prompt, id=name))
            yield OptionList(*options, id="template-choices")
            yield Static(Text("enter: insert · escape: cancel", style=muted), id="template-hint")

    def on_mount(self) -> None:
        self.query_one("#template-panel").border_title = "Saved replies"
        self.query_one("#template-choices", OptionList).highlighted = 0

    @on(OptionList.OptionSelected, "#template-choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
