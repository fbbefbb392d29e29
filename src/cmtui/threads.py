"""The needs-reply rule, as a pure function over one conversation's messages.

Posts by us are ours. On forums and mentions feeds the opening post by someone else is itself
a message waiting for us; on blogs someone else's post is context and its comments are the
messages. A message by someone else is answered when a message of ours comes after it in the
same thread; a thread is the subtree under one top-level comment (a direct reply to the post),
and a conversation without threading information is a single thread.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Msg:
    id: int
    parent_id: int | None
    is_ours: bool
    is_post: bool
    explicit_parent: bool
    published: str  # ISO 8601 UTC: sorts as text
    seen_at: str


def unanswered(messages: list[Msg], kind: str) -> list[Msg]:
    """The messages by others that no message of ours answers, oldest first."""
    ordered = sorted(messages, key=lambda m: (m.published, m.id))
    position = {m.id: i for i, m in enumerate(ordered)}
    by_id = {m.id: m for m in ordered}
    threaded = any(m.explicit_parent for m in ordered if not m.is_post)

    def thread(m: Msg) -> int | None:
        """The top-level comment that `m` hangs under (None: the post itself, or a flat conversation)."""
        if m.is_post or not threaded:
            return None
        seen: set[int] = set()
        while m.parent_id is not None and m.parent_id in by_id and m.parent_id not in seen:
            parent = by_id[m.parent_id]
            if parent.is_post:
                break
            seen.add(m.id)
            m = parent
        return m.id

    last_ours_in: dict[int | None, int] = {}
    last_ours_anywhere = -1
    for m in ordered:
        if m.is_ours:
            last_ours_in[thread(m)] = position[m.id]
            last_ours_anywhere = position[m.id]

    waiting: list[Msg] = []
    for m in ordered:
        if m.is_ours:
            continue
        if m.is_post:
            if kind in ("forum", "mentions") and last_ours_anywhere < position[m.id]:
                waiting.append(m)
            continue
        if last_ours_in.get(thread(m), -1) < position[m.id]:
            waiting.append(m)
    return waiting
