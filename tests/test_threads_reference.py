"""`threads.analyse` against a straightforward reading of the rule, on random conversations big and small
(threads, flat ones, parent cycles, unknown parents, several posts, equal timestamps), and its cost on a big one."""

from __future__ import annotations

import random
import time

import pytest

from cmtui.threads import Msg, Status, analyse


def reference(messages: list[Msg], kind: str) -> list[Status]:
    """The rule word for word, one message at a time (quadratic: for checking only)."""
    ordered = sorted(messages, key=lambda m: (m.published, m.id))
    by_id = {m.id: m for m in ordered}
    threaded = any(m.explicit_parent for m in ordered if not m.is_post)

    def thread(m: Msg) -> int | None:
        if m.is_post or not threaded:
            return None
        walked: set[int] = set()
        while m.parent_id in by_id and m.parent_id not in walked and not by_id[m.parent_id].is_post:
            walked.add(m.id)
            m = by_id[m.parent_id]
        return m.id

    top = {m.id: thread(m) for m in ordered}
    out = []
    for i, m in enumerate(ordered):
        if m.is_ours or (m.is_post and kind not in ("forum", "mentions")):
            continue
        same = [(j, o) for j, o in enumerate(ordered) if m.is_post or top[o.id] == top[m.id]]
        before = [o for j, o in same if j < i]
        after = [o for j, o in same if j > i]
        ours_after = [o.published for o in after if o.is_ours]
        follow_up = False
        for k, o in enumerate(before):
            if o.author == m.author and m.author and not o.is_ours and any(p.is_ours for p in before[k + 1:]):
                follow_up = True
        out.append(Status(m, ours_after[0] if ours_after else None, any(o.is_ours for o in before), follow_up,
                          not after))
    return out


def random_conversation(rng: random.Random, n: int) -> list[Msg]:
    posts = rng.choice([0, 1, 1, 1, 2])
    threaded = rng.random() < 0.8
    out = []
    for i in range(1, n + 1):
        is_post = i <= posts
        parent: int | None = None
        if not is_post and threaded:
            roll = rng.random()
            if roll < 0.25:
                parent = rng.randint(1, max(1, posts))  # the post (or an unknown id when there is none)
            elif roll < 0.9:
                parent = rng.randint(1, n)  # any message, later ones too: cycles happen
            elif roll < 0.95:
                parent = n + rng.randint(1, 5)  # a parent that is not in the conversation
        explicit = parent is not None and rng.random() < 0.9
        day = rng.randint(1, max(1, n // 3))  # equal timestamps: the id breaks the tie
        author = rng.choice(["", "ann", "bob", "cy", "dee", "eve"])
        out.append(Msg(i, parent, rng.random() < 0.2, is_post, explicit, f"2026-11-{day:04d}", "x", author))
    rng.shuffle(out)
    return out


def test_small_random_conversations_match_the_reference() -> None:
    rng = random.Random(15)
    for _ in range(3000):
        conv = random_conversation(rng, rng.randint(1, 14))
        for kind in ("blog", "forum", "mentions"):
            assert analyse(conv, kind) == reference(conv, kind), (conv, kind)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_big_random_conversation_matches_the_reference(seed: int) -> None:
    conv = random_conversation(random.Random(seed), 1500)
    assert analyse(conv, "forum") == reference(conv, "forum")


def test_a_long_reply_chain_and_a_long_cycle() -> None:
    chain = [Msg(1, None, False, True, False, "0000", "x")]
    chain += [Msg(i, i - 1, i % 7 == 0, False, True, f"{i:04d}", "x", f"p{i % 3}") for i in range(2, 1201)]
    assert analyse(chain, "blog") == reference(chain, "blog")
    cycle = [Msg(i, i % 1200 + 1, i % 5 == 0, False, True, f"{i:04d}", "x") for i in range(1, 1201)]
    assert analyse(cycle, "blog") == reference(cycle, "blog")


def test_a_big_flat_conversation_is_analysed_in_linear_time() -> None:
    """20,000 comments in one thread: under two seconds (the one-message-at-a-time walk took ~40 s)."""
    rng = random.Random(6)
    conv = [Msg(1, None, False, True, False, "2026-11-01T00:00:00Z", "x")]
    conv += [Msg(i, None, rng.random() < 0.05, False, False, f"2026-11-02T{i:08d}", "x", f"p{rng.randrange(500)}")
             for i in range(2, 20_002)]
    started = time.perf_counter()
    statuses = analyse(conv, "blog")
    assert time.perf_counter() - started < 2
    assert len(statuses) == sum(1 for m in conv[1:] if not m.is_ours)
