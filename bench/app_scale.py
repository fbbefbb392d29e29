"""The app at scale: a store with a 50,000-item mentions feed and one blog post with 10,000 comments, synced from a
real HTTP server on 127.0.0.1, then driven with Textual's Pilot.

    .venv/bin/python bench/app_scale.py                     # builds the store in a temp dir, then times the app
    .venv/bin/python bench/app_scale.py --keep /tmp/scale   # keep (or reuse) the store and config there
    .venv/bin/python bench/app_scale.py --mentions 5000 --comments 1000   # a quicker look

What is timed, for each action:
  stall   the longest time the UI thread (the event loop) went without running anything else: what a user
          feels as a frozen app. A probe task sleeps 5 ms in a loop and records its longest late wake-up.
  shown   from the key press until the screen shows the result (the last row under the cursor, the search's
          rows, the conversation's cards, the inbox back), work in threads included.

Actions: `G` on the inbox (the last of 50,000 conversations), a search keystroke (one more letter typed into the
search box, until its results are shown), opening the 10,000-comment conversation (enter), `G` in it, and back
(escape). The build step times `cmtui sync` of the whole store (fetch, parse, store, summarise).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WORDS = ("grinder burr espresso refund shipping order broken love great setting coarse fine moka pour-over "
         "warranty noise motor clean descale question help thanks price available bean hopper dial").split()
AUTHORS = [f"user{i:03d}" for i in range(500)]
BIG_TITLE = "The big launch thread"


def _sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + rng.choice([".", "?", "!", "."])


def mentions_feed(base: str, n: int) -> str:
    """`n` statuses, one conversation each, the newest first (as a tag feed lists them)."""
    rng = random.Random(1)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>#acme</title>'
           f"<link>{base}/tags/acme</link><generator>bench</generator>\n"]
    for i in range(n, 0, -1):
        url = f"{base}/@{rng.choice(AUTHORS)}/{i}"
        when = format_datetime(NOW - timedelta(minutes=i))
        out.append(f'<item><guid isPermaLink="true">{url}</guid><link>{url}</link><pubDate>{when}</pubDate>'
                   f"<description>{escape('<p>' + escape(_sentence(rng)) + ' #acme</p>')}</description></item>\n")
    out.append("</channel></rss>\n")
    return "".join(out)


def blog_feed(base: str, comments: int) -> str:
    post = f"{base}/blog/big-launch/"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Acme blog</title>'
            f"<link>{base}/blog/</link><generator>https://wordpress.org/?v=6.4</generator>\n"
            f"<item><title>{BIG_TITLE}</title><link>{post}</link><dc:creator>Acme Support</dc:creator>"
            f"<pubDate>{format_datetime(NOW - timedelta(days=10))}</pubDate>"
            f'<guid isPermaLink="false">{base}/blog/?p=1</guid><description>Launch day: ask us anything.</description>'
            f"<wfw:commentRss>{post}feed/</wfw:commentRss><slash:comments>{comments}</slash:comments></item>\n"
            "</channel></rss>\n")


def comments_feed(base: str, n: int) -> str:
    """`n` comments on the big post: a third answer an earlier comment ("In reply to"), 5 % are ours."""
    rng = random.Random(2)
    post = f"{base}/blog/big-launch/"
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
           f"<channel><title>Comments on: {BIG_TITLE}</title><link>{post}</link>"
           "<generator>https://wordpress.org/?v=6.4</generator>\n"]
    authors = {}
    for i in range(n, 0, -1):
        authors[i] = "Acme Support" if rng.random() < 0.05 else rng.choice(AUTHORS)
    for i in range(n, 0, -1):
        link = f"{post}#comment-{i}"
        body = f"<p>{escape(_sentence(rng))}</p>"
        if i > 1 and rng.random() < 0.33:
            parent = rng.randrange(1, i)
            body = f'<p>In reply to <a href="{post}#comment-{parent}">{authors[parent]}</a>.</p>\n' + body
        when = format_datetime(NOW - timedelta(days=9) + timedelta(seconds=60 * i))
        out.append(f"<item><title>By: {authors[i]}</title><link>{link}</link><dc:creator>{authors[i]}</dc:creator>"
                   f'<pubDate>{when}</pubDate><guid isPermaLink="false">{base}/blog/?p=1&amp;c={i}</guid>'
                   f"<description>{escape(body)}</description><content:encoded>{escape(body)}</content:encoded>"
                   "</item>\n")
    out.append("</channel></rss>\n")
    return "".join(out)


def build(where: Path, mentions: int, comments: int) -> tuple[Path, Path]:
    """Serve the feeds on 127.0.0.1, sync them into `where/cmtui.db` (timed), return (config, db)."""
    from cmtui.config import parse
    from cmtui.demo.server import FeedServer
    from cmtui.store import Store
    from cmtui.sync import run_sync

    config_path, db = where / "feeds.toml", where / "cmtui.db"
    if db.exists() and config_path.exists():
        return config_path, db
    where.mkdir(parents=True, exist_ok=True)
    with FeedServer() as server:
        base = server.base_url
        server.set("/tags/acme.rss", mentions_feed(base, mentions), content_type="application/rss+xml")
        server.set("/blog/feed/", blog_feed(base, comments), content_type="application/rss+xml")
        server.set("/blog/big-launch/feed/", comments_feed(base, comments), content_type="application/rss+xml")
        server.set("/blog/comments/feed/", comments_feed(base, 0), content_type="application/rss+xml")  # site-wide
        # backlog_days = 0: every message of the first sync waits for a reply (the inbox is 50,000 long)
        text = ('[identity]\nnames = ["Acme Support"]\n\n[sync]\nmax_body_mb = 200\ntimeout = 120\n'
                'backlog_days = 0\n\n'
                f'[[feeds]]\nurl = "{base}/tags/acme.rss"\nname = "Mentions"\nkind = "mentions"\n\n'
                f'[[feeds]]\nurl = "{base}/blog/feed/"\nname = "Acme blog"\nkind = "blog"\n\n'
                "[ui]\nsync_every = 0\n")
        config_path.write_text(text, encoding="utf-8")
        store = Store.open(db)
        started = time.perf_counter()
        report = run_sync(parse(text, config_path), store)
        seconds = time.perf_counter() - started
        counts = store.counts()
        store.close()
    print(f"sync (fetch, parse, store, summarise): {seconds:.1f} s, {report.new} new messages, "
          f"{counts['conversations']} conversations, failed: {[f.error for f in report.failed]}")
    return config_path, db


class Stalls:
    """The longest gap between the event loop's turns while it runs: a task that sleeps `tick` seconds."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _probe(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            self.worst = max(self.worst, time.perf_counter() - before - self.tick)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._probe())

    def reset(self) -> None:
        self.worst = 0.0

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


