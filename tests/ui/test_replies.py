"""Drafting replies in the app, on the demo sites with a real store: the editor, drafts that are never lost,
saved replies, $EDITOR, the hand-off and direct posting against a loopback WordPress REST API."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static, TextArea

from cmtui import triage
from cmtui.config import Config, parse
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.demo.sites import WP_COMMENTS, WP_POSTS, WordPressSite, WpComment
from cmtui.replies import ReplyContext
from cmtui.store import Store
from cmtui.sync import run_sync
from cmtui.ui import drafting
from cmtui.ui.app import CmtuiApp, make_app
from cmtui.ui.drafting import EditorFailed, Filled, edit_externally, editor_command, fill_template
from cmtui.ui.screens.confirm import ConfirmScreen
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.drafts import DraftsScreen
from cmtui.ui.screens.editor import ReplyEditorScreen
from cmtui.ui.screens.help import HelpScreen
from cmtui.ui.screens.inbox import InboxScreen
from cmtui.ui.screens.templates import TemplatePicker
from cmtui.ui.widgets.thread_view import MessageCard, ThreadView

from ..helpers import query, query_one
from ..test_posting import SECRET, FakeWordPress, allow_post
from .conftest import BASE, FIXED, SIZE, Clock, Demo, write_config
from .test_app import notifications, row_ids, run_command, screen_text, settle, table, workers_done

BURR_ONE = "Introducing the Acme Burr One"
FIRMWARE = "Firmware 2.4 for the Burr One is out"


def item_id(app: CmtuiApp, title: str) -> int:
    return next(i.id for i in table(app).items if i.title == title)


async def reply_to(pilot: Pilot[None], app: CmtuiApp, title: str) -> ReplyEditorScreen:
    """r on the inbox row with this title."""
    table(app).move_cursor(row=row_ids(app).index(item_id(app, title)))
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(app.screen, ReplyEditorScreen)
    return app.screen


def area(app: CmtuiApp) -> TextArea:
    return app.screen.query_one("#reply", TextArea)


def drafts(db_path: Path) -> list[dict[str, object]]:
    store = Store.open(db_path)
    try:
        return [dict(r) for r in query(store, "SELECT * FROM drafts ORDER BY id")]
    finally:
        store.close()


def newest_waiting(db_path: Path, config: Config, conversation_id: int) -> dict[str, object]:
    """The message a conversation's inbox row and preview show: its newest waiting for us."""
    store = Store.open(db_path)
    try:
        waiting = triage.waiting_ids(store, config, conversation_id)
        rows = [r for r in store.messages(conversation_id) if r.id in waiting]
        return dataclasses.asdict(max(rows, key=lambda r: (r.published, r.id)))
    finally:
        store.close()


def errors(app: CmtuiApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]  # noqa: SLF001


# -- the editor ----------------------------------------------------------------------------


