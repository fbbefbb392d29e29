"""Marking many conversations in the inbox (space, v, *) and acting on them at once (d, m, a, s), driven with Pilot."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from cmtui.store import iso
from cmtui.ui.screens.snooze import SnoozeScreen
from cmtui.ui.widgets.inbox_table import PICKED, conversation_of

from .conftest import FIXED, SIZE, Demo
from .test_app import expected_ids, notifications, row_ids, screen_text, settle, state, table


async def test_mark_three_then_done_then_undo(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        assert len(ids) > 4
        await pilot.press("space", "space", "space")
        await settle(pilot)
        assert table(app).marked == set(ids[:3])
        assert table(app).current_id == ids[3]  # space moves on to the next row
        assert screen_text(app).count(PICKED) == 3
        await pilot.press("space")  # a fourth, then unmarked again
        await pilot.press("k", "space")
        assert table(app).marked == set(ids[:3])
        await pilot.press("d")
        await settle(pilot)
        assert not set(ids[:3]) & set(row_ids(app))
        assert row_ids(app) == ids[3:]
        assert all(state(demo, i).done_at is not None for i in ids[:3])
        assert "Done 3 conversations · u to undo" in notifications(app)
        assert not table(app).marked and PICKED not in screen_text(app)
        await pilot.press("u")  # one undo takes back the whole batch
        await settle(pilot)
        assert row_ids(app) == ids
        assert all(state(demo, i).done_at is None for i in ids[:3])


async def test_star_marks_the_view_then_mute(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("asterisk")
        await settle(pilot)
        assert table(app).marked == set(ids)
        await pilot.press("asterisk")  # again: clears
        assert not table(app).marked
        await pilot.press("asterisk", "m")
        await settle(pilot)
        assert row_ids(app) == []
        assert all(state(demo, i).muted for i in ids)
        assert f"Muted {len(ids)} conversations · u to undo" in notifications(app)
        app.show_view("muted")
        await settle(pilot)
        assert sorted(row_ids(app)) == sorted(ids)


async def test_escape_clears_the_marks_then_d_acts_on_one_row(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("space", "space", "escape")
        await settle(pilot)
        assert not table(app).marked
        assert PICKED not in screen_text(app)
        assert app.inbox.filters.view == "needs_reply"  # escape took the marks only
        await pilot.press("d")  # no marks: d is done on the highlighted row (the third)
        await settle(pilot)
        assert row_ids(app) == [i for i in ids if i != ids[2]]


async def test_marked_rows_assigned_at_once(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("space", "space", "a")
        await settle(pilot)
        assigned = {i: state(demo, i).assigned_to for i in ids[:3]}
        assert assigned[ids[0]] and assigned[ids[0]] == assigned[ids[1]] and assigned[ids[2]] is None
        await pilot.press("u")
        await settle(pilot)
        assert state(demo, ids[0]).assigned_to is None and state(demo, ids[1]).assigned_to is None


async def test_marked_rows_snoozed_at_once_and_kept_when_the_modal_is_closed(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("space", "space", "s")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("escape")  # closed without a time: the marks stay
        await settle(pilot)
        assert table(app).marked == set(ids[:2])
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("1")  # in 1 hour
        await settle(pilot)
        assert row_ids(app) == ids[2:]
        assert all(state(demo, i).snoozed_until == iso(FIXED + timedelta(hours=1)) for i in ids[:2])
        assert "Snoozed 2 conversations · u to undo" in notifications(app)
        assert not table(app).marked


# -- v: a range ---------------------------------------------------------------------------


async def test_v_marks_the_rows_between_the_anchor_and_the_cursor(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("j", "v")  # the anchor: the second row, marked at once
        await settle(pilot)
        assert table(app).marked == {ids[1]}
        await pilot.press("j", "j", "j")
        await settle(pilot)
        assert table(app).marked == set(ids[1:5])
        await pilot.press("k")  # back towards the anchor: the row left is unmarked
        await settle(pilot)
        assert table(app).marked == set(ids[1:4])
        assert screen_text(app).count(PICKED) == 3 and "3 marked" in screen_text(app)
        await pilot.press("v")  # ends the range; the marks stay while the cursor moves on
        await settle(pilot)
        assert "Marked 3 conversations · d s m a l act on them all · escape clears" in notifications(app)
        await pilot.press("j", "j")
        await settle(pilot)
        assert table(app).marked == set(ids[1:4])
        await pilot.press("d")  # the bulk actions take them as they take space's marks
        await settle(pilot)
        assert row_ids(app) == [ids[0], *ids[4:]]
        assert all(state(demo, i).done_at is not None for i in ids[1:4])
        assert "Done 3 conversations · u to undo" in notifications(app)
        await pilot.press("u")
        await settle(pilot)
        assert row_ids(app) == ids and all(state(demo, i).done_at is None for i in ids[1:4])


async def test_v_upwards_adds_to_the_marks_and_escape_ends_it_keeping_them(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("space")  # the first row, then on to the second
        await pilot.press("j", "j", "j", "v", "k", "k")  # from the fifth row up to the third
        await settle(pilot)
        assert table(app).marked == {ids[0], ids[2], ids[3], ids[4]}
        await pilot.press("escape")  # ends the range, keeps the marks
        await settle(pilot)
        assert table(app).range_start is None
        assert table(app).marked == {ids[0], ids[2], ids[3], ids[4]}
        await pilot.press("k")
        await settle(pilot)
        assert table(app).marked == {ids[0], ids[2], ids[3], ids[4]}
        await pilot.press("escape")  # then clears them
        await settle(pilot)
        assert not table(app).marked and PICKED not in screen_text(app)


async def test_v_to_the_end_of_a_long_list_then_mute(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """G during a range marks every row down to the last, beyond the table's window of rows."""
    import cmtui.ui.widgets.inbox_table as inbox_table

    monkeypatch.setattr(inbox_table, "WINDOW", 6)
    monkeypatch.setattr(inbox_table, "EDGE", 2)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        assert len(ids) > 6
        await pilot.press("j", "j", "v", "G")
        await settle(pilot)
        assert table(app).marked == set(ids[2:])
        await pilot.press("v", "m")
        await settle(pilot)
        assert row_ids(app) == ids[:2]
        assert all(state(demo, i).muted for i in ids[2:])


