"""Store rows shaped for the widgets: a conversation's messages as a thread, with depth and flags; when the store
last synced; what a sync made urgent.

Reads go through `Store` methods only (no SQL here); which messages wait for us comes from `triage.waiting_ids`,
the inbox's own rule (a thank-you after our reply closes the conversation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cmtui import identity, text, triage
from cmtui.config import Config
from cmtui.store import MessageRow, Store, parse_iso

NAME_LIMIT = 50  # characters of an author's name in a byline: a long name must not push its account out of view
ACCOUNT_LIMIT = 80  # characters of an account in a byline (a host name can be 253)
BYLINE_LIMIT = NAME_LIMIT + ACCOUNT_LIMIT + 4  # a whole byline: `Name (@account)`


@dataclass(frozen=True)
class ThreadMessage:
    id: int
    parent_id: int | None
    author: str  # the name as written (saved replies' {first_name} uses it)
    byline: str  # who wrote it, as shown: the name and, on platforms with accounts, the account (`byline()`)
    published: str | None
    seen_at: str | None
    text: str
    url: str | None
    is_ours: bool
    is_post: bool
    depth: int
    unanswered: bool
    new: bool


def byline(author: str | None, account: str | None) -> str:
    """Who wrote a message, for the screens: `identity.label` of the name and the account, both cleaned and cut
    (they came from a feed), so that `@acme_cm` posting from another server shows that server."""
    name = text.one_line(author, NAME_LIMIT)
    return identity.label(name, text.one_line(account, ACCOUNT_LIMIT) or None) or "(anonymous)"


def thread_message(r: MessageRow, *, depth: int = 0, unanswered: bool = False, new: bool = False) -> ThreadMessage:
    """One stored message for the widgets: author, text and link cleaned (they came from a feed)."""
    return ThreadMessage(
        id=r.id, parent_id=r.parent_id, author=text.one_line(r.author, 120) or "(anonymous)",
        byline=byline(r.author, r.account),
        published=r.published, seen_at=r.seen_at, text=text.clean(r.text).strip(),
        url=text.safe_url(r.url), is_ours=bool(r.is_ours), is_post=bool(r.is_post), depth=depth,
        unanswered=unanswered, new=new,
    )


def thread_order(rows: list[MessageRow]) -> list[tuple[MessageRow, int]]:
    """(row, depth) in reading order: the post first, then each message followed by its replies, oldest first.

    Messages without a known parent hang under the post (depth 1), or at depth 0 when there is no post.
    """
    def key(r: MessageRow) -> tuple[str, int]:
        return (r.published or "", r.id)

    ids = {r.id for r in rows}
    posts = sorted((r for r in rows if r.is_post), key=key)
    root = posts[0].id if posts else None
    children: dict[int | None, list[MessageRow]] = {}
    for r in rows:
        if r.id == root:
            continue
        parent = r.parent_id if r.parent_id in ids and r.parent_id != r.id else root
        children.setdefault(parent, []).append(r)
    for kids in children.values():
        kids.sort(key=key)
    out: list[tuple[MessageRow, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        """Pre-order, with a stack of its own: a reply chain from a feed can be thousands deep."""
        stack = [(iter(children.get(parent, [])), depth)]
        while stack:
            kids, level = stack[-1]
            r = next(kids, None)
            if r is None:
                stack.pop()
            elif r.id not in seen:
                seen.add(r.id)
                out.append((r, level))
                stack.append((iter(children.get(r.id, [])), level + 1))

    if root is not None:
        out.append((posts[0], 0))
        seen.add(root)
        walk(root, 1)
    else:
        walk(None, 0)
    # anything left (a parent cycle): append in time order at the top level
    for r in sorted((r for r in rows if r.id not in seen), key=key):
        if r.id in seen:  # placed by an earlier walk of this loop
            continue
        seen.add(r.id)
        out.append((r, 0 if root is None else 1))
        walk(r.id, 2 if root is not None else 1)
    return out


def load_thread(store: Store, config: Config, conversation_id: int,
                previously_opened: str | None) -> list[ThreadMessage]:
    """The conversation's messages in thread order; `new` marks messages seen after `previously_opened`
    (nothing is marked when the conversation was never opened: then all of it is new)."""
    if store.conversation(conversation_id) is None:
        return []
    rows = store.messages(conversation_id)
    waiting = triage.waiting_ids(store, config, conversation_id)
    return [
        thread_message(r, depth=depth, unanswered=r.id in waiting,
                       new=bool(previously_opened and r.seen_at and r.seen_at > previously_opened))
        for r, depth in thread_order(rows)
    ]


@dataclass(frozen=True)
class Note:
    """An internal note on a conversation (`cmtui note`, `N` in the app): the team's, never posted."""

    author: str
    time: str
    text: str


