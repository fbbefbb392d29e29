"""A team in one store: who is replying where, drafts per person, and what a teammate posted meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cmtui.store import Store, iso

NOW = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def conversation(store: Store) -> int:
    feed = store.ensure_feed("http://f.example/a.rss")
    return int(store._run("INSERT INTO conversations(feed_id, title, kind, created_at) VALUES (?, 't', 'blog', ?) "
                          "RETURNING id", [feed.id, iso(NOW)]).fetchone()[0])


def test_a_teammate_replying_is_seen_by_the_others_until_they_close_or_go_quiet(db: Path | str) -> None:
    with Store.open(db) as store:
        conv, other = conversation(store), conversation(store)
        store.start_replying(conv, "maya", now=NOW)
        assert store.replying([conv, other], besides="ravi", now=NOW) == {conv: ["maya"]}
        assert store.replying([conv], besides="Maya", now=NOW) == {}  # not myself
        store.start_replying(conv, "ravi", now=NOW + timedelta(seconds=5))
        assert store.replying([conv], besides="sam", now=NOW + timedelta(seconds=10)) == {conv: ["maya", "ravi"]}
        store.start_replying(conv, "ravi", now=NOW + timedelta(seconds=80))  # ravi's heartbeat; maya's stopped
        assert store.replying([conv], besides="sam", now=NOW + timedelta(seconds=120)) == {conv: ["ravi"]}
        store.stop_replying(conv, "ravi")
        assert store.replying([conv], besides="sam", now=NOW + timedelta(seconds=120)) == {}


def test_drafts_are_per_person_and_old_drafts_belong_to_whoever_opens_them(db: Path | str) -> None:
    with Store.open(db) as store:
        conv = conversation(store)
        old = store.save_draft(conv, None, "from before the team")
        mine = store.draft_for(conv, None, "maya")
        assert mine is not None and mine.id == old  # a draft of nobody's is anyone's
        assert store.save_draft(conv, None, "ravi writes", "ravi") == old  # the first to write to it takes it
        mayas = store.save_draft(conv, None, "maya writes", "maya")
        assert mayas != old
        found = store.draft_for(conv, None, "ravi")
        assert found is not None and (found.id, found.body, found.author) == (old, "ravi writes", "ravi")
        found = store.draft_for(conv, None, "maya")
        assert found is not None and (found.id, found.body) == (mayas, "maya writes")
        assert [d.body for d in store.open_drafts("ravi")] == ["ravi writes"]
        assert len(store.open_drafts()) == 2


def test_a_reply_by_a_teammate_after_my_editor_opened_is_told(db: Path | str) -> None:
    with Store.open(db) as store:
        conv = conversation(store)
        feed = store.ensure_feed("http://f.example/a.rss")
        opened = iso(datetime.now(UTC) - timedelta(seconds=1))
        assert store.replied_since(conv, opened, besides="ravi") == []
        draft = store.save_draft(conv, None, "on it", "maya")
        store.set_draft_state(draft, "pending")  # maya handed hers off to the site
        assert store.replied_since(conv, opened, besides="ravi") == ["maya"]
        assert store.replied_since(conv, opened, besides="maya") == []  # not my own
        store.add_our_message(conv, parent_id=None, author="Acme", text="Fixed", html="", url=None, url_key=None,
                              uid="posted:1", feed_id=feed.id)
        assert store.replied_since(conv, opened, besides="maya") == ["someone"]