async def test_r_opens_the_editor_on_the_message_the_preview_shows(demo: Demo) -> None:
    """Issue 18: `r` on a conversation's row answers the message its preview shows (the newest waiting: Rachel's
    refund demand), not the oldest (Marcus's praise, 9 days old)."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        table(app).move_cursor(row=row_ids(app).index(conversation))
        await settle(pilot)
        preview = str(app.inbox.query_one("#preview-body", Static).render())
        editor = await reply_to(pilot, app, BURR_ONE)
        expected = newest_waiting(demo.db_path, demo.config, conversation)
        assert editor.plan.conversation_id == conversation
        assert editor.plan.message_id == expected["id"]
        assert editor.plan.answered is not None and editor.plan.answered.author == expected["author"] == "Rachel Kim"
        assert "I want a full refund" in preview  # the message answered is the one the preview showed
        assert area(app).has_focus  # typing goes straight in
        await pilot.press(*"Sorry Rachel!")
        assert area(app).text == "Sorry Rachel!"
        shown = screen_text(app)
        assert f"Reply to {expected['author']}" in shown and BURR_ONE in shown
        assert "Six days since I opened a ticket" in shown  # the answered message, quoted
        assert "?replytocom=1233#respond" in shown  # where ctrl+s will send the user: no posting configured


async def test_r_in_a_conversation_answers_the_selected_message(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_conversation(item_id(app, FIRMWARE))
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        await pilot.press("G")  # the last message: Olivia's question
        selected = app.screen.focused
        assert isinstance(selected, MessageCard) and selected.message.author == "Olivia Brooks"
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        assert app.screen.plan.message_id == selected.message.id
        await pilot.press("escape")  # nothing typed: nothing kept
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        assert drafts(demo.db_path) == []
        assert "Empty reply: nothing kept" in notifications(app)


async def test_the_quote_is_literal_text(demo: Demo) -> None:
    url = demo.add_social_post("mallory", "[red]pwned[/red] \x1b[2J hello [link=javascript:x]y[/link]",
                               status_id=666, title="[bold]x[/]")
    demo.sync()
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = next(i for i in table(app).items if i.url == url)
        app.reply(conversation.id)
        await settle(pilot)
        shown = screen_text(app)
        assert "[red]pwned[/red]" in shown and "[link=javascript:x]y[/link]" in shown and "\x1b" not in shown


async def test_ctrl_o_shows_the_thread_and_tab_reaches_it(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await reply_to(pilot, app, FIRMWARE)
        thread = editor.query_one("#context", ThreadView)
        assert not thread.display
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert thread.display and len(thread.cards) == 5
        answering = [c for c in thread.cards if c.has_class("-answering")]
        assert [c.message.id for c in answering] == [editor.plan.message_id]
        assert area(app).has_focus  # still typing
        await pilot.press("tab")
        assert isinstance(editor.focused, MessageCard)
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert not thread.display and area(app).has_focus


# -- never lost ----------------------------------------------------------------------------


async def test_a_draft_comes_back_after_escape_and_quit(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Glad you like it")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert "Draft kept · D lists your drafts" in notifications(app)
        row = next(i for i in table(app).items if i.id == conversation)
        assert row.has_draft
        assert table(app).get_row(str(conversation))[1].plain.startswith("✎ ")
        await pilot.press("q")  # quits without asking
    assert not app.is_running
    [saved] = drafts(demo.db_path)
    assert saved["body"] == "Glad you like it" and saved["state"] == "draft"

    again = demo.app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, again, BURR_ONE)
        assert area(again).text == "Glad you like it"
        assert area(again).cursor_location == (0, len("Glad you like it"))  # typing continues at the end
        await pilot.press(*" a lot")
        await pilot.press("escape")
        await settle(pilot)
    [saved] = drafts(demo.db_path)
    assert saved["body"] == "Glad you like it a lot"


def no_autosave(editor: ReplyEditorScreen) -> None:
    """Only an explicit save path (quit, blur, escape …) can write the draft from now on."""
    editor.SAVE_DELAY = 60  # type: ignore[misc]
    editor._last_save = float("inf")  # noqa: SLF001


async def test_quitting_with_the_editor_open_keeps_the_text(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        no_autosave(await reply_to(pilot, app, BURR_ONE))
        await pilot.press(*"Typed just before ctrl+q")
        assert drafts(demo.db_path) == []
        await pilot.press("ctrl+q")
    assert [d["body"] for d in drafts(demo.db_path)] == ["Typed just before ctrl+q"]
    # any other way out (app.exit: the screens unmount) saves too
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        no_autosave(await reply_to(pilot, app, BURR_ONE))
        await pilot.press("end", *" and more")
        app.exit()
    assert [d["body"] for d in drafts(demo.db_path)] == ["Typed just before ctrl+q and more"]


async def test_typing_is_saved_at_most_a_second_behind(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await reply_to(pilot, app, BURR_ONE)
        await pilot.press("H")
        await workers_done(pilot)  # the draft worker's write
        assert [d["body"] for d in drafts(demo.db_path)] == ["H"]  # the first keystroke is written at once
        await pilot.press(*"ello")
        assert drafts(demo.db_path)[0]["body"] == "H"  # then debounced …
        await pilot.pause(editor.SAVE_DELAY + 0.3)
        assert drafts(demo.db_path)[0]["body"] == "Hello"  # … and written after a pause
        # typing without a pause: never more than SAVE_EVERY behind
        typed = "Hello"
        for char in "abcdefghijklmn":
            await pilot.press(char)
            typed += char
            await pilot.pause(0.15)
        stored = str(drafts(demo.db_path)[0]["body"])
        assert typed.startswith(stored) and len(typed) - len(stored) <= 7  # 7 × 0.15 s ≈ SAVE_EVERY
        await pilot.pause(editor.SAVE_DELAY + 0.3)
        assert drafts(demo.db_path)[0]["body"] == typed
        # leaving the text area (tab into the thread) saves too
        no_autosave(editor)
        await pilot.press(*"XYZ")
        await pilot.press("ctrl+o", "tab")
        await workers_done(pilot)
        assert drafts(demo.db_path)[0]["body"] == typed + "XYZ"


# -- drafts list ---------------------------------------------------------------------------


async def test_drafts_list_reopens_and_discards_after_confirmation(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"First draft", "escape")
        await settle(pilot)
        await reply_to(pilot, app, FIRMWARE)
        await pilot.press(*"Second draft")
        await pilot.press("escape")
        await settle(pilot)
        app.open_conversation(item_id(app, FIRMWARE))
        await settle(pilot)
        await pilot.press("D")  # from anywhere
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DraftsScreen)
        assert [d.body for d in screen.drafts] == ["Second draft", "First draft"]  # newest first
        shown = screen_text(app)
        assert BURR_ONE in shown and FIRMWARE in shown and "✎ draft" in shown and "Acme Blog" in shown
        assert "Rachel Kim" in shown and "Olivia Brooks" in shown  # who each one answers
        # enter reopens; escape comes back to the list
        await pilot.press("j", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        assert area(app).text == "First draft"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        # x asks first; n keeps it
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Discard your reply to Rachel Kim?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and len(screen.drafts) == 2
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [d.body for d in screen.drafts] == ["Second draft"]
        assert "Draft discarded" in notifications(app)
        states = {d["body"]: d["state"] for d in drafts(demo.db_path)}
        assert states == {"First draft": "discarded", "Second draft": "draft"}
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert not next(i for i in table(app).items if i.title == BURR_ONE).has_draft


async def test_the_palette_shows_drafts_and_the_list_says_when_empty(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "show drafts")
        assert isinstance(app.screen, DraftsScreen)
        assert "No drafts" in screen_text(app)
        await pilot.press("x")  # nothing to discard: no modal
        await settle(pilot)
        assert isinstance(app.screen, DraftsScreen)


# -- saved replies -------------------------------------------------------------------------

TEMPLATES = '''
[templates]
a_every = """Hi {first_name} ({author}, {name}), about "{post_title}" ({title}) on {feed_name} ({feed}):
{quote}
— {our_name}"""
b_missing = "Hi {first_name}, your order {order_number} ships {ship_day}."
'''


async def test_a_saved_reply_fills_every_variable_at_the_cursor(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path / "templates.toml", extra=TEMPLATES)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Hello! ")
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, TemplatePicker)
        picker = app.screen.query_one(OptionList)
        assert [picker.get_option_at_index(i).id for i in range(picker.option_count)] == ["a_every", "b_missing"]
        assert picker.highlighted == 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        assert area(app).text == (
            'Hello! Hi Rachel (Rachel Kim, Rachel Kim), about "Introducing the Acme Burr One" '
            "(Introducing the Acme Burr One) on Acme Blog (Acme Blog):\n"
            "> Six days since I opened a ticket and still nothing. I don’t want a replacement anymore, I want a "
            "full refund.\n"
            "> \n"
            "> Honestly, for a $249 grinder this is a terrible way to treat launch customers.\n"
            "— Acme Support")
        assert not [n for n in notifications(app) if "fill in by hand" in n]
        await settle(pilot, 3)
        assert drafts(demo.db_path)[0]["body"] == area(app).text  # saved at once


async def test_a_missing_variable_stays_visible_and_is_named(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path / "templates.toml", extra=TEMPLATES)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert area(app).text == "Hi Rachel, your order {order_number} ships {ship_day}."
        [warning] = [n for n in notifications(app) if "fill in by hand" in n]
        assert "unknown, left as written: {order_number}, {ship_day}" in warning
        assert "{first_name}" in warning  # the known ones are listed
    # an anonymous comment: {first_name} has no value, and stays as written (never "(anonymous)")
    store = demo.store()
    try:
        with store.transaction():
            store.conn.execute("UPDATE messages SET author = '', author_norm = '' WHERE author = 'Rachel Kim'")
    finally:
        store.close()
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await reply_to(pilot, app, BURR_ONE)
        assert editor.plan.answered is not None and editor.plan.answered.author == "(anonymous)"
        assert area(app).text.startswith("Hi Rachel")  # the first run's draft came back
        area(app).clear()
        editor.insert_template("Thanks {first_name}!")
        await settle(pilot)
        assert area(app).text == "Thanks {first_name}!"
        assert any("no value here, left as written: {first_name}" in n for n in notifications(app))


def test_fill_template_names_unknown_and_empty_variables() -> None:
    context = ReplyContext(author="Marcus Hill", post_title="Burr One", feed_name="Acme Blog", our_name="")
    filled = fill_template("Hi {first_name} {order} {our_name} {order} {quote}", context)
    assert filled == Filled("Hi Marcus {order} {our_name} {order} {quote}", ("order",), ("our_name", "quote"))


async def test_no_saved_replies_says_how_to_add_them(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)  # no empty picker
        [hint] = [n for n in notifications(app) if n.startswith("No saved replies yet")]
        assert "[templates]" in hint and str(demo.config.path) in hint
        assert str(demo.config.templates_dir) in hint
    # a file in the templates folder is enough
    demo.config.templates_dir.mkdir()
    (demo.config.templates_dir / "thanks.txt").write_text("Thank you {first_name}!\n", encoding="utf-8")
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press("ctrl+t")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert area(app).text == "Thank you Rachel!"


# -- $EDITOR -------------------------------------------------------------------------------


def appending_editor(tmp_path: Path) -> Path:
    script = tmp_path / "fake-editor.sh"
    script.write_text("#!/bin/sh\nprintf '\\n-- added by the editor\\n' >> \"$1\"\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_the_editor_round_trip_uses_a_private_file_and_deletes_it(tmp_path: Path) -> None:
    seen: list[str] = []

    def run(args: list[str], check: bool) -> object:
        path = Path(args[-1])
        seen.append(path.name)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        return subprocess.run(args, check=check)

    edited = edit_externally("Dear Marcus,", [str(appending_editor(tmp_path))], run=run)
    assert edited == "Dear Marcus,\n-- added by the editor"  # the editor's final newline taken off again
    assert seen[0].startswith("cmtui-draft-") and seen[0].endswith(".md")
    assert not any(p.name == seen[0] for p in Path(os.environ.get("TMPDIR", "/tmp")).iterdir())
    with pytest.raises(EditorFailed, match="exited with status 1: the draft is unchanged"):
        edit_externally("x", ["false"])
    with pytest.raises(EditorFailed, match="cannot run /no/such/editor"):
        edit_externally("x", ["/no/such/editor"])


def test_editor_command_follows_visual_then_editor() -> None:
    assert editor_command({}) == ["vi"]
    assert editor_command({"EDITOR": "nano"}) == ["nano"]
    assert editor_command({"EDITOR": "nano", "VISUAL": "code --wait"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "  ", "VISUAL": ""}) == ["vi"]


async def test_ctrl_e_without_a_real_terminal_says_so(demo: Demo, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """run_test's headless driver cannot suspend: the editor says so and keeps the text (the real suspend is
    covered in a pseudo-terminal by test_terminal.py)."""
    monkeypatch.setenv("EDITOR", str(appending_editor(tmp_path)))
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Before the editor")
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        assert area(app).text == "Before the editor"
        assert any("cannot hand over to an external editor" in n for n in notifications(app))
        assert drafts(demo.db_path)[0]["body"] == "Before the editor"  # saved before trying


# -- getting it posted: the hand-off ---------------------------------------------------------


async def test_hand_off_marks_pending_opens_the_reply_page_and_a_sync_marks_it_sent(
        demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafting, "browser_available", lambda: True)  # what a desktop has
    opened: list[str] = []
    app = demo.app()
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        editor = await reply_to(pilot, app, BURR_ONE)
        answered = editor.plan.answered
        assert answered is not None and answered.url is not None
        await pilot.press(*"Thanks Marcus, enjoy it!")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await workers_done(pilot)
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        post_url = answered.url.split("#")[0]
        assert opened == [f"{post_url}?replytocom=1233#respond"]
        assert app.clipboard == "Thanks Marcus, enjoy it!"
        [told] = [n for n in notifications(app) if "marks it answered" in n]
        assert "Copied through the terminal" in told and "the reply page is open in your browser" in told
        [draft] = drafts(demo.db_path)
        assert draft["state"] == "pending" and draft["pending_at"]
        item = next(i for i in table(app).items if i.id == conversation)
        assert item.reasons[0] == "reply pending" and not item.has_draft
        # the reply page got our comment; the next sync sees it in the feed
        ours = WpComment(1301, 412, "Acme Support", timedelta(minutes=1), ("Thanks Marcus, enjoy it!",), parent=1233)
        for doc in WordPressSite(BASE, FIXED, posts=WP_POSTS, comments=(*WP_COMMENTS, ours)).render():
            demo.server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        [draft] = drafts(demo.db_path)
        assert draft["state"] == "sent" and draft["sent_message_id"]
        item = next(i for i in app.inbox_items(view="all") if i.id == conversation)
        assert "reply pending" not in item.reasons


async def test_hand_off_without_a_web_page_or_a_browser_does_not_crash(demo: Demo) -> None:
    app = demo.app()  # the real open_url: run_test's driver hands it to webbrowser, which finds nothing here
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        store = demo.store()
        try:
            conversation = item_id(app, FIRMWARE)
            with store.transaction():
                store.conn.execute("UPDATE conversations SET url = NULL WHERE id = ?", [conversation])
                store.conn.execute("UPDATE messages SET url = NULL WHERE conversation_id = ?", [conversation])
        finally:
            store.close()
        await reply_to(pilot, app, FIRMWARE)
        assert "no web page to open" in screen_text(app)
        await pilot.press(*"Try a reset")
        await pilot.press("ctrl+s")
        await workers_done(pilot)
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert any("There is no web page for it: paste it on the site" in n for n in notifications(app))
        assert drafts(demo.db_path)[0]["state"] == "pending"


async def test_hand_off_with_no_browser_gives_the_address(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drafting, "browser_available", lambda: False)  # a server, an ssh session
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Thanks!", "ctrl+s")
        await workers_done(pilot)
        await settle(pilot)
        [told] = [n for n in notifications(app) if "marks it answered" in n]
        lines = told.splitlines()
        assert "No web browser here to open the reply page; it is at" in lines[0]
        assert lines[1].startswith("http://demo.test/acme-blog/") and lines[1].endswith("?replytocom=1233#respond")
        assert drafts(demo.db_path)[0]["state"] == "pending"


async def test_an_empty_reply_is_not_sent(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        assert "Nothing to send: the reply is empty" in notifications(app)


# -- getting it posted: directly, through WordPress's REST API --------------------------------


@dataclass
class WordPressDemo:
    server: FeedServer
    wp: FakeWordPress
    config: Config
    db_path: Path
    clock: Clock

    def app(self) -> CmtuiApp:
        return make_app(self.config, self.db_path, now=self.clock)


@pytest.fixture
def wordpress_demo(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[WordPressDemo]:
    """The demo WordPress blog served on 127.0.0.1 (its own URLs, so the site can be posted to), with the REST
    routes of tests/test_posting.py's stand-in on the same server, and `[feeds.posting]` in feeds.toml."""
    monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", SECRET)
    with FeedServer() as server:
        for doc in WordPressSite(server.base_url, FIXED).render():
            server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
        allow_post(server)
        wp = FakeWordPress(server).start()
        for post in WP_POSTS:
            wp.add_post(post.id, post.slug)
        for comment in WP_COMMENTS:
            wp.add_comment(comment.id, comment.post, comment.author, " ".join(comment.body), parent=comment.parent)
        feed = sites.DemoFeed(f"{server.base_url}/acme-blog/feed/", "Acme Blog", "blog", ("acme",))
        text = sites.config_toml([feed]) + (
            f'\n[feeds.posting]\ntype = "wordpress"\nsite = "{server.base_url}"\nuser = "acme"\n'
            'secret_env = "CMTUI_TEST_WP_PASSWORD"\n\n[ui]\nsync_every = 0\n')
        config = parse(text, tmp_path / "feeds.toml")
        assert config.feeds[0].posting is not None
        db_path = tmp_path / "cmtui.db"
        store = Store.open(db_path)
        try:
            assert not run_sync(config, store).failed
        finally:
            store.close()
        yield WordPressDemo(server, wp, config, db_path, clock)


