"""Internal notes, labels and "someone is replying" in the app, driven with Pilot on the demo sites: what the
conversation view shows, and what `N` and `l` write to the store (the same rows as `cmtui note` and `cmtui tag`)."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

import cmtui.store.marks
from cmtui.store import Store
from cmtui.ui.app import CmtuiApp
from cmtui.ui.screens.annotate import LabelScreen, NoteScreen
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.inbox import InboxScreen
from cmtui.ui.widgets.filter_bar import FilterBar

from .conftest import SIZE, Clock, Demo
from .test_app import expected_ids, notifications, row_ids, settle, state, table, workers_done


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



def notes(demo: Demo, conversation_id: int) -> list[tuple[str, str]]:
    """(author, text) of the conversation's notes, oldest first, as `inbox --json` lists them."""
    return [(n["author"], n["text"]) for n in state(demo, conversation_id).notes]


async def test_n_in_the_conversation_saves_a_note_by_me_and_shows_it(demo: Demo,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "ravi")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await open_first(pilot, app)
        await pilot.press("N")
        await settle(pilot)
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"asked billing, ticket 4411", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert notes(demo, first) == [("ravi", "asked billing, ticket 4411")]
        assert "Internal note · ravi · just now: asked billing, ticket 4411" in head(app)
        assert "Note added" in notifications(app)


async def test_n_on_the_inbox_notes_the_highlighted_conversation(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "maya")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        second = table(app).items[1].id
        await pilot.press("j", "N")
        await settle(pilot)
        await pilot.press(*"refund sent", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert notes(demo, second) == [("maya", "refund sent")]
        assert next(i for i in table(app).items if i.id == second).notes[0]["text"] == "refund sent"
        assert table(app).current_id == second
        assert "Note added" in notifications(app)


async def test_an_empty_note_or_escape_saves_nothing(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await open_first(pilot, app)
        await pilot.press("N", *"   ", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("N", *"never mind", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert notes(demo, first) == []
        assert "Note added" not in notifications(app)


# -- labels --------------------------------------------------------------------------------


def labels(demo: Demo, conversation_id: int) -> list[str]:
    return state(demo, conversation_id).labels


async def label(pilot: Pilot[None], typed: str) -> None:
    """l, the label (or `-label`), enter."""
    await pilot.press("l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LabelScreen)
    await pilot.press(*typed, "enter")
    await settle(pilot)


async def test_l_labels_the_highlighted_conversation_and_t_lists_the_label(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        second = table(app).items[1].id
        await pilot.press("j")
        await label(pilot, "billing")
        assert labels(demo, second) == ["billing"]
        assert any(n.startswith("Labelled #billing: ") and n.endswith("· u to undo") for n in notifications(app))
        assert next(i for i in table(app).items if i.id == second).labels == ["billing"]
        assert "billing" in app.inbox.known_tags() and "billing" in app.tags()  # the palette offers it too
        for _ in app.inbox.known_tags():  # t goes through the feeds' tags and the labels, in order
            await pilot.press("t")
            await settle(pilot)
            if app.inbox.filters.tag == "billing":
                break
        assert app.inbox.filters.tag == "billing"
        assert row_ids(app) == expected_ids(demo, tag="billing") == [second]
        assert "#billing" in str(app.inbox.query_one(FilterBar).render())


async def test_minus_a_label_takes_it_off_and_u_puts_it_back(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = table(app).items[0].id
        with Store.open(demo.db_path) as store, store.transaction():  # `cmtui tag ID billing urgent`
            store.add_labels(first, ["billing", "urgent"])
        app.refresh_inbox()
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert "Labels now: #billing #urgent" in str(app.screen.query_one(".entry-title", Static).render())
        await pilot.press(*"-billing", "enter")
        await settle(pilot)
        assert labels(demo, first) == ["urgent"]
        assert any(n.startswith("Took #billing off: ") for n in notifications(app))
        await label(pilot, "-billing")  # not on it any more: nothing changes
        assert any(n.startswith("No #billing to take off: ") for n in notifications(app))
        await pilot.press("u")
        await settle(pilot)
        assert labels(demo, first) == ["billing", "urgent"]
        await label(pilot, "urgent")
        assert any(n.startswith("Already labelled #urgent: ") for n in notifications(app))


async def test_l_on_marked_rows_labels_them_all_and_one_u_takes_it_back(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("space", "space", "space", "l")
        await settle(pilot)
        assert "Label 3 conversations" in str(app.screen.query_one(".entry-title", Static).render())
        await pilot.press("escape")  # closed without a label: the marks stay
        await settle(pilot)
        assert table(app).marked == set(ids[:3])
        await label(pilot, "backlog")
        assert [labels(demo, i) for i in ids[:4]] == [["backlog"]] * 3 + [[]]
        assert "Labelled #backlog: 3 conversations · u to undo" in notifications(app)
        assert not table(app).marked
        await pilot.press("u")
        await settle(pilot)
        assert [labels(demo, i) for i in ids[:3]] == [[]] * 3


async def test_l_in_the_conversation_shows_the_label_in_its_header(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await open_first(pilot, app)
        assert "#" not in head(app).splitlines()[2]
        await label(pilot, "billing")
        assert isinstance(app.screen, ConversationScreen)
        assert labels(demo, first) == ["billing"]
        assert head(app).splitlines()[2].endswith(" · #billing")
        await label(pilot, "-billing")
        assert labels(demo, first) == []
        assert "#billing" not in head(app)


# -- someone is replying ---------------------------------------------------------------------


async def test_the_conversation_says_who_else_is_replying_and_follows_the_store(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_USER", "ravi")
    app = demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = table(app).items[0].id
        with Store.open(demo.db_path) as store:  # maya's editor, elsewhere; and mine, which I am not told of
            store.start_replying(first, "maya")
            store.start_replying(first, "ravi")
        await open_first(pilot, app)
        assert head(app).splitlines()[2].endswith(" · ✎ maya is replying")
        with Store.open(demo.db_path) as store:  # then maya closes her editor: the poller sees it
            store.stop_replying(first, "maya")
        for _ in range(50):
            await pilot.pause(0.1)
            await workers_done(pilot)
            if "is replying" not in head(app):
                break
        assert "is replying" not in head(app)
        with Store.open(demo.db_path) as store:  # and opens it again, with dana
            store.start_replying(first, "maya")
            store.start_replying(first, "dana")
        for _ in range(50):
            await pilot.pause(0.1)
            await workers_done(pilot)
            if "are replying" in head(app):
                break
        assert "✎ dana and maya are replying" in head(app)  # earliest first, then by name


async def test_on_postgresql_the_open_conversation_hears_a_teammate_start_replying(
        pg_demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the team's PostgreSQL store the change comes as the server's notification: the conversation's header
    follows it without a key pressed, as the inbox's rows do."""
    monkeypatch.setenv("CMTUI_USER", "ravi")
    app = pg_demo.app()
    app.POLL_SECONDS = 0.1  # type: ignore[misc]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await open_first(pilot, app)
        assert "is replying" not in head(app)
        with Store.open(pg_demo.db_path) as store:  # maya, elsewhere
            store.start_replying(first, "maya")
            with store.transaction():
                store.add_note(first, "maya", "on it")
        for _ in range(50):
            await pilot.pause(0.1)
            await workers_done(pilot)
            if "is replying" in head(app) and "Internal note" in head(app):
                break
        assert "✎ maya is replying" in head(app)
        assert "Internal note · maya · just now: on it" in head(app)
