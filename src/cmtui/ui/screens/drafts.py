"""The drafts list: every reply being written (draft) or handed off to the site and not yet seen in a feed
(pending), newest first. enter reopens one, x discards it after a confirmation, c copies its text again."""

from __future__ import annotations

from typing import ClassVar

from rich.console import JustifyMethod
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from cmtui import text
from cmtui.store import OpenDraftRow
from cmtui.ui import render
from cmtui.ui.screens.base import CmtuiScreen
from cmtui.ui.screens.confirm import ConfirmScreen
from cmtui.ui.widgets.drafts_table import DraftsTable

# (key, label, width); 0: shares what is left with the other 0 column
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("state", "State", 10), ("title", "Conversation", 0), ("feed", "Feed", 16), ("to", "Replying to", 16),
    ("first", "First line", 0), ("updated", "Updated", 10),
)
STATE_LABELS = {"draft": "✎ draft", "pending": "⇢ pending"}


def first_line(body: str) -> str:
    return next((text.one_line(line) for line in body.splitlines() if line.strip()), "")


def column_widths(width: int, padding: int = 1) -> dict[str, int]:
    fixed = sum(w for _, _, w in COLUMNS) + 2 * padding * len(COLUMNS) + 2
    rest = max(40, width - fixed)
    title = rest * 9 // 20
    return {key: w or (title if key == "title" else rest - title) for key, _, w in COLUMNS}


class DraftsScreen(CmtuiScreen):
    HELP_SECTION: ClassVar[str] = "Drafts"
    AUTO_FOCUS = "#drafts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="drafts.back"),
        Binding("x,delete", "discard", "Discard", id="drafts.discard"),
        Binding("c", "copy", "Copy text", id="drafts.copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.drafts: list[OpenDraftRow] = []
        self.widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield Static(id="drafts-head", markup=False)
        yield DraftsTable(id="drafts")
        yield Static(id="drafts-empty", markup=False)
        with VerticalScroll(id="draft-preview"):
            yield Static(id="draft-body", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        table = self.query_one("#drafts", DraftsTable)
        if self.widths and column_widths(table.size.width, table.cell_padding) != self.widths:
            self.reload()

    # -- loading ---------------------------------------------------------------------
    def reload(self) -> None:
        app = self.cmtui
        table = self.query_one("#drafts", DraftsTable)
        keep = self.current.id if self.current is not None else None
        self.drafts = [d for d in app.store.open_drafts(app.drafts_author) if d.state == "pending" or d.body.strip()]
        table.clear(columns=True)
        self.widths = column_widths(table.size.width or self.size.width or 160, table.cell_padding)
        for key, label, _ in COLUMNS:
            table.add_column(Text(label), width=self.widths[key], key=key)
        palette = render.colors(self.app)
        for d in self.drafts:
            table.add_row(*self._cells(d, palette), key=str(d.id))
        if self.drafts:
            ids = [d.id for d in self.drafts]
            table.move_cursor(row=ids.index(keep) if keep in ids else 0)
        self.set_class(not self.drafts, "-empty")
        self._show_head(palette)
        self._show_preview()

    def _show_head(self, palette: dict[str, str]) -> None:
        muted = palette["foreground-muted"]
        drafts = sum(1 for d in self.drafts if d.state == "draft")
        pending = len(self.drafts) - drafts
        head = Text()
        head.append(f"{drafts} draft{'s' if drafts != 1 else ''}", style="bold")
        head.append(" being written · ", style=muted)
        head.append(f"{pending} pending", style=f"bold {palette['warning']}" if pending else "bold")
        head.append(" (handed off to the site, waiting to show up in a feed)", style=muted)
        self.query_one("#drafts-head", Static).update(head)
        empty = Text()
        empty.append("No drafts\n\n", style="bold")
        empty.append("Press r on a conversation to write a reply: it is saved as you type,\n"
                     "and stays here until it is sent or you discard it.")
        self.query_one("#drafts-empty", Static).update(empty)

    def _cells(self, d: OpenDraftRow, palette: dict[str, str]) -> list[Text]:
        muted = palette["foreground-muted"]
        widths = self.widths

        def cell(value: str, key: str, style: str = "", justify: JustifyMethod = "left") -> Text:
            out = Text(text.one_line(value, 300), style=style, no_wrap=True, justify=justify)
            out.truncate(widths[key], overflow="ellipsis")
            return out

        state = d.state
        # pending stands out (it waits on the site); a failed post is an error; a plain draft is plain
        state_style = palette["error"] if d.error else palette["warning"] if state == "pending" else "bold"
        return [
            cell(STATE_LABELS.get(state, state), "state", state_style),
            cell(d.title or "(untitled)", "title", "bold"),
            cell(d.feed_name or "", "feed", muted),
            cell(d.reply_to or "the conversation", "to"),
            cell(first_line(d.body) or "(empty)", "first", muted),
            cell(render.ago(d.updated_at, self.cmtui.now()), "updated", muted),
        ]

    @property
    def current(self) -> OpenDraftRow | None:
        if not self.drafts or not self.is_mounted:
            return None
        table = self.query_one("#drafts", DraftsTable)
        if table.row_count == 0:
            return None
        return self.drafts[min(max(table.cursor_row, 0), len(self.drafts) - 1)]

    @on(DataTable.RowHighlighted, "#drafts")
    def _show_preview(self) -> None:
        preview = self.query_one("#draft-preview", VerticalScroll)
        body = self.query_one("#draft-body", Static)
        d = self.current
        if d is None:
            body.update("")
            preview.border_title = "Draft"
            return
        palette = render.colors(self.app)
        muted = palette["foreground-muted"]
        now = self.cmtui.now()
        out = Text()
        out.append(f"To {text.one_line(d.reply_to or 'the conversation', 60)}", style="bold")
        out.append(f" · {text.one_line(d.title, 120)} · {text.one_line(d.feed_name, 40)}", style=muted)
        if d.state == "pending":
            out.append(f"\nHanded off {render.when_label(d.pending_at, now)}; cmtui marks it sent when your "
                       "reply shows up in the feed", style=palette["warning"])
        if d.error:
            out.append("\nNot posted: ", style=f"bold {palette['error']}")
            out.append(text.one_line(d.error, 300), style=palette["error"])
        out.append("\n\n")
        out.append(text.clean(d.body) or "(empty)")
        body.update(out)
        preview.border_title = "Pending reply" if d.state == "pending" else "Draft"
        preview.scroll_home(animate=False)

    # -- actions ---------------------------------------------------------------------
    @on(DataTable.RowSelected, "#drafts")
    def reopen(self) -> None:
        d = self.current
        if d is not None:
            self.cmtui.replying.open_editor(d.conversation_id, d.message_id, draft_id=d.id)

    def action_discard(self) -> None:
        d = self.current
        if d is None:
            self.notify("No draft selected", markup=False)
            return
        to = text.one_line(d.reply_to or "the conversation", 60)
        lines = [text.one_line(line, 90) for line in text.clean(d.body).splitlines() if line.strip()]
        detail = "\n".join(lines[:4]) + ("\n…" if len(lines) > 4 else "")
        draft_id = d.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.cmtui.replying.discard_draft(draft_id)
                self.reload()

        self.app.push_screen(ConfirmScreen(f"Discard your reply to {to}?", detail, yes="Discard", no="Keep"),
                             answered)

    def action_copy(self) -> None:
        d = self.current
        if d is not None:
            self.cmtui.replying.copy_text(d.body)

    def action_back(self) -> None:
        self.dismiss()
