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
    """Every message by someone else that asks for our attention, with its answer state, oldest first.

    Linear after the sort: each thread is walked once, in time order and backwards (a conversation of 10,000
    comments is analysed in milliseconds), and no walk recurses (a reply chain can be as deep as the
    conversation is long)."""
    ordered = sorted(messages, key=lambda m: (m.published, m.id))
    by_id = {m.id: m for m in ordered}
    threaded = any(m.explicit_parent for m in ordered if not m.is_post)
    tops = _thread_tops(by_id) if threaded else {}

    def group(m: Msg) -> int | None:
        """The thread of `m`: its top-level comment (None: the posts, or a flat conversation)."""
        m = by_id[m.id]
        return None if m.is_post or not threaded else tops[m.id]

    waits = [not m.is_ours and (not m.is_post or kind in ("forum", "mentions")) for m in ordered]
    # The opening post of a forum topic is answered by our reply anywhere in the topic: its "thread" is the
    # whole conversation, every other message's is its own thread.
    members: dict[int | None, list[int]] = {}
    for i, m in enumerate(ordered):
        members.setdefault(group(m), []).append(i)
    statuses: dict[int, Status] = {}
    everything = list(range(len(ordered)))
    if any(waits[i] and ordered[i].is_post for i in everything):
        _walk_thread(ordered, everything, [waits[i] and ordered[i].is_post for i in everything], statuses)
    for positions in members.values():
        _walk_thread(ordered, positions, [waits[i] and not ordered[i].is_post for i in positions], statuses)
    return [statuses[i] for i in sorted(statuses)]


def _walk_thread(ordered: list[Msg], positions: list[int], wanted: list[bool], out: dict[int, Status]) -> None:
    """The Status of each message of one thread (`positions` into `ordered`, in time order) flagged in
    `wanted`, into `out` by position."""
    answers: list[str | None] = [None] * len(positions)
    answer: str | None = None
    for k in range(len(positions) - 1, -1, -1):  # backwards: our first message after each one
        answers[k] = answer
        if ordered[positions[k]].is_ours:
            answer = ordered[positions[k]].published
    ours_before = False
    answered_authors: set[str] = set()  # authors of others' messages that a message of ours came after
    since_ours: set[str] = set()  # authors of others' messages since our last message
    for k, i in enumerate(positions):
        m = ordered[i]
        if wanted[k]:
            out[i] = Status(msg=m, answered_at=answers[k], after_our_reply=ours_before,
                            follow_up=bool(m.author) and m.author in answered_authors,
                            last_word=k == len(positions) - 1)
        if m.is_ours:
            ours_before = True
            answered_authors |= since_ours
            since_ours.clear()
        else:
            since_ours.add(m.author)


def _thread_tops(by_id: dict[int, Msg]) -> dict[int, int]:
    """For each message that is not a post, the top-level comment it hangs under: its ancestor whose parent
    is a post, unknown or missing. In a parent cycle the walk stops before it would come back to a message it
    walked through, as the rule's one-message-at-a-time walk does: each message in the cycle hangs under the
    one that names it as parent, and messages leading into the cycle under the one that names their entry.
    Iterative, each message visited once."""
    tops: dict[int, int] = {}
    on_path: dict[int, int] = {}  # message id -> index in `path`, for the walk in progress
    for start in by_id.values():
        if start.is_post or start.id in tops:
            continue
        path: list[int] = []
        m = start
        while True:
            on_path[m.id] = len(path)
            path.append(m.id)
            parent = by_id.get(m.parent_id) if m.parent_id is not None else None
            if parent is None or parent.is_post:
                top = m.id
                break
            if parent.id in tops:
                top = tops[parent.id]
                break
            if parent.id in on_path:  # a cycle: path[entry:] with path[-1]'s parent = path[entry]
                entry = on_path[parent.id]
                for j in range(entry + 1, len(path)):
                    tops[path[j]] = path[j - 1]
                top = tops[path[entry]] = path[-1]
                path = path[:entry]
                break
            m = parent
        for mid in path:
            tops[mid] = top
        on_path.clear()
    return tops


def unanswered(messages: list[Msg], kind: str) -> list[Msg]:
    """The messages by others that no message of ours answers, oldest first."""
    return [s.msg for s in analyse(messages, kind) if s.answered_at is None]
