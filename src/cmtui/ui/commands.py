"""The command palette (ctrl+p): switch views (saved ones, Mine, Unassigned too), jump to a brand, a feed or a tag,
filter by a reason, a person or a wait, sync, feeds, drafts, help.

The reasons and the people offered are those of the conversations the inbox lists: the reasons come with the
list (`InboxScreen.reason_choices`), the people are read from their messages as the palette opens, in a thread
(`startup`), so the palette never waits on the store in the UI thread.

Feed names come from feeds and config: they are shown as plain `Text` (Textual's `Matcher.highlight` would parse
them as markup), with the matched letters highlighted by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape
from textual.screen import Screen
from textual.style import Style

from cmtui import text
from cmtui.ui import views
from cmtui.ui.screens.inbox import read_people
from cmtui.ui.widgets.filter_bar import waiting_text

if TYPE_CHECKING:
    from cmtui.ui.app import CmtuiApp

Command = tuple[str, str, Callable[[], object]]  # name, help, callback
WAITING_CHOICES = (1.0, 24.0, 72.0, 168.0)  # "Waiting longer than": 1 h, 1 d, 3 d, 7 d


class CmtuiCommands(Provider):
    """cmtui's commands; the names are plain text."""

    def __init__(self, screen: Screen[Any], match_style: Style | None = None) -> None:
        super().__init__(screen, match_style)
        self._people: list[str] = []  # who wrote in the listed conversations, the most active first

    @property
    def cmtui(self) -> CmtuiApp:
        return cast("CmtuiApp", self.app)

    async def startup(self) -> None:
        """As the palette opens: the people of the listed conversations, read in a thread on a connection of its
        own (their messages: not in the UI thread)."""
        app = self.cmtui
        sources = app.inbox.person_sources()
        if sources:
            self._people = await asyncio.to_thread(read_people, app.db_path, sources)

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
        out += self.filter_commands()
        out.append(("Clear filters", "Every brand and feed; no tag, reason, person, wait or search",
                    app.clear_filters))
        out.append(("Inbox by message: who waits", "A row per waiting message, most urgent first (T)",
                    partial(app.show_by_message, True)))
        out.append(("Inbox by conversation", "A row per conversation (T)", partial(app.show_by_message, False)))
        return out

    def filter_commands(self) -> list[Command]:
        """Filter by a reason or a person of the listed conversations, or by how long they wait; and, for the
        filter that applies, every one again. Each narrows the inbox besides its view and other filters."""
        inbox = self.cmtui.inbox
        current = inbox.filters
        out: list[Command] = []
        for reason in inbox.reason_choices():
            out.append((f"Filter by reason: {text.one_line(reason, 40)}", "Show only the conversations with this "
                        "reason (a signal's name or words of its reasons)", partial(inbox.narrow, reason=reason)))
        if current.reason:
            out.append(("Every reason", "Show the conversations whatever their reasons",
                        partial(inbox.narrow, reason="")))
        for person in self._people:
            if inbox.offers_person(person):
                out.append((f"Filter by person: {text.one_line(person, 40)}", "Show only the conversations this "
                            "person wrote in", partial(inbox.narrow, person=person)))
        if current.person:
            out.append(("Everyone", "Show the conversations whoever wrote in them", partial(inbox.narrow, person="")))
        for hours in WAITING_CHOICES:
            if hours != current.waiting_hours:
                out.append((f"Waiting longer than: {waiting_text(hours)}", "Show only the conversations whose "
                            "oldest unanswered message has waited this long",
                            partial(inbox.narrow, waiting_hours=hours)))
        if current.waiting_hours:
            out.append(("Waiting any time", "Show the conversations however long they have waited",
                        partial(inbox.narrow, waiting_hours=0.0)))
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
