"""The feeds screen: every configured feed with its health (`Store.feeds_health` joined with the config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

from rich.console import JustifyMethod
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from cmtui import text
from cmtui.config import FeedConfig
from cmtui.store import FeedHealthRow
from cmtui.ui import render
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.widgets.feeds_table import FeedsTable


@dataclass(frozen=True)
class FeedHealth:
    config: FeedConfig
    row: FeedHealthRow | None

    @property
    def feed_id(self) -> int | None:
        return self.row.id if self.row else None

    @property
    def name(self) -> str:
        return text.one_line(self.config.name or (self.row.title if self.row else "") or self.config.url, 80)

    def value(self, key: str) -> object:
        if self.row is None:
            return None
        return getattr(self.row, key, None)


COLUMNS: tuple[tuple[str, str, int], ...] = (  # the URL and the last error share what is left
    ("name", "Feed", 24), ("url", "URL", 0), ("kind", "Kind", 8), ("last_ok", "Last OK", 10),
    ("last_error", "Last error", 0), ("errors", "Errors", 6), ("next", "Next attempt", 16),
    ("comments", "Comments", 8), ("messages", "Messages", 8),
)


def column_widths(width: int, padding: int = 1) -> dict[str, int]:
    fixed = sum(w for _, _, w in COLUMNS) + 2 * padding * len(COLUMNS) + 2
    rest = max(40, width - fixed)
    url = max(20, rest * 11 // 20)
    return {key: w or (url if key == "url" else rest - url) for key, _, w in COLUMNS}


class FeedsScreen(CmtuiScreen):
    HELP_SECTION: ClassVar[str] = "Feeds"
    AUTO_FOCUS = "#feeds"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="feeds.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.feeds: list[FeedHealth] = []
        self.widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield Static(id="feeds-head", markup=False)
        yield FeedsTable(id="feeds")
        yield Static(id="feed-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        table = self.query_one("#feeds", FeedsTable)
        if self.widths and column_widths(table.size.width, table.cell_padding) != self.widths:
            self.reload()

    def reload(self) -> None:
        app = self.cmtui
        rows = {r.url: r for r in app.store.feeds_health()}
        self.feeds = [FeedHealth(fc, rows.get(fc.url)) for fc in app.config.feeds]
        table = self.query_one("#feeds", DataTable)
        keep = table.cursor_row
        table.clear(columns=True)
        self.widths = column_widths(table.size.width or self.size.width or 160, table.cell_padding)
        for key, label, _ in COLUMNS:
            justify: JustifyMethod = "right" if key in ("errors", "comments", "messages") else "left"
            table.add_column(Text(label, justify=justify), width=self.widths[key], key=key)
        palette = render.colors(self.app)
        for i, feed in enumerate(self.feeds):
            table.add_row(*self._cells(feed, palette), key=str(i))
        if self.feeds:
            table.move_cursor(row=min(keep, len(self.feeds) - 1))
        failing = sum(1 for f in self.feeds if f.value("last_error"))
        head = Text()
        head.append(f"{len(self.feeds)} feeds", style="bold")
        head.append(f" from {app.config.path}", style=palette["foreground-muted"])
        if failing:
            head.append(f" · {failing} failing", style=palette["error"])
        elif self.feeds:
            head.append(" · all healthy", style=palette["success"])
        if not self.feeds:
            head.append("\n\nNo feeds yet: add one with `cmtui add URL`, then press R to sync.")
        self.query_one("#feeds-head", Static).update(head)
        self._show_detail()

    def _cells(self, feed: FeedHealth, palette: dict[str, str]) -> list[Text]:
        now = self.cmtui.now()
        muted = palette["foreground-muted"]
        widths = self.widths

        def cell(value: str, key: str, style: str = "", justify: JustifyMethod = "left") -> Text:
            out = Text(text.one_line(value, 300), style=style, no_wrap=True, justify=justify)
            out.truncate(widths[key], overflow="ellipsis")
            return out

        error = str(feed.value("last_error") or "")
        errors = int(cast(int, feed.value("error_count") or 0))
        gone = bool(feed.value("gone_at"))
        last_ok = cast("str | None", feed.value("last_ok"))
        next_attempt = cast("str | None", feed.value("next_attempt"))
        comment_feeds = int(cast(int, feed.value("comment_feeds") or 0))
        comment_errors = int(cast(int, feed.value("comment_feed_errors") or 0))
        if feed.row is None:
            status = cell("never synced", "last_ok", muted)
        else:
            status = cell(render.ago(last_ok, now) if last_ok else "never", "last_ok",
                          palette["success"] if last_ok and not error else muted)
        return [
            cell(feed.name, "name", "bold"),
            cell(feed.config.url, "url", muted),
            cell(feed.config.kind, "kind", muted),
            status,
            cell("gone (410)" if gone else error or "-", "last_error", palette["error"] if error or gone else muted),
            cell(str(errors), "errors", palette["error"] if errors else muted, "right"),
            cell(render.local_time(next_attempt, now) if next_attempt else "next sync", "next", muted),
            cell(f"{comment_feeds}" + (f" ({comment_errors} failing)" if comment_errors else ""), "comments",
                 palette["error"] if comment_errors else "", "right"),
            cell(str(feed.value("messages") or 0), "messages", "", "right"),
        ]

    @on(DataTable.RowHighlighted, "#feeds")
    def _show_detail(self) -> None:
        detail = self.query_one("#feed-detail", Static)
        feed = self.current
        if feed is None:
            detail.update("")
            return
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        out = Text()
        out.append(feed.name, style="bold")
        out.append("\n")
        out.append(feed.config.url, style=muted)
        tags = ", ".join("#" + text.one_line(t, 30) for t in feed.config.tags)
        out.append(f"\nkind {feed.config.kind}" + (f" · tags {tags}" if tags else "") +
                   (" · comment feeds not followed" if not feed.config.follow_comments else ""), style=muted)
        last_ok = cast("str | None", feed.value("last_ok"))
        if last_ok:
            out.append(f"\nlast OK {render.when_label(last_ok, self.cmtui.now())}", style=muted)
        if error := feed.value("last_error"):
            out.append("\nlast error: ", style=palette["error"])
            out.append(text.one_line(str(error), 500))
        if warning := feed.value("last_warning"):
            out.append("\nwarning: ", style=palette["warning"])
            out.append(text.one_line(str(warning), 500))
        detail.update(out)

    @property
    def current(self) -> FeedHealth | None:
        table = self.query_one("#feeds", DataTable)
        if not self.feeds or table.row_count == 0:
            return None
        return self.feeds[min(max(table.cursor_row, 0), len(self.feeds) - 1)]

    @on(DataTable.RowSelected, "#feeds")
    def show_feed(self) -> None:
        feed = self.current
        if feed is None:
            return
        if feed.feed_id is None:
            self.notify("This feed has not been synced yet: press R", markup=False)
            return
        self.dismiss()
        self.cmtui.show_feed(feed.feed_id, feed.name)

    def action_back(self) -> None:
        self.dismiss()
