"""The CLI on odd configs and stores: a URL listed twice, text that could drive the terminal, a damaged store.
Real HTTP on 127.0.0.1, real SQLite files, the real `cmtui` process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cmtui.config import load
from cmtui.demo.server import FeedServer

from .helpers import sync
from .test_urls import config_file, messages, rss


def cmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmtui", *args], capture_output=True, text=True, timeout=120)


# -- a URL listed twice ------------------------------------------------------------


def test_a_url_listed_twice_is_fetched_once_and_warned_about(server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", rss(server.base_url, [("p1", ""), ("p2", "")]))
    server.set("/b.rss", rss(server.base_url, [("b1", "")]))
    config = config_file(tmp_path / "feeds.toml", [server.url("/a.rss"), server.url("/b.rss"), server.url("/a.rss")])
    loaded = load(config)
    assert [f.url for f in loaded.feeds] == [server.url("/a.rss"), server.url("/b.rss")]
    warning = f"{config}: feeds[2].url: the same URL as feeds[0]: fetched once, as feeds[0] (remove one)"
    assert loaded.warnings == (warning,)
    db = tmp_path / "db.sqlite"
    result = cmtui("sync", "--json", "--config", str(config), "--db", str(db))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["new"] == 3 and [f["new"] for f in report["feeds"]] == [2, 1]
    assert len(server.requests_for("/a.rss")) == 1
    assert result.stderr == f"cmtui: config warning: {warning}\n"  # a warning, not an error
    assert messages(db) == 3
    listed = cmtui("feeds", "--json", "--config", str(config), "--db", str(db))
    assert listed.returncode == 0 and [f["url"] for f in json.loads(listed.stdout)] == [
        server.url("/a.rss"), server.url("/b.rss")]


def test_the_engine_fetches_a_url_once_whatever_config_it_is_given(server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", rss(server.base_url, [("p1", ""), ("p2", "")]))
    config = load(config_file(tmp_path / "feeds.toml", [server.url("/a.rss")]))
    twice = config._replace(feeds=config.feeds * 2)  # a config built in code, not read by `config.parse`
    report = sync(twice, tmp_path / "db.sqlite")
    assert [(f.url, f.new) for f in report.feeds] == [(server.url("/a.rss"), 2)] and report.new == 2
    assert len(server.requests_for("/a.rss")) == 1


# -- nothing from the config, a feed or the store drives the terminal ------------------

OSC = "\x1b]8;;http://evil.example/\x07"  # a hyperlink escape: the terminal would obey it
HOSTILE = f"{OSC}Feed\x1b[2J\x9b31m\u202eevil\x07"
TERMINAL_CONTROLS = [chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7f, 0xa0)]] + ["\u202e"]


def assert_inert(output: str) -> None:
    assert not [c for c in TERMINAL_CONTROLS if c in output], repr(output)


def test_a_config_url_with_an_escape_sequence_never_reaches_the_terminal(tmp_path: Path) -> None:
    config = config_file(tmp_path / "feeds.toml", [f"http://127.0.0.1:9/feed{OSC}"])
    result = cmtui("feeds", "--config", str(config), "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2
    assert "feeds[0].url" in result.stderr and "control character" in result.stderr
    assert_inert(result.stdout + result.stderr)


def test_feeds_and_errors_from_the_store_are_shown_sanitised(server: FeedServer, tmp_path: Path) -> None:
    from cmtui.store import Store

    server.set("/a.rss", rss(server.base_url, [("p1", "")]))
    config = tmp_path / "feeds.toml"
    config.write_text(f'[[feeds]]\nurl = "{server.url("/a.rss")}"\nname = {json.dumps(HOSTILE)}\n'
                      f'tags = [{json.dumps(HOSTILE)}]\n', encoding="utf-8")
    db = tmp_path / "db.sqlite"
    synced = cmtui("sync", "--config", str(config), "--db", str(db))
    assert synced.returncode == 0, synced.stderr
    store = Store.open(db)  # what another program, or an older cmtui, may have written
    with store.transaction():
        store.conn.execute("UPDATE feeds SET last_error = ?, last_warning = ?, error_count = 1", [HOSTILE, HOSTILE])
    store.close()
    for command in (["feeds"], ["feeds", "--json"], ["inbox", "--all"], ["inbox", "--all", "--json"], ["people"],
                    ["people", "--json"], ["report"], ["explain", "1"], ["sync", "--force"]):
        result = cmtui(*command, "--config", str(config), "--db", str(db))
        assert "Traceback" not in result.stderr
        assert_inert(result.stdout + result.stderr)
    listed = json.loads(cmtui("feeds", "--json", "--config", str(config), "--db", str(db)).stdout)
    assert listed[0]["name"] == HOSTILE  # the data is unchanged: only its JSON text escapes every control


def test_a_config_error_naming_an_escape_sequence_is_shown_sanitised(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(f"[sync]\n{json.dumps(HOSTILE)} = 1\n", encoding="utf-8")
    result = cmtui("feeds", "--config", str(config), "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2 and "unknown key" in result.stderr
    assert_inert(result.stderr.rstrip("\n"))


# -- stores the CLI cannot use: exit 2 with a store error, in every command ------------------


def test_a_store_from_a_newer_cmtui_is_a_store_error_in_every_command(tmp_path: Path) -> None:
    import sqlite3

    from cmtui.store import Store
    from cmtui.store.migrations import MIGRATIONS

    config = config_file(tmp_path / "feeds.toml", ["http://127.0.0.1:9/feed"])
    db = tmp_path / "db.sqlite"
    Store.open(db).close()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    for command in (["feeds"], ["sync"], ["inbox"], ["people"], ["report"]):
        result = cmtui(*command, "--config", str(config), "--db", str(db))
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith(f"cmtui: store error: {db}: this store was written by a newer cmtui")
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1  # never written back down
    conn.close()


def damaged_store(server: FeedServer, path: Path, how: str) -> Path:
    """The demo synced into `path`, then damaged: a file of garbage bytes, cut in half, or its data pages (the
    feeds, conversations, messages, summaries and people tables, found through dbstat) overwritten, so that the
    store still opens and fails on the first page a command reads."""
    import random
    import sqlite3

    from cmtui.demo import sites

    from .helpers import sync, write_config

    feeds = sites.install(server)
    config = write_config(path.with_suffix(".toml"), [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds],
                          names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))
    sync(config, path)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = [r[0] for r in conn.execute(
        "SELECT pageno FROM dbstat WHERE name IN ('feeds', 'conversations', 'messages', 'conversation_summary', "
        "'people') AND pageno > 1")]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    noise = random.Random(15).randbytes
    if how == "garbage":
        path.write_bytes(noise(path.stat().st_size))
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        with path.open("r+b") as out:
            for page in pages:
                out.seek((page - 1) * page_size)
                out.write(noise(page_size))
    return path


@pytest.mark.parametrize("how", ["garbage", "truncated", "pages"])
def test_a_damaged_store_is_a_store_error_in_every_command(how: str, server: FeedServer, tmp_path: Path) -> None:
    db = damaged_store(server, tmp_path / "db.sqlite", how)
    config = db.with_suffix(".toml")
    for command in (["feeds"], ["feeds", "--json"], ["people"], ["people", "--json"], ["report"], ["report", "--json"],
                    ["inbox"], ["inbox", "--json"], ["explain", "1"], ["done", "1"], ["sync"]):
        result = cmtui(*command, "--config", str(config), "--db", str(db))
        assert result.returncode == 2, (command, result.stderr)
        assert result.stderr.startswith(f"cmtui: store error: {db}: "), (command, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "unexpected" not in result.stderr
