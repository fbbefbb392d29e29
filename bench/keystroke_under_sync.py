"""Typing a reply while a cron `cmtui sync` stores and summarises a 10,000-comment conversation.

    .venv/bin/python bench/keystroke_under_sync.py [--comments 10000] [--keys 200]

Serves a blog post with N comments on 127.0.0.1 (the same feeds as `bench/app_scale.py`), opens the app on a
store that holds only a small mentions feed, opens the reply editor, then starts `cmtui sync` in another
process, which fetches the big post and stores and summarises its comments into the same store. Meanwhile a
key is typed every 20 ms until the sync ends. For each key: the time until the editor shows it, and the
longest the UI thread went without a turn (stall). Prints the median and the worst.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_scale import NOW, Stalls, blog_feed, comments_feed, until  # noqa: E402

MENTION = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>#acme</title>
<link>{base}/tags/acme</link><item><title>Is the Burr One worth it?</title><link>{base}/@kat/1</link>
<guid>{base}/@kat/1</guid><pubDate>Wed, 25 Nov 2026 10:00:00 +0000</pubDate>
<description>Is the Burr One worth it over a hand grinder?</description></item></channel></rss>"""


async def type_during_sync(config: Path, db: Path, keys: int) -> tuple[list[float], list[float], float, list[float]]:
    from textual.widgets import TextArea

    from cmtui.config import load
    from cmtui.ui.app import make_app
    from cmtui.ui.screens.editor import ReplyEditorScreen

    app = make_app(load(config), db, now=NOW)
    shown: list[float] = []
    stalls_seen: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause(1.0)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ReplyEditorScreen))
        area = app.screen.query_one(TextArea)
        stalls = Stalls()
        stalls.start()
        idle: list[float] = []
        for n in range(1, 31):  # the same keys with no sync running: what Pilot and the editor cost alone
            before = time.perf_counter()
            await pilot.press("y")
            await until(lambda n=n: area.text.count("y") >= n, limit=60.0)
            idle.append(time.perf_counter() - before)
            await asyncio.sleep(0.02)
        started = time.perf_counter()
        sync = subprocess.Popen([sys.executable, "-m", "cmtui", "sync", "--quiet", "--config", str(config),
                                 "--db", str(db)])
        typed = 0
        while (sync.poll() is None or typed < 20) and typed < keys:
            stalls.reset()
            before = time.perf_counter()
            await pilot.press("x")
            typed += 1
            await until(lambda n=typed: area.text.count("x") >= n, limit=60.0)
            shown.append(time.perf_counter() - before)
            stalls_seen.append(stalls.worst)
            await asyncio.sleep(0.02)
        sync_seconds = time.perf_counter() - started
        sync.wait()
        stalls.stop()
        await pilot.press("escape")
        await pilot.pause(0.5)
        await pilot.press("q")
    return shown, stalls_seen, sync_seconds, idle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=2_000)
    args = parser.parse_args()

    from cmtui.config import parse
    from cmtui.demo.server import FeedServer
    from cmtui.store import Store
    from cmtui.sync import run_sync

    with tempfile.TemporaryDirectory() as tmp, FeedServer() as server:
        base = server.base_url
        server.set("/tags/acme.rss", MENTION.format(base=base), content_type="application/rss+xml")
        server.set("/blog/feed/", blog_feed(base, args.comments), content_type="application/rss+xml")
        server.set("/blog/big-launch/feed/", comments_feed(base, args.comments), content_type="application/rss+xml")
        server.set("/blog/comments/feed/", comments_feed(base, 0), content_type="application/rss+xml")
        head = ('[identity]\nnames = ["Acme Support"]\n\n[sync]\nmax_body_mb = 200\ntimeout = 120\nbacklog_days = 0\n\n'
                '[ui]\nsync_every = 0\n\n'
                f'[[feeds]]\nurl = "{base}/tags/acme.rss"\nname = "Mentions"\nkind = "mentions"\n\n')
        small, full, db = Path(tmp) / "small.toml", Path(tmp) / "feeds.toml", Path(tmp) / "cmtui.db"
        small.write_text(head, encoding="utf-8")
        full.write_text(head + f'[[feeds]]\nurl = "{base}/blog/feed/"\nname = "Acme blog"\nkind = "blog"\n',
                        encoding="utf-8")
        store = Store.open(db)
        run_sync(parse(small.read_text(), small), store)
        store.close()
        shown, stalls, seconds, idle = asyncio.run(type_during_sync(full, db, args.keys))
    ms = sorted(x * 1000 for x in shown)
    print(f"{len(ms)} keys typed during a {seconds:.1f} s sync of {args.comments:,} comments")
    print(f"key shown in the editor: median {statistics.median(ms):.1f} ms, worst {ms[-1]:.1f} ms "
          f"(no sync running: median {statistics.median(idle) * 1000:.1f} ms, worst {max(idle) * 1000:.1f} ms)")
    print(f"UI stall while a key was typed: median {statistics.median(stalls) * 1000:.1f} ms, "
          f"worst {max(stalls) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
