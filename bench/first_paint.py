"""First paint of the inbox: time from starting the app to the inbox table shown with its rows, on a store
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
    from cmtui.config import load
    from cmtui.ui.app import make_app
    from cmtui.ui.widgets.inbox_table import InboxTable

    started = time.perf_counter()
    app = make_app(load(config_path), db)
    async with app.run_test(size=(160, 45)) as pilot:
        table = app.screen.query_one(InboxTable)
        while table.row_count == 0:  # the first rows are in: that is what paints first
            await asyncio.sleep(0.002)
        await pilot.pause()  # and the screen refreshed with them
        painted = time.perf_counter() - started
        rows = table.row_count
        await pilot.press("q")
    return painted, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(once(args.config, args.db))  # warm-up: migrations, summaries left dirty, imports
    times = []
    for _ in range(args.runs):
        seconds, rows = asyncio.run(once(args.config, args.db))
        times.append(seconds)
        print(f"first paint {seconds:.3f} s, {rows} rows")
    print(f"median {statistics.median(times):.3f} s over {args.runs} runs (min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
