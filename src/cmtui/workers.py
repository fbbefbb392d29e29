"""The parse worker processes of a sync: how they start and what they do first (kept apart from the sync
engine: a worker imports this module and `parse`, nothing else of cmtui)."""

from __future__ import annotations

import contextlib
import importlib.machinery
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

WORKER_NICENESS = 10  # added to the workers' nice value (lower priority than the process that feeds them)


def start_pool(workers: int) -> ProcessPoolExecutor:
    """`workers` parse processes, started now. "spawn": fresh interpreters, each ending by itself when the sync
    that started it is gone (forkserver's helper processes outlived a killed sync)."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=exit_with_parent, initargs=(os.getpid(),))
    try:
        with _main_not_rerun():
            # A pool starts its processes one per submitted task (inside `submit`): start them all here.
            for _ in range(workers):
                pool.submit(os.getpid)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)  # no half-started pool left behind
        raise
    return pool


@contextlib.contextmanager
def _main_not_rerun() -> Iterator[None]:
    """spawn runs the parent's main script again in every worker, under another name, in case the task's
    function lives there; `python -m pkg` mains are not re-run (multiprocessing skips `*.__main__` modules).
    Our tasks never live there, and the `cmtui` console script would import the whole CLI in each worker
    (~0.15 s of CPU apiece): while the workers start, the main module says it is `cmtui.__main__`."""
    main = sys.modules["__main__"]
    saved = getattr(main, "__spec__", None)
    main.__spec__ = importlib.machinery.ModuleSpec("cmtui.__main__", None)
    try:
        yield
    finally:
        main.__spec__ = saved


def exit_with_parent(parent: int) -> None:
    """End this worker when the sync that started it is gone. A sync killed with -9 cannot stop its workers,
    and one blocked on a pipe to it would wait forever (seen after such kills).

    Workers also run at a lower priority: the sync's own process downloads, stores and summarises, and every
    worker waits on it for bodies. When they shared the cores equally it got two thirds of one, and its
    downloads fell behind the parsing (the workers idled ~30 % of a cold sync; 1 s slower out of 8)."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="cmtui-parent-watch", daemon=True).start()