@dataclass(frozen=True)
class ThreadState:
    """What the conversation's header says besides its messages, and what can change while it is open: the
    user's marks, its priority, the team's labels and notes, who else is replying to it now."""

    muted: bool = False
    snoozed_until: str | None = None
    assigned_to: str | None = None  # the teammate who answers it
    ranking: Ranking | None = None  # its priority and why (None: triage does not know it)
    labels: tuple[str, ...] = ()  # the user's (`cmtui tag`, `l`) and its rules' labels
    notes: tuple[Note, ...] = ()  # oldest first
    replying: tuple[str, ...] = ()  # teammates with the reply editor open on it now, besides me

    @classmethod
    def of(cls, item: triage.InboxItem | None) -> ThreadState:
        """The state of the conversation `item` (None: a conversation triage does not know: no marks)."""
        if item is None:
            return cls()
        notes = tuple(Note(str(n.get("author") or ""), str(n.get("time") or ""), str(n.get("text") or ""))
                      for n in item.notes)
        return cls(item.muted, item.snoozed_until, item.assigned_to, Ranking.of(item), tuple(item.labels), notes,
                   tuple(item.replying))


@dataclass(frozen=True)
class LoadedThread:
    """What the conversation screen shows, read in one go by a worker."""

    conversation_id: int
    title: str
    url: str | None
    feed_name: str
    previous: str | None  # when the user opened it before (messages seen since are new)
    messages: list[ThreadMessage]
    state: ThreadState = ThreadState()


@dataclass(frozen=True)
class Ranking:
    """A conversation's priority and the signals that make it, as `cmtui explain ID` prints them."""

    priority: float
    needs_reply: bool  # only then is `priority` its rank in the inbox
    signals: tuple[triage.Signal, ...]

    @classmethod
    def of(cls, item: triage.InboxItem | None) -> Ranking | None:
        return None if item is None else cls(item.priority, item.needs_reply, tuple(item.signals))


def read_thread(store: Store, config: Config, conversation_id: int, now: datetime) -> LoadedThread | None:
    """The conversation for its screen (None when it is gone): its messages in thread order, the state of the
    user's view of it. Only reads: the screen records the opening afterwards (`Store.mark_opened`), so a
    sync holding the write lock never delays what the user asked to see."""
    conv = store.conversation(conversation_id)
    if conv is None:
        return None
    previous = store.opened_at(conversation_id)
    messages = load_thread(store, config, conversation_id, previous)
    return LoadedThread(conversation_id, text.one_line(conv.title, 300) or "(untitled)", text.safe_url(conv.url),
                        conv.feed_name or "", previous, messages, read_state(store, config, conversation_id, now))


def read_state(store: Store, config: Config, conversation_id: int, now: datetime) -> ThreadState:
    """The conversation's `ThreadState` now (in a worker: after a note or a label, or another program's change)."""
    return ThreadState.of(triage.item(store, config, conversation_id, now=now))


def up_to_date(store: Store, config: Config) -> None:
    """Before reading the inbox (in a worker): the summaries a sync left dirty, in short write transactions
    (`summaries.summarise_dirty`), then `triage.refresh` (the configured feeds, changed triage settings). The one
    refresh of a reload: the readers that follow (`triage.inbox`, `triage.inbox_count`) never refresh."""
    from cmtui.summaries import summarise_dirty

    summarise_dirty(store, triage.Settings(config))
    triage.refresh(store, config)


