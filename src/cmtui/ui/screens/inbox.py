"""The inbox screen (the app's base screen): filter bar, search, the table, the preview of the highlighted row.
The table lists conversations, or (`T`) each message that waits in them (`triage.waiting_messages`); the preview
shows the message the row stands for, and `r` answers that message.

The command palette narrows the list further by a reason, a person or a wait (`Filters.reason`, `person`,
`waiting_hours`): they go to `triage.inbox` as a saved view's filters do (`narrowing`), and the screen offers
the palette the reasons and the people of the conversations it lists (`reason_choices`, `people_in`).

The UI thread never reads the store here: every reload (a view, a filter, a search, a sync's changes) and every
preview runs in a thread worker on a connection of its own, and the screen shows what comes back. A cron sync
may hold the write lock for a while, and the summaries it leaves dirty take time to bring up to date: that
waits in the worker, never in a keystroke."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import get_current_worker

from cmtui import team, text, triage
from cmtui.config import Config, ViewConfig, normalise_name
from cmtui.store import DatabaseError, Store, StoreError
from cmtui.triage import InboxItem
from cmtui.ui import views
from cmtui.ui.data import ThreadMessage, latest_unanswered, up_to_date, waiting_message
from cmtui.ui.marks import LabelsChanged, NoteSaved
from cmtui.ui.messages import InboxLoaded, PreviewLoaded, StoreChanged
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.widgets.filter_bar import FilterBar, Filters, filter_words
from cmtui.ui.widgets.inbox_table import InboxTable, Row, conversation_of
from cmtui.ui.widgets.preview import Preview

FIRST_PAGE = 200  # conversations shown first; the rest follow (10k take a few tenths of a second to read)
PreviewKey = tuple[int, int | None]  # a conversation, and by message the message the row stands for
PREVIEWS_KEPT = 64  # previews kept in memory: going back to a row shows its preview at once
SEARCH_DELAY = 0.2  # seconds without a keystroke before the search runs (in a worker thread)
REASONS_OFFERED = 20  # reasons the palette offers to filter by, the most common in the list first
PEOPLE_OFFERED = 20  # people the palette offers to filter by, the most active first …
PEOPLE_FROM = 100  # … in the first this many conversations listed (the palette reads their messages)
# The clock's reasons (`triage.inbox._clock_reason`) and a reply handed off: the inbox shows them, the store does
# not keep them with the conversation's signals, so no reason filter finds them.
UNSTORED_REASONS = ("SLA breached ", "due in ", "stuck ", "hot: ", "reply pending")


@dataclass(frozen=True)
class InboxPage:
    """What the inbox shows for `filters`: the first page of its conversations (by message: their waiting
    messages) and the counts."""

    filters: Filters
    now: datetime
    items: list[Row]
    complete: bool  # `items` is the whole list
    total: int  # conversations in the whole list
    waiting_here: int  # of them, waiting for a reply (the markers' ranks)
    waiting: int  # waiting in every feed and view: the title's "N waiting"
    counts: dict[str, int] | None = None  # conversations, messages, feeds: for "inbox zero"
    labels: frozenset[str] = frozenset()  # the labels on the conversations read (`t` offers them)
    reasons: tuple[str, ...] = ()  # the reasons a filter finds in them, most common first (the palette offers them)


# What "Clear filters" and escape put back: every brand and feed, no tag, reason, person or wait (the view stays).
NO_FILTER: dict[str, Any] = {"feed_id": None, "feed_name": "", "tag": None, "brand": None, "reason": "", "person": "",
                             "waiting_hours": 0.0}


def labels_of(rows: list[Row]) -> frozenset[str]:
    """Every label on the conversations of these rows."""
    return frozenset(label for row in rows for label in conversation_of(row).labels)


def reason_word(reason: str) -> str:
    """What a reason is filtered by: its words before a colon, without a count ("complaint" of "complaint: refund",
    "people waiting" of "3 people waiting"). Words of the reason, so the store's reason filter finds it."""
    return re.sub(r"^\d+\s+", "", reason.split(":", 1)[0].strip())


