"""A team replying in one store, as the app shows it: "maya is replying", a warning before sending after a
teammate answered, and drafts that are each teammate's own."""

from __future__ import annotations

import pytest

from cmtui.store import Store
from cmtui.ui import drafting
from cmtui.ui.screens.editor import ReplyEditorScreen
from cmtui.ui.screens.inbox import InboxScreen

from .conftest import SIZE, Demo
from .test_app import notifications, settle, table, workers_done
from .test_replies import BURR_ONE, area, drafts, item_id, reply_to


def replying(demo: Demo) -> list[tuple[int, str]]:
    with Store.open(demo.db_path) as store:
        return [(r[0], r[1]) for r in store.conn.execute("SELECT conversation_id, who FROM replying")]


async def test_an_open_editor_says_who_is_replying_until_it_closes(demo: Demo,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "maya")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        await reply_to(pilot, app, BURR_ONE)
        await workers_done(pilot)
        assert replying(demo) == [(conversation, "maya")]
        await pilot.press("escape")
        await settle(pilot)
        assert replying(demo) == []


async def test_the_others_see_maya_replying_on_the_row(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "ravi")
    with Store.open(demo.db_path) as store:
        conversation = next(c for c in store.conversation_ids()
                            if (info := store.conversation(c)) is not None and info.title == BURR_ONE)
        store.start_replying(conversation, "maya")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        why = table(app).get_row(str(conversation))[5].plain  # the Why column
        assert why.startswith("✎ maya is replying"), why
        await reply_to(pilot, app, BURR_ONE)  # ravi opens his editor on it anyway: told at once
        assert "maya is replying to this too" in notifications(app)


async def test_sending_after_a_teammate_replied_warns_once_then_sends(demo: Demo,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "ravi")
    monkeypatch.setattr(drafting, "browser_available", lambda: False)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Sorry about that")
        with Store.open(demo.db_path) as store:  # meanwhile maya hands off her own reply to it
            store.set_draft_state(store.save_draft(conversation, None, "On it!", "maya"), "pending")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)  # not sent: told first
        assert any(n.startswith("maya replied here since you opened this editor") for n in notifications(app))
        await pilot.press("ctrl+s")  # sends anyway
        await settle(pilot)
        await workers_done(pilot)
        assert isinstance(app.screen, InboxScreen)
    mine = [d for d in drafts(demo.db_path) if d["author"] == "ravi"]
    assert [(d["body"], d["state"]) for d in mine] == [("Sorry about that", "pending")]


async def test_drafts_are_each_teammates_own(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "maya")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Maya's words", "escape")
        await settle(pilot)
    monkeypatch.setenv("CMTUI_USER", "ravi")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        assert area(app).text == ""  # maya's draft is hers
        await pilot.press(*"Ravi's words", "escape")
        await settle(pilot)
    monkeypatch.setenv("CMTUI_USER", "maya")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        assert area(app).text == "Maya's words"
    assert sorted((d["author"], d["body"]) for d in drafts(demo.db_path)) == [
        ("maya", "Maya's words"), ("ravi", "Ravi's words")]


async def test_on_postgresql_a_teammates_change_reaches_the_open_app(pg_demo: Demo,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Maya's app is open on the team's PostgreSQL store; ravi assigns a conversation to her and starts replying
    to another from his own connection: her inbox shows both without her doing anything (the server's
    notifications, read by the app's poller without a query)."""
    monkeypatch.setenv("CMTUI_USER", "maya")
    app = pg_demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first, second = (i.id for i in table(app).items[:2])
        with Store.open(pg_demo.db_path) as store:  # ravi, elsewhere
            with store.transaction():
                store.assign(first, "maya")
            store.start_replying(second, "ravi")
        for _ in range(50):
            await pilot.pause(0.1)
            await workers_done(pilot)
            items = {i.id: i for i in table(app).items}
            if items[first].assigned_to == "maya" and items[second].replying == ["ravi"]:
                break
        assert items[first].assigned_to == "maya" and items[second].replying == ["ravi"]
        assert table(app).get_row(str(second))[5].plain.startswith("✎ ravi is replying")


async def test_a_teammates_editor_that_vanished_stops_showing(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """maya's app died with her editor open: no goodbye, no change to the store. Once her last heartbeat is
    older than 90 s, the others' inbox stops saying she is replying (checked without waiting for a change)."""
    from datetime import UTC, datetime, timedelta

    monkeypatch.setenv("CMTUI_USER", "ravi")
    with Store.open(demo.db_path) as store:
        conversation = next(c for c in store.conversation_ids()
                            if (info := store.conversation(c)) is not None and info.title == BURR_ONE)
        store.start_replying(conversation, "maya", now=datetime.now(UTC) - timedelta(seconds=86))
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    app.PRESENCE_SECONDS = 0.5  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert next(i for i in table(app).items if i.id == conversation).replying == ["maya"]
        for _ in range(100):
            await pilot.pause(0.1)
            await workers_done(pilot)
            if not next(i for i in table(app).items if i.id == conversation).replying:
                break
        assert next(i for i in table(app).items if i.id == conversation).replying == []
