"""One store shared by a team: syncs that overlap or die on either backend leave the inbox a single sync
gives; PostgreSQL and SQLite give the same inbox; a long-running `cmtui sync --every`."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cmtui.config import Config
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.store import Store

from .helpers import write_config

BIG = "".join(f"<item><title>Mention {i}</title><guid>m{i}</guid><description>Does it ship to zone {i}?"
              "</description></item>" for i in range(1500))


def cmtui(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cmtui", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.fixture
def communities(server: FeedServer, tmp_path: Path) -> Config:
    """The demo sites and a big mentions feed (a sync long enough to be caught midway)."""
    feeds = sites.install(server)
    server.set("/big.rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{BIG}'
                           "</channel></rss>")
    return write_config(tmp_path / "feeds.toml",
                        [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds]
                        + [{"url": server.url("/big.rss"), "name": "Big", "kind": "mentions"}],
                        names=sites.IDENTITY_NAMES, handles=sites.identity_handles(server.base_url),
                        extra="\n[sync]\nthreads_per_host = 0\n")


def inbox_of(config: Config, db: Path | str) -> list[tuple[object, ...]]:
    """The inbox as a teammate reads it (`inbox --json --all`), without the store's own ids."""
    done = subprocess.run([sys.executable, "-m", "cmtui", "inbox", "--json", "--all", "--config", str(config.path),
                           "--db", str(db)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [(i["title"], i["feed"], i["needs_reply"], i["priority"], i["messages"], i["unanswered"], i["reasons"])
            for i in json.loads(done.stdout)]


def synced(config: Config, db: Path | str, *extra: str) -> None:
    done = cmtui("sync", *extra, "--config", str(config.path), "--db", str(db))
    out, err = done.communicate(timeout=180)
    assert done.returncode == 0, err


def test_the_same_communities_give_the_same_inbox_on_both_backends(communities: Config, db: Path | str,
                                                                    tmp_path: Path) -> None:
    reference = tmp_path / "reference.sqlite"
    synced(communities, reference)
    synced(communities, db)
    listed = inbox_of(communities, db)
    assert len(listed) > 20 and listed == inbox_of(communities, reference)


def test_two_syncs_started_together_leave_the_inbox_of_one(communities: Config, db: Path | str,
                                                           tmp_path: Path) -> None:
    reference = tmp_path / "reference.sqlite"
    synced(communities, reference)
    first, second = (cmtui("sync", "--wait", "120", "--config", str(communities.path), "--db", str(db))
                     for _ in range(2))
    for proc in (first, second):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    assert inbox_of(communities, db) == inbox_of(communities, reference)


def test_a_sync_killed_at_any_moment_then_another_leave_the_inbox_of_one(communities: Config, db: Path | str,
                                                                         tmp_path: Path) -> None:
    reference = tmp_path / "reference.sqlite"
    synced(communities, reference)
    rng = random.Random(19)
    for _ in range(6):
        proc = cmtui("sync", "--config", str(communities.path), "--db", str(db))
        time.sleep(rng.uniform(0.2, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    synced(communities, db, "--force")
    assert inbox_of(communities, db) == inbox_of(communities, reference)


def test_sync_every_keeps_syncing_until_stopped(communities: Config, db: Path | str) -> None:
    proc = cmtui("sync", "--every", "1m", "--config", str(communities.path), "--db", str(db))
    lines: list[str] = []  # its report, on stdout
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or ()), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(line.startswith("Synced") for line in lines):
        time.sleep(0.2)
    assert any(line.startswith("Synced 5 feeds") for line in lines), lines
    time.sleep(1)
    assert proc.poll() is None  # still running: it waits for its next round
    with Store.open(db) as store:
        assert store.counts()["messages"] > 1500
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) != 0
    reader.join(timeout=10)
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_the_demo_runs_on_either_backend(db: Path | str) -> None:
    done = subprocess.run([sys.executable, "-m", "cmtui", "demo", "--no-app", "--db", str(db)], capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "Introducing the Acme Burr One" in done.stdout and "possible scam" in done.stdout
    if isinstance(db, str):
        assert ":***@" in done.stderr and db.split("//")[1].split("@")[0].split(":")[1] not in done.stderr
    with Store.open(db) as store:
        assert store.counts()["messages"] > 50


def test_sync_every_refuses_more_than_once_a_minute(communities: Config) -> None:
    from click.testing import CliRunner

    from cmtui.cli import cli

    for period, why in (("30s", "h, d or w"), ("0m", "at most once a minute"), ("soon", "h, d or w")):
        out = CliRunner().invoke(cli, ["sync", "--every", period, "--config", str(communities.path)])
        assert out.exit_code == 2 and "--every" in out.output and why in out.output, out.output
