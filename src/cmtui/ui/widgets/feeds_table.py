"""The feeds table: one row per configured feed; enter shows that feed's conversations."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class FeedsTable(DataTable[Text], inherit_bindings=False):
    HELP_SECTION: ClassVar[str] = "Feeds"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Show its conversations", id="feeds.show"),
        Binding("j,down", "cursor_down", "Next", show=False, id="feeds.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="feeds.up"),
        Binding("g,home", "scroll_top", "First", show=False, id="feeds.top"),
        Binding("G,end", "scroll_bottom", "Last", show=False, id="feeds.bottom"),
        Binding("left", "scroll_left", "Scroll left", show=False, id="feeds.left"),
        Binding("right", "scroll_right", "Scroll right", show=False, id="feeds.right"),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cursor_foreground_priority="renderable")