def newest(rows: list[MessageRow]) -> MessageRow | None:
    """The newest of `rows` by the feed's time (then by id)."""
    return max(rows, key=lambda r: (r.published or "", r.id), default=None)


def newest_waiting(rows: list[MessageRow], waiting: set[int]) -> MessageRow | None:
    """The message a conversation's row stands for: its newest message waiting for us (`triage.waiting_ids`). The
    inbox's preview shows it and `r` on the row answers it (`drafting.default_message_id`): one rule for both."""
    return newest([r for r in rows if r.id in waiting])


def latest_unanswered(store: Store, config: Config, conversation_id: int) -> ThreadMessage | None:
    """The newest message waiting for a reply (else the newest message), with its full text, for the preview."""
    if store.conversation(conversation_id) is None:
        return None
    rows = store.messages(conversation_id)
    if not rows:
        return None
    waiting = triage.waiting_ids(store, config, conversation_id)
    r = newest_waiting(rows, waiting) or newest(rows)
    assert r is not None
    return thread_message(r, unanswered=r.id in waiting)


def waiting_message(store: Store, config: Config, conversation_id: int, message_id: int) -> ThreadMessage | None:
    """One message of the conversation with its full text, for the preview of its row in the inbox by message
    (None when it is gone)."""
    row = next((r for r in store.messages(conversation_id) if r.id == message_id), None)
    if row is None:
        return None
    return thread_message(row, unanswered=row.id in triage.waiting_ids(store, config, conversation_id))


@dataclass(frozen=True)
class SyncStatus:
    """When the store last synced the configured feeds (by the app or a cron `cmtui sync`), and how they fare."""

    last_synced: datetime | None  # the newest successful fetch of a configured feed; None: never synced
    failing: int  # configured feeds whose last fetch failed
    unsynced: int  # configured feeds never fetched yet (added to feeds.toml since the last sync)

    @property
    def never_synced(self) -> bool:
        return self.last_synced is None

    def due(self, now: datetime, every_minutes: float) -> bool:
        """Whether the app syncs as it opens: never synced, a feed never fetched, or (`every_minutes` > 0) the last
        sync is older than that."""
        if self.last_synced is None or self.unsynced:
            return True
        return every_minutes > 0 and now - self.last_synced >= timedelta(minutes=every_minutes)


def sync_status(store: Store, config: Config) -> SyncStatus:
    """The `SyncStatus` of the feeds `config` lists (feeds dropped from it no longer count)."""
    configured = {f.url for f in config.feeds}
    rows = [r for r in store.configured_feeds() if r.url in configured]
    last_ok = max((r.last_ok for r in rows if r.last_ok), default=None)  # the store's own format: ordered as text
    attempted = sum(1 for r in rows if r.last_attempt)
    return SyncStatus(last_synced=parse_iso(last_ok), failing=sum(1 for r in rows if r.last_error),
                      unsynced=len(configured) - attempted)


@dataclass(frozen=True)
class Alert:
    """What the app says after a sync about the conversations it made urgent (`notify.urgent`: waiting, at or above
    `[notify] min_priority`): how many, the most urgent one's title, and why `[notify]` could not tell (or None)."""

    urgent: int
    title: str
    error: str | None = None

    def toast(self) -> str:
        """One short line: `3 conversations need a reply: Grinder arrived broken`."""
        noun = "conversation needs" if self.urgent == 1 else "conversations need"
        return f"{self.urgent} {noun} a reply: {text.one_line(self.title, 60)}"


def alert_after_sync(store: Store, config: Config, touched: set[int]) -> Alert:
    """After a sync (in a worker): `notify.after_sync` (`[notify] command` and `desktop`, as `cmtui sync` runs them),
    and the urgent conversations for the app's own toast, whether or not `[notify]` is set."""
    from cmtui import notify

    urgent = notify.urgent(triage.inbox(store, config), touched, config) if touched else []
    error = notify.tell(store, config, urgent)  # the inbox read once, for both
    return Alert(len(urgent), urgent[0].title if urgent else "", error)
