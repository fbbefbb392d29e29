"""The SQLite store: every read and write of cmtui's data goes through `Store`.

`Store` is put together from one class per job, each in its own module:

| module      | job                                                             |
| ----------- | --------------------------------------------------------------- |
| `base`      | opening, schema check, migrations, transactions, query helpers  |
| `feeds`     | configured feeds, comment feeds found through them, health      |
| `ingest`    | saving a parsed feed: messages, conversations, people           |
| `summaries` | what the triage reads, and the summaries it writes back         |
| `inbox`     | the conversations of a view, ranked, and `inbox --json`         |
| `marks`     | done, snoozed, muted, opened, labels, notes                     |
| `drafts`    | drafts, hand-offs and our posted replies                        |
| `people`    | who writes to us; response times                                |
| `presence`  | who on the team is replying where                               |
| `search`    | full-text search                                                |
| `rows`      | the dataclasses the store hands out (never `sqlite3.Row`)       |
| `times`     | the store's time format                                         |

One `Store` belongs to the thread that opened it (SQLite connections are per thread).
WAL and a busy timeout let a cron `cmtui sync` write while the app reads. Use it as a context manager:
`with Store.open(path) as store: ...` closes it at the end.
"""

from __future__ import annotations

from cmtui.store.base import BUSY_TIMEOUT_MS, DatabaseError, IntegrityError, NewerStoreError, StoreError
from cmtui.store.drafts import DraftStore
from cmtui.store.feeds import FeedStore
from cmtui.store.inbox import CLOCK_SIGNALS, VIEWS, Clock, ConversationRow, InboxQuery, InboxStore
from cmtui.store.ingest import IngestStore, SaveResult
from cmtui.store.marks import MarkStore
from cmtui.store.people import PeopleStore
from cmtui.store.presence import PresenceStore
from cmtui.store.rows import (
    ConversationInfo,
    DraftRow,
    FeedHealthRow,
    FeedRow,
    MessageRow,
    OpenDraftRow,
    PersonRow,
    ResponseRow,
)
from cmtui.store.search import fts_query
from cmtui.store.summaries import SummaryStore
from cmtui.store.times import hours_between, iso, parse_iso, stamp, utc_now

__all__ = ["BUSY_TIMEOUT_MS", "CLOCK_SIGNALS", "VIEWS", "Clock", "ConversationInfo", "ConversationRow", "DatabaseError",
           "DraftRow", "IntegrityError",
           "FeedHealthRow", "FeedRow", "InboxQuery", "MessageRow", "NewerStoreError", "OpenDraftRow", "PersonRow",
           "ResponseRow", "SaveResult", "Store", "StoreError", "fts_query", "hours_between", "iso", "parse_iso",
           "stamp", "utc_now"]


class Store(FeedStore, IngestStore, SummaryStore, InboxStore, MarkStore, DraftStore, PeopleStore, PresenceStore):
    """cmtui's data in one SQLite file: `Store.open(path)`, or `Store.memory()` for tests."""
