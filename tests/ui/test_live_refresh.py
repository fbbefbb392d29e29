"""The inbox follows the store: the poller reloads it for another connection's commits (a cron `cmtui sync`),
never for the app's own workers' (a draft autosaved while the user types, a conversation's opening), and one
reload refreshes the triage once."""

from __future__ import annotations

import sys
from typing import Any

import pytest

import cmtui.ui.screens.inbox as inbox_screen
from cmtui import triage
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.editor import ReplyEditorScreen
from cmtui.ui.screens.inbox import InboxScreen

from .conftest import SIZE, Demo
from .test_app import expected_ids, row_ids, settle, table, workers_done
from .test_replies import BURR_ONE, FIRMWARE, drafts, item_id, reply_to

POLL = 0.1  # seconds between two looks at the store's data_version (the app's default is 2)


def count_reloads(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """Every `InboxScreen.reload` from now on (the `keep_id` of each)."""
    calls: list[int | None] = []
    real = InboxScreen.reload

    def reload(self: InboxScreen, keep_id: int | None = None) -> None:
        calls.append(keep_id)
        real(self, keep_id)

    monkeypatch.setattr(InboxScreen, "reload", reload)
    return calls


def count_refreshes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every `triage.refresh` call from now on, from whichever cmtui module it was imported into."""
    calls: list[int] = []
    real = triage.refresh

    def refresh(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("cmtui") and getattr(module, "refresh", None) is real:
            monkeypatch.setattr(module, "refresh", refresh)
    return calls


async def test_typing_a_reply_does_not_reload_the_inbox_under_it(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft is saved every second on the draft worker's own connection: each save changes the store's
    data_version, and the poller used to take it for a cron sync and reload the inbox each time."""
    app = demo.app()
    app.POLL_SECONDS = POLL  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        firmware = item_id(app, FIRMWARE)
        editor = await reply_to(pilot, app, BURR_ONE)
        reloads = count_reloads(monkeypatch)
        await pilot.press("T")
        await workers_done(pilot)
        assert [d["body"] for d in drafts(demo.db_path)] == ["T"]  # the first keystroke is stored at once
        typed = "T"
        for char in "hanks, glad it helps":
            await pilot.press(char)
            typed += char
            await pilot.pause(POLL * 1.5)
        await pilot.pause(editor.SAVE_DELAY + 0.3)
        assert drafts(demo.db_path)[0]["body"] == typed  # saved several times meanwhile
        assert reloads == []
        # another connection's commit still reloads it, under the editor
        with demo.store() as other, other.transaction():
            other.mark_done(firmware)
        for _ in range(30):
            await pilot.pause(POLL)
            if firmware not in row_ids(app):
                break
        assert firmware not in row_ids(app)
        assert isinstance(app.screen, ReplyEditorScreen)  # undisturbed
        await pilot.press("escape")
        await settle(pilot)
        assert next(i for i in table(app).items if i.title == BURR_ONE).has_draft


async def test_a_conversation_read_reloads_the_inbox_once_back_on_it(demo: Demo,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The opening is recorded by a worker on its own connection: no reload while the conversation is read, one
    when the inbox is back on top (it shows the conversation as opened)."""
    app = demo.app()
    app.POLL_SECONDS = POLL  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = table(app).current
        assert first is not None and first.opened_at is None
        reloads = count_reloads(monkeypatch)
        await pilot.press("enter")
        await settle(pilot)  # read, shown, and the opening recorded
        await pilot.pause(POLL * 5)
        assert isinstance(app.screen, ConversationScreen)
        assert reloads == []
        await pilot.press("escape")
        await settle(pilot)
        await pilot.pause(POLL * 5)
        assert len(reloads) == 1
        again = next(i for i in table(app).items if i.id == first.id)
        assert again.opened_at is not None


async def test_one_reload_refreshes_the_triage_once(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long inbox is read in two steps (the first page, then the whole list): the triage is refreshed once,
    before both."""
    monkeypatch.setattr(inbox_screen, "FIRST_PAGE", 3)
    expected = expected_ids(demo)
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        refreshes = count_refreshes(monkeypatch)
        app.refresh_inbox()
        await settle(pilot)
        assert row_ids(app) == expected and len(expected) > 3
        assert len(refreshes) == 1
