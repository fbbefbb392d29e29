"""The inbox table: one row per conversation, most urgent first; the cursor follows conversation ids."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from cmtui.store import utc_now
from cmtui.triage import InboxItem, waiting_label
from cmtui.ui import render
from cmtui.ui.widgets.reason_tags import item_tags, reason_text

# fixed column widths; the title and the signals share what is left
MARKER, FEED, AUTHOR, WAITING, COUNT = 1, 16, 16, 7, 5
FIRST_ROWS = 200  # painted at once; the rest of a long inbox follows in chunks
MORE_ROWS = 500
CHUNK_DELAY = 0.01  # seconds between chunks: keys typed meanwhile are handled in between
MIN_TITLE, MIN_SIGNALS, MAX_SIGNALS = 24, 20, 48
DRAFT_MARK = "✎ "


class InboxTable(DataTable[Text], inherit_bindings=False):
    """A DataTable of `InboxItem`s keyed by conversation id."""

    HELP_SECTION: ClassVar[str] = "Inbox"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="inbox.open"),
        Binding("j,down", "cursor_down", "Next", show=False, id="inbox.down"),
        Binding("k,up", "cursor_up", "Previous", show=False, id="inbox.up"),
        Binding("g,home", "scroll_top", "First", show=False, id="inbox.top"),
        Binding("G,end", "scroll_bottom", "Last", show=False, id="inbox.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="inbox.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="inbox.page_up"),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cursor_foreground_priority="renderable")
        self.items: list[InboxItem] = []
        self._now: datetime | None = None
        self._title_width = 0
        self._signals_width = MIN_SIGNALS
        self._generation = 0  # bumped by every rebuild: pending chunks of an older one stop
        self._waiting = 0  # how many of the whole list (maybe not all loaded yet) wait for a reply
        self._target: tuple[int, int] | None = None  # (conversation, cursor row then) to move to once it loads
        self._palette: dict[str, str] = {}

    # -- reading -------------------------------------------------------------------
    @property
    def current_id(self) -> int | None:
        """The conversation under the cursor."""
        if not self.items or self.row_count == 0:
            return None
        row = min(max(self.cursor_row, 0), len(self.items) - 1)
        return self.items[row].id

    @property
    def current(self) -> InboxItem | None:
        cid = self.current_id
        return next((i for i in self.items if i.id == cid), None)

    # -- writing -------------------------------------------------------------------
    def show(self, items: list[InboxItem], now: datetime, keep_id: int | None = None,
             waiting: int | None = None) -> None:
        """Replace the rows; the cursor stays on `keep_id` (default: the current conversation), else on the
        same position. `items` may be the first page of a longer list (see `extend`); `waiting` is how many
        of the whole list wait for a reply (the marker's colour is a row's rank among them)."""
        pending = self._target[0] if self._target and self.cursor_row == self._target[1] else None
        target = keep_id if keep_id is not None else pending if pending is not None else self.current_id
        old_row = self.cursor_row
        self.items, self._now = items, now
        self._waiting = waiting if waiting is not None else sum(i.needs_reply for i in items)
        self._build()
        self._target = None
        if not items:
            return
        row = min(old_row, len(items) - 1)
        if target is not None:
            try:
                row = self.get_row_index(str(target))
            except RowDoesNotExist:
                self._target = (target, row)  # maybe further down: `_append` moves there when its row comes
        self.move_cursor(row=max(row, 0), animate=False)

    def extend(self, items: list[InboxItem]) -> None:
        """The whole list of which `show` got the first page: add the rows that follow it (or show it all
        again if the store changed in between)."""
        shown = [i.id for i in self.items]
        if [i.id for i in items[:len(shown)]] != shown or self._now is None:
            self.show(items, self._now or utc_now(), waiting=sum(i.needs_reply for i in items))
            return
        start, self.items = len(shown), items
        self._waiting = sum(i.needs_reply for i in items)
        self._append(items, start, FIRST_ROWS, self._generation)

    def _widths_for(self, width: int) -> tuple[int, int]:
        """(title, signals) widths for a table `width` cells wide."""
        fixed = MARKER + FEED + AUTHOR + WAITING + COUNT
        padding = 2 * self.cell_padding * 7
        rest = max(MIN_TITLE + MIN_SIGNALS, width - fixed - padding - 2)
        signals = max(MIN_SIGNALS, min(MAX_SIGNALS, int(rest * 0.42)))
        return rest - signals, signals

    def _build(self) -> None:
        self._title_width, self._signals_width = self._widths_for(self.size.width or 160)
        self.clear(columns=True)
        self.add_column(Text(""), width=MARKER, key="marker")
        self.add_column(Text("Conversation"), width=self._title_width, key="title")
        self.add_column(Text("Feed"), width=FEED, key="feed")
        self.add_column(Text("Latest from"), width=AUTHOR, key="author")
        self.add_column(Text("Waiting", justify="right"), width=WAITING, key="waiting")
        self.add_column(Text("Why"), width=self._signals_width, key="reasons")
        self.add_column(Text("Open", justify="right"), width=COUNT, key="count")
        self._palette = render.colors(self.app)
        self._generation += 1
        self._append(self.items, 0, FIRST_ROWS, self._generation)

    def _append(self, items: list[InboxItem], start: int, count: int, generation: int) -> None:
        """Add rows `start`…`start + count`; the rest follow in later chunks, so the most urgent rows paint at
        once even with 10,000 conversations (a newer `_build` cancels the remaining chunks)."""
        if generation != self._generation:
            return
        for row, item in enumerate(items[start:start + count], start):
            self.add_row(*self._cells(item, row), key=str(item.id))
        if self._target is not None:
            target, row_then = self._target
            if self.cursor_row != row_then:
                self._target = None  # the reader moved on meanwhile: stay where they are
            elif any(i.id == target for i in items[start:start + count]):
                self._target = None
                self.move_cursor(row=self.get_row_index(str(target)), animate=False)
        if start + count < len(items):
            self.set_timer(CHUNK_DELAY, lambda: self._append(items, start + count, MORE_ROWS, generation))

    def action_scroll_bottom(self) -> None:
        """G / end: the last conversation of the whole list, even while its rows are still being added."""
        if self.row_count < len(self.items):
            self._generation += 1  # the chunks still pending stop: the rest is added here, at once
            self._append(self.items, self.row_count, len(self.items), self._generation)
        super().action_scroll_bottom()

    def _cells(self, item: InboxItem, row: int) -> list[Text]:
        """The cells of `item`, shown at `row` (waiting conversations come first, most urgent first: the row
        is the rank that colours the marker)."""
        palette = self._palette
        muted = palette["foreground-muted"]
        if item.needs_reply:
            rank = row / max(1, self._waiting)
            color = palette["error"] if rank < 1 / 3 else palette["warning"] if rank < 2 / 3 else muted
            marker = Text("●", style=color)
            hours = render.hours_since(item.waiting_since, self._now or utc_now())
            waited = Text(waiting_label(hours), justify="right")
        else:
            marker = Text("○", style=muted)
            waited = Text("-", style=muted, justify="right")
        title = render.line(item.title, 300, style="bold" if item.opened_at is None else "")
        if item.has_draft:  # a reply is being written: ✎ before the title
            title = Text.assemble((DRAFT_MARK, palette["accent"]), title, no_wrap=True, overflow="ellipsis")
        title.truncate(self._title_width, overflow="ellipsis")
        feed = render.line(item.feed, 80, style=muted)
        feed.truncate(FEED, overflow="ellipsis")
        author = render.line(item.latest.author or "-", 80)
        author.truncate(AUTHOR, overflow="ellipsis")
        reasons = reason_text(item_tags(item), palette)
        reasons.truncate(self._signals_width, overflow="ellipsis")
        count = Text(f"{item.unanswered}/{item.messages}", justify="right",
                     style="" if item.needs_reply else muted)
        return [marker, title, feed, author, waited, reasons, count]

    def on_resize(self, event: Resize) -> None:
        if self._now is not None and self._widths_for(event.size.width) != (self._title_width, self._signals_width):
            self.show(self.items, self._now, waiting=self._waiting)
