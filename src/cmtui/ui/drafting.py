"""Replying, minus the widgets: which message a reply answers, where it goes (direct posting or the hand-off),
what a post's answer stores and says, saved replies filled in, and the `$EDITOR` round trip.

Reads and writes go through `Store` methods only; posting and the clipboard are `cmtui.posting` and
`cmtui.replies`. The app's side of it (workers, the editor, notifications) is `ui/replying.py`.
"""

from __future__ import annotations

import html
import os
import shlex
import sqlite3
import subprocess
import tempfile
import threading
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cmtui import replies, text, triage
from cmtui.config import Config, FeedConfig, PostingConfig
from cmtui.store import ConversationInfo, MessageRow, Store
from cmtui.ui.data import ThreadMessage, newest, newest_waiting, thread_message

if TYPE_CHECKING:  # posting (and httpx) loads when a reply is first posted
    from cmtui.posting import PostResult

DEFAULT_EDITOR = "vi"
HANDED_OFF = "cmtui marks it answered when your reply shows up in the feed."


@dataclass(frozen=True)
class ReplyPlan:
    """Everything the editor needs about one reply: what it answers and how it will leave."""

    conversation_id: int
    message_id: int | None  # the message answered; None: the conversation as a whole
    title: str
    feed_name: str
    feed_id: int  # the conversation's (configured) feed
    platform: str | None  # wordpress | blogger | discourse | reddit | generic, as the sync detected it
    post_url: str | None
    post_guid: str | None  # the opening post's stored uid (WordPress: …?p=123 gives the post ID)
    answered: ThreadMessage | None
    answered_feed_id: int | None
    posting: PostingConfig | None  # direct posting for this feed's site, from feeds.toml
    author: str = ""  # the answered message's author as written ("" when anonymous: {first_name} stays visible)
    home: str = ""  # `[identity] home`: our fediverse server, where replies to fediverse posts are written

    @property
    def answered_url(self) -> str | None:
        return self.answered.url if self.answered else None

    @property
    def answers_post(self) -> bool:
        """A reply to the post itself (or to the whole conversation): a top-level comment."""
        return self.answered is None or self.answered.is_post

    @property
    def handoff_url(self) -> str | None:
        """The page where the reply is written by hand (only http(s)), or None."""
        return replies.handoff_url(self.platform, self.post_url, self.answered_url, self.home)

    @property
    def reply_to(self) -> str:
        """Who the reply answers, as shown (`ThreadMessage.byline`: with the account)."""
        return self.answered.byline if self.answered else "the conversation"

    def context(self, config: Config) -> replies.ReplyContext:
        return replies.ReplyContext(
            author=self.author, post_title=self.title,
            feed_name=self.feed_name, our_name=config.names[0] if config.names else "",
            message=self.answered.text if self.answered else "")


def feed_config(config: Config, url: str | None) -> FeedConfig | None:
    """The configured feed with this URL."""
    return next((f for f in config.feeds if f.url == url), None) if url else None


def default_message_id(store: Store, config: Config, conversation_id: int) -> int | None:
    """What `r` on a conversation answers: the message its inbox row and preview show, the newest waiting for us
    (`data.newest_waiting`), else the newest message by someone else, else the post; None when the conversation
    has no messages."""
    rows = store.messages(conversation_id)
    if not rows:
        return None
    shown = newest_waiting(rows, triage.waiting_ids(store, config, conversation_id))
    if shown is None:
        shown = newest([r for r in rows if not r.is_ours])
    if shown is not None:
        return shown.id
    posts = [r for r in rows if r.is_post]
    return posts[0].id if posts else rows[-1].id


