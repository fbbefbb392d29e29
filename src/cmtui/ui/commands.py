"""The command palette (ctrl+p): jump to a feed or a tag, switch views, sync, feeds, drafts, help.

Feed names come from feeds and config: they are shown as plain `Text` (Textual's `Matcher.highlight` would parse
them as markup), with the matched letters highlighted by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from cmtui import text
from cmtui.ui.widgets.filter_bar import VIEWS

if TYPE_CHECKING:
    from cmtui.ui.app import CmtuiApp

Command = tuple[str, str, Callable[[], object]]  # name, help, callback
VIEW_HELP = {
    "needs_reply": "The conversations waiting for your reply, most urgent first",
    "all": "Every conversation, answered ones included",
    "done": "The conversations you marked done",
    "snoozed": "The conversations snoozed until later",
    "muted": "The conversations you muted",
}


class CmtuiCommands(Provider):
    """cmtui's commands; the names are plain text."""

    @property
    def cmtui(self) -> CmtuiApp:
        return cast("CmtuiApp", self.app)

    def commands(self) -> list[Command]:
        app = self.cmtui
        out: list[Command] = [
            ("Sync now", "Fetch every feed and its comment feeds", app.action_sync),
            ("Show feeds", "Every feed with its health: last success, last error, next attempt", app.action_feeds),
            ("Show drafts", "Replies being written, and replies handed off to a site that no feed shows yet",
             app.action_drafts),
            ("Show report", "First response times, and per week: the median against the SLA, volume, sentiment",
             app.action_report),
            ("Show help", "Every key of the current screen", app.action_help),
        ]
        for view, label in VIEWS:
            out.append((f"View: {label.lower()}", VIEW_HELP[view], partial(app.show_view, view)))
        for feed_id, name in app.feed_choices():
            out.append((f"Jump to feed: {text.one_line(name, 60)}", "Show only this feed's conversations",
                        partial(app.show_feed, feed_id, name)))
        for tag in app.tags():
            out.append((f"Filter by tag: #{text.one_line(tag, 40)}", "Show only the conversations of feeds with "
                        "this tag", partial(app.show_tag, tag)))
        out.append(("Clear filters", "Every feed, no tag, no search", app.clear_filters))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self.commands():
            yield DiscoveryHit(Text(name), callback, text=name, help=_escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self.commands():
            score, offsets = matcher.fuzzy_search.match(query, name)
            if score > 0:
                display = Text(name)
                for offset in offsets:
                    display.stylize("bold underline", offset, offset + 1)
                yield Hit(score, display, callback, text=name, help=_escape(help_text))


def _escape(value: str) -> str:
    """Help lines are parsed as markup by the palette: escape them (ours are plain anyway)."""
    return escape(value)
