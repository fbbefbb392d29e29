"""Search in the app: debounced, and run in a worker thread on a connection of its own, so typing never waits
on the database."""

from __future__ import annotations

import pytest
from textual.message import Message
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from cmtui.ui.messages import InboxLoaded
from cmtui.ui.screens.inbox import SEARCH_DELAY

from .conftest import SIZE, Demo
from .test_app import expected_ids, row_ids, searched, settle, workers_done


@pytest.fixture
def demo(demo: Demo) -> Demo:
    """The demo store with its full-text index up to date, as after a first search: a search that indexes
    writes to the store, and the app's poller then reloads (one more query, which these tests would count)."""
    store = demo.store()
    try:
        store.index_search()
    finally:
        store.close()
    return demo


def results(seen: list[Message]) -> list[InboxLoaded]:
    """The search worker's messages, each once (the hook sees a message at every dispatch)."""
    return list({id(m): m for m in seen if isinstance(m, InboxLoaded) and m.page.filters.search}.values())


async def test_typing_a_word_runs_one_query_off_the_ui_thread(demo: Demo) -> None:
    seen: list[Message] = []
    app = demo.app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        everything = row_ids(app)
        main_sql: list[str] = []
        app.store.conn.set_trace_callback(main_sql.append)  # what the UI thread's connection runs
        await pilot.press("slash", *"refund")
        assert app.inbox.query_one("#search", Input).value == "refund"
        assert row_ids(app) == everything  # typed, not searched yet: the keys did not wait for a query
        await searched(pilot)
        app.store.conn.set_trace_callback(None)
        assert row_ids(app) == expected_ids(demo, search="refund") != everything
        searches = [m.worker for m in seen if isinstance(m, Worker.StateChanged) and m.worker.group == "search"
                    and m.state == WorkerState.SUCCESS]
        assert len(searches) == 1  # six keys, one query
        [found] = results(seen)
        assert found.page.filters.search == "refund"
        assert not [sql for sql in main_sql if "messages_fts" in sql]  # the full-text query ran elsewhere


async def test_a_pause_between_words_runs_a_query_per_pause(demo: Demo) -> None:
    seen: list[Message] = []
    app = demo.app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"grinder")
        await searched(pilot)
        await pilot.press(*" noise")
        await pilot.pause(SEARCH_DELAY / 4)
        await pilot.press("backspace", "backspace")  # still typing: the pending search waits for the pause
        await searched(pilot)
        assert [m.page.filters.search for m in results(seen)] == ["grinder", "grinder noi"]
        assert row_ids(app) == expected_ids(demo, search="grinder noi")


async def test_enter_searches_at_once_and_stale_results_are_dropped(demo: Demo) -> None:
    seen: list[Message] = []
    app = demo.app()
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"refund", "enter")
        await workers_done(pilot)
        await settle(pilot)
        assert row_ids(app) == expected_ids(demo, search="refund")  # no wait for the pause
        await pilot.press("slash", *"zzzqqq", "escape")  # cleared before the pause ended: never searched
        await searched(pilot)
        assert [m.page.filters.search for m in results(seen)] == ["refund"]
        assert row_ids(app) == expected_ids(demo)
