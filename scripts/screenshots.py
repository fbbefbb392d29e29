"""Regenerate screenshots/*.svg: the app on the bundled demo sites, at a fixed clock, 160×45.

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]

The demo documents are rendered for http://demo.test and the requests are forwarded to a local FeedServer, so the
URLs (and therefore the SVGs) are the same on every run.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot

import cmtui.store.marks
import cmtui.sync
from cmtui.config import Config, parse
from cmtui.demo import sites
from cmtui.demo.server import FeedServer, ForwardTransport
from cmtui.store import Store
from cmtui.sync import run_sync
from cmtui.ui.app import CmtuiApp, make_app
from cmtui.ui.screens.editor import ReplyEditorScreen

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = "http://demo.test"
SIZE = (160, 45)
OUT = Path(__file__).resolve().parents[1] / "screenshots"


async def shoot(app: CmtuiApp, out: Path) -> list[Path]:
    saved: list[Path] = []

    async def save(name: str) -> None:
        await pilot.pause()
        await pilot.pause()
        saved.append(Path(app.save_screenshot(name, path=str(out))))

    async with app.run_test(size=SIZE) as pilot:
        await save("inbox.svg")
        await pilot.press("T", "j")  # who waits: a row per waiting message, on Rachel's refund demand
        await app.workers.wait_for_complete()
        app.clear_notifications()
        await save("inbox-by-message.svg")
        await pilot.press("T", "g")
        await app.workers.wait_for_complete()
        app.clear_notifications()
        item = next(i for i in app.inbox.table.items if i.title == "Introducing the Acme Burr One")
        app.open_conversation(item.id)
        await save("conversation.svg")
        await pilot.press("escape", "question_mark")
        await save("help.svg")
        await pilot.press("escape", "F")
        await save("feeds.svg")
        await pilot.press("escape", "P")  # the report: read by a worker
        await pilot.pause()
        await app.workers.wait_for_complete()
        await save("report.svg")
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"jump")
        await pilot.pause(0.5)
        await save("palette.svg")
        await pilot.press("escape")
        await pilot.pause()
        # a reply being written, then the drafts list (one reply handed off, two drafts)
        app.open_url = lambda url, new_tab=True: None  # type: ignore[method-assign]  # no browser here
        editor = await write_reply(pilot, app, "Introducing the Acme Burr One",
                                   "Thanks Marcus! Glad the fine end works for you.", "Marcus Hill")
        editor.action_send()  # the send waits for keys still queued for the text area: let it run
        await pilot.pause()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        editor = await write_reply(pilot, app, "Shipping update for Burr One orders",
                                   "Hi Priya, not yet: Canada is planned for the spring.", "Priya Natarajan")
        editor.action_close()
        editor = await write_reply(pilot, app, "Firmware 2.4 for the Burr One is out", REPLY, "Jonas Weber")
        app.clear_notifications()
        await save("editor.svg")
        editor.action_close()
        await pilot.pause()
        app.clear_notifications()
        app.action_drafts()
        await save("drafts.svg")
    return saved


# A team of two on the demo (its brand's names include "Dana (Acme)" and "Marco (Acme)"), a saved view, and two
# conversations taken: the inbox shows the views' tabs and "→ dana", the conversation says "assigned to dana".
TEAM = '\n[views.complaints]\nreason = "complaint"\n\n[team]\nme = "dana"\n'
ASSIGNED = {"Introducing the Acme Burr One": "dana", "This company is a joke": "marco"}
# an internal note and a label on the conversation the conversation screenshot shows
NOTE = ("Introducing the Acme Burr One", "marco", "Asked billing about Rachel's refund, ticket 4411")
LABEL = ("Introducing the Acme Burr One", "refund")

REPLY = ("Hi Jonas, sorry the reset didn't help. You can go back to 2.3 from the app: Settings → Firmware → "
         "Previous version.\n\nIf it still stops after that, reply here and we'll send you a prepaid label.")


async def write_reply(pilot: Pilot[None], app: CmtuiApp, title: str, body: str, to: str) -> ReplyEditorScreen:
    """A reply to `to`'s latest message in the conversation with this title (as `r` on that message's row in the
    inbox by message), the body written and saved."""
    item = next(i for i in app.inbox.table.items if i.title == title)
    latest = max((m for m in app.store.messages(item.id) if m.author == to), key=lambda m: (m.published, m.id))
    app.reply(item.id, latest.id)
    await pilot.pause()
    await pilot.pause()
    editor = app.screen
    assert isinstance(editor, ReplyEditorScreen)
    editor.area.cursor_blink = False  # the same picture every time
    editor.area.insert(body)
    editor.save_now()
    await pilot.pause()
    return editor


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "UTC"
    time.tzset()
    cmtui.sync.utc_now = lambda: NOW  # type: ignore[attr-defined]  # feed health times ("last OK") at the fixed clock
    cmtui.store.marks.utc_now = lambda: NOW - timedelta(hours=2)  # type: ignore[attr-defined]  # the note's time
    with tempfile.TemporaryDirectory(prefix="cmtui-shots-") as tmp, FeedServer() as server:
        for doc in sites.documents(BASE, NOW):
            server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
        text = sites.config_toml(sites.demo_feeds(BASE)) + "\n[ui]\nsync_every = 0\n" + TEAM
        config: Config = parse(text, Path(tmp) / "feeds.toml")
        transport = ForwardTransport(server.base_url)
        db_path = Path(tmp) / "cmtui.db"
        store = Store.open(db_path)
        try:
            run_sync(config, store, transport=transport)
            with store.transaction():
                ids = {c.title: c.id for c in store.conversations(view="all")}
                for title, who in ASSIGNED.items():
                    store.assign(ids[title], who)
                store.add_note(ids[NOTE[0]], NOTE[1], NOTE[2])
                store.add_labels(ids[LABEL[0]], [LABEL[1]])
        finally:
            store.close()
        shown = config._replace(path=Path("/home/you/.config/cmtui/feeds.toml"))
        app = make_app(shown, db_path, now=NOW, sync_options={"transport": transport})
        for path in asyncio.run(shoot(app, out)):
            print(path)


if __name__ == "__main__":
    main()
