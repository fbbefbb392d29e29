"""The inbox table: one row per conversation, most urgent first; the cursor follows conversation ids.

A long inbox is not one DataTable row per conversation: rows cost a quarter of a millisecond each to build, and
`G` on 50,000 conversations built them all (50 s). The table holds a window of `WINDOW` rows of `items` (the
whole list), from `window_start`; when the cursor comes within `EDGE` rows of the window's end (or start) and there is
more beyond, the window moves so the cursor is in its middle again. `g`/`G` show the first/last window."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.widgets import DataTable

from cmtui.store import utc_now
from cmtui.triage import InboxItem, waiting_label
from cmtui.ui import render
from cmtui.ui.widgets.reason_tags import item_tags, reason_text

# fixed column widths; the title and the signals share what is left
MARKER, FEED, AUTHOR, WAITING, COUNT = 1, 16, 16, 7, 5
WINDOW = 150  # rows in the table at a time (a screen shows about 40)
EDGE = 50  # the window moves when the cursor comes this close to its end (more than a page: pagedown stays in it)
MIN_TITLE, MIN_SIGNALS, MAX_SIGNALS = 24, 20, 48
# below NARROW cells the feed and author columns shrink, so that 80 columns show every column, Why included
NARROW, NARROW_NAME, NARROW_TITLE, NARROW_SIGNALS = 110, 10, 18, 12
DRAFT_MARK = "✎ "
PICKED = "✓"  # the marker of a row marked with space or * (d, s, m, a then act on every marked row)


class Widths(NamedTuple):
    """The widths of the columns that follow the table's width."""

    title: int
    feed: int
    author: int
    signals: int