def reply_plan(store: Store, config: Config, conversation_id: int, message_id: int | None) -> ReplyPlan | None:
    """The plan for answering `message_id` in the conversation; None when the conversation is gone."""
    conv = store.conversation(conversation_id)
    if conv is None:
        return None
    rows = store.messages(conversation_id)
    answered_row = next((r for r in rows if r.id == message_id), None) if message_id is not None else None
    post_url, post_guid = _post_link(conv, rows)
    feed = store.feed(conv.feed_id)
    configured = feed_config(config, feed.url if feed else None)
    answering = _Answering.of(store, config, conversation_id, answered_row)
    return ReplyPlan(
        conversation_id=conversation_id,
        message_id=answering.message.id if answering.message is not None else None,
        title=text.one_line(conv.title, 300) or "(untitled)",
        feed_name=text.one_line((configured.name if configured else "") or conv.feed_name or "", 80),
        feed_id=int(conv.feed_id),
        platform=feed.platform if feed else None,
        post_url=post_url,
        post_guid=post_guid,
        answered=answering.message,
        answered_feed_id=answering.feed_id,
        posting=configured.posting if configured else None,
        author=answering.author,
        home=config.home,
    )


def _post_link(conv: ConversationInfo, rows: list[MessageRow]) -> tuple[str | None, str | None]:
    """The conversation's web page (its own, else its opening post's) and the opening post's stored uid."""
    post_row = next((r for r in rows if r.id == conv.root_id), None) or next(
        (r for r in rows if r.is_post), None)
    if post_row is None:
        return text.safe_url(conv.url), None
    return text.safe_url(conv.url) or text.safe_url(post_row.url), post_row.uid


@dataclass(frozen=True)
class _Answering:
    """The message a reply answers, as the plan needs it (all empty: the conversation as a whole)."""

    message: ThreadMessage | None = None
    feed_id: int | None = None
    author: str = ""  # as written ("" when anonymous)

    @classmethod
    def of(cls, store: Store, config: Config, conversation_id: int, row: MessageRow | None) -> _Answering:
        if row is None:
            return cls()
        waiting = triage.waiting_ids(store, config, conversation_id)
        return cls(thread_message(row, unanswered=row.id in waiting), int(row.feed_id),
                   text.one_line(row.author, 120))


# -- the draft in the store ----------------------------------------------------------------


class Draft:
    """One reply editor's draft as the store holds it, written off the UI thread.

    The editor says what the text is now (`want`, never blocks); a writer thread (`write_pending`, the app's
    draft worker) stores the newest text, one write at a time, and retries while the store is busy (a cron
    sync holding the write lock). `flush` writes on the caller's thread: the app's last word when it quits.
    Two locks: `_state` guards what is wanted and written and is never held during a write, so `want` returns at
    once; `_io` makes writes one at a time."""

    def __init__(self, conversation_id: int, message_id: int | None, *, body: str, draft_id: int | None,
                 pending_id: int | None, author: str | None = None) -> None:
        self.conversation_id, self.message_id = conversation_id, message_id
        self.author = author  # the teammate writing it (None: drafts are nobody's in particular, no team)
        self.draft_id = draft_id  # the open draft row, once there is one
        self.pending_id = pending_id  # a handed-off reply reopened: a draft again when edited
        self.written = body  # what the store holds
        self._wanted = body
        self._discard = False
        self._writing = False  # a writer thread is on it
        self._state = threading.Lock()
        self._io = threading.Lock()

    def want(self, body: str, *, discard: bool = False) -> bool:
        """The text to store (`discard`: the reply was emptied and closed, drop the draft). True when a writer
        must be started (none is on it yet)."""
        with self._state:
            self._wanted, self._discard = body, discard
            if self._writing or self.settled_locked():
                return False
            self._writing = True
            return True

    def stopped(self) -> None:
        """The writer could not start (the store would not open): the next `want` starts another."""
        with self._state:
            self._writing = False

    def settled_locked(self) -> bool:
        return self._wanted == self.written and not (self._discard and self.draft_id is not None)

    @property
    def settled(self) -> bool:
        """Everything wanted is in the store."""
        with self._state:
            return self.settled_locked()

    def write_pending(self, store: Store, cancelled: Callable[[], bool], sleep: Callable[[float], None],
                      on_result: Callable[[str, int | None, str | None], None]) -> None:
        """Writer thread: store the newest wanted text until the store holds it; a failed write is retried
        after a pause (0.1 s, doubling up to 2 s) until it succeeds or the writer is cancelled (the app quits:
        `flush` then writes it). `on_result(body, draft_id, error)` after every attempt."""
        delay = 0.1
        while True:
            with self._state:
                body, discard = self._wanted, self._discard
                if self.settled_locked() or cancelled():
                    self._writing = False
                    return
            try:
                draft_id = self._write(store, body, discard)
            except sqlite3.Error as exc:
                on_result(body, None, text.one_line(str(exc), 120) or type(exc).__name__)
                sleep(delay)
                delay = min(2.0, delay * 2)
                continue
            delay = 0.1
            on_result(body, draft_id, None)

    def flush(self, store: Store) -> str | None:
        """Write what is wanted now, on this thread (waiting for the store as long as its busy timeout); returns
        the error, if it failed."""
        with self._state:
            body, discard = self._wanted, self._discard
            if self.settled_locked():
                return None
        try:
            self._write(store, body, discard)
        except sqlite3.Error as exc:
            return text.one_line(str(exc), 120) or type(exc).__name__
        return None

    def _write(self, store: Store, body: str, discard: bool) -> int | None:
        with self._io:
            with store.transaction():
                if discard:
                    if self.draft_id is not None:
                        store.set_draft_state(self.draft_id, "discarded")
                    draft_id = None
                else:
                    if self.draft_id is None and self.pending_id is not None:
                        try:  # a handed-off reply edited again: a draft again, same row
                            store.set_draft_state(self.pending_id, "draft")
                            self.draft_id = self.pending_id
                        except sqlite3.IntegrityError:  # an open draft for this message appeared meanwhile
                            pass
                    draft_id = store.save_draft(self.conversation_id, self.message_id, body, self.author)
            with self._state:
                self.written = body
                self.draft_id = draft_id
                if discard:
                    self._discard = False
                else:
                    self.pending_id = None
        return draft_id


