"""The drafts table: one row per open or handed-off reply; enter reopens it in the editor."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class DraftsTable(DataTable[Text], inherit_bindings=False):
    HELP_SECTION: ClassVar[str] = "Drafts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Reopen", id="drafts.open"),
        Binding("j,down", "cursor_down", "Next", show=False, id="drafts.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="drafts.up"),
        Binding("g,home", "scroll_top", "First", show=False, id="drafts.top"),
        Binding("G,end", "scroll_bottom", "Last", show=False, id="drafts.bottom"),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cursor_foreground_priority="renderable")
