"""The parse worker processes of a sync: what they run (`parse_feed`: parse, then score) and how they start
(kept apart from the sync engine: a worker imports this module, `parse` and `signals`, nothing else of cmtui
that it does not need).

Scoring is most of a message's parsing cost, which is why it runs here, in the workers, rather than in the
triage that reads it: a cold sync spreads it over every core.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import TYPE_CHECKING

from cmtui import parse, signals
from cmtui.config import normalise_name
from cmtui.identity import Identity

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

NOBODY = Identity()  # no names, no handles: nothing is ours
WORKER_NICENESS = 10  # added to the workers' nice value (lower priority than the process that feeds them)


def parse_feed(body: bytes, url: str, headers: dict[str, str] | None = None, now: float | None = None,
               fast: bool = True, us: Identity = NOBODY) -> parse.ParsedFeed:
    """The parse workers' job: `parse.parse`, then `scored`. `us`: who we are. Never raises."""
    return scored(parse.parse(body, url, headers, now, fast), us)


def scored(feed: parse.ParsedFeed, us: Identity) -> parse.ParsedFeed:
    """`feed` with the sentiment and word features (`signals`) of each entry that can wait for a reply: not our
    own, and not a post, except in a topic feed (there the opening post waits too, as on a forum). Posts of
    other feeds are scored later, and only where they wait (mentions: the triage does it then), for their text
    is long. Never raises: a failure is the feed's error, as in `parse.parse`."""
    try:
        for entry in feed.entries:
            if (entry.is_post and feed.role != "topic") or us.is_ours(normalise_name(entry.author), entry.account):
                continue
            entry.sentiment = signals.sentiment(entry.text) if entry.text else 0.0
            entry.features = signals.features(entry.text, entry.sentiment)
    except Exception as exc:  # noqa: BLE001 - hostile input must not stop a sync
        return parse.unparsable(feed.url, exc)
    return feed


def start_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` parse processes, started now. "spawn": fresh interpreters, each ending by itself when the sync
    that started it is gone (forkserver's helper processes outlived a killed sync)."""
    import multiprocessing  # here: a process that only parses (in a thread) never needs them
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=exit_with_parent, initargs=(os.getpid(),))
    try:
        # A pool starts its processes one per submitted task (inside `submit`): start them all here.
        for _ in range(workers):
            pool.submit(os.getpid)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # no half-started pool left behind
        raise
    return pool


def exit_with_parent(parent: int) -> None:
    """End this worker when the sync that started it is gone. A sync killed with -9 cannot stop its workers,
    and one blocked on a pipe to it would wait forever (seen after such kills).

    Workers also run at a lower priority: the sync's own process downloads, stores and summarises, and every
    worker waits on it for bodies; sharing the cores equally, its downloads fell behind the parsing and the
    workers idled (the gain: bench/RESULTS.md, session 7: final run)."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="cmtui-parent-watch", daemon=True).start()
