"""Internal notes, labels and "someone is replying" in the app, driven with Pilot on the demo sites: what the
conversation view shows, and what `N` and `l` write to the store (the same rows as `cmtui note` and `cmtui tag`)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

import cmtui.store.marks
from cmtui.store import Store
from cmtui.ui.app import CmtuiApp
from cmtui.ui.screens.conversation import ConversationScreen

from .conftest import SIZE, Clock, Demo
from .test_app import settle, table


@pytest.fixture(autouse=True)
def notes_at_the_clock(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    """Notes are stamped by the store's clock: the tests' clock, so that "2 h ago" is the same on every run."""
    monkeypatch.setattr(cmtui.store.marks, "utc_now", clock)


def add_note(demo: Demo, conversation_id: int, author: str, text: str) -> None:
    """A note written elsewhere, as `CMTUI_USER=author cmtui note ID TEXT` does."""
    with Store.open(demo.db_path) as store, store.transaction():
        store.add_note(conversation_id, author, text)


def head(app: CmtuiApp) -> str:
    screen = app.screen
    assert isinstance(screen, ConversationScreen)
    return str(screen.query_one("#conversation-head", Static).render())


async def open_first(pilot: Pilot[None], app: CmtuiApp) -> int:
    """enter on the first row of the inbox; its conversation's id."""
    first = table(app).items[0].id
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ConversationScreen) and app.screen.conversation_id == first
    return first


# -- notes --------------------------------------------------------------------------------


async def test_the_conversation_shows_its_notes_as_internal(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = table(app).items[0].id
        demo.clock.advance(hours=-2)
        add_note(demo, first, "ravi", "asked billing,\n ticket 4411")
        demo.clock.advance(hours=2)
        add_note(demo, first, "maya", "refund sent")
        await open_first(pilot, app)
        lines = head(app).splitlines()
        notes = [line for line in lines if line.startswith("Internal note")]
        assert notes == ["Internal note · ravi · 2 h ago: asked billing, ticket 4411",
                         "Internal note · maya · just now: refund sent"]  # oldest first, on one line each


async def test_many_notes_show_the_newest_and_count_the_rest(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = table(app).items[0].id
        for n in range(8):
            add_note(demo, first, "ravi", f"note {n}")
        await open_first(pilot, app)
        text = head(app)
        assert "3 older notes" in text
        assert [line.rsplit(": ", 1)[1] for line in text.splitlines() if line.startswith("Internal note")] == \
            [f"note {n}" for n in range(3, 8)]


async def test_a_conversation_without_notes_has_no_note_line(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_first(pilot, app)
        assert "Internal note" not in head(app)

