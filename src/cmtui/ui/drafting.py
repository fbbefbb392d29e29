"""Replying, minus the widgets: which message a reply answers, where it goes (direct posting or the hand-off),
saved replies filled in, and the `$EDITOR` round trip.

Reads go through `Store` methods only; posting and the clipboard are `cmtui.posting` and `cmtui.replies`.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmtui import replies, text, triage
from cmtui.config import Config, FeedConfig, PostingConfig
from cmtui.store import Store
from cmtui.ui.data import ThreadMessage, thread_message

DEFAULT_EDITOR = "vi"


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
        return replies.handoff_url(self.platform, self.post_url, self.answered_url)

    @property
    def reply_to(self) -> str:
        return self.answered.author if self.answered else "the conversation"

    def context(self, config: Config) -> replies.ReplyContext:
        return replies.ReplyContext(
            author=self.author, post_title=self.title,
            feed_name=self.feed_name, our_name=config.names[0] if config.names else "",
            message=self.answered.text if self.answered else "")


def feed_config(config: Config, url: str | None) -> FeedConfig | None:
    """The configured feed with this URL."""
    return next((f for f in config.feeds if f.url == url), None) if url else None


def default_message_id(store: Store, config: Config, conversation_id: int) -> int | None:
    """What `r` answers: the oldest message waiting for us (the inbox's rule), else the newest message by
    someone else, else the post; None when the conversation has no messages."""
    rows = store.messages(conversation_id)
    if not rows:
        return None
    waiting = triage.waiting_ids(store, config, conversation_id)

    def key(r: Any) -> tuple[str, int]:
        return (r["published"] or "", r["id"])

    candidates = sorted((r for r in rows if r["id"] in waiting), key=key)
    if candidates:
        return int(candidates[0]["id"])
    others = [r for r in rows if not r["is_ours"]]
    if others:
        return int(max(others, key=key)["id"])
    posts = [r for r in rows if r["is_post"]]
    return int(posts[0]["id"]) if posts else int(rows[-1]["id"])


def reply_plan(store: Store, config: Config, conversation_id: int, message_id: int | None) -> ReplyPlan | None:
    """The plan for answering `message_id` in the conversation; None when the conversation is gone."""
    conv = store.conversation(conversation_id)
    if conv is None:
        return None
    rows = store.messages(conversation_id)
    answered_row = next((r for r in rows if r["id"] == message_id), None) if message_id is not None else None
    waiting = triage.waiting_ids(store, config, conversation_id) if answered_row is not None else set()
    post_row = next((r for r in rows if r["id"] == conv["root_id"]), None) or next(
        (r for r in rows if r["is_post"]), None)
    feed = store.feed(conv["feed_id"])
    configured = feed_config(config, feed["url"] if feed else None)
    return ReplyPlan(
        conversation_id=conversation_id,
        message_id=answered_row["id"] if answered_row is not None else None,
        title=text.one_line(conv["title"], 300) or "(untitled)",
        feed_name=text.one_line((configured.name if configured else "") or conv["feed_name"] or "", 80),
        feed_id=int(conv["feed_id"]),
        platform=feed["platform"] if feed else None,
        post_url=text.safe_url(conv["url"]) or (text.safe_url(post_row["url"]) if post_row is not None else None),
        post_guid=post_row["uid"] if post_row is not None else None,
        answered=thread_message(answered_row, unanswered=answered_row["id"] in waiting)
        if answered_row is not None else None,
        answered_feed_id=int(answered_row["feed_id"]) if answered_row is not None else None,
        posting=configured.posting if configured else None,
        author=text.one_line(answered_row["author"], 120) if answered_row is not None else "",
    )


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
