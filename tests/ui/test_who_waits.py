"""Who waits: the inbox with a row per waiting message (`T`), driven with Pilot on the demo sites. The preview
shows the row's message, `r` answers it, enter opens the conversation at it; done, snooze, mute, assign and the
marks act on its conversation."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from cmtui import triage
from cmtui.triage import WaitingMessage
from cmtui.ui.app import CmtuiApp
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.editor import ReplyEditorScreen
from cmtui.ui.screens.help import HelpScreen
from cmtui.ui.screens.snooze import SnoozeScreen
from cmtui.ui.widgets.filter_bar import FilterBar
from cmtui.ui.widgets.inbox_table import PICKED
from cmtui.ui.widgets.preview import Preview
from cmtui.ui.widgets.thread_view import MessageCard

from .conftest import FIXED, SIZE, Demo
from .test_app import notifications, row_ids, run_command, screen_text, settle, state, table

BURR_ONE = "Introducing the Acme Burr One"


def expected_rows(demo: Demo) -> list[WaitingMessage]:
    """The inbox by message as the triage lists it, at the app's clock."""
    with demo.store() as store:
        return triage.inbox_by_message(store, demo.config, now=FIXED)


def messages(app: CmtuiApp) -> list[WaitingMessage]:
    """The table's rows, every one a waiting message."""
    rows = table(app).items
    assert all(isinstance(r, WaitingMessage) for r in rows)
    return [r for r in rows if isinstance(r, WaitingMessage)]


def rows_of(app: CmtuiApp, title: str) -> list[WaitingMessage]:
    return [m for m in messages(app) if m.conversation.title == title]


def preview(app: CmtuiApp) -> str:
    return str(app.inbox.query_one("#preview-body", Static).render())


def bar(app: CmtuiApp) -> str:
    return str(app.inbox.query_one(FilterBar).render())


