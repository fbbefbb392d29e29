"""The filter bar above the inbox: the views as tabs, the brand, feed, tag, reason, person and waiting filters, the
search, the count."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.events import Resize
from textual.widgets import Static

from cmtui import text
from cmtui.triage import waiting_label
from cmtui.ui import views

Tab = tuple[str, str]  # a view's key and label


@dataclass(frozen=True)
class Filters:
    view: str = views.NEEDS_REPLY  # a key of `views.offered`: a store view, "view:NAME", "mine", "unassigned"
    feed_id: int | None = None
    feed_name: str = ""
    tag: str | None = None
    search: str = ""
    brand: str | None = None  # one brand's feeds (with several brands: `[[brands]]`)
    by_message: bool = False  # one row per waiting message (`T`), not per conversation
    # The palette's "Filter by reason / person", "Waiting longer than": a saved view's filters, on the spot.
    reason: str = ""  # a signal's name or words of its reasons ("complaint", "sales lead")
    person: str = ""  # someone who wrote in the conversation, as written (compared case-insensitively)
    waiting_hours: float = 0.0  # the oldest unanswered message has waited at least this long (0: any)

    @property
    def narrowed(self) -> bool:
        """A brand, feed, tag, reason, person, wait or search narrows the view."""
        return (self.feed_id is not None or bool(self.tag) or bool(self.search.strip()) or self.brand is not None
                or bool(self.reason) or bool(self.person) or self.waiting_hours > 0)


def waiting_text(hours: float) -> str:
    """A "waiting longer than" as the palette offers it: "1 h", "1 d", "3 d" (whole days in days)."""
    if hours >= 24 and hours % 24 == 0:
        return f"{int(hours // 24)} d"
    return waiting_label(hours)


def fewer_tabs(filters: Filters, tabs: Sequence[Tab]) -> list[list[Tab]]:
    """The tabs to try, most first, until the bar fits: every view; the store's views and the current one (a
    saved view, Mine); the current view alone."""
    current = [(key, label) for key, label in tabs if key == filters.view]
    return [list(tabs), [(key, label) for key, label in tabs if key in views.BUILTIN_LABELS or key == filters.view],
            current or list(tabs[:1])]


def filter_words(filters: Filters) -> list[tuple[str, str]]:
    """Each filter that applies, as the bar names it and its value (plain text): ("brand ", "Acme Tea"),
    ("reason: ", "complaint"), ("from: ", "Rachel Kim"), ("waiting > ", "3 d"), ("search ", "“refund”")."""
    found: list[tuple[str, str]] = []
    if filters.brand is not None:
        found.append(("brand ", text.one_line(filters.brand, 30) or "(unnamed)"))
    if filters.feed_id is not None:
        found.append(("feed ", text.one_line(filters.feed_name, 40)))
    if filters.tag:
        found.append(("tag ", "#" + text.one_line(filters.tag, 30)))
    if filters.reason:
        found.append(("reason: ", text.one_line(filters.reason, 30)))
    if filters.person:
        found.append(("from: ", text.one_line(filters.person, 30)))
    if filters.waiting_hours > 0:
        found.append(("waiting > ", waiting_text(filters.waiting_hours)))
    if filters.search.strip():
        found.append(("search ", f"“{text.one_line(filters.search, 40)}”"))
    return found


def filter_content(filters: Filters, shown: int, tabs: Sequence[Tab] | None = None, *, messages: str | None = None,
                   marked: int = 0, count_first: bool = False) -> Content:
    """The bar's line: views as tabs (the current one highlighted), then the active filters (plain text parts),
    the count (`shown` conversations; by message, `messages` first: "42"), and how many are marked; `count_first`:
    the count and the marks before the filters. `tabs` default to the store's views and the current one."""
    if tabs is None:
        tabs = [(v.key, v.label) for v in views.BUILTIN]
        if filters.view not in views.BUILTIN_LABELS:
            tabs.append((filters.view, views.label(filters.view)))
    parts: list[str | tuple[str, str]] = []
    for key, label in tabs:
        if key == filters.view:
            parts.append((f" {label} ", "bold $text-accent on $accent-muted"))
        else:
            parts.append((f" {label} ", "$text-muted"))
    parts.append(("  │ ", "$text-muted"))
    where: list[str | tuple[str, str]] = []
    for name, value in filter_words(filters):
        where += [(name, "$text-muted"), (value, "bold"), ("  ", "")]
    if not filters.narrowed:
        where.append(("every feed  ", "$text-muted"))
    count: list[str | tuple[str, str]] = []
    noun = "conversation" if shown == 1 else "conversations"
    if filters.by_message and messages is not None:
        count.append((f"{messages} waiting message{'' if messages == '1' else 's'} in ", "$text-muted"))
    count.append((f"{shown} {noun}", "$text-muted"))
    if marked:
        count.append((f" · {marked} marked", "bold $text-accent"))
    parts += [*count, ("  ", ""), *where] if count_first else [*where, *count]
    return Content.assemble(*parts)


class FilterBar(Static):
    """One line: `Needs reply  All  Done  Snoozed  Muted  Mine │ brand Acme Tea  17 conversations`. Every view is
    a tab when they fit; else the store's views and the current one, else the current one alone (`f` and the
    palette reach the others), so that the filters and the count stay in view at 80 columns; and when the filters
    are still too long (a brand, a tag, a reason, a person…), the count comes before them."""

    _shown: tuple[Filters, int, tuple[Tab, ...], str | None, int] | None = None

    def show(self, filters: Filters, shown: int, tabs: Sequence[Tab] | None = None, *, messages: str | None = None,
             marked: int = 0) -> None:
        self._shown = (filters, shown, tuple(tabs) if tabs is not None else (), messages, marked)
        room = self.content_region.width
        content = filter_content(filters, shown, tabs, messages=messages, marked=marked)
        if tabs is not None and room:
            tries = [(fewer, False) for fewer in fewer_tabs(filters, tabs)]
            for fewer, count_first in [*tries, (tries[-1][0], True)]:
                content = filter_content(filters, shown, fewer, messages=messages, marked=marked,
                                         count_first=count_first)
                if content.cell_length <= room:
                    break
        self.update(content)

    def on_resize(self, event: Resize) -> None:
        if self._shown is not None:
            filters, shown, tabs, messages, marked = self._shown
            self.show(filters, shown, tabs or None, messages=messages, marked=marked)