async def test_v_by_message_marks_the_conversations_of_the_rows(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        rows = table(app).items
        conversations = list(dict.fromkeys(conversation_of(r).id for r in rows))
        await pilot.press("v", "j", "j")  # the first row (one conversation), then two of the next one's four
        await settle(pilot)
        assert table(app).marked == set(conversations[:2])
        assert [i.id for i in table(app).marked_items] == conversations[:2]
        await pilot.press("v", "a")
        await settle(pilot)
        assert all(state(demo, i).assigned_to for i in conversations[:2])
        assert not state(demo, conversations[2]).assigned_to


# -- *: the whole view, not only the rows read so far ---------------------------------------


def slow_rest(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The inbox shows 3 conversations first and reads the rest only once the returned event is set."""
    import cmtui.ui.screens.inbox as inbox_screen

    monkeypatch.setattr(inbox_screen, "FIRST_PAGE", 3)
    read, release = inbox_screen.read_all, threading.Event()

    def waiting(*args: Any) -> list[Any]:
        assert release.wait(30)
        return read(*args)

    monkeypatch.setattr(inbox_screen, "read_all", waiting)
    return release


async def test_star_marks_every_conversation_of_the_view_not_only_those_read(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    release = slow_rest(monkeypatch)
    expected = expected_ids(demo)
    assert len(expected) > 3
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):  # the first page is shown; the rest waits
            await pilot.pause(0.05)
            if row_ids(app):
                break
        assert row_ids(app) == expected[:3]
        await pilot.press("asterisk")
        await pilot.pause()
        assert f"Marking all {len(expected)} conversations of the view" in notifications(app)[-1]
        release.set()
        await settle(pilot)
        assert row_ids(app) == expected
        assert table(app).marked == set(expected)
        assert f"Marked {len(expected)} conversations · d s m a l act on them all" in notifications(app)[-1]
        assert f"{len(expected)} marked" in screen_text(app)
        await pilot.press("d")
        await settle(pilot)
        assert row_ids(app) == [] and all(state(demo, i).done_at is not None for i in expected)
        assert f"Done {len(expected)} conversations · u to undo" in notifications(app)


async def test_star_of_a_search_marks_what_it_finds_beyond_the_first_page(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    found = expected_ids(demo, search="burr")
    assert len(found) > 3
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        release = slow_rest(monkeypatch)
        app.inbox.set_filters(search="burr")
        for _ in range(100):
            await pilot.pause(0.05)
            if app.inbox.filters.search and row_ids(app) == found[:3]:
                break
        await pilot.press("asterisk")
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert table(app).marked == set(found)
        await pilot.press("asterisk")  # again: clears
        await settle(pilot)
        assert not table(app).marked and "Marks cleared" in notifications(app)


async def test_star_by_message_marks_every_waiting_conversation(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = expected_ids(demo)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        release = slow_rest(monkeypatch)
        await pilot.press("T")
        for _ in range(100):
            await pilot.pause(0.05)
            if table(app).by_message and table(app).items:
                break
        await pilot.press("asterisk")
        await pilot.pause()
        release.set()
        await settle(pilot)
        assert table(app).marked == set(expected)
        assert [i.id for i in table(app).marked_items] == expected
