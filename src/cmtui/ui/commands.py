"""The command palette (ctrl+p): switch views (saved ones, Mine, Unassigned too), jump to a brand, a feed or a tag,
sync, feeds, drafts, help.

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
from cmtui.ui import views

if TYPE_CHECKING:
    from cmtui.ui.app import CmtuiApp

Command = tuple[str, str, Callable[[], object]]  # name, help, callback


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
        for view in views.offered(app.config):
            name = view.label.lower() if view.builtin or view.key in (views.MINE, views.UNASSIGNED) else view.label
            out.append((f"View: {name}", view.help, partial(app.show_view, view.key)))
        brands = app.brands()
        if len(brands) > 1:
            for brand in brands:
                out.append((f"Filter by brand: {text.one_line(brand, 40)}", "Show only the conversations of the "
                            "feeds watched for this brand", partial(app.show_brand, brand)))
            out.append(("Every brand", "Show the conversations of every brand's feeds", partial(app.show_brand, None)))
        for feed_id, name in app.feed_choices():
            out.append((f"Jump to feed: {text.one_line(name, 60)}", "Show only this feed's conversations",
                        partial(app.show_feed, feed_id, name)))
        for tag in app.tags():
            out.append((f"Filter by tag: #{text.one_line(tag, 40)}", "Show only the conversations of feeds with "
                        "this tag", partial(app.show_tag, tag)))
        out.append(("Clear filters", "Every brand and feed, no tag, no search", app.clear_filters))
        out.append(("Inbox by message: who waits", "A row per waiting message, most urgent first (T)",
                    partial(app.show_by_message, True)))
        out.append(("Inbox by conversation", "A row per conversation (T)", partial(app.show_by_message, False)))
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
