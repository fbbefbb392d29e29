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
    author: str = ""  # normalised


@dataclass(frozen=True)
class Status:
    """Where one message by someone else stands."""

    msg: Msg
    answered_at: str | None  # when our first later message in its thread was published; None: waiting
    after_our_reply: bool  # a message of ours came before it in its thread
    follow_up: bool  # its author wrote earlier in this thread and we answered that
    last_word: bool  # nobody wrote after it in its thread


def analyse(messages: list[Msg], kind: str) -> list[Status]:
    """Every message by someone else that asks for our attention, with its answer state, oldest first."""
    ordered = sorted(messages, key=lambda m: (m.published, m.id))
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

    threads = {m.id: thread(m) for m in ordered}
    result: list[Status] = []
    for i, m in enumerate(ordered):
        if m.is_ours or (m.is_post and kind not in ("forum", "mentions")):
            continue
        # The opening post of a forum topic is answered by our reply anywhere in the topic.
        same = (lambda o: True) if m.is_post else (lambda o, t=threads[m.id]: threads[o.id] == t)  # noqa: E731
        later = [o for o in ordered[i + 1:] if same(o)]
        earlier = [o for o in ordered[:i] if same(o)]
        answer = next((o for o in later if o.is_ours), None)
        ours_before = [j for j, o in enumerate(earlier) if o.is_ours]
        follow_up = bool(m.author) and any(
            o.author == m.author and not o.is_ours and any(j > k for j in ours_before)
            for k, o in enumerate(earlier)
        )
        result.append(Status(msg=m, answered_at=answer.published if answer else None,
                             after_our_reply=bool(ours_before), follow_up=follow_up, last_word=not later))
    return result


def unanswered(messages: list[Msg], kind: str) -> list[Msg]:
    """The messages by others that no message of ours answers, oldest first."""
    return [s.msg for s in analyse(messages, kind) if s.answered_at is None]
