"""The app never waits on the store: drafts are saved by a worker that retries while another connection holds the
write lock, the inbox, its preview and a conversation are read off the UI thread, long lists and threads are
shown a window or a page at a time.

"Another connection" is a real second sqlite3 connection that takes the write lock with BEGIN IMMEDIATE, as a cron
`cmtui sync` does while it stores and summarises."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from textual.widgets import Static

from cmtui.store import Store
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.editor import ReplyEditorScreen
from cmtui.ui.screens.inbox import InboxScreen
from cmtui.ui.widgets.thread_view import MessageCard, ThreadView

from .conftest import SIZE, Demo
from .test_app import settle, table, workers_done
from .test_replies import BURR_ONE, FIRMWARE, area, drafts, item_id, reply_to


@contextmanager
def write_lock(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Hold the store's write lock from another connection until the block ends."""
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def status(editor: ReplyEditorScreen) -> str:
    return str(editor.query_one("#editor-status", Static).render())


async def until(pilot: object, check: object, rounds: int = 100) -> None:
    """Let the app run (0.05 s at a time) until `check()` holds."""
    for _ in range(rounds):
        if check():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    assert check()  # type: ignore[operator]


async def test_typing_goes_on_while_another_connection_holds_the_write_lock(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await reply_to(pilot, app, BURR_ONE)
        ui_sql: list[str] = []
        app.store.conn.set_trace_callback(ui_sql.append)  # what the UI thread's connection runs
        with write_lock(demo.db_path):
            await pilot.press("H")
            assert not [sql for sql in ui_sql if sql.startswith("BEGIN")]  # the keystroke did not try to write
            await pilot.press(*"ello, typed while the store was locked")
            assert area(app).text == "Hello, typed while the store was locked"
            await until(pilot, lambda: "Not saved" in status(editor))  # the worker tried, and says it retries
            assert drafts(demo.db_path) == []
            assert area(app).text == "Hello, typed while the store was locked"
        # the lock is gone: the worker's next try stores the whole text
        await until(pilot, lambda: [d["body"] for d in drafts(demo.db_path)] == [area(app).text])
        await until(pilot, lambda: "Draft saved" in status(editor))
        app.store.conn.set_trace_callback(None)
        assert not [sql for sql in ui_sql if sql.startswith("BEGIN")]


async def test_a_draft_closed_while_the_store_is_locked_is_saved_once_it_is_released(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        with write_lock(demo.db_path):
            await pilot.press(*"Closed at once", "escape")
            await pilot.pause()
            assert isinstance(app.screen, InboxScreen)  # escape did not wait for the store
            await pilot.pause(0.5)
            assert drafts(demo.db_path) == []
        await until(pilot, lambda: [d["body"] for d in drafts(demo.db_path)] == ["Closed at once"])
        await pilot.press("q")
    [saved] = drafts(demo.db_path)
    assert saved["state"] == "draft"


async def test_quitting_writes_what_the_worker_has_not_stored_yet(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        with write_lock(demo.db_path):
            await pilot.press(*"Not stored before ctrl+q")
            await pilot.pause(0.3)
            assert drafts(demo.db_path) == []
        await pilot.press("ctrl+q")  # at once: the retry may not have come yet
    assert [d["body"] for d in drafts(demo.db_path)] == ["Not stored before ctrl+q"]


async def test_ctrl_s_waits_for_the_draft_to_be_stored(demo: Demo) -> None:
    """No posting configured: the reply is handed off, once its draft is in the store."""
    app = demo.app()
    app.open_url = lambda url, new_tab=True: None  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        await reply_to(pilot, app, BURR_ONE)
        with write_lock(demo.db_path):
            await pilot.press(*"Sent when stored", "ctrl+s")
            await pilot.pause(0.3)
            assert isinstance(app.screen, ReplyEditorScreen)
        await until(pilot, lambda: isinstance(app.screen, InboxScreen))
        await workers_done(pilot)
    [saved] = drafts(demo.db_path)
    assert saved["body"] == "Sent when stored" and saved["state"] == "pending"
    assert saved["conversation_id"] == conversation


async def test_the_inbox_preview_and_a_conversation_are_read_off_the_ui_thread(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        firmware = item_id(app, FIRMWARE)
        ui_sql: list[str] = []
        app.store.conn.set_trace_callback(ui_sql.append)
        for key in ("j", "j", "G", "g", "f", "f", "f", "f", "f"):  # previews, the ends of the list, every view
            await pilot.press(key)
            await settle(pilot)
        app.open_conversation(firmware)
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen) and app.screen.messages
        assert isinstance(app.screen.focused, MessageCard)
        await pilot.press("escape")
        await settle(pilot)
        app.store.conn.set_trace_callback(None)
        read = [sql for sql in ui_sql if "conversation_summary" in sql or "FROM messages" in sql]
        assert read == []
        assert not [sql for sql in ui_sql if sql.startswith("BEGIN")]
        assert table(app).row_count > 0


async def test_a_conversation_opens_while_the_store_is_locked(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        firmware = item_id(app, FIRMWARE)
        with write_lock(demo.db_path):
            app.open_conversation(firmware)
            await until(pilot, lambda: isinstance(app.screen, ConversationScreen) and bool(app.screen.messages))
            await until(pilot, lambda: isinstance(app.screen.focused, MessageCard))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, InboxScreen))
        await settle(pilot)
    store = Store.open(demo.db_path)
    try:
        assert store.opened_at(firmware) is not None  # recorded once the lock was gone
    finally:
        store.close()


async def test_a_long_thread_is_shown_a_page_at_a_time_and_j_walks_all_of_it(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    import cmtui.ui.widgets.thread_view as thread_view

    monkeypatch.setattr(thread_view, "PAGE", 2)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_conversation(item_id(app, FIRMWARE))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        thread = screen.query_one(ThreadView)
        messages = [m.id for m in screen.messages]
        assert len(messages) > 4
        await pilot.press("g")
        await settle(pilot)
        walked = []
        for _ in messages:
            assert len(thread.cards) <= 2
            focused = screen.focused
            assert isinstance(focused, MessageCard)
            walked.append(focused.message.id)
            await pilot.press("j")
            await settle(pilot)
        assert walked == messages
        await pilot.press("k")
        await settle(pilot)
        focused = screen.focused
        assert isinstance(focused, MessageCard) and focused.message.id == messages[-2]
        await pilot.press("g", "n")  # the next message waiting for a reply, on whatever page it is
        await settle(pilot)
        focused = screen.focused
        assert isinstance(focused, MessageCard) and focused.message.unanswered
