"""The views the app offers, in the order `f` cycles through them and the palette lists them: the store's own
(needs reply, all, done, snoozed, muted), then the saved views of feeds.toml (`[views.NAME]`, in the file's order),
then Mine and Unassigned when the user named themselves (`$CMTUI_USER` or `[team] me`).

Each view is a key the inbox screen keeps in its `Filters` (plain text, so a view removed from feeds.toml is simply
not found again) and the arguments it adds to `triage.inbox` and `triage.inbox_count`: the app filters through
the same calls as `cmtui inbox --view NAME`, `--mine` and `--unassigned`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmtui import store, team, text
from cmtui.config import Config, ViewConfig
from cmtui.triage import waiting_label

NEEDS_REPLY = "needs_reply"
SAVED = "view:"  # key prefix of a saved view: "view:complaints"
MINE, UNASSIGNED = "mine", "unassigned"
LABEL_LIMIT = 24  # characters of a saved view's name in the filter bar and the palette

# The store's views (`store.VIEWS`, their one definition) the app offers, with their labels and help, in its order.
BUILTIN_LABELS = {"needs_reply": "Needs reply", "all": "All", "done": "Done", "snoozed": "Snoozed", "muted": "Muted"}
BUILTIN_HELP = {
    "needs_reply": "The conversations waiting for your reply, most urgent first",
    "all": "Every conversation, answered ones included",
    "done": "The conversations you marked done",
    "snoozed": "The conversations snoozed until later",
    "muted": "The conversations you muted",
}


@dataclass(frozen=True)
class View:
    """One view of the inbox: a store view, narrowed by a saved view or by who it is assigned to."""

    key: str
    label: str
    help: str
    store_view: str = NEEDS_REPLY  # the store's view it lists (`store.VIEWS`)
    saved: ViewConfig | None = None
    assigned_to: str | None = None
    unassigned: bool = False

    @property
    def builtin(self) -> bool:
        return self.key in BUILTIN_LABELS

    def arguments(self) -> dict[str, Any]:
        """What the view adds to `triage.inbox` / `triage.inbox_count`, besides the feed, tag, brand and search."""
        return {"view": self.store_view, "saved": self.saved, "assigned_to": self.assigned_to,
                "unassigned": self.unassigned}


BUILTIN: tuple[View, ...] = tuple(View(v, BUILTIN_LABELS[v], BUILTIN_HELP[v], store_view=v)
                                  for v in store.VIEWS if v in BUILTIN_LABELS)


def saved_label(name: str) -> str:
    return text.one_line(name, LABEL_LIMIT) or "(unnamed)"


def describe(saved: ViewConfig) -> str:
    """A saved view's filters in words: "feed Acme Blog · reason complaint · waiting over 2 d"."""
    parts = [f"{key} {text.one_line(value, 40)}" for key, value in
             (("feed", saved.feed), ("tag", saved.tag), ("reason", saved.reason), ("person", saved.person),
              ("kind", saved.kind)) if value]
    if saved.brand is not None:
        parts.append(f"brand {text.one_line(saved.brand, 40) or '(unnamed)'}")
    if saved.waiting_longer_than:
        parts.append(f"waiting over {waiting_label(saved.waiting_longer_than)}")
    return " · ".join(parts) or "no filter"


def offered(config: Config) -> list[View]:
    """Every view of `config`, in cycle order. Mine and Unassigned only when the user named themselves: without a
    team, a name would be the login name (not the one teammates assign to), and two more views in the cycle would
    be two more `f` presses to get back to the inbox."""
    views = list(BUILTIN)
    for name, saved in config.views.items():
        views.append(View(SAVED + name, saved_label(name), f"Saved view {text.one_line(name, 40)}: {describe(saved)}",
                          saved=saved))
    me = team.named(config)
    if me:
        views.append(View(MINE, "Mine", f"The conversations assigned to you ({me}) that wait for a reply",
                          assigned_to=me))
        views.append(View(UNASSIGNED, "Unassigned", "The conversations nobody has taken that wait for a reply",
                          unassigned=True))
    return views


def find(config: Config, key: str) -> View | None:
    """The view of `config` with this key; None when feeds.toml no longer has it (or no longer names me)."""
    return next((v for v in offered(config) if v.key == key), None)


def label(key: str) -> str:
    """A view's label from its key alone (the filter bar of a test, an empty state)."""
    if key in BUILTIN_LABELS:
        return BUILTIN_LABELS[key]
    if key.startswith(SAVED):
        return saved_label(key.removeprefix(SAVED))
    return {MINE: "Mine", UNASSIGNED: "Unassigned"}.get(key, key)
