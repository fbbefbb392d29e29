"""The inbox table: one row per conversation, or one per waiting message (`T`), most urgent first; the cursor
follows conversations (and, by message, the message it is on); marks are conversations.

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
from cmtui.triage import InboxItem, WaitingMessage, waiting_label
from cmtui.ui import render
from cmtui.ui.data import byline
from cmtui.ui.widgets.reason_tags import item_tags, message_tags, reason_text

# fixed column widths; the title and the signals share what is left
MARKER, FEED, AUTHOR, WAITING, COUNT = 1, 16, 16, 7, 5
WINDOW = 150  # rows in the table at a time (a screen shows about 40)
EDGE = 50  # the window moves when the cursor comes this close to its end (more than a page: pagedown stays in it)
MIN_TITLE, MIN_SIGNALS, MAX_SIGNALS = 24, 20, 48
# below NARROW cells the feed and author columns shrink, so that 80 columns show every column, Why included
NARROW, NARROW_NAME, NARROW_TITLE, NARROW_SIGNALS = 110, 10, 18, 12
# by message: who wrote, the message, its conversation; below NARROW the person's column shrinks
PERSON, NARROW_PERSON, MIN_MESSAGE, MIN_CONVERSATION, MAX_CONVERSATION, MIN_WHY, MAX_WHY = 18, 12, 16, 10, 40, 10, 36
DRAFT_MARK = "✎ "
PICKED = "✓"  # the marker of a row marked with space or * (d, s, m, a then act on every marked row)

Row = InboxItem | WaitingMessage  # a conversation, or one of its waiting messages (the inbox by message)
Target = tuple[int, str | None]  # where the cursor goes back to: a conversation, and the row's key if it is there


def conversation_of(row: Row) -> InboxItem:
    """The conversation a row stands for or belongs to: what d, s, m, a and the marks act on."""
    return row.conversation if isinstance(row, WaitingMessage) else row


def row_key(row: Row) -> str:
    """The DataTable key of a row: the conversation's id, or `m` and the message's id."""
    return f"m{row.id}" if isinstance(row, WaitingMessage) else str(row.id)


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


class MessageWidths(NamedTuple):
    """The widths of the columns by message that follow the table's width."""

    person: int
    message: int
    conversation: int
    signals: int


def message_widths_for(width: int, padding: int) -> MessageWidths:
    """The columns by message of a table `width` cells wide: the message's text gets the most room."""
    person = NARROW_PERSON if width < NARROW else PERSON
    rest = max(MIN_MESSAGE + MIN_CONVERSATION + MIN_WHY, width - MARKER - person - WAITING - 2 * padding * 6 - 2)
    conversation = max(MIN_CONVERSATION, min(MAX_CONVERSATION, int(rest * 0.28)))
    why = max(MIN_WHY, min(MAX_WHY, int(rest * 0.22)))
    return MessageWidths(person, rest - conversation - why, conversation, why)


