"""Marking many conversations in the inbox (space, *) and acting on them at once (d, m, a, s), driven with Pilot."""

from __future__ import annotations

from datetime import timedelta

from cmtui.store import iso
from cmtui.ui.screens.snooze import SnoozeScreen
from cmtui.ui.widgets.inbox_table import PICKED

from .conftest import FIXED, SIZE, Demo
from .test_app import notifications, row_ids, screen_text, settle, state, table


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
