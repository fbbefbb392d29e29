"""First paint of the inbox: time from starting the app to the first frame drawn with the inbox's rows, on a store
the user points at (e.g. the 100k-message store `run.py --only inbox` builds). Median of N runs.

    .venv/bin/python bench/first_paint.py --config bench/data/inbox-n1000-p10-m90-s1/feeds.toml \\
        --db bench/data/inbox-store/cmtui.db --runs 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path


async def once(config_path: Path, db: Path) -> tuple[float, int]:
    """Seconds from creating the app (config read, store opened) to the first frame the app hands to the
    terminal driver with the inbox's rows in it, and how many rows the table had then."""
    from cmtui.config import load
    from cmtui.ui.app import make_app
    from cmtui.ui.widgets.inbox_table import InboxTable

    started = time.perf_counter()
    app = make_app(load(config_path), db)
    painted: list[tuple[float, int]] = []
    display = app._display  # every frame goes through here, headless or not

    def frame(screen: object, renderable: object) -> None:
        if not painted and renderable is not None:
            tables = app.screen.query(InboxTable)
            if tables and tables.first().row_count:
                painted.append((time.perf_counter() - started, tables.first().row_count))
        display(screen, renderable)  # type: ignore[arg-type]

    app._display = frame  # type: ignore[method-assign]
    async with app.run_test(size=(160, 45)) as pilot:
        while not painted:
            await asyncio.sleep(0.002)
        await pilot.press("q")
    return painted[0]


def in_terminal(config_path: Path, db: Path, cmtui: str) -> tuple[float, int]:
    """Seconds from starting `cmtui` (a new process: Python's start and every import included) in a 160x45
    pseudo-terminal until the title of the inbox's first row has been written to it."""
    import fcntl
    import os
    import pty
    import select
    import signal
    import struct
    import subprocess
    import termios

    from cmtui.config import load
    from cmtui.store import Store
    from cmtui.triage import inbox

    store = Store.open(db)
    first = inbox(store, load(config_path), limit=1)
    store.close()
    needle = first[0].title[:20].encode() if first else b"Inbox zero"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    started = time.perf_counter()
    proc = subprocess.Popen([cmtui, "--config", str(config_path), "--db", str(db)], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while needle not in seen:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise SystemExit(f"no frame with {needle!r} within 30 s")
            seen = seen[-4096:] + os.read(master, 65536)
        return time.perf_counter() - started, 0
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--terminal", metavar="CMTUI", help="measure a new `CMTUI` process in a pseudo-terminal "
                        "instead (e.g. .venv/bin/cmtui): Python's start and the imports count too")
    args = parser.parse_args()
    if args.terminal:
        def run() -> tuple[float, int]:
            return in_terminal(args.config, args.db, args.terminal)
    else:
        def run() -> tuple[float, int]:
            return asyncio.run(once(args.config, args.db))
    run()  # warm-up: migrations, summaries left dirty, imports, the page cache
    times = []
    for _ in range(args.runs):
        seconds, rows = run()
        times.append(seconds)
        print(f"first paint {seconds:.3f} s" + (f", {rows} rows" if rows else ""))
    print(f"median {statistics.median(times):.3f} s over {args.runs} runs (min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
