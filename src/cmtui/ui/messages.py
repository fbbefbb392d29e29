"""Messages that travel from the workers (sync, posting a reply, the clipboard) and the store poller to the app
and its screens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from cmtui.ui.drafting import ReplyPlan

if TYPE_CHECKING:  # the sync and posting modules (and httpx) load when first used, not at the app's start
    from cmtui.config import Config, ConfigError
    from cmtui.posting import PostResult
    from cmtui.sync import FeedReport, SyncReport
    from cmtui.ui.data import Alert, LoadedThread, SyncStatus, ThreadMessage
    from cmtui.ui.screens.inbox import InboxPage
    from cmtui.ui.widgets.inbox_table import Row


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
class SyncAlerted(Message):
    """After a sync, a worker told `[notify]` about the conversations it made urgent: the toast says how many."""

    alert: Alert


@dataclass
class SyncStatusRead(Message):
    """A worker read when the store last synced and how many feeds fail: the header says it."""

    status: SyncStatus


@dataclass
class ConfigRead(Message):
    """feeds.toml changed and a worker read it again: the new config, or why the edit is not usable. `read`
    numbers the reads: an older one's result is dropped."""

    found: Config | ConfigError
    read: int


@dataclass
class StoreChanged(Message):
    """Another connection committed (a cron `cmtui sync`, the sync worker): the inbox reloads."""

    keep_id: int | None = None


@dataclass
class InboxLoaded(Message):
    """A worker read the inbox for `page.filters` (a reload or a search): the first page (`rest` None), then, when
    the list is longer, the whole list (`rest`). `load` tells which reload it answers: an older one's is dropped."""

    bubble = False  # for the inbox screen only

    page: InboxPage
    load: int
    keep_id: int | None = None
    rest: list[Row] | None = None


@dataclass
class PreviewLoaded(Message):
    """A worker read the preview of a conversation: its latest unanswered message (None: no messages), or by
    message the message `message_id` the row stands for."""

    bubble = False

    conversation_id: int
    message: ThreadMessage | None
    load: int
    message_id: int | None = None


@dataclass
class ThreadLoaded(Message):
    """A worker read a conversation for its screen (None: it is gone from the store)."""

    bubble = False

    thread: LoadedThread | None


@dataclass
class DraftSaved(Message):
    """The draft writer stored `body` as draft `draft_id` (or failed: `error`, and it retries)."""

    bubble = False

    body: str
    draft_id: int | None
    error: str | None = None


@dataclass
class ReplyPosted(Message):
    """The posting worker is back: `result` is the site's answer, or None when cmtui could not tell where on the
    site the reply goes (`why`), in which case it is handed off instead."""

    draft_id: int
    plan: ReplyPlan
    body: str
    result: PostResult | None
    why: str | None = None


@dataclass
class ClipboardCopied(Message):
    """A reply's text went to the system clipboard with `tool` (None: no clipboard tool here), for a hand-off or
    for `c` in the drafts list."""

    tool: str | None
    handoff: bool = False
    url: str | None = None  # the reply page, if there is one
    opened: bool = False  # a browser was there to open it
    note: str | None = None  # why it was handed off rather than posted, when posting was configured
