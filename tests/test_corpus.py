"""Every real-world feed of the shared corpus syncs through the HTTP path without an exception."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cmtui.demo.server import FeedServer

from .helpers import sync, write_config


def test_every_corpus_file_syncs_over_http(corpus: Path, server: FeedServer, tmp_path: Path) -> None:
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix != ".md")
    assert len(files) >= 50
    feeds = []
    for i, path in enumerate(files):
        route = f"/corpus/{i}/{path.name}"
        server.set(route, path.read_bytes(), content_type="application/xml")
        # Comment feeds are not followed: they point at the real sites, and tests stay on loopback.
        feeds.append({"url": server.url(route), "name": f"{path.parent.name}/{path.name}", "follow_comments": False})
    config = write_config(tmp_path / "feeds.toml", feeds)
    report = sync(config, tmp_path / "db.sqlite")
    assert len(report.feeds) == len(files)
    by_name = {r.name: r for r in report.feeds}
    # Real feeds with entries are stored; the attack files and empty documents fail with a reason, not a crash.
    for r in report.feeds:
        assert r.status in ("ok", "unchanged", "error"), r
        if r.status == "error":
            assert r.error and "\n" not in r.error
    for attack in ("cyclic.xml", "external.xml", "quadratic.xml", "xmlbomb.xml", "xmlbomb2.xml"):
        assert by_name[f"defusedxml/{attack}"].new == 0
    assert by_name["netnewswire/DaringFireball.atom"].new == 48
    assert by_name["feedjira/TechCrunch.xml"].new == 20
    db = sqlite3.connect(tmp_path / "db.sqlite")
    stored = "\n".join(r[0] for r in db.execute("SELECT text FROM messages"))
    assert "\x1b" not in stored and "\x00" not in stored
    # The XXE file points at a local file: nothing from the attack files is stored.
    from_attacks = db.execute(
        "SELECT count(*) FROM messages m JOIN feeds f ON f.id = m.feed_id WHERE f.name LIKE 'defusedxml/%'"
    ).fetchone()[0]
    assert from_attacks == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # A second sync sends conditional requests and stores nothing new.
    server.reset_hits()
    again = sync(config, tmp_path / "db.sqlite")
    assert again.new == 0
    conditional = [h for h in server.hits if "if-none-match" in h.headers]
    assert len(conditional) >= len([r for r in report.feeds if r.status == "ok"])
