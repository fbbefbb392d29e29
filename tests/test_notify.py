"""After a sync, the user is told what needs an answer: the command gets the urgent message of each conversation,
and a desktop notification (`notify-send`) is shown when asked for."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from cmtui import notify
from cmtui.config import Config
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from tests.helpers import sync, write_config

URGENT = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Comments on: Burr One</title><link>http://blog.example/burr-one/</link><description>x</description>
<item><title>By: Ann</title><link>http://blog.example/burr-one/#comment-1</link><guid>c1</guid><dc:creator>Ann</dc:creator>
<pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate>
<description>This is a disgrace: charged twice, no refund, and support never answers. Terrible.</description></item>
<item><title>By: Bo</title><link>http://blog.example/burr-one/#comment-2</link><guid>c2</guid><dc:creator>Bo</dc:creator>
<pubDate>Mon, 30 Nov 2026 09:00:00 +0000</pubDate><description>Nice colours!</description></item>
</channel></rss>"""


def _config(server: FeedServer, tmp_path: Path, notify_table: str) -> Config:
    server.set("/burr-one/feed/", URGENT)
    return write_config(tmp_path / "feeds.toml", [{"url": server.url("/burr-one/feed/"), "name": "Blog"}],
                        extra=f"\n[notify]\n{notify_table}min_priority = 0\n")


def test_the_excerpt_is_the_message_that_made_it_urgent(server: FeedServer, tmp_path: Path) -> None:
    out = tmp_path / "sent.json"
    config = _config(server, tmp_path, f'command = "cat > {out}"\n')
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    with Store.open(db) as store:
        assert notify.after_sync(store, config, report.touched) is None
    sent = json.loads(out.read_text())
    assert [(s["author"], s["excerpt"][:23]) for s in sent] == [("Ann", "This is a disgrace: cha")]
    assert sent[0]["url"] == "http://blog.example/burr-one/#comment-1"


def test_a_desktop_notification_names_the_urgent_conversations(server: FeedServer, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A real program on PATH stands in for notify-send: it records its arguments."""
    bin_dir, args = tmp_path / "bin", tmp_path / "args.json"
    bin_dir.mkdir()
    fake = bin_dir / "notify-send"
    fake.write_text(f"#!{sys.executable}\n"
                    f"import json, sys\njson.dump(sys.argv[1:], open({str(args)!r}, 'w'))\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    config = _config(server, tmp_path, "desktop = true\n")
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    with Store.open(db) as store:
        assert notify.after_sync(store, config, report.touched) is None
    app_name, summary, body = json.loads(args.read_text())
    assert app_name == "--app-name=cmtui" and summary == "cmtui: 1 conversation needs a reply"
    assert body.startswith("Ann: This is a disgrace")


def test_without_notify_send_the_desktop_option_says_so(server: FeedServer, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    config = _config(server, tmp_path, "desktop = true\n")
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    with Store.open(db) as store:
        why = notify.after_sync(store, config, report.touched)
    assert why is not None and "notify-send is not installed" in why


def test_nothing_urgent_nothing_said(server: FeedServer, tmp_path: Path) -> None:
    out = tmp_path / "sent.json"
    config = _config(server, tmp_path, f'command = "cat > {out}"\n')
    db = tmp_path / "db.sqlite"
    first = sync(config, db)
    with Store.open(db) as store:
        notify.after_sync(store, config, first.touched)
    assert out.exists()
    out.unlink()
    report = sync(config, db)  # nothing new: nothing touched
    with Store.open(db) as store:
        assert notify.after_sync(store, config, report.touched) is None
    assert not out.exists()