async def test_ctrl_s_posts_through_the_rest_api_and_stores_our_reply(wordpress_demo: WordPressDemo) -> None:
    site = wordpress_demo
    app = site.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        conversation = item_id(app, BURR_ONE)
        before = next(i for i in table(app).items if i.id == conversation).unanswered
        editor = await reply_to(pilot, app, BURR_ONE)
        assert f"ctrl+s posts it on {site.server.base_url} as acme" in screen_text(app)
        await pilot.press(*"Thanks Marcus <3 & enjoy")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot)
        [posted] = site.wp.posted()
        assert posted.body == {"post": 412, "parent": 1233, "content": "Thanks Marcus &lt;3 &amp; enjoy"}
        assert isinstance(app.screen, InboxScreen)
        assert any(n.startswith("Posted as acme: ") and "#comment-101" in n for n in notifications(app))
        [draft] = drafts(site.db_path)
        assert draft["state"] == "sent" and draft["error"] is None
        store = Store.open(site.db_path)
        try:
            ours = query_one(store, "SELECT * FROM messages WHERE id = ?", [draft["sent_message_id"]])
            assert ours is not None
            assert (ours["is_ours"], ours["author"], ours["text"], ours["uid"], ours["parent_id"]) == (
                1, "acme", "Thanks Marcus <3 & enjoy", "posted:wordpress:101", editor.plan.message_id)
            assert ours["url"].endswith("#comment-101") and ours["url_key"]
        finally:
            store.close()
        after = next(i for i in app.inbox_items(view="all") if i.id == conversation)
        assert after.unanswered == before - 3  # re-summarised: Rachel's thread (Rachel, Ben, Rachel) is answered


