"""Messages that travel from the sync worker and the store poller to the app and its screens."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from cmtui.sync import FeedReport, SyncReport


@dataclass
class FeedSynced(Message):
    """One configured feed (and its comment feeds) finished syncing."""

    report: FeedReport
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FeedSynced)


@dataclass
class SyncFinished(Message):
    """The sync worker ended: `report` is None when it did not run (another sync held the store, or it failed)."""

    report: SyncReport | None
    error: str | None = None


@dataclass
class StoreChanged(Message):
    """The store changed (a sync, a cron `cmtui sync`, or one of our own actions): views reload."""

    keep_id: int | None = None
