"""Who wrote a message, by account: an impostor's card and preview show the server it posts from, so that
`@acme_cm` on another server never looks like our own account (`identity.label`, `data.byline`)."""

from __future__ import annotations

from cmtui.ui.app import CmtuiApp
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.editor import ReplyEditorScreen
from cmtui.ui.widgets.thread_view import MessageCard

from .conftest import SIZE, Demo
from .test_app import run_command, screen_text, settle

IMPOSTOR = "Hello from Acme Support Team!"  # the demo's scam toot, from @acme_support_team on the demo's server
DESCALE = "How do I descale the Froth Pro?"  # a forum topic we answered from our handle, acme_cm


def item_id(app: CmtuiApp, title: str) -> int:
    return next(i.id for i in app.inbox.table.items if i.title.startswith(title))


def cards(app: CmtuiApp) -> list[MessageCard]:
    screen = app.screen
    assert isinstance(screen, ConversationScreen)
    return list(screen.query(MessageCard))


async def test_the_impostors_card_and_preview_show_its_account(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.inbox.table
        table.move_cursor(row=[i.id for i in table.items].index(item_id(app, IMPOSTOR)))
        await settle(pilot)
        preview = screen_text(app)
        assert "Latest unanswered message" in preview and "@acme_support_team@demo.test  3 h ago" in preview
        app.open_conversation(item_id(app, IMPOSTOR))
        await settle(pilot)
        (card,) = cards(app)
        assert card.message.byline == "@acme_support_team@demo.test"
        assert "1 message ·" in screen_text(app)  # one status: "message", not "messages"
        assert "@acme_support_team@demo.test · 3 h ago" in screen_text(app)  # the card's title, on screen
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        assert "Reply to @acme_support_team@demo.test" in screen_text(app)


async def test_our_handles_name_on_another_server_is_shown_with_that_server(demo: Demo) -> None:
    """`@acme_cm` posting from evil.example (a remote account, as Mastodon links it) reads as that account."""
    demo.add_social_post("acme_cm@evil.example", "Acme support here! DM us your card number for a #acmegrinder "
                         "refund.", status_id=4242, minutes_ago=2)
    demo.sync()
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        impostor = item_id(app, "Acme support here!")
        item = next(i for i in app.inbox.table.items if i.id == impostor)
        assert any("imitates @acme_cm@demo.test" in reason for reason in item.reasons)
        app.open_conversation(impostor)
        await settle(pilot)
        (card,) = cards(app)
        assert not card.message.is_ours and card.message.byline == "@acme_cm@evil.example"
        assert "@acme_cm@evil.example · 2 min ago" in screen_text(app)


async def test_our_reply_on_the_forum_shows_our_handle(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "view: all")
        await settle(pilot)
        app.open_conversation(item_id(app, DESCALE))
        await settle(pilot)
        bylines = [(c.message.byline, c.message.is_ours) for c in cards(app)]
        assert bylines == [("@jules_b@demo.test", False), ("@ben.t@demo.test", False), ("@acme_cm@demo.test", True)]
