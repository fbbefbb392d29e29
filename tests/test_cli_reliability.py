"""The CLI on odd configs and stores: a URL listed twice, text that could drive the terminal, a damaged store.
Real HTTP on 127.0.0.1, real SQLite files, the real `cmtui` process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