async def by_message(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("T")
    await settle(pilot)


async def move_to(pilot: Pilot[None], app: CmtuiApp, row: WaitingMessage) -> None:
    """The cursor on the row of `row`'s message (found by id: a reload made new rows, e.g. after an editor closed)."""
    table(app).move_cursor(row=next(i for i, r in enumerate(table(app).items) if r.id == row.id))
    await settle(pilot)


async def test_t_lists_one_row_per_waiting_message_then_back(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversations = row_ids(app)
        await pilot.press("j")  # Burr One: the cursor stays with it
        burr = table(app).current_id
        await by_message(pilot)
        expected = expected_rows(demo)
        assert [m.id for m in messages(app)] == [m.id for m in expected]
        assert len(expected) > len(conversations)  # several people wait in some conversations
        assert list(dict.fromkeys(m.conversation_id for m in messages(app))) == conversations  # their priority
        assert table(app).current_id == burr and table(app).current_message == rows_of(app, BURR_ONE)[0]
        assert f"{len(expected)} waiting messages in {len(conversations)} conversations" in bar(app)
        shown = screen_text(app)
        assert "From" in shown and "Message" in shown and "Conversation" in shown
        assert "Six days since I opened a ticket" in shown and "Ben Ortiz" in shown
        assert "A row per waiting message" in notifications(app)[-1]
        await pilot.press("T")
        await settle(pilot)
        assert row_ids(app) == conversations
        assert table(app).current_id == burr and table(app).current_message is None
        assert "waiting messages" not in bar(app)


async def test_the_preview_shows_the_rows_message_and_r_answers_it(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await by_message(pilot)
        rachel, _, ben, marcus = rows_of(app, BURR_ONE)
        assert (rachel.author, ben.author, marcus.author) == ("Rachel Kim", "Ben Ortiz", "Marcus Hill")
        await move_to(pilot, app, marcus)  # the least urgent of the four: praise
        assert "Pre-ordered the day you announced it" in preview(app)
        assert app.inbox.query_one(Preview).border_title == "Waiting message"
        await pilot.press("r")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ReplyEditorScreen)
        assert editor.plan.message_id == marcus.id and editor.plan.conversation_id == marcus.conversation_id
        assert editor.plan.answered is not None and editor.plan.answered.author == "Marcus Hill"
        await pilot.press("escape")
        await settle(pilot)
        await move_to(pilot, app, ben)
        assert "Same thing happened to me" in preview(app)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen) and app.screen.plan.message_id == ben.id


async def test_enter_opens_the_conversation_at_the_rows_message(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await by_message(pilot)
        ben = rows_of(app, BURR_ONE)[2]
        await move_to(pilot, app, ben)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen) and screen.conversation_id == ben.conversation_id
        focused = screen.focused
        assert isinstance(focused, MessageCard) and focused.message.id == ben.id


async def test_done_on_a_message_row_closes_its_conversation_then_undo(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await by_message(pilot)
        before = [m.id for m in messages(app)]
        burr = {m.id for m in rows_of(app, BURR_ONE)}
        ben = rows_of(app, BURR_ONE)[2]
        await move_to(pilot, app, ben)
        await pilot.press("d")
        await settle(pilot)
        assert state(demo, ben.conversation_id).done_at is not None
        assert [m.id for m in messages(app)] == [i for i in before if i not in burr]  # every one of its rows went
        await pilot.press("u")
        await settle(pilot)
        assert [m.id for m in messages(app)] == before
        assert state(demo, ben.conversation_id).done_at is None


async def test_snooze_mute_and_assign_act_on_the_rows_conversation(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await by_message(pilot)
        marcus = rows_of(app, BURR_ONE)[-1]
        await move_to(pilot, app, marcus)
        await pilot.press("a")
        await settle(pilot)
        assert state(demo, marcus.conversation_id).assigned_to
        assert all(m.conversation.assigned_to for m in rows_of(app, BURR_ONE))  # each row shows who has it
        await pilot.press("m")
        await settle(pilot)
        assert state(demo, marcus.conversation_id).muted and rows_of(app, BURR_ONE) == []
        await pilot.press("u")
        await settle(pilot)
        await move_to(pilot, app, rows_of(app, BURR_ONE)[1])
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SnoozeScreen)
        await pilot.press("1")  # in 1 hour
        await settle(pilot)
        assert state(demo, marcus.conversation_id).snoozed_until and rows_of(app, BURR_ONE) == []


async def test_marks_on_message_rows_are_their_conversations(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await by_message(pilot)
        first, rachel = messages(app)[:2]
        assert first.conversation_id != rachel.conversation_id
        await pilot.press("j", "space")  # Rachel's row: her conversation, Burr One, is marked
        await settle(pilot)
        burr = rachel.conversation_id
        assert table(app).marked == {burr}
        markers = [str(table(app).get_row(f"m{m.id}")[0]) for m in rows_of(app, BURR_ONE)]
        assert markers == [PICKED] * 4  # all four of its rows show it
        assert "1 marked" in bar(app)
        assert [i.id for i in table(app).marked_items] == [burr]  # once, however many rows
        await pilot.press("g", "space")  # and the first row's conversation
        await settle(pilot)
        await pilot.press("T")  # the marks stay: they are conversations either way
        await settle(pilot)
        assert table(app).marked == {first.conversation_id, burr}
        await pilot.press("d")
        await settle(pilot)
        assert state(demo, burr).done_at is not None and state(demo, first.conversation_id).done_at is not None
        assert "Done 2 conversations · u to undo" in notifications(app)


async def test_help_footer_and_palette_offer_the_toggle(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        body = str(app.screen.query_one("#help-body", Static).render())
        assert "inbox.by_message" in body and "By message/conversation" in body
        assert "inbox.range" in body and "Mark a range" in body  # v, beside space and *
        await pilot.press("escape")
        await settle(pilot)
        await run_command(pilot, "inbox by message")
        assert app.inbox.filters.by_message and messages(app)
        await run_command(pilot, "inbox by conversation")
        assert not app.inbox.filters.by_message and row_ids(app)


async def test_a_view_where_nothing_waits_says_so_by_message(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await by_message(pilot)
        app.show_view("done")
        await settle(pilot)
        assert table(app).items == []
        assert "No messages wait in Done" in screen_text(app)
        assert app.inbox.filters.by_message  # a view of its own keeps the mode
