"""Small helpers shared by the sync tests: a config on disk, a store, one sync."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cmtui.config import Config, load
from cmtui.store import Store
from cmtui.sync import SyncReport, run_sync


def toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# The tests' feeds are dated at fixed times (a NOW in November 2026) and synced by the real clock: with the default
# `[sync] backlog_days`, their first sync would call them backlog once NOW is two weeks past. A config written
# here sets it to 0 unless `extra` sets it (tests/test_backlog.py does).
NO_BACKLOG = "backlog_days = 0  # the fixtures' fixed dates are not a backlog\n"


def write_config(path: Path, feeds: list[dict[str, object]], names: tuple[str, ...] = ("Acme Support",),
                 extra: str = "", handles: tuple[str, ...] = ()) -> Config:
    if "backlog_days" not in extra:
        extra = extra.replace("[sync]\n", "[sync]\n" + NO_BACKLOG, 1) if "[sync]\n" in extra else \
            extra + "\n[sync]\n" + NO_BACKLOG
    lines = ["[identity]", "names = [" + ", ".join(toml_str(n) for n in names) + "]",
             "handles = [" + ", ".join(toml_str(n) for n in handles) + "]", ""]
    for feed in feeds:
        lines.append("[[feeds]]")
        for key, value in feed.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, list | tuple):
                lines.append(f"{key} = [" + ", ".join(toml_str(str(v)) for v in value) + "]")
            else:
                lines.append(f"{key} = {toml_str(str(value))}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + extra, encoding="utf-8")
    return load(path)


def sync(config: Config, db: Path, **kwargs: object) -> SyncReport:
    store = Store.open(db)
    try:
        return run_sync(config, store, **kwargs)
    finally:
        store.close()


# A forum's RSS feed of topics (one <item> each), for tests that rank or list whole conversations.
COMMUNITY = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Acme forum</title>
<link>http://forum.example/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>http://forum.example/{id}</link><guid>http://forum.example/{id}</guid>
<dc:creator>{author}</dc:creator><pubDate>{date}</pubDate><description>{body}</description></item>"""


def query(store: Store, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    """Rows of a query on the store's own connection (either backend), by column name: what a test looks at
    directly."""
    return store._rows(sql, params)


def query_one(store: Store, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row:
    """The first row of `query`; the test fails when there is none."""
    found = query(store, sql, params)
    assert found, f"no row for {sql!r}"
    return found[0]
