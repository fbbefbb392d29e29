"""The needs-reply rule on hand-built conversations."""

from __future__ import annotations

from cmtui.threads import Msg, unanswered


def msg(id: int, t: int, *, parent: int | None = None, ours: bool = False, post: bool = False,  # noqa: A002
        explicit: bool = False) -> Msg:
    return Msg(id, parent, ours, post, explicit or parent is not None, f"2026-11-0{t}T00:00:00Z", "x")


def ids(messages: list[Msg], kind: str = "blog") -> list[int]:
    return [m.id for m in unanswered(messages, kind)]


def test_someone_elses_blog_post_is_context_but_its_comments_wait() -> None:
    assert ids([msg(1, 1, post=True), msg(2, 2)]) == [2]


def test_forum_and_mentions_opening_posts_wait() -> None:
    assert ids([msg(1, 1, post=True)], "forum") == [1]
    assert ids([msg(1, 1, post=True)], "mentions") == [1]
    assert ids([msg(1, 1, post=True), msg(2, 2, ours=True)], "forum") == []


def test_our_posts_do_not_wait() -> None:
    assert ids([msg(1, 1, post=True, ours=True)], "forum") == []


def test_answering_one_commenter_does_not_answer_another() -> None:
    conv = [msg(1, 1, post=True), msg(2, 2, parent=1), msg(3, 3, parent=1), msg(4, 4, parent=2, ours=True)]
    assert ids(conv) == [3]


def test_customer_wrote_again_after_our_reply() -> None:
    conv = [msg(1, 1, post=True), msg(2, 2, parent=1), msg(3, 3, parent=2, ours=True), msg(4, 4, parent=3)]
    assert ids(conv) == [4]


def test_reply_deep_in_a_thread_answers_the_whole_thread_before_it() -> None:
    conv = [msg(1, 1, post=True), msg(2, 2, parent=1), msg(3, 3, parent=2), msg(5, 5, parent=3, ours=True)]
    assert ids(conv) == []


def test_flat_conversation_is_one_thread() -> None:
    conv = [msg(1, 1, post=True), msg(2, 2), msg(3, 3), msg(4, 4, ours=True), msg(5, 5)]
    assert ids(conv) == [5]


def test_our_reply_before_a_message_does_not_answer_it() -> None:
    conv = [msg(1, 1, post=True), msg(2, 2, ours=True), msg(3, 3)]
    assert ids(conv) == [3]


def test_parent_cycles_do_not_hang() -> None:
    conv = [msg(1, 1, post=True), msg(2, 2, parent=3), msg(3, 3, parent=2)]
    assert ids(conv) == [2, 3]