# -- the site's answer to a post ------------------------------------------------------------


@dataclass(frozen=True)
class PostOutcome:
    """What the app says once a post's answer is stored; `refused`: the site's reason, for the editor."""

    message: str
    severity: Literal["information", "warning", "error"] = "information"  # as Textual's `SeverityLevel`
    timeout: float | None = None
    refused: str | None = None


def record_post(store: Store, config: Config, draft_id: int, plan: ReplyPlan, body: str,
                result: PostResult) -> PostOutcome:
    """Store the site's answer to a posted reply: refused, the draft again with the reason; held for a moderator,
    pending until a sync sees it; posted, our message in the conversation and the draft sent."""
    if not result.ok:
        error = text.one_line(result.error, 300) or "the site refused the reply"
        with store.transaction():
            store.set_draft_state(draft_id, "draft", error=error)
        return PostOutcome(f"Not posted: {error}", "error", 12, refused=error)
    posting = plan.posting
    assert posting is not None
    if result.remote_id is None:  # accepted, but held for a moderator: it shows up in the feed later
        with store.transaction():
            store.set_draft_state(draft_id, "pending")
        return PostOutcome(f"Sent: {text.one_line(posting.site, 60)} holds it for a moderator's approval. "
                           f"{HANDED_OFF}")
    from cmtui.urlkeys import url_key

    author = posting.user or (config.names[0] if config.names else "")
    try:
        with store.transaction():
            ours = store.add_our_message(
                plan.conversation_id, parent_id=plan.message_id, author=author, text=body,
                html=html.escape(body, quote=False), url=result.url, url_key=url_key(result.url),
                uid=f"posted:{posting.type}:{result.remote_id}", feed_id=plan.answered_feed_id or plan.feed_id)
            store.set_draft_state(draft_id, "sent", sent_message_id=ours)
        triage.refresh(store, config, {plan.conversation_id})
    except sqlite3.Error as exc:  # posted, not stored: the feed brings it in, the draft waits for it
        with store.transaction():
            store.set_draft_state(draft_id, "pending")
        return PostOutcome(f"Posted, but not stored ({text.one_line(str(exc), 120)}): the next sync brings it in",
                           "warning")
    return PostOutcome(f"Posted as {text.one_line(author, 40)}" +
                       (f": {text.one_line(result.url, 120)}" if result.url else ""))


