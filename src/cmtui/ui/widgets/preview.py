"""The preview pane: the latest unanswered message of the highlighted conversation (by message: the highlighted
message), in full."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from cmtui import text
from cmtui.triage import InboxItem
from cmtui.ui import render
from cmtui.ui.data import BYLINE_LIMIT, ThreadMessage


def preview_text(item: InboxItem, message: ThreadMessage | None, now: datetime,
                 palette: dict[str, str]) -> Text:
    """Author (@account) · when · state, a blank line, the full text (all literal: it came from a feed)."""
    out = Text()
    if message is None:
        out.append("No messages stored for this conversation yet.", style=palette["foreground-muted"])
        return out
    out.append(text.one_line(message.byline, BYLINE_LIMIT) or "(anonymous)", style="bold")
    out.append(f"  {render.when_label(message.published, now)}", style=palette["foreground-muted"])
    if message.unanswered:
        out.append("  waiting for a reply", style=palette["warning"])
    elif message.is_ours:
        out.append("  ● ours", style=palette["success"])
    out.append("\n")
    out.append(text.one_line(item.title, 300), style=palette["foreground-muted"])
    out.append("\n\n")
    out.append(text.clean(message.text) or "(no text)")
    return out


class Preview(VerticalScroll, can_focus=False):
    """A scrollable pane with one message."""

    def compose(self) -> ComposeResult:
        yield Static(id="preview-body", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Preview"

    def show(self, item: InboxItem | None, message: ThreadMessage | None, now: datetime, *,
             by_message: bool = False) -> None:
        """`message` of the conversation `item`: its latest (unanswered) one, or (`by_message`) the one its row
        stands for."""
        body = self.query_one("#preview-body", Static)
        if item is None:
            body.update("")
            self.border_title = "Preview"
            return
        palette = render.colors(self.app)
        body.update(preview_text(item, message, now, palette))
        if by_message:
            self.border_title = "Waiting message" if message and message.unanswered else "Message"
        else:
            self.border_title = "Latest unanswered message" if message and message.unanswered else "Latest message"
        self.scroll_home(animate=False)

    def show_reading(self, item: InboxItem) -> None:
        """While a worker reads the conversation's message: its title, and that it is coming."""
        palette = render.colors(self.app)
        out = Text()
        out.append("Reading…", style=palette["foreground-muted"])
        out.append("\n")
        out.append(text.one_line(item.title, 300), style=palette["foreground-muted"])
        self.query_one("#preview-body", Static).update(out)
