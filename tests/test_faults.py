"""Faults: killed syncs, overlapping syncs, broken stores and configs, a full disk. Never a traceback,
never a half-written store."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cmtui.config import Config
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.store import Store, StoreError
from cmtui.sync import run_sync
from cmtui.triage import inbox, refresh

from .helpers import query_one, write_config

BIG = "".join(f"<item><title>Mention {i}</title><guid>m{i}</guid><description>Does it ship to zone {i}?"
              "</description></item>" for i in range(3000))


def cmtui(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cmtui", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)  # type: ignore[call-overload]


@pytest.fixture
def busy_config(server: FeedServer, tmp_path: Path) -> Config:
    feeds = sites.install(server)
    server.set("/big.rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{BIG}'
                           "</channel></rss>")
    return write_config(tmp_path / "feeds.toml",
                        [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds]
                        + [{"url": server.url("/big.rss"), "name": "Big", "kind": "mentions"}],
                        names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))


def count(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT count(*) FROM messages").fetchone()[0],
                conn.execute("SELECT count(*) FROM conversation_summary").fetchone()[0])
    finally:
        conn.close()


def children(pid: int) -> set[int]:
    """The processes `pid` started (Linux /proc), e.g. a sync's parse workers."""
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def alive(pid: int) -> bool:
    """Running (not a zombie waiting for its new parent to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_kill_9_at_random_moments_never_breaks_the_store(busy_config: Config, tmp_path: Path) -> None:
    reference = tmp_path / "reference.db"
    done = cmtui("sync", "--config", str(busy_config.path), "--db", str(reference))
    assert done.wait(120) == 0, done.stderr.read() if done.stderr else ""
    db = tmp_path / "killed.db"
    rng = random.Random(7)
    orphans: set[int] = set()
    for _ in range(20):
        proc = cmtui("sync", "--config", str(busy_config.path), "--db", str(db))
        time.sleep(rng.uniform(0.05, 1.5))
        workers = children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        orphans.update(workers)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in orphans) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in orphans if alive(pid)], "parse workers outlived the killed sync"
    final = cmtui("sync", "--force", "--config", str(busy_config.path), "--db", str(db))
    assert final.wait(120) == 0, final.stderr.read() if final.stderr else ""
    assert count(db) == count(reference)


def test_a_second_sync_waits_or_exits_clearly_and_readers_never_see_locks(
        server: FeedServer, busy_config: Config, tmp_path: Path) -> None:
    def slow(req) -> None:  # type: ignore[no-untyped-def]
        try:
            time.sleep(4)
            req.send_response(304)
            req.end_headers()
        except OSError:
            pass

    server.handle("/slow.rss", slow)
    config = write_config(tmp_path / "slow.toml", [{"url": server.url("/slow.rss"), "name": "Slow"}]
                          + [{"url": f.url, "name": f.name, "kind": f.kind} for f in busy_config.feeds],
                          names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))
    db = tmp_path / "db.sqlite"
    first = cmtui("sync", "--config", str(config.path), "--db", str(db))
    lock = Path(str(db) + ".sync-lock")
    deadline = time.monotonic() + 10
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    errors: list[str] = []
    stop = threading.Event()

    def reader() -> None:  # the open app reading while cron writes
        while not stop.is_set():
            try:
                store = Store.open(db)
                inbox(store)
                store.close()
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            time.sleep(0.02)

    thread = threading.Thread(target=reader)
    thread.start()
    second = cmtui("sync", "--config", str(config.path), "--db", str(db))
    out, err = second.communicate(timeout=60)
    assert second.returncode == 1
    assert "another cmtui sync is running" in err and "Traceback" not in err
    waiting = cmtui("sync", "--wait", "60", "--config", str(config.path), "--db", str(db))
    assert waiting.wait(120) == 0
    assert first.wait(120) == 0
    stop.set()
    thread.join()
    assert errors == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmtui", *args], capture_output=True, text=True, timeout=60)


def test_broken_store_and_config_give_a_clear_error(busy_config: Config, tmp_path: Path) -> None:
    garbage = tmp_path / "not-a-db.sqlite"
    garbage.write_bytes(b"this is not a database, just some text" * 100)
    done = run_cli("sync", "--config", str(busy_config.path), "--db", str(garbage))
    assert done.returncode == 2 and "store error" in done.stderr and "not a database" in done.stderr
    assert "Traceback" not in done.stderr
    assert garbage.read_bytes().startswith(b"this is not a database")  # left as it was

    corrupt = tmp_path / "corrupt.sqlite"
    ok = run_cli("sync", "--config", str(busy_config.path), "--db", str(corrupt))
    assert ok.returncode == 0, ok.stderr
    data = bytearray(corrupt.read_bytes())
    data[100:4096] = os.urandom(3996)  # smash the schema page
    corrupt.write_bytes(bytes(data))
    done = run_cli("inbox", "--config", str(busy_config.path), "--db", str(corrupt))
    assert done.returncode == 2 and "store error" in done.stderr and "Traceback" not in done.stderr

    unreadable = tmp_path / "config-dir"
    unreadable.mkdir()
    done = run_cli("sync", "--config", str(unreadable), "--db", str(tmp_path / "x.db"))
    assert done.returncode == 2 and "cannot read" in done.stderr and "Traceback" not in done.stderr

    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    done = run_cli("sync", "--config", str(busy_config.path), "--db", str(blocker / "sub" / "db.sqlite"))
    assert done.returncode == 2 and "store error" in done.stderr and "Traceback" not in done.stderr


def test_full_disk_during_a_sync_stops_cleanly(busy_config: Config, tmp_path: Path) -> None:
    """SQLite's max_page_count makes the store 'full' part-way through: SQLITE_FULL, as on a full disk."""
    db = tmp_path / "full.db"
    store = Store.open(db)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages + 40}")
    with pytest.raises(StoreError, match="full"):
        run_sync(busy_config, store)
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Every conversation that has messages has its summary, or is marked as owed one (the summaries of a sync
    # follow its feeds' transactions): nothing is half-written, and the next read catches up.
    unsummarised = ("SELECT count(*) FROM conversations c WHERE EXISTS (SELECT 1 FROM messages m WHERE "
                    "m.conversation_id = c.id) AND NOT EXISTS (SELECT 1 FROM conversation_summary s "
                    "WHERE s.conversation_id = c.id)")
    owed = conn.execute(unsummarised + " AND NOT EXISTS (SELECT 1 FROM dirty d WHERE d.conversation_id = c.id)")
    assert owed.fetchone()[0] == 0
    conn.close()
    store = Store.open(db)  # room again: the next read summarises what is owed, the next sync completes
    refresh(store, busy_config)  # what every reader does first (`cmtui inbox`, the app's reload)
    inbox(store, busy_config)
    assert query_one(store, unsummarised)[0] == 0  # type: ignore[index]
    report = run_sync(busy_config, store, force=True)
    store.close()
    assert not report.failed


def test_parse_workers_start_at_once_at_a_lower_priority() -> None:
    """The sync's own process feeds the parse workers (downloads, stores, summarises): they yield the cores to
    it, and all of them are started when the pool is."""
    import multiprocessing

    from cmtui import workers

    before = len(multiprocessing.active_children())
    pool = workers.start_pool(2)
    try:
        assert len(multiprocessing.active_children()) >= before + 2  # started up front, not one per task later
        assert pool.submit(os.nice, 0).result(timeout=60) >= min(19, os.nice(0) + workers.WORKER_NICENESS)
    finally:
        pool.shutdown()
