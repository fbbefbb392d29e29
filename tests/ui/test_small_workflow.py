"""Small things of the daily workflow (issue 18): the priority and its signals in the conversation, `o` where no
browser can open the page, `[ui] sync_on_open`."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from cmtui import replies, triage
from cmtui.config import UiConfig
from cmtui.ui import drafting
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.widgets.thread_view import ThreadView

from .conftest import FIXED, SIZE, Demo, write_config
from .test_app import notifications, screen_text, settle, table, workers_done
from .test_first_use import fresh_app, until

# -- the priority and why, in the conversation -----------------------------------------------------------------

BURR_ONE = "Introducing the Acme Burr One"
MARKUP_RULE = '[[triage.rules]]\nreason = "[b]rude[/b]"\nwords = ["refund"]\nweight = 40\n'


async def test_the_conversation_shows_its_priority_and_each_signal(demo: Demo, tmp_path: Path) -> None:
    """Under the conversation's header: the total and every signal with its points, as `cmtui explain` lists
    them, in plain text (a rule's reason is shown as written, never as markup), and the thread still has room
    at 80×24."""
    config = write_config(tmp_path / "rules.toml", MARKUP_RULE)
    store = demo.store()
    try:
        triage.refresh(store, config)
        conversation = next(i.id for i in triage.inbox(store, config, now=FIXED) if i.title == BURR_ONE)
        item = triage.item(store, config, conversation, now=FIXED)
    finally:
        store.close()
    assert item is not None and item.needs_reply and len(item.signals) >= 5
    app = demo.app(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_conversation(conversation)
        await settle(pilot, 3)
        assert isinstance(app.screen, ConversationScreen)
        head = str(app.screen.query_one("#conversation-head", Static).render())
        line = head.splitlines()[-1]  # wrapped only on the screen: one line of the head's text
        assert line.startswith(f"priority {item.priority:.1f} · ".replace(".0 ", " "))
        for signal in item.signals:
            said = signal.reason or signal.name.replace("_", " ")
            assert f"{said} {signal.points:+.1f}".removesuffix(".0") in line
        assert "complaint: cracked/refund +30" in line and "[b]rude[/b] +40" in line and "question +15" in line
        assert line.count(" · ") == len(item.signals)
        shown = screen_text(app)
        assert "priority" in shown and "[b]rude[/b] +40" in shown  # on screen, the brackets kept
        assert app.screen.query_one(ThreadView).size.height >= 8  # the thread keeps most of 80×24


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


# -- [ui] sync_on_open ----------------------------------------------------------------------------------------


async def test_sync_on_open_false_leaves_a_never_synced_store_alone(demo: Demo, tmp_path: Path) -> None:
    """`[ui] sync_on_open = false`: the app opens on a store that never synced without fetching anything; R
    still syncs."""
    config = write_config(tmp_path / "quiet.toml", "sync_on_open = false\n")
    assert config.ui.sync_on_open is False and UiConfig().sync_on_open is True
    demo.server.reset_hits()
    app = fresh_app(demo, config, tmp_path / "fresh.db")
    async with app.run_test(size=SIZE) as pilot:
        assert await until(pilot, lambda: app.sync_status is not None)
        await settle(pilot, 3)
        assert not app.syncing and demo.server.hits == []
        assert app.sub_title.endswith("4 feeds · never synced")
        assert "Never synced" in screen_text(app) and "R: sync your 4 feeds now" in screen_text(app)
        await pilot.press("R")
        assert await until(pilot, lambda: not app.syncing and bool(table(app).items))
        assert demo.server.hits
