#!/usr/bin/env python3
"""Profile one `cmtui sync` including its worker threads, and print the hot spots.

`python -m cProfile -m cmtui sync ...` profiles only the main thread, but cmtui parses feeds off the
main thread (an executor thread, and in the CLI also a pool of worker processes). This runs the engine
through cmtui's public `run_sync(config, store)` (which parses in a thread, not in processes), gives
every thread started during the run its own profiler (`threading.setprofile`), and merges them all
into one .prof file. An idle executor thread waiting for work shows up as
`{method 'get' of '_queue.SimpleQueue' objects}`: ignore that line.

usage: profile_sync.py --config feeds.toml --db store.db --out /tmp/cold.prof [--top 25]
       profile_sync.py --show /tmp/cold.prof [--top 25]       (print an existing .prof file)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path

_thread_profiles: list[cProfile.Profile] = []


def _profile_new_thread(frame: object, event: str, arg: object) -> None:
    """The threading.setprofile hook: the first event of each new thread starts that thread's own
    profiler, which replaces this hook for the thread."""
    prof = cProfile.Profile()
    _thread_profiles.append(prof)
    prof.enable()


def show(path: str, top: int) -> str:
    out = io.StringIO()
    for key in ("cumulative", "tottime"):
        out.write(f"\n=== {os.path.basename(path)}: top {top} by {key} ===\n")
        stats = pstats.Stats(path, stream=out)
        stats.strip_dirs().sort_stats(key).print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config")
    ap.add_argument("--db")
    ap.add_argument("--out", help="merged .prof file to write")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--show", help="only print the hot spots of this .prof file")
    args = ap.parse_args(argv)
    if args.show:
        print(show(args.show, args.top))
        return 0
    if not (args.config and args.db and args.out):
        ap.error("--config, --db and --out are required (or --show FILE)")

    from cmtui.config import load
    from cmtui.store import Store
    from cmtui.sync import run_sync

    main_prof = cProfile.Profile()
    started = time.monotonic()
    threading.setprofile(_profile_new_thread)
    main_prof.enable()
    store = Store.open(Path(args.db))
    report = run_sync(load(Path(args.config)), store)
    store.close()
    main_prof.disable()
    threading.setprofile(None)  # type: ignore[arg-type]
    wall = time.monotonic() - started
    with tempfile.TemporaryDirectory() as tmp:
        main_path = os.path.join(tmp, "main.prof")
        main_prof.dump_stats(main_path)
        stats = pstats.Stats(main_path)
        for i, prof in enumerate(_thread_profiles):  # their threads have ended: the engine joins its executor
            path = os.path.join(tmp, f"thread{i}.prof")
            prof.dump_stats(path)
            stats.add(path)
        stats.dump_stats(args.out)
    print(f"profiled sync: {len(report.feeds)} feeds, {report.new} new, {len(report.failed)} failed, "
          f"{len(_thread_profiles)} extra thread(s), {wall:.2f} s under the profiler -> {args.out}")
    print(show(args.out, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