async def until(check: Callable[[], bool], limit: float = 120.0) -> None:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > limit:
            raise TimeoutError("the screen did not show the result")
        await asyncio.sleep(0.002)


async def run_app(config_path: Path, db: Path, profile: bool = False) -> list[tuple[str, float, float]]:
    from cmtui.config import load
    from cmtui.ui.app import make_app
    from cmtui.ui.screens.conversation import ConversationScreen
    from cmtui.ui.screens.inbox import InboxScreen
    from cmtui.ui.widgets.inbox_table import InboxTable
    from cmtui.ui.widgets.thread_view import MessageCard

    expected = count(db, config_path)
    app = make_app(load(config_path), db, now=NOW)
    results: list[tuple[str, float, float]] = []
    stalls = Stalls()
    async with app.run_test(size=(160, 45)) as pilot:
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        table = inbox.query_one(InboxTable)
        await until(lambda: table.row_count > 0)
        await pilot.pause(1.0)
        stalls.start()

        async def timed(name: str, act: Callable[[], Awaitable[Any]], done: Callable[[], bool]) -> None:
            await asyncio.sleep(0.05)
            stalls.reset()
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()  # this thread only: the UI thread
            started = time.perf_counter()
            await act()
            await until(done)
            shown = time.perf_counter() - started
            await asyncio.sleep(0.05)
            if profiler is not None:
                profiler.disable()
            results.append((name, stalls.worst, shown))
            print(f"{name:<38} stall {stalls.worst:7.3f} s   shown {shown:7.3f} s", flush=True)
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(12)

        await until(lambda: len(table.items) >= expected)  # the whole list is in (the first page came first)

        def at_last_row() -> bool:  # the code before windows had no `absolute_row`: its cursor row is the index
            return getattr(table, "absolute_row", table.cursor_row) == len(table.items) - 1

        await timed("G (last of the inbox)", lambda: pilot.press("G"), at_last_row)
        await timed("g (first of the inbox)", lambda: pilot.press("g"),
                    lambda: getattr(table, "absolute_row", table.cursor_row) == 0)
        await pilot.press("slash")
        await pilot.press(*"refun")
        await until(lambda: inbox.filters.search == "refun")
        await pilot.pause(3.0)
        expected_search = count(db, config_path, "refund")

        def searched() -> bool:
            return inbox.filters.search == "refund" and len(table.items) == expected_search and \
                table.row_count > 0 and not any(w.is_running for w in app.workers)

        await timed("search keystroke (refun -> refund)", lambda: pilot.press("d"), searched)
        await pilot.press("escape")
        await pilot.pause(2.0)
        await pilot.press("f")  # all: the big post is answered by us now and then
        await pilot.pause(2.0)
        conv_id = app.store.one("SELECT id FROM conversations WHERE title = ?", [BIG_TITLE])["id"]

        async def open_big() -> None:
            app.open_conversation(conv_id)

        def opened() -> bool:
            screen = app.screen
            return isinstance(screen, ConversationScreen) and isinstance(screen.focused, MessageCard)

        await timed("open the 10,000-comment conversation", open_big, opened)
        await timed("G in it (last message)", lambda: pilot.press("G"),
                    lambda: isinstance(app.screen.focused, MessageCard) and
                    app.screen.focused.message.id == app.screen.messages[-1].id)
        await timed("back to the inbox (escape)", lambda: pilot.press("escape"),
                    lambda: app.screen is inbox and table.row_count > 0)
        stalls.stop()
        await pilot.press("q")
    return results


def count(db: Path, config_path: Path, search: str | None = None) -> int:
    """How many conversations the inbox lists (needs a reply), as the store counts them."""
    from cmtui.config import load
    from cmtui.store import Store
    from cmtui.triage import inbox_count

    store = Store.open(db)
    try:
        return inbox_count(store, load(config_path), now=NOW, search=search)[0]
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=50_000)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build the store here (reused when it is already there)")
    parser.add_argument("--profile", action="store_true", help="profile the UI thread during each action")
    args = parser.parse_args()
    where = args.keep or Path(tempfile.mkdtemp(prefix="cmtui-scale-"))
    config_path, db = build(where, args.mentions, args.comments)
    asyncio.run(run_app(config_path, db, args.profile))


if __name__ == "__main__":
    main()
