"""SVG snapshots of the main screens on the demo sites, at a fixed clock (pytest-textual-snapshot).

Update after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cmtui.ui.app import CmtuiApp, make_app
from cmtui.ui.screens.editor import ReplyEditorScreen

from .conftest import FIXED, SIZE, Demo, write_config
from .test_app import settle as app_settle
from .test_app import workers_done

CONFIG_PATH = Path("/home/you/.config/cmtui/feeds.toml")  # shown on screen: the same on every machine


def demo_app(demo: Demo) -> CmtuiApp:
    return demo.app(demo.config._replace(path=CONFIG_PATH))


async def settle(pilot: Pilot[Any]) -> None:
    await app_settle(pilot)


def test_inbox(demo: Demo, snap_compare: Any) -> None:
    """The inbox: most urgent first, reasons as coloured tags, the preview of the highlighted row."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, run_before=settle)


def test_conversation(demo: Demo, snap_compare: Any) -> None:
    """A blog post and its threaded comments: ours marked, unanswered highlighted, replies indented."""
    app = demo_app(demo)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        item = next(i for i in app.inbox.table.items if i.title == "Introducing the Acme Burr One")
        app.open_conversation(item.id)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help(demo: Demo, snap_compare: Any) -> None:
    """The help screen is generated from the bindings of the inbox and the app, with their ids."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["question_mark"], run_before=settle)


def test_feeds(demo: Demo, snap_compare: Any) -> None:
    """Feed health joined with the config."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["F"], run_before=settle)


def test_snooze_modal(demo: Demo, snap_compare: Any) -> None:
    """The snooze choices, with their times computed from the fixed clock in UTC."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["s"], run_before=settle)


def test_search_results(demo: Demo, snap_compare: Any) -> None:
    """`/refund` then enter: the rows that mention a refund, the search kept in the filter bar."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["slash", *"refund", "enter"],
                        run_before=settle)


def test_no_feeds(tmp_path: Path, snap_compare: Any) -> None:
    """The empty state when feeds.toml lists no feeds."""
    config = write_config(tmp_path / "feeds.toml", feeds=[])._replace(path=CONFIG_PATH)
    app = make_app(config, tmp_path / "cmtui.db", now=FIXED)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


REPLY = ("Hi Jonas, sorry the reset didn't help. You can go back to 2.3 from the app: Settings → Firmware → "
         "Previous version.\n\nIf it still stops after that, reply here and we'll send you a prepaid label.")


def latest_by(app: CmtuiApp, conversation_id: int, author: str) -> int:
    """The id of `author`'s latest message in the conversation."""
    return max((m for m in app.store.messages(conversation_id) if m.author == author),
               key=lambda m: (m.published, m.id)).id


async def write_reply(app: CmtuiApp, pilot: Pilot[Any], title: str, body: str, to: str) -> ReplyEditorScreen:
    """A reply to `to`'s latest message in the conversation with this title (as `r` on that message's row in the
    inbox by message), the body written, saved."""
    item = next(i for i in app.inbox.table.items if i.title == title)
    app.reply(item.id, latest_by(app, item.id, to))
    await settle(pilot)
    editor = app.screen
    assert isinstance(editor, ReplyEditorScreen)
    editor.area.cursor_blink = False  # the same picture every time
    editor.area.insert(body)
    editor.save_now()
    await settle(pilot)
    return editor


def test_editor(demo: Demo, snap_compare: Any) -> None:
    """The reply editor: the message answered quoted above, the reply being written, where ctrl+s sends it."""
    app = demo_app(demo)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await write_reply(app, pilot, "Firmware 2.4 for the Burr One is out", REPLY, "Jonas Weber")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_drafts(demo: Demo, snap_compare: Any) -> None:
    """The drafts list: replies being written and one handed off (pending), the highlighted one in full."""
    app = demo_app(demo)
    app.open_url = lambda url, new_tab=True: None  # type: ignore[method-assign]

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        editor = await write_reply(app, pilot, "Introducing the Acme Burr One",
                                   "Thanks Marcus! Glad the fine end works for you.", "Marcus Hill")
        editor.action_send()  # no posting configured: handed off, pending
        await workers_done(pilot)
        await settle(pilot)
        editor = await write_reply(app, pilot, "Shipping update for Burr One orders",
                                   "Hi Priya, not yet: Canada is planned for the spring.", "Priya Natarajan")
        editor.action_close()
        editor = await write_reply(app, pilot, "Firmware 2.4 for the Burr One is out", REPLY, "Jonas Weber")
        editor.action_close()
        await settle(pilot)
        app.clear_notifications()
        app.action_drafts()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_team_inbox_80_columns(demo: Demo, tmp_path: Path, snap_compare: Any) -> None:
    """80×24 with two brands, a saved view and a team: every column fits, Why starts with who has it ("→ maya"),
    and the filter bar keeps the brand and the count in view."""
    from .test_views_team import TEAM, VIEWS, config_with

    config = config_with(demo, tmp_path, VIEWS + TEAM, brands=True)._replace(path=CONFIG_PATH)
    store = demo.store()
    try:
        with store.transaction():
            for conversation, who in zip(store.conversations(view="needs_reply")[:3:2], ("maya", "ravi"), strict=True):
                store.assign(conversation.id, who)
    finally:
        store.close()
    app = demo.app(config)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app.show_brand("Acme Coffee")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
