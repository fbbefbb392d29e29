"""Conversation summaries brought up to date in short write transactions (the sync, and the app's readers).

Summarising every dirty conversation in one transaction held the store's write lock for 20 s after a sync that
touched 10,000 conversations, and the app's draft saves waited behind it. Here the lock is let go every
`SUMMARY_BATCH` conversations.
"""

from __future__ import annotations

from cmtui import triage
from cmtui.store import Store

SUMMARY_BATCH = 200  # conversations summarised per write transaction


def summarise_dirty(store: Store, settings: triage.Settings, batch: int | None = None) -> set[int]:
    """Summarise the dirty conversations, `batch` (default `SUMMARY_BATCH`) to a write transaction: another
    connection's write waits for one batch at most. A conversation stays dirty until its own batch commits, so
    work cut short (a sync killed between batches) leaves the rest dirty for the next reader. Returns the ids."""
    size = max(1, batch or SUMMARY_BATCH)
    ids = sorted(store.dirty_ids())
    for start in range(0, len(ids), size):
        with store.transaction():
            triage.summarise(store, settings, set(ids[start:start + size]))
    return set(ids)