class InboxTable(DataTable[Text], inherit_bindings=False):
    """A DataTable of `InboxItem`s keyed by conversation id, or of `WaitingMessage`s (`by_message`)."""

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
        self.items: list[Row] = []
        self.by_message = False  # rows are waiting messages, not conversations
        self.window_start = 0  # index in `items` of the table's first row
        self._index: dict[str, int] = {}  # row key -> index in `items`
        self._rows_of: dict[int, list[int]] = {}  # conversation id -> the indexes of its rows in `items`
        self._now: datetime | None = None
        self._widths: Widths | MessageWidths = Widths(0, FEED, AUTHOR, MIN_SIGNALS)
        self._waiting = 0  # how many of the whole list (maybe not all loaded yet) wait for a reply
        self._target: tuple[Target, int] | None = None  # (where, cursor row then) to move to once it loads
        self._palette: dict[str, str] = {}
        self.marked: set[int] = set()  # conversation ids marked with space, v or *
        self.range_start: int | None = None  # v: where the range being marked starts (an index in `items`)
        self._before_range: set[int] = set()  # the marks when it started: the range adds to them

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
    def current_row(self) -> Row | None:
        """The row under the cursor: a conversation, or by message one of its waiting messages."""
        if not self.items or self.row_count == 0:
            return None
        return self.items[min(max(self.absolute_row, 0), len(self.items) - 1)]

    @property
    def current(self) -> InboxItem | None:
        """The conversation under the cursor (by message: the one the message waits in)."""
        row = self.current_row
        return conversation_of(row) if row is not None else None

    @property
    def current_message(self) -> WaitingMessage | None:
        """By message, the message under the cursor."""
        row = self.current_row
        return row if isinstance(row, WaitingMessage) else None

    def _current_target(self) -> Target | None:
        row = self.current_row
        return (conversation_of(row).id, row_key(row)) if row is not None else None

    def _locate(self, target: Target) -> int | None:
        """The index of `target`'s row: the same row if it is there, else its conversation's first."""
        conversation, key = target
        if key is not None and key in self._index:
            return self._index[key]
        rows = self._rows_of.get(conversation)
        return rows[0] if rows else None

    def _reindex(self, start: int) -> None:
        """Index the rows of `items` from `start` on (from 0: anew)."""
        if start == 0:
            self._index, self._rows_of = {}, {}
        for i, row in enumerate(self.items[start:], start):
            self._index[row_key(row)] = i
            self._rows_of.setdefault(conversation_of(row).id, []).append(i)

    # -- writing -------------------------------------------------------------------
    def show(self, items: list[Row], now: datetime, keep_id: int | None = None,
             waiting: int | None = None, by_message: bool | None = None) -> None:
        """Replace the rows; the cursor stays on `keep_id` (a conversation; default: the current row, else its
        conversation), else on the same position. `items` may be the first page of a longer list (see `extend`);
        `waiting` is how many of the whole list wait for a reply (the marker's colour is a row's rank among them);
        `by_message`: the rows are waiting messages (default: as before)."""
        pending = self._target[0] if self._target and self.absolute_row == self._target[1] else None
        target = (keep_id, None) if keep_id is not None else pending if pending is not None else self._current_target()
        old_row = self.absolute_row
        if by_message is not None:
            self.by_message = by_message
        self.range_start = None  # another list: a range's rows are no longer where they were (its marks stay)
        self.items, self._now = items, now
        self._reindex(0)
        self._waiting = waiting if waiting is not None else _waiting(items)
        self._target = None
        row = min(old_row, len(items) - 1)
        if target is not None:
            found = self._locate(target)
            if found is None:
                self._target = (target, row)  # maybe further down: `extend` moves there when its row comes
            else:
                row = found
        self._build(max(row, 0))

    def extend(self, items: list[Row]) -> None:
        """The whole list of which `show` got the first page: add the rows that follow it (or show it all
        again if the store changed in between)."""
        shown = [row_key(row) for row in self.items]
        if [row_key(row) for row in items[:len(shown)]] != shown or self._now is None:
            self.show(items, self._now or utc_now(), waiting=_waiting(items))
            return
        start = len(shown)
        self.items = items
        self._reindex(start)
        self._waiting = _waiting(items)
        if self._move_to_target():
            return
        if self.window_start + self.row_count == start and self.row_count < WINDOW:  # the window has room: fill it
            for index, row in enumerate(items[start:self.window_start + WINDOW], start):
                self.add_row(*self._cells(row, index), key=row_key(row))

    def _move_to_target(self) -> bool:
        """Once more of the list came: move to the row `show` could not find, if the reader has not moved
        meanwhile. Whether the window was rebuilt."""
        if self._target is None:
            return False
        target, row_then = self._target
        self._target = None
        found = self._locate(target)
        if found is not None and self.absolute_row == row_then:
            self._window(found)
            return True
        return False

    # -- marks ---------------------------------------------------------------------
    @property
    def marked_items(self) -> list[InboxItem]:
        """The marked conversations still in the list, in its order (each once, however many rows it has)."""
        found: dict[int, InboxItem] = {}
        for row in self.items:
            item = conversation_of(row)
            if item.id in self.marked:
                found.setdefault(item.id, item)
        return list(found.values())

    def toggle_mark(self) -> None:
        """space: mark the highlighted row's conversation, or unmark it."""
        item = self.current
        if item is not None:
            self.marked ^= {item.id}
            self._redraw_markers({item.id})

    @property
    def all_marked(self) -> bool:
        """Every conversation of the list is marked (and there is one)."""
        ids = {conversation_of(row).id for row in self.items}
        return bool(ids) and ids <= self.marked

    def mark_all(self) -> None:
        """*: mark the conversation of every row of the list (`items`: the whole list once its rest came)."""
        self.marked = {conversation_of(row).id for row in self.items}
        self._window(self.absolute_row)

    def clear_marks(self) -> None:
        self.range_start = None
        if self.marked:
            self.marked = set()
            self._window(self.absolute_row)

    def start_range(self) -> None:
        """v: mark from the highlighted row to wherever the cursor goes (`extend_range`), besides the marks
        there are."""
        self.range_start = self.absolute_row
        self._before_range = set(self.marked)
        self.extend_range()

    def extend_range(self) -> None:
        """The cursor moved during a range: the marks are those from before it and every conversation of the
        rows between the anchor and the cursor (moving back towards the anchor unmarks what it leaves)."""
        if self.range_start is None or not self.items:
            return
        last = len(self.items) - 1
        low, high = sorted((min(self.range_start, last), min(max(self.absolute_row, 0), last)))
        marked = self._before_range | {conversation_of(row).id for row in self.items[low:high + 1]}
        changed, self.marked = marked ^ self.marked, marked
        self._redraw_markers(changed)

    def end_range(self) -> None:
        """v again or escape: the range ends; its marks stay."""
        self.range_start = None

    def _redraw_markers(self, conversations: set[int]) -> None:
        """The marker cells of these conversations' rows that are in the window."""
        end = self.window_start + self.row_count
        for conversation in conversations:
            for index in self._rows_of.get(conversation, ()):
                if self.window_start <= index < end:
                    row = self.items[index]
                    self.update_cell(row_key(row), "marker", self._marker(row, index))

    def _build(self, cursor: int = 0) -> None:
        """Columns sized for the table's width, then the window of rows around `cursor` (an index in `items`)."""
        self._widths = widths = self._widths_for(self.size.width or 160)
        self.clear(columns=True)
        self.add_column(Text(""), width=MARKER, key="marker")
        if isinstance(widths, MessageWidths):
            self.add_column(Text("From"), width=widths.person, key="author")
            self.add_column(Text("Message"), width=widths.message, key="message")
            self.add_column(Text("Conversation"), width=widths.conversation, key="title")
            self.add_column(Text("Waiting", justify="right"), width=WAITING, key="waiting")
            self.add_column(Text("Why"), width=widths.signals, key="reasons")
        else:
            self.add_column(Text("Conversation"), width=widths.title, key="title")
            self.add_column(Text("Feed"), width=widths.feed, key="feed")
            self.add_column(Text("Latest from"), width=widths.author, key="author")
            self.add_column(Text("Waiting", justify="right"), width=WAITING, key="waiting")
            self.add_column(Text("Why"), width=widths.signals, key="reasons")
            self.add_column(Text("Open", justify="right"), width=COUNT, key="count")
        self._palette = render.colors(self.app)
        self._window(cursor, rebuild=False)

    def _widths_for(self, width: int) -> Widths | MessageWidths:
        """The column widths for the table's mode at `width` cells."""
        if self.by_message:
            return message_widths_for(width, self.cell_padding)
        return widths_for(width, self.cell_padding)

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
        for index, row in enumerate(items[offset:offset + WINDOW], offset):
            self.add_row(*self._cells(row, index), key=row_key(row))
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

    def _marker(self, row: Row, index: int) -> Text:
        """✓ on a marked conversation's rows; else ● for what waits, coloured by its rank (`index` among the
        `_waiting` rows that wait, most urgent first), ○ for the rest."""
        palette = self._palette
        if conversation_of(row).id in self.marked:
            return Text(PICKED, style=f"bold {palette['accent']}")
        if not conversation_of(row).needs_reply:
            return Text("○", style=palette["foreground-muted"])
        rank = index / max(1, self._waiting)
        return Text("●", style=palette["error"] if rank < 1 / 3 else palette["warning"] if rank < 2 / 3
                    else palette["foreground-muted"])

    def _title(self, item: InboxItem, width: int, bold: bool) -> Text:
        """A conversation's title, ✎ before it while a reply is being written."""
        title = render.line(item.title, 300, style="bold" if bold else "")
        if item.has_draft:
            title = Text.assemble((DRAFT_MARK, self._palette["accent"]), title, no_wrap=True, overflow="ellipsis")
        title.truncate(width, overflow="ellipsis")
        return title

    def _cells(self, row: Row, index: int) -> list[Text]:
        """The cells of `row`, shown at `index` of the list."""
        if isinstance(row, WaitingMessage):
            return self._message_cells(row, index)
        return self._conversation_cells(row, index)

    def _message_cells(self, message: WaitingMessage, index: int) -> list[Text]:
        """By message: who, the message (bold when it is new to the user), its conversation, how long it waits,
        why it ranks there."""
        widths = self._widths
        assert isinstance(widths, MessageWidths)
        person = render.line(byline(message.author, message.account), 200)
        person.truncate(widths.person, overflow="ellipsis")
        said = render.line(message.text, 300, style="bold" if message.new else "")
        said.truncate(widths.message, overflow="ellipsis")
        hours = render.hours_since(message.published, self._now or utc_now())
        reasons = reason_text(message_tags(message), self._palette)
        reasons.truncate(widths.signals, overflow="ellipsis")
        title = self._title(message.conversation, widths.conversation, bold=False)
        return [self._marker(message, index), person, said, title, Text(waiting_label(hours), justify="right"),
                reasons]

    def _conversation_cells(self, item: InboxItem, row: int) -> list[Text]:
        """The cells of `item`, shown at `row` (waiting conversations come first, most urgent first: the row
        is the rank that colours the marker)."""
        palette = self._palette
        muted = palette["foreground-muted"]
        if item.needs_reply:
            hours = render.hours_since(item.waiting_since, self._now or utc_now())
            waited = Text(waiting_label(hours), justify="right")
        else:
            waited = Text("-", style=muted, justify="right")
        marker = self._marker(item, row)
        widths = self._widths
        assert isinstance(widths, Widths)
        title = self._title(item, widths.title, item.opened_at is None)
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
        if self._now is not None and self._widths_for(event.size.width) != self._widths:
            self._build(self.absolute_row)


def _waiting(rows: list[Row]) -> int:
    """How many rows wait for a reply (by message: every one)."""
    return sum(conversation_of(row).needs_reply for row in rows)