def widths_for(width: int, padding: int) -> Widths:
    """The columns of a table `width` cells wide whose cells have `padding` cells on each side."""
    narrow = width < NARROW
    name = NARROW_NAME if narrow else FEED
    fixed = MARKER + 2 * name + WAITING + COUNT
    least_title, least_signals = (NARROW_TITLE, NARROW_SIGNALS) if narrow else (MIN_TITLE, MIN_SIGNALS)
    rest = max(least_title + least_signals, width - fixed - 2 * padding * 7 - 2)  # 7 columns; 2: the scrollbar
    signals = max(least_signals, min(MAX_SIGNALS, int(rest * 0.42)))
    return Widths(rest - signals, name, name, signals)


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
        self.window_start = 0  # index in `items` of the table's first row
        self._index: dict[int, int] = {}  # conversation id -> index in `items`
        self._now: datetime | None = None
        self._widths = Widths(0, FEED, AUTHOR, MIN_SIGNALS)
        self._waiting = 0  # how many of the whole list (maybe not all loaded yet) wait for a reply
        self._target: tuple[int, int] | None = None  # (conversation, cursor row then) to move to once it loads
        self._palette: dict[str, str] = {}
        self.marked: set[int] = set()  # conversation ids marked with space or *

    # -- reading -------------------------------------------------------------------
    @property
    def absolute_row(self) -> int:
        """The cursor's position in the whole list (`cursor_row` is its position in the window)."""
        return self.window_start + self.cursor_row

    @property
    def current_id(self) -> int | None:
        """The conversation under the cursor."""
        item = self.current
        return item.id if item is not None else None

    @property
    def current(self) -> InboxItem | None:
        if not self.items or self.row_count == 0:
            return None
        return self.items[min(max(self.absolute_row, 0), len(self.items) - 1)]

    # -- writing -------------------------------------------------------------------
    def show(self, items: list[InboxItem], now: datetime, keep_id: int | None = None,
             waiting: int | None = None) -> None:
        """Replace the rows; the cursor stays on `keep_id` (default: the current conversation), else on the
        same position. `items` may be the first page of a longer list (see `extend`); `waiting` is how many
        of the whole list wait for a reply (the marker's colour is a row's rank among them)."""
        pending = self._target[0] if self._target and self.absolute_row == self._target[1] else None
        target = keep_id if keep_id is not None else pending if pending is not None else self.current_id
        old_row = self.absolute_row
        self.items, self._now = items, now
        self._index = {item.id: i for i, item in enumerate(items)}
        self._waiting = waiting if waiting is not None else sum(i.needs_reply for i in items)
        self._target = None
        row = min(old_row, len(items) - 1)
        if target is not None:
            found = self._index.get(target)
            if found is None:
                self._target = (target, row)  # maybe further down: `extend` moves there when its row comes
            else:
                row = found
        self._build(max(row, 0))

    def extend(self, items: list[InboxItem]) -> None:
        """The whole list of which `show` got the first page: add the rows that follow it (or show it all
        again if the store changed in between)."""
        shown = [i.id for i in self.items]
        if [i.id for i in items[:len(shown)]] != shown or self._now is None:
            self.show(items, self._now or utc_now(), waiting=sum(i.needs_reply for i in items))
            return
        start = len(shown)
        self.items = items
        self._index.update((item.id, i) for i, item in enumerate(items[start:], start))
        self._waiting = sum(i.needs_reply for i in items)
        if self._target is not None:
            target, row_then = self._target
            self._target = None
            found = self._index.get(target)
            if found is not None and self.absolute_row == row_then:  # the reader has not moved meanwhile
                self._window(found)
                return
        if self.window_start + self.row_count == start and self.row_count < WINDOW:  # the window has room: fill it
            for row, item in enumerate(items[start:self.window_start + WINDOW], start):
                self.add_row(*self._cells(item, row), key=str(item.id))

    # -- marks ---------------------------------------------------------------------
    @property
    def marked_items(self) -> list[InboxItem]:
        """The marked conversations still in the list, in its order."""
        return [item for item in self.items if item.id in self.marked]

    def toggle_mark(self) -> None:
        """space: mark the highlighted row, or unmark it."""
        item = self.current
        if item is not None:
            self.marked ^= {item.id}
            self._redraw_marker(item)

    def mark_all(self) -> None:
        """*: mark every row of the list; when all are marked already, clear the marks."""
        ids = {item.id for item in self.items}
        self.marked = set() if ids and ids <= self.marked else ids
        self._window(self.absolute_row)

    def clear_marks(self) -> None:
        if self.marked:
            self.marked = set()
            self._window(self.absolute_row)

    def _redraw_marker(self, item: InboxItem) -> None:
        index = self._index.get(item.id)
        if index is not None and self.window_start <= index < self.window_start + self.row_count:
            self.update_cell(str(item.id), "marker", self._cells(item, index)[0])

    def _build(self, cursor: int = 0) -> None:
        """Columns sized for the table's width, then the window of rows around `cursor` (an index in `items`)."""
        self._widths = widths = widths_for(self.size.width or 160, self.cell_padding)
        self.clear(columns=True)
        self.add_column(Text(""), width=MARKER, key="marker")
        self.add_column(Text("Conversation"), width=widths.title, key="title")
        self.add_column(Text("Feed"), width=widths.feed, key="feed")
        self.add_column(Text("Latest from"), width=widths.author, key="author")
        self.add_column(Text("Waiting", justify="right"), width=WAITING, key="waiting")
        self.add_column(Text("Why"), width=widths.signals, key="reasons")
        self.add_column(Text("Open", justify="right"), width=COUNT, key="count")
        self._palette = render.colors(self.app)
        self._window(cursor, rebuild=False)

    def _window(self, cursor: int, *, rebuild: bool = True) -> None:
        """`WINDOW` rows of `items` from `window_start`, chosen so `cursor` (an index in `items`) is inside, away
        from the edges when the list goes on; the cursor on it."""
        if rebuild:
            self.clear()
        items = self.items
        if not items:
            self.window_start = 0
            return
        cursor = min(max(cursor, 0), len(items) - 1)
        if cursor < WINDOW - EDGE:
            offset = 0
        else:
            offset = max(0, min(cursor - WINDOW // 2, len(items) - WINDOW))
        self.window_start = offset
        for row, item in enumerate(items[offset:offset + WINDOW], offset):
            self.add_row(*self._cells(item, row), key=str(item.id))
        self.move_cursor(row=cursor - offset, animate=False)

    def _near_edge(self, step: int) -> None:
        """Before the cursor moves by `step` rows: move the window first if that would take it to an edge with
        more of the list beyond."""
        after = self.cursor_row + step
        more_below = self.window_start + self.row_count < len(self.items)
        if (after >= self.row_count - EDGE and more_below) or (after < EDGE and self.window_start > 0):
            self._window(self.absolute_row)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_down(self) -> None:
        self._near_edge(1)
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._near_edge(-1)
        super().action_cursor_up()

    def action_page_down(self) -> None:
        self._near_edge(self._page())
        super().action_page_down()

    def action_page_up(self) -> None:
        self._near_edge(-self._page())
        super().action_page_up()

    def action_scroll_top(self) -> None:
        """g / home: the first conversation."""
        if self.window_start > 0:
            self._window(0)
        super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        """G / end: the last conversation of the whole list (its last window)."""
        if self.window_start + self.row_count < len(self.items):
            self._window(len(self.items) - 1)
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
        if item.id in self.marked:
            marker = Text(PICKED, style=f"bold {palette['accent']}")
        title = render.line(item.title, 300, style="bold" if item.opened_at is None else "")
        if item.has_draft:  # a reply is being written: ✎ before the title
            title = Text.assemble((DRAFT_MARK, palette["accent"]), title, no_wrap=True, overflow="ellipsis")
        widths = self._widths
        title.truncate(widths.title, overflow="ellipsis")
        feed = render.line(item.feed, 80, style=muted)
        feed.truncate(widths.feed, overflow="ellipsis")
        author = render.line(item.latest.author or "-", 80)
        author.truncate(widths.author, overflow="ellipsis")
        reasons = reason_text(item_tags(item), palette)
        reasons.truncate(widths.signals, overflow="ellipsis")
        count = Text(f"{item.unanswered}/{item.messages}", justify="right",
                     style="" if item.needs_reply else muted)
        return [marker, title, feed, author, waited, reasons, count]

    def on_resize(self, event: Resize) -> None:
        if self._now is not None and widths_for(event.size.width, self.cell_padding) != self._widths:
            self._build(self.absolute_row)
