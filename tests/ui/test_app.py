"""The app driven with Pilot on the demo sites: navigation, actions, filters, sync, palette, live refresh, keymap."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Input, Static
from textual.worker import WorkerState

from cmtui import triage
from cmtui.store import Store, iso
from cmtui.ui import drafting
from cmtui.ui.app import CmtuiApp
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.feeds import FeedsScreen
from cmtui.ui.screens.help import HelpScreen
from cmtui.ui.screens.inbox import SEARCH_DELAY, InboxScreen
from cmtui.ui.screens.snooze import SnoozeScreen
from cmtui.ui.widgets.filter_bar import FilterBar
from cmtui.ui.widgets.inbox_table import InboxTable
from cmtui.ui.widgets.thread_view import MessageCard, ThreadView

from .conftest import FIXED, MOKA_TOPIC, SIZE, Demo, write_config


def table(app: CmtuiApp) -> InboxTable:
    return app.inbox.query_one(InboxTable)


def row_ids(app: CmtuiApp) -> list[int]:
    return [item.id for item in table(app).items]


def screen_text(app: CmtuiApp) -> str:
    """What the terminal shows, as plain text (from the SVG screenshot)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def notifications(app: CmtuiApp) -> list[str]:
    return [n.message for n in app._notifications]  # noqa: SLF001 - no public accessor


def expected_ids(demo: Demo, **kwargs: object) -> list[int]:
    store = Store.open(demo.db_path)
    try:
        return [i.id for i in triage.inbox(store, demo.config, now=FIXED, **kwargs)]  # type: ignore[arg-type]
    finally:
        store.close()


def state(demo: Demo, conversation_id: int) -> triage.InboxItem:
    store = Store.open(demo.db_path)
    try:
        items = triage.inbox(store, demo.config, view="all", now=FIXED)
    finally:
        store.close()
    return next(i for i in items if i.id == conversation_id)


async def settle(pilot: Pilot[None], times: int = 2) -> None:
    """Messages handled and the workers they start (inbox reads, previews, a conversation, drafts) finished,
    `times` rounds over."""
    for _ in range(times):
        await pilot.pause()
        await workers_done(pilot)
    await pilot.pause()


async def workers_done(pilot: Pilot[None], limit: float = 30.0) -> None:
    """Every worker of the app has ended (however it ended), and what they posted has been handled."""
    waited = 0.0
    while any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers):
        if waited > limit:
            raise TimeoutError([w.name for w in pilot.app.workers if w.is_running])
        await asyncio.sleep(0.01)
        waited += 0.01
    await pilot.pause()


async def searched(pilot: Pilot[None]) -> None:
    """Typing paused long enough for the search to start (SEARCH_DELAY), and its worker is done."""
    await pilot.pause(SEARCH_DELAY + 0.05)
    await workers_done(pilot)
    await settle(pilot)


async def run_command(pilot: Pilot[None], words: str) -> None:
    """ctrl+p, type `words`, wait for the palette's search, enter the first hit."""
    await pilot.press("ctrl+p")
    await settle(pilot)
    await pilot.press(*words)
    await pilot.pause(0.5)
    await pilot.press("enter")
    await settle(pilot, 3)


# -- the inbox -------------------------------------------------------------------------


