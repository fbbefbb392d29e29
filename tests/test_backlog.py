"""`[sync] backlog_days`: what was already old at a feed's first sync is stored and searchable, but does not wait."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import Config
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import BACKLOG_REASON, inbox

from .helpers import COMMUNITY, ITEM, sync, write_config


def _date(days: float) -> str:
    return format_datetime(datetime.now(UTC) - timedelta(days=days))


def _items(*specs: tuple[int, float, str]) -> str:
    return COMMUNITY.format(items="".join(ITEM.format(id=i, title=f"Topic {i}", author=f"user{i}", date=_date(d),
                                                      body=b) for i, d, b in specs))


def _cli(config: Config, db: Path, *args: str) -> list[dict[str, object]]:
    out = CliRunner().invoke(cli, [*args, "--config", str(config.path), "--db", str(db)])
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)  # type: ignore[no-any-return]


OLD = (1, 400, "Does the Burr One ship to Canada?")
YESTERDAY = (2, 1, "Does the Burr Two ship to Canada?")


def test_first_sync_keeps_the_old_backlog_out_of_the_inbox(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/m.rss", _items(OLD, YESTERDAY))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}],
                          extra="\n[sync]\nbacklog_days = 14\n")
    assert config.sync.backlog_days == 14 == Config(path=tmp_path).sync.backlog_days  # the default
    sync(config, db)
    waiting = _cli(config, db, "inbox", "--json")
    assert [c["title"] for c in waiting] == ["Topic 2"]
    everything = {c["title"]: c for c in _cli(config, db, "inbox", "--json", "--all")}
    old = everything["Topic 1"]
    assert old["needs_reply"] is False and old["reasons"] == [BACKLOG_REASON]
    assert everything["Topic 2"]["needs_reply"] is True
    out = CliRunner().invoke(cli, ["inbox", "--all", "--config", str(config.path), "--db", str(db)])
    assert BACKLOG_REASON in out.output
    store = Store.open(db)
    try:  # stored and searchable
        assert [i.title for i in inbox(store, config, view="all", search="Burr One")] == ["Topic 1"]
    finally:
        store.close()


def test_later_syncs_are_unaffected(db: Path, server: FeedServer, tmp_path: Path) -> None:
    """A message that arrives after the first sync waits whatever its date: it is new to us (a late-found
    comment, a feed that backdates), and only the first sync's backlog predates you."""
    server.set("/m.rss", _items(YESTERDAY))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}],
                          extra="\n[sync]\nbacklog_days = 14\n")
    sync(config, db)
    time.sleep(1.1)  # a sync is told from the first by its second
    server.set("/m.rss", _items(OLD, YESTERDAY))
    sync(config, db)
    assert sorted(c["title"] for c in _cli(config, db, "inbox", "--json")) == ["Topic 1", "Topic 2"]


def test_backlog_days_zero_lets_everything_wait(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/m.rss", _items(OLD, YESTERDAY))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}],
                          extra="\n[sync]\nbacklog_days = 0\n")
    sync(config, db)
    assert sorted(c["title"] for c in _cli(config, db, "inbox", "--json")) == ["Topic 1", "Topic 2"]


def test_a_new_topic_after_a_quiet_first_sync_waits(db: Path, server: FeedServer, tmp_path: Path) -> None:
    """A feed whose first sync was all backlog waits on what comes next."""
    server.set("/m.rss", _items(OLD))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "forum"}],
                          extra="\n[sync]\nbacklog_days = 30\n")
    sync(config, db)
    assert _cli(config, db, "inbox", "--json") == []
    time.sleep(1.1)
    server.set("/m.rss", _items(OLD, (3, 0.1, "Anyone? Still no answer about Canada")))
    sync(config, db)
    assert [c["title"] for c in _cli(config, db, "inbox", "--json")] == ["Topic 3"]


def test_backlog_days_is_checked(tmp_path: Path) -> None:
    from cmtui.config import ConfigError, parse

    try:
        parse("[sync]\nbacklog_days = -1\n", tmp_path / "feeds.toml")
    except ConfigError as exc:
        assert exc.key == "sync.backlog_days"
    else:
        raise AssertionError("a negative backlog_days passed")
