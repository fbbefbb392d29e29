"""The snooze modal: in one hour, tomorrow 9:00, or next Monday 9:00 (local time). Returns the UTC time or None."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cmtui import snoozing, text
from cmtui.ui import render


class SnoozeScreen(ModalScreen[datetime | None]):
    HELP_SECTION: ClassVar[str] = "Snooze"
    AUTO_FOCUS = "#snooze-choices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="snooze.cancel"),
        Binding("1", "choose(0)", "In one hour", show=False, id="snooze.hour"),
        Binding("2", "choose(1)", "Tomorrow", show=False, id="snooze.tomorrow"),
        Binding("3", "choose(2)", "Next week", show=False, id="snooze.week"),
        Binding("u", "choose(-1)", "Wake up now", show=False, id="snooze.clear"),
    ]

    def __init__(self, title: str, now: datetime, snoozed_until: str | None = None) -> None:
        super().__init__()
        self.conversation_title = text.one_line(title, 70)
        self.now = now
        self.snoozed_until = snoozed_until
        self.choices = snoozing.choices(now)

    def compose(self) -> ComposeResult:
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        with Vertical(id="snooze-panel"):
            heading = Text()
            heading.append(f"Snooze “{self.conversation_title}”", style="bold")
            heading.append("\nIt leaves the inbox and comes back at the chosen time.", style=muted)
            yield Static(heading, id="snooze-title")
            options: list[Option] = []
            for number, (choice_id, label, until) in enumerate(self.choices, 1):
                prompt = Text()
                prompt.append(f"{number}  ", style="bold")
                prompt.append(f"{label:<18}")
                prompt.append(until.astimezone().strftime("%a %d %b, %H:%M"), style=muted)
                options.append(Option(prompt, id=choice_id))
            if self.snoozed_until:
                prompt = Text()
                prompt.append("u  ", style="bold")
                prompt.append(f"{'Wake up now':<18}")
                prompt.append(f"snoozed until {render.local_time(self.snoozed_until, self.now)}", style=muted)
                options.append(Option(prompt, id="clear"))
            yield OptionList(*options, id="snooze-choices")
            yield Static(Text("enter or 1–3: choose · escape: cancel", style=muted), id="snooze-hint")

    def on_mount(self) -> None:
        self.query_one("#snooze-panel").border_title = "Snooze"

    @on(OptionList.OptionSelected, "#snooze-choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose(event.option_index if event.option.id != "clear" else -1)

    def action_choose(self, index: int) -> None:
        if index == -1:
            if self.snoozed_until:
                self.dismiss(self.now)  # "until now": awake
            return
        self.dismiss(self.choices[index][2])

    def action_cancel(self) -> None:
        self.dismiss(None)