def copied_notice(tool: str | None, *, handoff: bool, url: str | None, opened: bool,
                  note: str | None) -> tuple[str, float | None]:
    """What to say once a reply is on the clipboard (`tool`: the clipboard program, None: only OSC 52), and for
    how long: for a hand-off, also where the reply page is; without one, `note` says what was copied and why."""
    if tool:
        copied = f"Copied (with {tool} and through the terminal)"
    else:
        copied = ("Copied through the terminal (OSC 52; no clipboard tool such as wl-copy, xclip or pbcopy "
                  "here: c in the drafts list copies it again)")
    if not handoff and note:  # not a reply (an address): the drafts list's hint does not apply
        how = f"with {tool} and through the terminal" if tool else "through the terminal (OSC 52)"
        return f"{note}\nCopied {how}.", 12
    if not handoff:
        return copied, None
    why = f"{note}, so it is handed off.\n" if note else ""
    if url and opened:
        return f"{why}{copied}; the reply page is open in your browser. {HANDED_OFF}", 12
    if url:  # the address on a line of its own: nothing glued to it when copied
        return (f"{why}{copied}. No web browser here to open the reply page; it is at\n"
                f"{text.one_line(url, 300)}\n{HANDED_OFF}", 20)
    return f"{why}{copied}. There is no web page for it: paste it on the site. {HANDED_OFF}", 12


# -- saved replies -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filled:
    """A saved reply with its variables filled in, and the ones that could not be."""

    text: str
    unknown: tuple[str, ...]  # `{names}` cmtui does not know: left as written
    empty: tuple[str, ...]  # known, but without a value for this reply: left as written


def fill_template(template: str, context: replies.ReplyContext) -> Filled:
    values = context.variables()
    names = list(dict.fromkeys(replies.VARIABLE.findall(template)))
    return Filled(replies.fill(template, context), tuple(n for n in names if n not in values),
                  tuple(n for n in names if n in values and not values[n]))


def known_variables() -> list[str]:
    return sorted(replies.ReplyContext().variables())


def browser_available() -> bool:
    """Whether Python's `webbrowser` (what `App.open_url` uses in a terminal) has a browser to open; over ssh
    or on a server it has none, and opening a page silently does nothing."""
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


# -- $EDITOR -------------------------------------------------------------------------------


class EditorFailed(Exception):
    """The external editor could not run, or exited with an error: the draft stays as it was."""


def editor_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """`$VISUAL`, else `$EDITOR`, else vi, split like a shell would (`code --wait` works)."""
    env = os.environ if environ is None else environ
    value = (env.get("VISUAL") or "").strip() or (env.get("EDITOR") or "").strip() or DEFAULT_EDITOR
    try:
        return shlex.split(value) or [DEFAULT_EDITOR]
    except ValueError:  # an unbalanced quote: take it as one program name
        return [value]


def edit_externally(body: str, command: list[str],
                    run: Callable[..., subprocess.CompletedProcess[Any]] = subprocess.run) -> str:
    """Write `body` to a temporary file of our own (mode 0600), run `command FILE`, and return what the file
    holds afterwards; the file is deleted in every case. The final newline editors add is taken off again when
    `body` had none. Raises `EditorFailed` when the editor is missing or exits with a non-zero status
    (vim's `:cq`: give up the edit)."""
    fd, name = tempfile.mkstemp(prefix="cmtui-draft-", suffix=".md")
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body)
        try:
            done = run([*command, str(path)], check=False)
        except OSError as exc:
            raise EditorFailed(f"cannot run {text.one_line(command[0], 60)}: {exc.strerror or exc}; "
                               "set $EDITOR (or $VISUAL) to your editor") from None
        if done.returncode != 0:
            raise EditorFailed(f"{text.one_line(command[0], 60)} exited with status {done.returncode}: "
                               "the draft is unchanged")
        edited = path.read_text(encoding="utf-8", errors="replace")
    finally:
        path.unlink(missing_ok=True)
    if not body.endswith("\n") and edited.endswith("\n"):
        edited = edited[:-1]
    return edited
