"""A community manager's day from the command line: cron syncs, clearing a backlog, spreadsheets. Real feeds on
127.0.0.1, real SQLite files, the real `cmtui` commands (click's runner, or the process for cron)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from click.testing import CliRunner, Result

from cmtui.cli import cli
from cmtui.config import Config
from cmtui.demo.server import FeedServer

from .helpers import write_config

FORUM = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Acme forum</title>
<link>http://forum.example/</link>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>http://forum.example/{id}</link><guid>http://forum.example/{id}</guid>
<dc:creator>{author}</dc:creator><pubDate>{date}</pubDate><description>{body}</description></item>"""


def items(*posts: tuple[str, str, timedelta]) -> str:
    """(id, title, age) posts by customers, each its own waiting conversation in a mentions feed."""
    now = datetime.now(UTC)
    return FORUM.format(items="".join(
        ITEM.format(id=i, title=title, author=f"user-{i}", date=format_datetime(now - age, usegmt=True),
                    body=f"{title}: does anyone know?") for i, title, age in posts))


def cmtui(config: Config, db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--config", str(config.path), "--db", str(db)])


def cmtui_process(config: Config, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmtui", *args, "--config", str(config.path), "--db", str(db)],
                          capture_output=True, text=True, timeout=120)


# -- cron ----------------------------------------------------------------------------------


def test_sync_quiet_prints_nothing_when_every_feed_synced(server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", items(("1", "Grinder question", timedelta(hours=2))))
    server.set("/b.rss", items(("2", "Kettle question", timedelta(hours=3))))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/a.rss"), "kind": "mentions"},
                                                    {"url": server.url("/b.rss"), "kind": "mentions"}])
    db = tmp_path / "db.sqlite"
    first = cmtui_process(config, db, "sync", "--quiet")
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    again = cmtui_process(config, db, "sync", "-q")  # nothing new: still silent
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    loud = cmtui_process(config, db, "sync")
    assert loud.returncode == 0 and loud.stdout.startswith("  unchanged") and "Synced 2 feeds in" in loud.stdout


def test_sync_quiet_reports_a_failure_on_stderr_only(server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", items(("1", "Grinder question", timedelta(hours=2))))
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url("/a.rss"), "name": "Forum", "kind": "mentions"},
        {"url": server.url("/missing.rss"), "name": "Gone forum", "kind": "mentions"}])
    db = tmp_path / "db.sqlite"
    result = cmtui_process(config, db, "sync", "--quiet")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "Gone forum" in lines[0] and "404" in lines[0] and " Forum " not in result.stderr
    assert lines[1].startswith("Synced 2 feeds in") and lines[1].endswith(": 1 new message, 1 failed.")


def test_sync_quiet_help_says_what_it_does() -> None:
    out = CliRunner().invoke(cli, ["sync", "--help"])
    assert out.exit_code == 0 and "print nothing when every feed synced" in " ".join(out.output.split())



# -- counts read as English ---------------------------------------------------------------


def test_every_count_agrees_with_its_noun(server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", items(("1", "Grinder question", timedelta(hours=2))))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/a.rss"), "name": "Forum",
                                                     "kind": "mentions"}])
    db = tmp_path / "db.sqlite"
    synced = cmtui(config, db, "sync")
    assert synced.exit_code == 0, synced.output
    assert synced.stdout.splitlines()[-1].startswith("Synced 1 feed in ")
    assert synced.stdout.splitlines()[-1].endswith(": 1 new message.")
    explained = cmtui(config, db, "explain", "1")
    assert "  1 message, 1 unanswered: needs a reply" in explained.stdout
    people = cmtui(config, db, "people")
    assert " 1 msg   1 feed   sentiment" in people.stdout
    feeds = cmtui(config, db, "feeds")
    assert " · 1 message · 0 comment feeds" in feeds.stdout
    opml = tmp_path / "one.opml"
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    '<outline text="Blog" xmlUrl="http://127.0.0.1:1/blog.rss"/></body></opml>', encoding="utf-8")
    imported = cmtui(config, db, "import-opml", str(opml))
    assert imported.stdout.startswith("Imported 1 feed (0 already present) into ")


# -- feeds without a title -----------------------------------------------------------------


def test_untitled_feeds_are_named_by_host_and_path(server: FeedServer, tmp_path: Path) -> None:
    untitled = FORUM.replace("<title>Acme forum</title>", "<title></title>").format(items="")
    config = write_config(tmp_path / "feeds.toml", [])
    db = tmp_path / "db.sqlite"
    for path in ("/forum/latest.rss", "/blog/feed/"):  # two feeds of one host, no title: once both "127.0.0.1"
        server.set(path, untitled)
        added = cmtui(config, db, "add", server.url(path))
        assert added.exit_code == 0, added.output
    host = server.base_url.removeprefix("http://")
    feeds = cmtui(config, db, "feeds")
    names = [line.split("  ")[0] for line in feeds.stdout.splitlines() if not line.startswith(" ")]
    assert names == [f"{host}/forum/latest.rss", f"{host}/blog/feed"]
    assert f'name = "{host}/blog/feed"' in config.path.read_text(encoding="utf-8")
