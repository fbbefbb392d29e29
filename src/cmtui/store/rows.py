"""What the store hands out: small dataclasses, one per kind of row, never `sqlite3.Row`.

Fields are the table's columns, in the table's order (`SELECT *` fills them by name); JSON columns stay text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class FeedRow:
    """A feed: configured in feeds.toml, or found through one (a post's comment feed: `parent_id`)."""

    id: int
    url: str
    name: str
    kind: str
    tags: str  # JSON array
    configured: int
    parent_id: int | None
    title: str | None
    platform: str | None
    role: str | None
    site_comments_url: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_status: int | None
    last_error: str | None
    last_warning: str | None
    error_count: int
    next_attempt: str | None
    last_attempt: str | None
    last_ok: str | None
    gone_at: str | None
    comments_due: str | None
    first_ok: str | None


@dataclass(slots=True)
class FeedHealthRow(FeedRow):
    """A configured feed with the health of the comment feeds found through it (`cmtui feeds`, the feeds screen)."""

    comment_feeds: int
    comment_feed_errors: int
    messages: int


@dataclass(slots=True)
class MessageRow:
    """A message: a post or a comment, ours or someone else's."""

    id: int
    uid: str
    conversation_id: int
    feed_id: int
    parent_id: int | None
    parent_ref: str | None
    explicit_parent: int
    is_post: int
    is_ours: int
    author: str
    author_norm: str
    title: str
    url: str | None
    url_key: str | None
    published: str
    seen_at: str
    text: str
    html: str
    sentiment: float | None
    answered_at: str | None
    features: str | None  # JSON object (`signals.features`)
    seen_seq: int | None
    backlog: int
    account: str | None  # `identity.account` form; None where the source has no accounts


@dataclass(slots=True)
class ConversationInfo:
    """A conversation's own columns, with its feed's name."""

    id: int
    feed_id: int
    title: str
    url: str | None
    kind: str
    author: str | None
    published: str | None
    root_id: int | None
    created_at: str
    comment_count: int | None
    feed_name: str


@dataclass(slots=True)
class DraftRow:
    """A reply being written (`draft`), handed off (`pending`), `sent` or `discarded`."""

    id: int
    conversation_id: int
    message_id: int | None
    body: str
    state: str
    created_at: str
    updated_at: str
    pending_at: str | None
    sent_at: str | None
    sent_message_id: int | None
    error: str | None
    author: str | None  # the teammate writing it (None: a draft from before drafts were per person)


@dataclass(slots=True)
class OpenDraftRow(DraftRow):
    """An open draft with what it answers (the drafts screen)."""

    title: str
    feed_name: str
    reply_to: str | None
    reply_to_url: str | None


@dataclass(slots=True)
class PersonRow:
    """Someone who wrote to us, with counts over their messages."""

    name_norm: str
    name: str
    first_seen: str
    last_seen: str
    feeds: str  # JSON array of feed ids
    messages: int
    sentiment: float | None
    negative: int | None
    positive: int | None
    addressed: int | None
    answered: int | None


@dataclass(slots=True)
class ResponseRow:
    """A message by someone else that counts for the response time, with its feed."""

    id: int
    published: str
    answered_at: str | None
    feed: str
    feed_url: str
    answered_by: str | None  # who wrote our first answer (the name it was posted under)


@dataclass(slots=True)
class ConversationLabel:
    """How the CLI names a conversation it acts on: its id, title and feed (the feed's name, else its URL)."""

    id: int
    title: str
    feed: str