async def test_inbox_lists_what_needs_a_reply_most_urgent_first(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert row_ids(app) == expected_ids(demo)
        assert len(row_ids(app)) >= 10
        assert app.sub_title.startswith(f"{len(row_ids(app))} waiting · 4 feeds")
        first = table(app).items[0]
        cells = [c.plain for c in table(app).get_row(str(first.id))]
        assert cells[0] == "●"
        assert first.title[:20] in cells[1]
        assert first.latest.author.startswith(cells[3].rstrip("…"))  # cut to the column's width
        text = screen_text(app)
        assert "Needs reply" in text and "Latest unanswered message" in text
        assert first.latest.author in text


async def test_navigation_and_opening_a_conversation(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        t = table(app)
        ids = row_ids(app)
        assert t.cursor_row == 0
        await pilot.press("j", "j")
        assert t.cursor_row == 2
        await pilot.press("k")
        assert t.cursor_row == 1
        await pilot.press("G")
        assert t.cursor_row == len(ids) - 1
        await pilot.press("g")
        assert t.cursor_row == 0
        await pilot.press("down", "down", "up")
        assert t.cursor_row == 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert app.screen.conversation_id == ids[1]
        cards = app.screen.query_one(ThreadView).cards
        assert cards and cards[0].message.is_post or cards[0].message.depth == 0
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert table(app).current_id == ids[1]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("q")  # q goes back from a conversation, it does not quit
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert app.is_running


async def test_preview_follows_the_cursor(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        item = table(app).current
        assert item is not None
        body = app.inbox.query_one("#preview-body", Static)
        assert item.latest.author in str(body.render())


async def test_done_then_undo(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("j")
        target = ids[1]
        await pilot.press("d")
        await settle(pilot)
        assert target not in row_ids(app)
        assert table(app).current_id == ids[2]  # the cursor stays where it was: on the next conversation
        done = state(demo, target)
        assert done.done_at is not None and not done.needs_reply
        assert any("Done:" in n for n in notifications(app))
        await pilot.press("u")
        await settle(pilot)
        assert row_ids(app) == ids
        assert table(app).current_id == target
        assert state(demo, target).done_at is None


async def test_a_later_message_reopens_a_done_conversation(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        moka = next(i for i in table(app).items if i.title == "Which setting for a moka pot?")
        table(app).move_cursor(row=row_ids(app).index(moka.id))
        await pilot.press("d")
        await settle(pilot)
        assert moka.id not in row_ids(app)
        demo.add_forum_post(MOKA_TOPIC, "moka_mike", "Still no answer from Acme on this one?", post_id=9001)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        assert moka.id in row_ids(app)


def test_a_muted_conversation_comes_back_only_for_a_message_that_names_us(demo: Demo) -> None:
    store = demo.store()
    moka = next(i for i in triage.inbox(store, demo.config, now=FIXED) if i.title == "Which setting for a moka pot?")
    with store.transaction():
        store.mute(moka.id)
    store.close()
    assert moka.id not in expected_ids(demo)
    demo.add_forum_post(MOKA_TOPIC, "moka_mike", "Still no answer on this one?", post_id=9001, minutes_ago=4)
    demo.sync()
    assert moka.id not in expected_ids(demo)  # muted: a new message does not bring it back
    demo.add_forum_post(MOKA_TOPIC, "moka_mike", "@Acme Support can you settle this?", post_id=9002, minutes_ago=3)
    demo.sync()
    assert moka.id in expected_ids(demo)  # except one that names us
    assert state(demo, moka.id).muted


async def test_snooze_with_the_modal(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = row_ids(app)[:2]
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("1")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert first not in row_ids(app)
        assert state(demo, first).snoozed_until == iso(FIXED + timedelta(hours=1))
        # tomorrow 9:00 local (the tests run in UTC)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert second not in row_ids(app)
        assert state(demo, second).snoozed_until == "2026-11-21T09:00:00Z"
        # both show in the snoozed view; escape in the modal cancels
        app.show_view("snoozed")
        await settle(pilot)
        assert set(row_ids(app)) == {first, second}
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert set(row_ids(app)) == {first, second}
        await pilot.press("u")  # undo the second snooze
        await settle(pilot)
        assert state(demo, second).snoozed_until is None
        assert row_ids(app) == [first]
        await pilot.press("s")  # a snoozed conversation can be woken up from the modal
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert state(demo, first).snoozed_until is None
        assert row_ids(app) == []
        app.show_view("needs_reply")
        await settle(pilot)
        assert first in row_ids(app) and second in row_ids(app)
        await pilot.press("j")
        assert table(app).cursor_row == 1  # the table has the focus again after being empty


async def test_next_week_is_monday_nine(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = row_ids(app)[0]
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert state(demo, first).snoozed_until == "2026-11-23T09:00:00Z"  # FIXED is a Friday


async def test_mute_and_unmute(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = row_ids(app)[0]
        await pilot.press("m")
        await settle(pilot)
        assert first not in row_ids(app)
        assert state(demo, first).muted
        app.show_view("muted")
        await settle(pilot)
        assert row_ids(app) == [first]
        await pilot.press("m")
        await settle(pilot)
        assert not state(demo, first).muted


async def test_the_view_cycles_with_f(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        needs = row_ids(app)
        seen = []
        for _ in range(5):
            await pilot.press("f")
            await settle(pilot)
            seen.append(app.inbox.filters.view)
        assert seen == ["all", "done", "snoozed", "muted", "needs_reply"]
        assert row_ids(app) == needs
        await pilot.press("f")
        await settle(pilot)
        assert len(row_ids(app)) > len(needs)  # all: answered ones too
        assert row_ids(app) == expected_ids(demo, view="all")
        await pilot.press("escape")  # escape goes back to needs reply
        await settle(pilot)
        assert app.inbox.filters.view == "needs_reply"


async def test_search_narrows_the_rows(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        everything = row_ids(app)
        await pilot.press("slash")
        await settle(pilot)
        search = app.inbox.query_one("#search", Input)
        assert search.has_focus
        await pilot.press(*"refund")
        await searched(pilot)
        found = row_ids(app)
        assert found and len(found) < len(everything)
        assert found == expected_ids(demo, search="refund")
        assert "refund" in str(app.inbox.query_one(FilterBar).render())
        await pilot.press("enter")
        await settle(pilot)
        assert table(app).has_focus
        assert row_ids(app) == found
        await pilot.press("escape")
        await settle(pilot)
        assert row_ids(app) == everything
        assert not search.value


async def test_search_with_nothing_found_says_so(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"zzzqqq")
        await searched(pilot)
        assert row_ids(app) == []
        assert "Nothing matches “zzzqqq”" in screen_text(app)


async def test_tag_filter_cycles_with_t(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert app.inbox.filters.tag == "acme"
        assert row_ids(app) == expected_ids(demo, tag="acme")
        assert "#acme" in str(app.inbox.query_one(FilterBar).render())


# -- sync -------------------------------------------------------------------------------


async def test_sync_in_the_app_brings_new_messages(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = row_ids(app)
        url = demo.add_social_post("new_voice", "Does the #acmegrinder Burr One ship to Norway?",
                                   status_id=42, minutes_ago=2)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        assert not app.syncing
        new = [i for i in table(app).items if i.url == url]
        assert len(new) == 1 and new[0].id not in before
        assert any(n.startswith("Synced 4 feeds") and "1 new message" in n for n in notifications(app))
        assert "syncing" not in app.sub_title


async def test_sync_reports_failing_feeds_in_one_error(demo: Demo) -> None:
    demo.server.set("/forum/latest.rss", "not a feed <<<", content_type="text/html", status=500)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        errors = [n for n in app._notifications if n.severity == "error"]  # noqa: SLF001
        assert len(errors) == 1
        assert "Acme Community" in errors[0].message and "500" in errors[0].message


async def test_sync_refuses_while_another_sync_holds_the_store(demo: Demo) -> None:
    from cmtui.sync import sync_lock

    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        with sync_lock(demo.db_path):
            await pilot.press("R")
            await pilot.pause()
            await workers_done(pilot)
            await settle(pilot)
        assert any("Another sync is running" in n for n in notifications(app))
        assert not app.syncing


async def test_auto_sync_runs_on_its_interval(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path / "auto.toml", extra="")
    config = config._replace(ui=config.ui._replace(sync_every=0.01))  # every 0.6 s
    url = demo.add_social_post("auto_sync", "Hello #acmegrinder", status_id=77, minutes_ago=1)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(40):
            await pilot.pause(0.1)
            if any(i.url == url for i in table(app).items):
                break
        await workers_done(pilot)
        assert any(i.url == url for i in table(app).items)


# -- live refresh --------------------------------------------------------------------


async def test_a_write_from_another_connection_shows_up(demo: Demo) -> None:
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("j", "j", "j")
        keep = table(app).current_id
        await pilot.press("enter")  # a conversation is open: the refresh happens underneath
        await settle(pilot)
        other = Store.open(demo.db_path)
        try:
            with other.transaction():
                other.mark_done(ids[0])
        finally:
            other.close()
        for _ in range(20):
            await pilot.pause(0.1)
            if ids[0] not in row_ids(app):
                break
        assert ids[0] not in row_ids(app)
        assert isinstance(app.screen, ConversationScreen)  # undisturbed
        await pilot.press("escape")
        await settle(pilot)
        assert table(app).current_id == keep  # same conversation, not the same index


async def test_a_long_inbox_paints_its_first_page_then_loads_the_rest(demo: Demo,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The first page is read before the first paint, the rest right after; the cursor keeps a conversation
    that lies beyond the first page across a reload, and the markers rank rows over the whole list."""
    import cmtui.ui.screens.inbox as inbox_screen

    monkeypatch.setattr(inbox_screen, "FIRST_PAGE", 3)
    expected = expected_ids(demo)
    assert len(expected) > 6
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row_ids(app) == expected
        assert table(app).row_count == len(expected)
        assert app.waiting == len(expected)
        await pilot.press("G")
        deep = table(app).current_id
        assert deep == expected[-1]
        other = Store.open(demo.db_path)
        try:
            with other.transaction():
                other.mark_done(expected[0])  # a cron sync or another window: the inbox reloads
        finally:
            other.close()
        for _ in range(30):
            await pilot.pause(0.1)
            if expected[0] not in row_ids(app) and table(app).row_count == len(expected) - 1:
                break
        assert row_ids(app) == expected[1:]
        assert table(app).current_id == deep  # found again although it is not on the first page
        colours = [str(table(app).get_row_at(row)[0].style) for row in range(table(app).row_count)]
        assert colours[0] != colours[-1]  # the most urgent and the least urgent are marked differently


async def test_the_title_counts_what_waits_in_every_view(demo: Demo) -> None:
    waiting = len(expected_ids(demo))
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(5):  # all, done, snoozed, muted, back to needs reply
            await pilot.press("f")
            await settle(pilot)
            assert app.waiting == waiting, app.inbox.filters.view
            assert f"{waiting} waiting" in app.sub_title


async def test_a_deep_cursor_survives_a_change_between_the_first_page_and_the_rest(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store changes again after the first page was read and before the rest is: the whole list is shown
    anew, and the cursor still finds the conversation it was on, beyond the first page."""
    import cmtui.ui.screens.inbox as inbox_screen

    monkeypatch.setattr(inbox_screen, "FIRST_PAGE", 3)
    expected = expected_ids(demo)
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G")
        deep = table(app).current_id
        assert deep == expected[-1]
        read = inbox_screen.read_all
        armed = [True]

        def between(*args: Any) -> list[triage.InboxItem]:
            if armed:  # reading the rest: a write lands just before
                armed.clear()
                done(demo, expected[1])
            return read(*args)

        monkeypatch.setattr(inbox_screen, "read_all", between)
        done(demo, expected[0])
        for _ in range(30):
            await pilot.pause(0.1)
            if not armed and table(app).row_count == len(expected) - 2:
                break
        await settle(pilot)
        assert row_ids(app) == expected[2:]
        assert table(app).current_id == deep


def done(demo: Demo, conversation_id: int) -> None:
    """Mark a conversation done from another connection (another window, a script)."""
    other = Store.open(demo.db_path)
    try:
        with other.transaction():
            other.mark_done(conversation_id)
    finally:
        other.close()


async def test_a_long_inbox_is_a_window_of_rows_that_follows_the_cursor(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table holds a window of the list: G shows the last conversation of the whole list at once, and
    j/k/pagedown walk through all of it in order, the window following the cursor."""
    import cmtui.ui.widgets.inbox_table as inbox_table

    monkeypatch.setattr(inbox_table, "WINDOW", 6)
    monkeypatch.setattr(inbox_table, "EDGE", 2)
    expected = expected_ids(demo)
    assert len(expected) > 12
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row_ids(app) == expected and table(app).row_count == 6
        await pilot.press("G")
        assert table(app).current_id == expected[-1] and table(app).row_count == 6
        seen = [table(app).current_id]
        for _ in range(len(expected) - 1):
            await pilot.press("k")
            seen.append(table(app).current_id)
        assert seen == expected[::-1]
        assert table(app).absolute_row == 0 and table(app).window_start == 0
        for _ in range(len(expected) - 1):
            await pilot.press("j")
        assert table(app).current_id == expected[-1]
        await pilot.press("g")
        assert table(app).current_id == expected[0]
        await pilot.press("pagedown")
        assert table(app).current_id in expected[1:]
        colours = {str(table(app).get_row_at(row)[0].style) for row in range(table(app).row_count)}
        await pilot.press("G")
        assert colours != {str(table(app).get_row_at(row)[0].style) for row in range(table(app).row_count)}


# -- screens --------------------------------------------------------------------------


async def test_the_command_palette_opens_the_feeds_screen(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "show feeds")
        assert isinstance(app.screen, FeedsScreen)


async def test_the_palette_offers_no_developer_tools(demo: Demo) -> None:
    """Textual's screenshot, maximize and widget-help commands are for developers: the palette offers theme
    and quit of Textual's own, and cmtui's commands still run from it."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [c.title for c in app.get_system_commands(app.screen)] == ["Theme", "Quit"]
        await pilot.press("ctrl+p")
        await settle(pilot)
        offered = [str(option.prompt) for option in app.screen.query_one(CommandList).options]
        assert any("Quit" in o for o in offered) and any("feeds" in o.lower() for o in offered)
        assert not [o for o in offered if any(w in o for w in ("Screenshot", "Maximize", "Keys"))]
        await pilot.press("escape")
        await settle(pilot)
        await run_command(pilot, "show feeds")
        assert isinstance(app.screen, FeedsScreen)


async def test_the_palette_jumps_to_a_feed(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "jump to feed: acme recipes")
        assert isinstance(app.screen, InboxScreen)
        assert app.inbox.filters.feed_name == "Acme Recipes"
        assert row_ids(app) and {i.feed for i in table(app).items} == {"Acme Recipes"}
        await pilot.press("escape")
        await settle(pilot)
        assert app.inbox.filters.feed_id is None


async def test_feeds_screen_lists_every_feed_and_filters_the_inbox(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FeedsScreen)
        assert [f.name for f in screen.feeds] == ["Acme Blog", "Acme Recipes", "Acme Community",
                                                  "Mastodon #acmegrinder"]
        text = screen_text(app)
        assert "http://demo.test/acme-blog/feed/" in text and "all healthy" in text
        await pilot.press("j", "j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert {i.feed for i in table(app).items} == {"Acme Community"}


async def test_help_is_generated_from_the_bindings(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        body = str(app.screen.query_one("#help-body", Static).render())
        for binding_id in ("inbox.done", "inbox.undo", "inbox.snooze", "inbox.mute", "inbox.browser",
                           "inbox.reply", "inbox.view", "inbox.search", "inbox.open", "inbox.down", "app.sync",
                           "app.help", "app.feeds", "app.drafts", "app.palette", "inbox.assign", "inbox.unassign",
                           "inbox.brand", "inbox.mark", "inbox.mark_all"):
            assert binding_id in body
        assert "Assign to me" in body
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        body = str(app.screen.query_one("#help-body", Static).render())
        assert "conversation.back" in body and "conversation.next" in body and "inbox.done" not in body


async def test_o_opens_only_safe_urls(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafting, "browser_available", lambda: True)  # what a desktop has
    opened: list[str] = []
    app = demo.app()
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert opened == [table(app).items[0].url]
        assert opened[0].startswith("http://demo.test/")
        # a hostile URL is never handed to the browser
        store = demo.store()
        try:
            store.conn.execute("UPDATE conversations SET url = ? WHERE id = ?",
                               ["javascript:alert(1)", table(app).items[0].id])
        finally:
            store.close()
        app.refresh_inbox()
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert len(opened) == 1
        assert any("No web address" in n for n in notifications(app))


async def test_conversation_thread_marks_ours_unanswered_and_new(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        blog = next(i for i in table(app).items if i.title == "Introducing the Acme Burr One")
        app.open_conversation(blog.id)
        await settle(pilot)
        cards = app.screen.query(MessageCard)
        messages = [c.message for c in cards]
        assert messages[0].is_post and messages[0].depth == 0 and messages[0].is_ours
        assert "-ours" in cards[0].classes and "-post" in cards[0].classes
        assert all(m.depth >= 1 for m in messages[1:])
        assert sum(m.unanswered for m in messages) == blog.unanswered
        assert not any(m.new for m in messages)  # first time opened
        focused = app.screen.focused
        assert isinstance(focused, MessageCard) and focused.message.unanswered
        await pilot.press("j")
        assert app.screen.focused is not focused
        await pilot.press("escape")
        await settle(pilot)
        # a later message shows as new the next time
        item = next(i for i in table(app).items if i.kind == "mentions")
        app.open_conversation(item.id)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        store = demo.store()
        try:
            with store.transaction():
                store.conn.execute("UPDATE messages SET seen_at = '2999-01-01T00:00:00.000000Z' "
                                   "WHERE conversation_id = ?", [item.id])
        finally:
            store.close()
        app.open_conversation(item.id)
        await settle(pilot)
        assert all(c.message.new for c in app.screen.query(MessageCard))
        assert "new since you last looked" in screen_text(app)


async def test_done_from_the_conversation_goes_back(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = row_ids(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert first not in row_ids(app)


# -- hostile content ------------------------------------------------------------------


async def test_feed_text_is_shown_literally(demo: Demo) -> None:
    url = demo.add_social_post("mallory", "[red]pwned[/red] hello", status_id=666, title="[bold]x[/] \x1b[2J")
    demo.sync()
    store = demo.store()
    try:  # also what a parser could let through: escape sequences straight into the store
        conv = next(i for i in triage.inbox(store, demo.config, now=FIXED) if i.url == url)
        with store.transaction():
            store.conn.execute("UPDATE conversations SET title = ? WHERE id = ?",
                               ["[bold]x[/] \x1b[2J\x1b]0;owned\x07", conv.id])
            store.conn.execute("UPDATE messages SET author = ?, text = ? WHERE conversation_id = ?",
                               ["[blink]mallory[/] \x1b[31m",
                                "[red]pwned[/red] \x1b[2J hello [link=javascript:x]y[/link]", conv.id])
    finally:
        store.close()
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        table(app).move_cursor(row=ids.index(conv.id))
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text
        assert "[red]pwned[/red]" in text
        assert "[blink]mallory[/]" in text
        assert "\x1b" not in text and "owned" not in text.replace("pwned", "")
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]x[/]" in text and "[link=javascript:x]y[/link]" in text and "\x1b" not in text
        await pilot.press("s")
        await settle(pilot)
        assert "[bold]x[/]" in screen_text(app)


# -- config ----------------------------------------------------------------------------


async def test_keymap_from_the_config_remaps_keys(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path / "keys.toml", extra='\n[keymap]\n"inbox.done" = "x"\n"inbox.down" = "n"\n')
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("d")  # no longer bound
        await settle(pilot)
        assert row_ids(app) == ids
        await pilot.press("n")
        assert table(app).cursor_row == 1
        await pilot.press("x")
        await settle(pilot)
        assert ids[1] not in row_ids(app)
        await pilot.press("question_mark")
        await settle(pilot)
        body = str(app.screen.query_one("#help-body", Static).render())
        line = next(line for line in body.splitlines() if "inbox.done" in line)
        assert line.split()[0] == "x"


async def test_no_feeds_configured_explains_what_to_do(tmp_path: Path) -> None:
    config = write_config(tmp_path / "feeds.toml", feeds=[])
    from cmtui.ui.app import make_app

    app = make_app(config, tmp_path / "empty.db", now=FIXED)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "cmtui add URL" in text
        assert str(config.path) in text
        await pilot.press("R")
        await settle(pilot)
        assert any("No feeds to sync" in n for n in notifications(app))


async def test_inbox_zero(demo: Demo) -> None:
    waiting = expected_ids(demo)
    store = demo.store()
    try:
        with store.transaction():
            for conversation_id in waiting:
                store.mark_done(conversation_id)
    finally:
        store.close()
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row_ids(app) == []
        assert "Inbox zero: nothing waits for a reply" in screen_text(app)
        assert app.sub_title.startswith("0 waiting")