async def test_a_refused_post_keeps_the_draft_and_shows_the_error(wordpress_demo: WordPressDemo,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", "a revoked application password")
    site = wordpress_demo
    app = site.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Thanks!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot)
        assert app.screen is editor and not editor.sending
        assert area(app).text == "Thanks!" and not area(app).read_only and area(app).has_focus
        error = str(editor.query_one("#editor-error", Static).render())
        assert error.startswith("Not posted: WordPress refused the login for acme")
        assert any("WordPress refused the login for acme" in e for e in errors(app))
        assert "revoked" not in screen_text(app)
        [draft] = drafts(site.db_path)
        assert draft["state"] == "draft" and "refused the login" in str(draft["error"])
        # fixed: the next ctrl+s posts it
        monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", SECRET)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert drafts(site.db_path)[0]["state"] == "sent"


async def test_a_reply_that_cannot_be_placed_on_the_site_is_handed_off(wordpress_demo: WordPressDemo) -> None:
    site = wordpress_demo
    store = Store.open(site.db_path)
    try:  # a comment link without #comment-N: no parent ID, and a reply is never posted in the wrong place
        with store.transaction():
            store.conn.execute("UPDATE messages SET url = replace(url, '#comment-1233', '') "
                               "WHERE author = 'Rachel Kim'")
    finally:
        store.close()
    opened: list[str] = []
    app = site.app()
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press(*"Thanks!", "ctrl+s")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot)
        await workers_done(pilot)
        await settle(pilot)
        assert site.wp.posted() == []
        assert isinstance(app.screen, InboxScreen)
        assert opened and opened[0].endswith("#respond")
        [told] = [n for n in notifications(app) if "marks it answered" in n]
        assert told.startswith(f"cmtui cannot tell where on {site.server.base_url} this reply goes, so it is handed "
                               "off.")
        assert drafts(site.db_path)[0]["state"] == "pending"


