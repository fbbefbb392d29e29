"""Small things of the daily workflow (issue 18): `o` where no browser can open the page."""

from __future__ import annotations

import pytest

from cmtui import replies
from cmtui.ui import drafting
from cmtui.ui.screens.conversation import ConversationScreen

from .conftest import SIZE, Demo
from .test_app import notifications, settle, table, workers_done


async def test_o_without_a_browser_copies_the_address(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over ssh or on a server nothing opens the page: the address goes to the clipboard, and the toast says so
    rather than "Opening …"."""
    monkeypatch.setattr(drafting, "browser_available", lambda: False)  # a server, an ssh session
    monkeypatch.setattr(replies, "copy_to_system_clipboard", lambda value: None)  # no wl-copy, xclip, pbcopy
    opened: list[str] = []
    app = demo.app()
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        url = table(app).items[0].url
        assert url is not None and url.startswith("http://demo.test/")
        await pilot.press("o")
        await workers_done(pilot)
        await settle(pilot)
        assert opened == [] and app.clipboard == url
        [told] = [n for n in notifications(app) if "No web browser" in n]
        lines = told.splitlines()
        assert lines[0] == "No web browser found to open" and lines[1] == url
        assert "Copied through the terminal (OSC 52)" in told
        assert not any(n.startswith("Opening") for n in notifications(app))
        # the same in a conversation: its selected message's address
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        app.clear_notifications()
        await pilot.press("o")
        await workers_done(pilot)
        await settle(pilot)
        assert app.clipboard.startswith("http://demo.test/") and not opened
        assert any("No web browser found to open" in n for n in notifications(app))
