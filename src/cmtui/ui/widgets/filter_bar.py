"""The filter bar above the inbox: the current view, the feed or tag filter, the search, the count."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

from cmtui import store, text

# The store's views (`store.VIEWS`, their one definition) the app offers, with their labels, in the store's order.
VIEW_LABELS = {"needs_reply": "Needs reply", "all": "All", "done": "Done", "snoozed": "Snoozed", "muted": "Muted"}
VIEWS: tuple[tuple[str, str], ...] = tuple((view, VIEW_LABELS[view]) for view in store.VIEWS if view in VIEW_LABELS)


@dataclass(frozen=True)
class Filters:
    view: str = "needs_reply"
    feed_id: int | None = None
    feed_name: str = ""
    tag: str | None = None
    search: str = ""

    @property
    def narrowed(self) -> bool:
        """A feed, tag or search narrows the view."""
        return self.feed_id is not None or bool(self.tag) or bool(self.search.strip())


def filter_content(filters: Filters, shown: int) -> Content:
    """The bar's line: views as tabs (the current one highlighted), then the active filters (plain text parts)."""
    parts: list[str | tuple[str, str]] = []
    for view, label in VIEWS:
        if view == filters.view:
            parts.append((f" {label} ", "bold $text-accent on $accent-muted"))
        else:
            parts.append((f" {label} ", "$text-muted"))
    parts.append(("  │ ", "$text-muted"))
    if filters.feed_id is not None:
        parts += [("feed ", "$text-muted"), (text.one_line(filters.feed_name, 40), "bold"), ("  ", "")]
    if filters.tag:
        parts += [("tag ", "$text-muted"), ("#" + text.one_line(filters.tag, 30), "bold"), ("  ", "")]
    if filters.search.strip():
        parts += [("search ", "$text-muted"), (f"“{text.one_line(filters.search, 40)}”", "bold"), ("  ", "")]
    if not filters.narrowed:
        parts.append(("every feed  ", "$text-muted"))
    noun = "conversation" if shown == 1 else "conversations"
    parts.append((f"{shown} {noun}", "$text-muted"))
    return Content.assemble(*parts)


class FilterBar(Static):
    """One line: `Needs reply  All  Done  Snoozed  Muted │ feed Acme Blog  17 conversations`."""

    def show(self, filters: Filters, shown: int) -> None:
        self.update(filter_content(filters, shown))