async def test_quitting_while_a_reply_is_posted_asks_twice(wordpress_demo: WordPressDemo) -> None:
    site = wordpress_demo
    release = threading.Event()

    def slow_create(req: BaseHTTPRequestHandler) -> None:
        release.wait(10)
        site.wp._create(req)  # noqa: SLF001

    site.server.handle("/wp-json/wp/v2/comments", slow_create)
    app = site.app()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            editor = await reply_to(pilot, app, BURR_ONE)
            await pilot.press(*"Thanks!", "ctrl+s")
            await pilot.pause(0.2)
            assert editor.sending and area(app).read_only
            await pilot.press("escape")  # no closing either
            assert app.screen is editor
            await pilot.press("ctrl+q")
            await pilot.pause()  # not settle: the posting worker waits for `release`
            await pilot.pause()
            assert app.is_running
            assert any("press ctrl+q again to quit anyway" in n for n in notifications(app))
            await pilot.press("ctrl+q")
    finally:
        release.set()
    [draft] = drafts(site.db_path)
    assert draft["state"] == "draft" and draft["body"] == "Thanks!"
    assert "quit while this reply was being posted" in str(draft["error"])


# -- keys ----------------------------------------------------------------------------------


async def test_editor_keys_have_ids_in_help_and_can_be_remapped(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path / "keys.toml", extra='\n[keymap]\n"editor.send" = "ctrl+j"\n')
    opened: list[str] = []
    app = demo.app(config)
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await reply_to(pilot, app, BURR_ONE)
        await pilot.press("f1")  # ? would be typed into the reply
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        body = str(app.screen.query_one("#help-body", Static).render())
        for binding_id in ("editor.send", "editor.template", "editor.external", "editor.thread", "editor.close"):
            assert binding_id in body
        assert "app.drafts" not in body  # D is typed into the reply here, so help does not promise it
        assert next(line for line in body.splitlines() if "editor.send" in line).split()[0] == "^j"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press(*"Hi", "ctrl+s")  # no longer bound: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, ReplyEditorScreen)
        await pilot.press("ctrl+j")
        await workers_done(pilot)
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen) and len(opened) == 1

