"""The help screen: every key of the screen it was opened on and of the app, generated from the live bindings
(so a `[keymap]` in feeds.toml shows up here), with each binding's id for remapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from cmtui.ui import render

APP_SECTION = "Everywhere"


@dataclass
class HelpEntry:
    keys: list[str]
    description: str
    binding_id: str | None


@dataclass
class HelpSection:
    title: str
    entries: list[HelpEntry] = field(default_factory=list)


def section_title(node: DOMNode) -> str | None:
    """The help section of a binding's node: the app, or one of our screens and widgets (others are skipped)."""
    if isinstance(node, App):
        return APP_SECTION
    title = getattr(node, "HELP_SECTION", None)
    return title if isinstance(title, str) else None


def help_sections(screen: Screen[object]) -> list[HelpSection]:
    """The bindings in effect on `screen` (keymap applied), one entry per action with all its keys."""
    app = screen.app
    sections: dict[str, HelpSection] = {}
    entries: dict[tuple[str, str], HelpEntry] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        title = section_title(active.node)
        if title is None or not binding.description or binding.system:
            continue
        if binding.id is None and not isinstance(active.node, App):
            continue  # Textual's own screen keys (tab, copy): not ours to document
        key = app.get_key_display(binding)
        ident = (title, binding.id or f"{type(active.node).__name__}.{binding.action}")
        entry = entries.get(ident)
        if entry is None:
            entry = entries[ident] = HelpEntry([], binding.description, binding.id)
            sections.setdefault(title, HelpSection(title)).entries.append(entry)
        if key not in entry.keys:
            entry.keys.append(key)
    ordered = [s for t, s in sections.items() if t != APP_SECTION]
    if APP_SECTION in sections:
        ordered.append(sections[APP_SECTION])
    return ordered


def help_text(sections: list[HelpSection], palette: dict[str, str]) -> Text:
    out = Text()
    muted = palette["foreground-muted"]
    for i, section in enumerate(sections):
        if i:
            out.append("\n")
        out.append(section.title + "\n", style=f"bold {palette['accent']}")
        for entry in section.entries:
            keys = " ".join(entry.keys)
            out.append(f"  {keys:<16}", style="bold")
            out.append(f"{entry.description:<28}")
            out.append(f"{entry.binding_id or ''}\n", style=muted)
    return out


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; any of escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close", id="help.close"),
    ]

    def __init__(self, source: Screen[object]) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        with Vertical(id="help-panel"):
            yield Static(id="help-title", markup=False)
            with VerticalScroll(id="help-scroll"):
                yield Static(id="help-body", markup=False)
            yield Static(id="help-hint", markup=False)

    def on_mount(self) -> None:
        palette = render.colors(self.app)
        title = Text()
        title.append("Keys of this screen and of the whole app", style="bold")
        title.append("  (right: the binding id)", style=palette["foreground-muted"])
        self.query_one("#help-title", Static).update(title)
        self.query_one("#help-body", Static).update(help_text(help_sections(self.source), palette))
        hint = Text()
        hint.append("Remap any key by its id in feeds.toml, e.g. ", style=palette["foreground-muted"])
        hint.append('[keymap] inbox.done = "x"', style="bold")
        hint.append(" · escape closes", style=palette["foreground-muted"])
        self.query_one("#help-hint", Static).update(hint)
        self.query_one("#help-panel").border_title = "Help"

    def action_close(self) -> None:
        self.dismiss()