def reason_words(rows: list[Row]) -> tuple[str, ...]:
    """The reasons of the waiting conversations of these rows, as a reason filter takes them (`reason_word`), the
    most conversations first. Not the clock's (`UNSTORED_REASONS`), nor an answered one's ("answered", "done")."""
    seen: set[int] = set()
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for row in rows:
        item = conversation_of(row)
        if item.id in seen or not item.needs_reply:
            continue
        seen.add(item.id)
        words = {reason_word(r) for r in item.reasons if r and not r.startswith(UNSTORED_REASONS)}
        for key, word in {w.casefold(): w for w in words if w}.items():
            counts[key] += 1
            shown.setdefault(key, word)
    return tuple(shown[key] for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def people_in(store: Store, conversation_ids: list[int], limit: int = PEOPLE_OFFERED) -> list[str]:
    """Who wrote in these conversations (not us), the most messages first: the names as first written."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for conversation_id in conversation_ids:
        for message in store.messages(conversation_id):
            if not message.is_ours and message.author_norm:
                counts[message.author_norm] += 1
                names.setdefault(message.author_norm, message.author)
    ranked = sorted(counts, key=lambda key: (-counts[key], key))
    return [text.one_line(names[key], 80) for key in ranked[:limit]]


def read_people(db_path: Path | str, conversation_ids: list[int]) -> list[str]:
    """`people_in` on a connection of the calling thread's own; none when the store cannot be read now (the
    palette's other commands stay)."""
    try:
        with Store.open(db_path) as store:
            return people_in(store, conversation_ids)
    except (StoreError, DatabaseError):
        return []


def conversations(n: int) -> str:
    """"12 conversations", "1 conversation"."""
    return f"{n} conversation{'' if n == 1 else 's'}"


def where(config: Config, f: Filters) -> dict[str, Any]:
    """The arguments of `triage.inbox` and `triage.inbox_count` for `f`: its view (a store view, narrowed by a saved
    view or an assignee), its reason, person and wait, and its brand, feed, tag and search. A view feeds.toml no
    longer has is needs reply."""
    view = views.find(config, f.view) or views.BUILTIN[0]
    return {**view.arguments(), "saved": narrowing(view.saved, f), "feed_id": f.feed_id, "tag": f.tag,
            "search": f.search or None, "brand": f.brand}


def narrowing(saved: ViewConfig | None, f: Filters) -> ViewConfig | None:
    """A saved view's filters (if any) with `f`'s reason, person and wait: what `triage.inbox(saved=…)` narrows
    by, as for `cmtui inbox --view`. Both waits hold (the longer one); a reason or person the view sets itself is
    the view's (`InboxScreen._still_valid` drops `f`'s then: the store takes one of each)."""
    if not (f.reason or f.person or f.waiting_hours > 0):
        return saved
    base = saved or ViewConfig(name="")
    return base._replace(reason=base.reason or f.reason, person=base.person or f.person,
                         waiting_longer_than=max(base.waiting_longer_than, f.waiting_hours))


def rows(store: Store, config: Config, items: list[InboxItem], f: Filters) -> list[Row]:
    """The table's rows for these conversations: themselves, or by message the messages that wait in them."""
    return list(triage.waiting_messages(store, config, items)) if f.by_message else list(items)


def query_page(store: Store, config: Config, now: datetime, f: Filters) -> InboxPage:
    """Read the inbox for `f` (on a worker's own connection): its first `FIRST_PAGE` conversations (by message,
    their waiting messages)."""
    filters = where(config, f)
    items = triage.inbox(store, config, now=now, limit=FIRST_PAGE, **filters)
    complete = len(items) < FIRST_PAGE
    if complete:
        total, waiting_here = len(items), sum(i.needs_reply for i in items)
    else:
        total, waiting_here = triage.inbox_count(store, config, now=now, **filters)
    everything = f.view == views.NEEDS_REPLY and not f.narrowed
    waiting = waiting_here if everything else triage.inbox_count(store, config, now=now)[1]
    counts = store.counts() if not items and everything else None
    return InboxPage(f, now, rows(store, config, items, f), complete, total, waiting_here, waiting, counts,
                     labels_of(list(items)), reason_words(list(items)))


def read_all(store: Store, config: Config, now: datetime, f: Filters) -> list[Row]:
    """The whole list for `f`, of which `query_page` read the first page."""
    return rows(store, config, triage.inbox(store, config, now=now, **where(config, f)), f)


class InboxScreen(CmtuiScreen):
    """Conversations of the current view, most urgent first."""

    HELP_SECTION: ClassVar[str] = "Inbox"
    AUTO_FOCUS = "#inbox"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "done", "Done", id="inbox.done"),
        Binding("u", "undo", "Undo", id="inbox.undo"),
        Binding("s", "snooze", "Snooze", id="inbox.snooze"),
        Binding("m", "mute", "Mute", id="inbox.mute"),
        Binding("r", "reply", "Reply", id="inbox.reply"),
        Binding("o", "open_url", "Browser", id="inbox.browser"),
        Binding("f", "cycle_view", "View", id="inbox.view"),
        Binding("t", "cycle_tag", "Tag", show=False, id="inbox.tag"),
        Binding("b", "cycle_brand", "Brand", show=False, id="inbox.brand"),
        Binding("T", "toggle_by_message", "By message/conversation", show=False, id="inbox.by_message"),
        Binding("a", "assign", "Assign to me", show=False, id="inbox.assign"),
        Binding("A", "unassign", "Unassign", show=False, id="inbox.unassign"),
        Binding("N", "note", "Internal note", show=False, id="inbox.note"),
        Binding("l", "label", "Label", show=False, id="inbox.label"),
        Binding("space", "toggle_mark", "Mark", show=False, id="inbox.mark"),
        Binding("v", "mark_range", "Mark a range", show=False, id="inbox.range"),
        Binding("asterisk", "mark_all", "Mark all", show=False, id="inbox.mark_all"),
        Binding("slash", "search", "Search", id="inbox.search"),
        Binding("escape", "clear", "Clear marks/filter", show=False, id="inbox.clear"),
        Binding("q", "app.quit", "Quit", id="inbox.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self._loads = 0  # reloads so far: what a worker brings back for an older one is dropped
        self._search_timer: Timer | None = None
        self._previews: dict[PreviewKey, ThreadMessage | None] = {}  # a row's conversation (and message) -> preview
        self._version = -1  # the store's data_version at the last reload
        self._page: InboxPage | None = None  # the page shown
        self._complete = False  # the table holds the page's whole list (the rest came, or there was none)
        self._mark_all = False  # * was pressed before the whole list came: mark all of it once it is here
        self._labels_seen: set[str] = set()  # on the conversations read so far, in any view, or added here (`t`)
        self._reasons: tuple[str, ...] = ()  # of the conversations listed (`reason_words`): the palette offers them

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield FilterBar(id="filters")
        with Horizontal(id="search-bar"):
            yield Static(Text("/ search "), id="search-label")
            yield Input(placeholder="words in any message · enter: keep the results · escape: clear", id="search",
                        compact=True)
        with Vertical(id="inbox-body"):
            yield InboxTable(id="inbox")
            yield Static(id="empty", markup=False)
            yield Preview(id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self._fresh = True  # the resume that follows the first mount needs no second query

    def on_screen_resume(self) -> None:
        """Back from another screen: read again only if the store changed meanwhile (its connections' writes
        change `data_version`; the app's own actions reload by themselves)."""
        if getattr(self, "_fresh", False):
            self._fresh = False
            return
        if self.cmtui.store.data_version() != self._version:
            self.reload()

    # -- widgets ---------------------------------------------------------------------
    @property
    def table(self) -> InboxTable:
        return self.query_one("#inbox", InboxTable)

    @property
    def current(self) -> InboxItem | None:
        return self.table.current

    # -- loading ---------------------------------------------------------------------
    def reload(self, keep_id: int | None = None) -> None:
        """Query the store again, in a worker; the cursor stays on the same conversation (or `keep_id`). A long
        inbox comes in two steps: the first screenfuls, then the whole list."""
        self._loads += 1
        self._version = self.cmtui.store_seen()
        self.filters = self._still_valid(self.filters)
        self._previews.clear()
        search = bool(self.filters.search.strip())
        self.run_worker(partial(self._load, self.filters, self._loads, keep_id), thread=True, exclusive=True,
                        group="search" if search else "inbox", exit_on_error=False,
                        description="Searching the inbox" if search else "Reading the inbox")

    def _still_valid(self, f: Filters) -> Filters:
        """`f` without what feeds.toml no longer has (a saved view, a brand, the name Mine goes by), and without
        a reason or person of the palette's where the view sets its own (the store takes one of each)."""
        config = self.cmtui.config
        view = views.find(config, f.view)
        if view is None:
            f = replace(f, view=views.NEEDS_REPLY)
        if f.brand is not None and f.brand not in self.cmtui.brands():
            f = replace(f, brand=None)
        saved = view.saved if view is not None else None
        if saved is not None and ((saved.reason and f.reason) or (saved.person and f.person)):
            f = replace(f, reason="" if saved.reason else f.reason, person="" if saved.person else f.person)
        return f

    def _load(self, filters: Filters, load: int, keep_id: int | None) -> None:
        """Thread worker: read the inbox for `filters` on a connection of this thread's own (summaries a sync
        left dirty are brought up to date first, in short transactions); the UI thread only shows it."""
        worker = get_current_worker()
        app = self.cmtui
        with Store.open(app.db_path) as store:
            up_to_date(store, app.config)
            page = query_page(store, app.config, app.now(), filters)
            if worker.is_cancelled:
                return
            self.post_message(InboxLoaded(page, load, keep_id))
            if not page.complete:
                rest = read_all(store, app.config, page.now, filters)
                if not worker.is_cancelled:
                    self.post_message(InboxLoaded(replace(page, labels=labels_of(rest), reasons=reason_words(rest)),
                                                  load, keep_id, rest))

    @on(InboxLoaded)
    def _loaded(self, message: InboxLoaded) -> None:
        if message.load != self._loads or message.page.filters != self.filters or not self.is_attached:
            return  # a newer reload or search came meanwhile
        self._labels_seen |= message.page.labels
        self._reasons = message.page.reasons
        if message.rest is None:
            self._show_page(message.page, message.keep_id)
        else:
            self.table.extend(message.rest)
            self._complete = True
            self._show_bar()
        if self._mark_all and self._complete:
            self._mark_everything()

    def _show_page(self, page: InboxPage, keep_id: int | None) -> None:
        self._page, self._complete = page, page.complete
        by_message = page.filters.by_message
        self.table.show(page.items, page.now, keep_id, waiting=None if by_message else page.waiting_here,
                        by_message=by_message)
        self._show_bar()
        self.cmtui.set_waiting(page.waiting)
        self._show_empty(page.items, page.waiting, page.counts)
        self._show_preview()

    def _show_bar(self) -> None:
        """The filter bar: the views, the filters, the count (by message, of messages and conversations), and
        how many conversations are marked."""
        page = self._page
        if page is None:
            return
        tabs = [(v.key, v.label) for v in views.offered(self.cmtui.config)]
        messages = f"{len(self.table.items)}{'' if self._complete else '+'}"
        shown = page.waiting_here if page.filters.by_message else page.total
        self.query_one(FilterBar).show(page.filters, shown, tabs, messages=messages, marked=len(self.table.marked))

    def show_sync_state(self) -> None:
        """A sync started or ended, or the app read when the store last synced: an empty inbox says it anew."""
        page = self._page
        if page is not None and not page.items:
            self._show_empty(page.items, page.waiting, page.counts)

    def _show_empty(self, items: list[Row], waiting: int, counts: dict[str, int] | None) -> None:
        empty = self.query_one("#empty", Static)
        self.set_class(not items, "-empty")
        if items:
            if self.focused is None:  # the table was hidden while empty
                self.table.focus()
            return
        app = self.cmtui
        f = self.filters
        message = Text()
        status = app.sync_status
        if not app.config.feeds:
            message.append("No feeds yet\n\n", style="bold")
            message.append("Add a blog, a forum or a mentions feed with\n\n")
            message.append("    cmtui add URL\n\n", style="bold")
            message.append("or edit your feeds file:\n\n")
            message.append(f"    {app.config.path}\n\n", style="bold")
            message.append("then press R to sync.")
        elif f.view == views.NEEDS_REPLY and not f.narrowed and (status is None or status.never_synced):
            self._not_synced_yet(message)
        elif f.view == views.NEEDS_REPLY and not f.narrowed:
            counts = counts or {"conversations": 0, "messages": 0, "feeds": 0}
            message.append("Inbox zero: nothing waits for a reply\n\n", style="bold")
            message.append(f"{counts['conversations']} conversations · {counts['messages']} messages · "
                           f"{counts['feeds']} feeds\n\n")
            message.append("f: other views (all, done, snoozed, muted) · R: sync now")
        else:
            where = " · ".join([f"in {views.label(f.view)}",
                                *(name + value for name, value in filter_words(replace(f, search="")))])
            if f.search.strip():
                message.append(f"Nothing matches “{text.one_line(f.search, 60)}” {where}\n\n", style="bold")
            else:
                message.append(f"No {'messages wait' if f.by_message else 'conversations'} {where}\n\n",
                               style="bold")
            message.append(f"{waiting} waiting for a reply in every feed · escape: clear the filter · f: next view")
            if f.by_message:
                message.append(" · T: a row per conversation")
        empty.update(message)

    def _not_synced_yet(self, message: Text) -> None:
        """An empty inbox before the first sync: not "inbox zero" (nothing was fetched yet)."""
        app = self.cmtui
        status = app.sync_status
        feeds = len(app.config.feeds)
        your_feeds = f"your {feeds} feed{'s' if feeds != 1 else ''}"
        if app.syncing or app.sync_ending:
            message.append(f"Syncing {your_feeds} for the first time…\n\n", style="bold")
            message.append("The conversations that wait for your reply show here as each feed comes in.")
        elif status is None:
            message.append("Reading the store…", style="bold")
        elif status.failing:
            message.append("Never synced\n\n", style="bold")
            which = "" if feeds == 1 else f" for all {feeds} feeds" if status.failing == feeds else \
                f" for {status.failing} of {your_feeds}"
            message.append(f"The last try failed{which}.\n\n")
            message.append("R: try again · F: the feeds and why they fail")
        else:
            message.append("Never synced\n\n", style="bold")
            message.append(f"R: sync {your_feeds} now · F: the feeds and their health")

    def _preview_key(self) -> PreviewKey | None:
        """What the highlighted row's preview shows: its conversation's latest waiting message, or by message
        the row's own message."""
        item, message = self.current, self.table.current_message
        return None if item is None else (item.id, message.id if message is not None else None)

    def _show_preview(self) -> None:
        """The highlighted row's preview: from memory, else read by a worker (`_preview_loaded`)."""
        item, key = self.current, self._preview_key()
        preview = self.query_one(Preview)
        now = self.cmtui.now()
        if item is None or key is None:
            preview.show(None, None, now)
            return
        if key in self._previews:
            preview.show(item, self._previews[key], now, by_message=key[1] is not None)
            return
        preview.show_reading(item)
        self.run_worker(partial(self._read_preview, key, self._loads), thread=True, exclusive=True,
                        group="preview", exit_on_error=False, description="Reading the preview")

    def _read_preview(self, key: PreviewKey, load: int) -> None:
        """Thread worker: the conversation's latest unanswered message (it grows with the conversation), or the
        row's own message."""
        worker = get_current_worker()
        app = self.cmtui
        conversation_id, message_id = key
        with Store.open(app.db_path) as store:
            if message_id is None:
                message = latest_unanswered(store, app.config, conversation_id)
            else:
                message = waiting_message(store, app.config, conversation_id, message_id)
        if not worker.is_cancelled:
            self.post_message(PreviewLoaded(conversation_id, message, load, message_id))

    @on(PreviewLoaded)
    def _preview_loaded(self, event: PreviewLoaded) -> None:
        if event.load != self._loads or not self.is_attached:
            return
        key = (event.conversation_id, event.message_id)
        self._previews[key] = event.message
        while len(self._previews) > PREVIEWS_KEPT:
            del self._previews[next(iter(self._previews))]
        item = self.current
        if item is not None and self._preview_key() == key:
            self.query_one(Preview).show(item, event.message, self.cmtui.now(), by_message=event.message_id is not None)

    @on(DataTable.RowHighlighted, "#inbox")
    def _highlighted(self) -> None:
        if self.table.range_start is not None:  # v: the range follows the cursor
            self.table.extend_range()
            self._show_bar()
        self._show_preview()

    @on(DataTable.RowSelected, "#inbox")
    def _selected(self) -> None:
        """enter: open the conversation (by message, at that message)."""
        if (item := self.current) is not None:
            message = self.table.current_message
            self.cmtui.open_conversation(item.id, message.id if message is not None else None)

    def on_store_changed(self, message: StoreChanged) -> None:
        """Another program (a cron sync, a teammate) changed the store: the inbox, and the header of an open
        conversation (its notes, labels, who is replying), are read again."""
        self.reload(message.keep_id)
        for screen in self.app.screen_stack:
            if isinstance(screen, ConversationScreen):
                screen.refresh_state()

    @on(NoteSaved)
    def _note_saved(self, event: NoteSaved) -> None:
        """A note's worker is done (it posts here: the inbox is always there, whichever screen is on top)."""
        self.cmtui.marks.note_saved(event)

    @on(LabelsChanged)
    def _labels_changed(self, event: LabelsChanged) -> None:
        """A label's worker is done: `t` offers the label from now on."""
        if event.changed and not event.change.remove:
            self._labels_seen.add(event.change.label)
        self.cmtui.marks.labels_changed(event)

    # -- filters ---------------------------------------------------------------------
    def set_filters(self, **changes: Any) -> None:
        """Other filters: another list, so the marks go."""
        self.filters = replace(self.filters, **changes)
        self._mark_all = False
        self.table.end_range()
        self.table.marked.clear()
        self.reload()

    def clear_filters(self) -> None:
        """Every brand and feed, no tag, reason, person, wait or search (the view stays)."""
        self.query_one("#search", Input).value = ""
        self.remove_class("-searching")
        self.set_filters(search="", **NO_FILTER)

    def narrow(self, **changes: Any) -> None:
        """The palette's filters (a reason, a person, a wait): back to the inbox from any screen, as for a feed or
        a tag, and the list narrowed by `changes`."""
        while len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        self.set_filters(**changes)

    def _view_sets(self, name: str) -> bool:
        """The current view is a saved view that sets this filter itself (`reason`, `person`)."""
        view = views.find(self.cmtui.config, self.filters.view)
        return view is not None and view.saved is not None and bool(getattr(view.saved, name))

    def reason_choices(self) -> list[str]:
        """The reasons the palette offers: those of the waiting conversations listed, the most common first,
        but the one filtered by; none in a saved view that has a reason of its own."""
        if self._view_sets("reason"):
            return []
        current = self.filters.reason.casefold()
        return [r for r in self._reasons if r.casefold() != current][:REASONS_OFFERED]

    def person_sources(self) -> list[int]:
        """The conversations whose writers the palette offers (`read_people`, in a thread): the first
        `PEOPLE_FROM` listed, in the list's order; none in a saved view that names a person of its own."""
        if self._view_sets("person"):
            return []
        ids: dict[int, None] = {}  # in the list's order
        for row in self.table.items:
            ids[conversation_of(row).id] = None
            if len(ids) == PEOPLE_FROM:
                break
        return list(ids)

    def offers_person(self, name: str) -> bool:
        """Not the person filtered by already."""
        return normalise_name(name) != normalise_name(self.filters.person)

    def action_toggle_by_message(self) -> None:
        """T: one row per waiting message, or back to one per conversation (the marks stay: they are
        conversations either way)."""
        self.set_by_message(not self.filters.by_message)

    def set_by_message(self, on: bool) -> None:
        if on == self.filters.by_message:
            return
        self.filters = replace(self.filters, by_message=on)
        self.reload()
        self.notify("A row per waiting message, most urgent first · T: a row per conversation" if on else
                    "A row per conversation · T: a row per waiting message", markup=False)

    def action_cycle_view(self) -> None:
        """f: the next view: the store's, the saved ones, then Mine and Unassigned (`views.offered`)."""
        keys = [v.key for v in views.offered(self.cmtui.config)]
        index = keys.index(self.filters.view) if self.filters.view in keys else -1
        self.set_filters(view=keys[(index + 1) % len(keys)])

    def action_cycle_brand(self) -> None:
        """b: every brand, then each brand's feeds in turn (with several brands)."""
        brands = self.cmtui.brands()
        if len(brands) < 2:
            self.notify("One brand only: add [[brands]] to feeds.toml to speak for several", markup=False)
            return
        cycle: list[str | None] = [None, *brands]
        index = cycle.index(self.filters.brand) if self.filters.brand in cycle else 0
        self.set_filters(brand=cycle[(index + 1) % len(cycle)])

    def known_tags(self) -> list[str]:
        """The feeds' tags and the labels on the conversations read so far (`l`, `cmtui tag`, rules), sorted: what
        `t` goes through and the label modal offers."""
        found = set(self.cmtui.tags()) | self._labels_seen
        if self.filters.tag:
            found.add(self.filters.tag)
        return sorted(found, key=lambda tag: (tag.casefold(), tag))

    def action_cycle_tag(self) -> None:
        """t: every conversation, then those of each feed tag and label in turn."""
        tags = self.known_tags()
        if not tags:
            self.notify("No tags or labels yet: l labels a conversation, tags = [...] in feeds.toml tags a feed",
                        markup=False)
            return
        cycle: list[str | None] = [None, *tags]
        index = cycle.index(self.filters.tag) if self.filters.tag in cycle else 0
        self.set_filters(tag=cycle[(index + 1) % len(cycle)])

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        self.add_class("-searching")
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        """Search once typing pauses for SEARCH_DELAY: one query for a word, not one per key."""
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._run_search, name="search")

    def _run_search(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        value = self.query_one("#search", Input).value
        if value != self.filters.search:
            self.set_filters(search=value)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._run_search()  # enter: no need to wait for the pause
        if not event.value.strip():
            self.remove_class("-searching")
        self.table.focus()

    def action_clear(self) -> None:
        """escape: clear the marks, else the search, else the brand, feed, tag, reason, person and wait filters,
        else go back to the needs-reply view."""
        search = self.query_one("#search", Input)
        if self.table.range_start is not None and not self.has_class("-searching"):
            self.action_mark_range()  # the range ends, its marks stay
        elif (self.table.marked or self._mark_all) and not self.has_class("-searching"):
            self._mark_all = False
            self.table.clear_marks()
            self._show_bar()
            self.notify("Marks cleared", markup=False)
        elif self.filters.search or self.has_class("-searching"):
            search.value = ""
            self.remove_class("-searching")
            self.table.focus()
            self.set_filters(search="")
        elif self.filters.narrowed:
            self.set_filters(**NO_FILTER)
        elif self.filters.view != views.NEEDS_REPLY:
            self.set_filters(view=views.NEEDS_REPLY)

    # -- marks: d, s, m, a, A act on every marked row ---------------------------------
    def action_toggle_mark(self) -> None:
        """space: mark or unmark the highlighted row, then go to the next one."""
        if self._need_item() is not None:
            self.table.end_range()
            self.table.toggle_mark()
            self.table.action_cursor_down()
            self._show_bar()

    def action_mark_range(self) -> None:
        """v: start marking a range at the highlighted row (moving the cursor marks every row up to it); v again
        or escape ends it, its marks kept."""
        table = self.table
        if table.range_start is None:
            if self._need_item() is None:
                return
            table.start_range()
            self._show_bar()
            self.notify("Marking a range: move to mark every row up to here · v or escape ends it", markup=False)
            return
        table.end_range()
        self._say_marked()

    def _say_marked(self) -> None:
        marked = len(self.table.marked)
        self.notify(f"Marked {conversations(marked)} · d s m a l act on them all · escape clears" if marked else
                    "Nothing marked", markup=False)

    def action_mark_all(self) -> None:
        """*: mark every conversation of the view, its filters and search: of the whole list, also the part not
        read yet (the first page shows first; the marks then wait for the rest). Again: clear the marks."""
        table = self.table
        table.end_range()
        if self._mark_all or (table.all_marked and self._complete):
            self._mark_all = False
            table.clear_marks()
            self._show_bar()
            self.notify("Marks cleared", markup=False)
            return
        if self._complete or self._page is None:
            self._mark_everything()
            return
        self._mark_all = True  # `_loaded` marks the rest as it comes
        table.mark_all()
        self._show_bar()
        page = self._page
        total = page.waiting_here if page.filters.by_message else page.total
        self.notify(f"Marking all {conversations(total)} of the view as the rest of the list is read…", markup=False)

    def _mark_everything(self) -> None:
        """Mark every conversation of the whole list (it is all here), and say how many."""
        self._mark_all = False
        self.table.mark_all()
        self._show_bar()
        self._say_marked()

    def _take_marked(self) -> list[InboxItem]:
        """The marked rows (the marks are cleared: the action takes them)."""
        items = self.table.marked_items
        self._mark_all = False
        self.table.end_range()
        self.table.marked.clear()
        self._show_bar()
        return items

    def _marks_acted_on(self, acted: bool) -> None:
        """The marked rows were snoozed or labelled: the marks go; else (the modal was closed) they stay."""
        if acted:
            self.table.marked.clear()
            self._show_bar()

    # -- actions on the highlighted conversation -------------------------------------
    def _need_item(self) -> InboxItem | None:
        item = self.current
        if item is None:
            self.notify("No conversation selected", markup=False)
        return item

    def action_done(self) -> None:
        if marked := self._take_marked():
            self.cmtui.marks.done_many(marked)
        elif (item := self._need_item()) is not None:
            self.cmtui.marks.mark_done(item)

    def action_undo(self) -> None:
        self.cmtui.marks.undo()

    def action_snooze(self) -> None:
        if marked := self.table.marked_items:  # the marks stay if the modal is closed without a time
            self.table.end_range()
            self.cmtui.marks.ask_snooze_many(marked, then=self._marks_acted_on)
        elif (item := self._need_item()) is not None:
            self.cmtui.marks.ask_snooze(item.id, item.title, item.snoozed_until)

    def action_mute(self) -> None:
        if marked := self._take_marked():
            self.cmtui.marks.mute_many(marked)
        elif (item := self._need_item()) is not None:
            self.cmtui.marks.toggle_mute(item.id, item.title, item.muted)

    def action_reply(self) -> None:
        """r: answer the message the row and its preview show (by message, the row's; else the conversation's
        newest waiting message, `drafting.default_message_id`)."""
        if (item := self._need_item()) is not None:
            message = self.table.current_message
            self.cmtui.reply(item.id, message.id if message is not None else None)

    def action_open_url(self) -> None:
        """o: the conversation's page (by message, the message's own)."""
        if (item := self._need_item()) is not None:
            message = self.table.current_message
            self.cmtui.open_in_browser((message.url if message is not None else None) or item.url)

    def action_assign(self) -> None:
        if marked := self._take_marked():
            self.cmtui.marks.assign_many(marked, team.me(self.cmtui.config))
        elif (item := self._need_item()) is not None:
            self.cmtui.marks.assign(item.id, item.title, team.me(self.cmtui.config), item.assigned_to)

    def action_unassign(self) -> None:
        if marked := self._take_marked():
            self.cmtui.marks.assign_many(marked, None)
        elif (item := self._need_item()) is not None:
            self.cmtui.marks.assign(item.id, item.title, None, item.assigned_to)

    def action_note(self) -> None:
        """N: an internal note on the highlighted conversation (by message: the row's conversation)."""
        if (item := self._need_item()) is not None:
            self.cmtui.marks.ask_note(item.id, item.title)

    def action_label(self) -> None:
        """l: add a label to the highlighted conversation, or to every marked one (`-label` takes it off); the
        marks stay if the modal is closed without one."""
        known = self.known_tags()
        if marked := self.table.marked_items:
            self.table.end_range()
            labels = sorted({label for item in marked for label in item.labels}, key=str.casefold)
            self.cmtui.marks.ask_label([(item.id, item.title) for item in marked], labels, known,
                                       then=self._marks_acted_on)
        elif (item := self._need_item()) is not None:
            self.cmtui.marks.ask_label([(item.id, item.title)], list(item.labels), known)
