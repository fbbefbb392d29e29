"""A community manager's day from the command line: cron syncs, clearing a backlog, spreadsheets. Real feeds on
127.0.0.1, real SQLite files, the real `cmtui` commands (click's runner, or the process for cron)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cmtui import snoozing, text
from cmtui.cli import cli
from cmtui.config import Config, load
from cmtui.demo.server import FeedServer

from .helpers import COMMUNITY as FORUM
from .helpers import ITEM, sync, write_config


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


def test_sync_quiet_prints_nothing_when_every_feed_synced(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", items(("1", "Grinder question", timedelta(hours=2))))
    server.set("/b.rss", items(("2", "Kettle question", timedelta(hours=3))))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/a.rss"), "kind": "mentions"},
                                                    {"url": server.url("/b.rss"), "kind": "mentions"}])
    first = cmtui_process(config, db, "sync", "--quiet")
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    again = cmtui_process(config, db, "sync", "-q")  # nothing new: still silent
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    loud = cmtui_process(config, db, "sync")
    assert loud.returncode == 0 and loud.stdout.startswith("  unchanged") and "Synced 2 feeds in" in loud.stdout


def test_sync_quiet_reports_a_failure_on_stderr_only(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", items(("1", "Grinder question", timedelta(hours=2))))
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url("/a.rss"), "name": "Forum", "kind": "mentions"},
        {"url": server.url("/missing.rss"), "name": "Gone forum", "kind": "mentions"}])
    result = cmtui_process(config, db, "sync", "--quiet")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and "Gone forum" in lines[0] and "404" in lines[0] and " Forum " not in result.stderr
    assert lines[1].startswith("Synced 2 feeds in") and lines[1].endswith(": 1 new message, 1 failed.")


def test_sync_quiet_help_says_what_it_does() -> None:
    out = CliRunner().invoke(cli, ["sync", "--help"])
    assert out.exit_code == 0 and "print nothing when every feed synced" in " ".join(out.output.split())



# -- counts read as English ---------------------------------------------------------------


def test_every_count_agrees_with_its_noun(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", items(("1", "Grinder question", timedelta(hours=2))))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/a.rss"), "name": "Forum",
                                                     "kind": "mentions"}])
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

    page = '<html><head><link rel="alternate" type="application/rss+xml" href="/gone.rss"></head></html>'
    server.set("/page", page, content_type="text/html; charset=utf-8")
    added = cmtui(config, db, "add", server.url("/page"))
    assert added.exit_code == 1 and "it advertises a feed but it did not answer with a feed" in added.stderr


# -- feeds without a title -----------------------------------------------------------------


def test_untitled_feeds_are_named_by_host_and_path(db: Path, server: FeedServer, tmp_path: Path) -> None:
    untitled = FORUM.replace("<title>Acme forum</title>", "<title></title>").format(items="")
    config = write_config(tmp_path / "feeds.toml", [])
    for path in ("/forum/latest.rss", "/blog/feed/"):  # two feeds of one host, no title: once both "127.0.0.1"
        server.set(path, untitled)
        added = cmtui(config, db, "add", server.url(path))
        assert added.exit_code == 0, added.output
    host = server.base_url.removeprefix("http://")
    feeds = cmtui(config, db, "feeds")
    names = [line.split("  ")[0] for line in feeds.stdout.splitlines() if not line.startswith(" ")]
    assert names == [f"{host}/forum/latest.rss", f"{host}/blog/feed"]
    assert f'name = "{host}/blog/feed"' in config.path.read_text(encoding="utf-8")


# -- clearing a backlog --------------------------------------------------------------------

DAY = timedelta(days=1)


@pytest.fixture
def backlog(db: Path, server: FeedServer, tmp_path: Path) -> tuple[Config, Path]:
    """Two feeds of waiting questions, 2 hours to 45 days old."""
    server.set("/forum.rss", items(("1", "Forty days", 40 * DAY), ("2", "Thirty-five days", 35 * DAY),
                                   ("3", "Ten days", 10 * DAY), ("4", "Two hours", timedelta(hours=2))))
    server.set("/social.rss", items(("5", "Forty-five days", 45 * DAY)))
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url("/forum.rss"), "name": "Acme Forum", "kind": "mentions"},
        {"url": server.url("/social.rss"), "name": "Social", "kind": "mentions"}],
        extra="\n[sync]\nbacklog_days = 0\n")  # the old questions wait, though they are a first sync's
    assert sync(config, db).new == 5
    return config, db


def inbox_json(config: Config, db: Path, *args: str) -> dict[str, dict[str, Any]]:
    """title -> the conversation as `cmtui inbox --json` gives it."""
    out = cmtui(config, db, "inbox", "--json", *args)
    assert out.exit_code == 0, out.output
    return {c["title"]: c for c in json.loads(out.stdout)}


def waiting(config: Config, db: Path) -> list[str]:
    return sorted(inbox_json(config, db))


def test_done_marks_several_conversations_and_prints_each(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    ids = {title: c["id"] for title, c in inbox_json(config, db).items()}
    out = cmtui(config, db, "done", str(ids["Ten days"]), str(ids["Two hours"]))
    assert out.exit_code == 0, out.output
    assert out.stdout.splitlines() == [f'Done {ids["Ten days"]}: "Ten days" (Acme Forum)',
                                       f'Done {ids["Two hours"]}: "Two hours" (Acme Forum)']
    assert waiting(config, db) == ["Forty days", "Forty-five days", "Thirty-five days"]
    undone = cmtui(config, db, "done", "--undo", str(ids["Ten days"]))
    assert undone.stdout == f'Reopened {ids["Ten days"]}: "Ten days" (Acme Forum)\n'
    assert "Ten days" in waiting(config, db)


def test_an_unknown_id_changes_nothing(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    ids = {title: c["id"] for title, c in inbox_json(config, db).items()}
    before = waiting(config, db)
    for command in (["done"], ["snooze", "--until", "1h"], ["mute"], ["unmute"], ["unsnooze"], ["done", "--undo"]):
        out = cmtui(config, db, *command, str(ids["Ten days"]), "998", "999")
        assert out.exit_code == 2 and out.stdout == "", (command, out.output)
        assert out.stderr == "cmtui: no conversations 998, 999: nothing changed (`cmtui inbox --all` lists them)\n"
        assert waiting(config, db) == before


def test_done_usage_errors(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    for args in (["done"], ["done", "1", "--older-than", "30d"], ["done", "--feed", "Social"],
                 ["done", "--older-than", "soon"], ["done", "--older-than", "30d", "--undo"], ["done", "x"]):
        out = cmtui(config, db, *args)
        assert out.exit_code == 2 and out.stdout == "", (args, out.output)
        assert "Traceback" not in out.output
    assert len(waiting(config, db)) == 5


def test_done_older_than_marks_every_long_wait(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    ids = {title: c["id"] for title, c in inbox_json(config, db).items()}
    dry = cmtui(config, db, "done", "--older-than", "30d", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert sorted(dry.stdout.splitlines()) == sorted([
        f'Would mark done {ids["Forty days"]}: "Forty days" (Acme Forum)',
        f'Would mark done {ids["Thirty-five days"]}: "Thirty-five days" (Acme Forum)',
        f'Would mark done {ids["Forty-five days"]}: "Forty-five days" (Social)'])
    assert len(waiting(config, db)) == 5  # a dry run changes nothing
    one_feed = cmtui(config, db, "done", "--older-than", "30d", "--feed", "acme forum")  # its name, any case
    assert one_feed.exit_code == 0, one_feed.output
    assert sorted(one_feed.stdout.splitlines()) == sorted([
        f'Done {ids["Forty days"]}: "Forty days" (Acme Forum)',
        f'Done {ids["Thirty-five days"]}: "Thirty-five days" (Acme Forum)'])
    assert waiting(config, db) == ["Forty-five days", "Ten days", "Two hours"]
    rest = cmtui(config, db, "done", "--older-than", "1w")
    assert sorted(rest.stdout.splitlines()) == sorted([f'Done {ids["Forty-five days"]}: "Forty-five days" (Social)',
                                                       f'Done {ids["Ten days"]}: "Ten days" (Acme Forum)'])
    assert waiting(config, db) == ["Two hours"]
    nothing = cmtui(config, db, "done", "--older-than", "1w")
    assert nothing.exit_code == 0 and nothing.stdout == ""
    assert nothing.stderr == "cmtui: no conversation has waited longer than 1w.\n"


def test_done_older_than_a_feed_that_is_not_there(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    out = cmtui(config, db, "done", "--older-than", "30d", "--feed", "Nope")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.startswith('cmtui: no feed named "Nope" in ') and '"Acme Forum", "Social"' in out.stderr
    assert len(waiting(config, db)) == 5


def test_snooze_until_a_time_and_wake_up(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    ids = {title: c["id"] for title, c in inbox_json(config, db).items()}
    before = datetime.now(UTC)
    out = cmtui(config, db, "snooze", str(ids["Ten days"]), str(ids["Two hours"]), "--until", "tomorrow")
    assert out.exit_code == 0, out.output
    tomorrow = snoozing.until("tomorrow", before)
    assert out.stdout.splitlines() == [
        f'Snoozed {ids["Ten days"]} until {snoozing.label(tomorrow)}: "Ten days" (Acme Forum)',
        f'Snoozed {ids["Two hours"]} until {snoozing.label(tomorrow)}: "Two hours" (Acme Forum)']
    assert waiting(config, db) == ["Forty days", "Forty-five days", "Thirty-five days"]
    snoozed = inbox_json(config, db, "--all")["Ten days"]
    assert datetime.fromisoformat(snoozed["snoozed_until"]) == tomorrow
    later = cmtui(config, db, "snooze", str(ids["Forty days"]), "--until", "90m")
    assert later.exit_code == 0
    until = datetime.fromisoformat(inbox_json(config, db, "--all")["Forty days"]["snoozed_until"])
    assert timedelta(minutes=89) < until - before < timedelta(minutes=91)
    awake = cmtui(config, db, "unsnooze", str(ids["Ten days"]))
    assert awake.stdout == f'Awake {ids["Ten days"]}: "Ten days" (Acme Forum)\n'
    assert "Ten days" in waiting(config, db)


def test_snooze_refuses_a_time_it_cannot_read_or_that_is_past(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    for when in ("yesterday", "2020-01-01", "0h", "soonish", ""):
        out = cmtui(config, db, "snooze", "1", "--until", when)
        assert out.exit_code == 2 and out.stdout == "" and "--until" in out.stderr, (when, out.output)
    assert "is in the past" in cmtui(config, db, "snooze", "1", "--until", "2020-01-01").stderr
    assert cmtui(config, db, "snooze", "1").exit_code == 2  # --until is required
    assert len(waiting(config, db)) == 5


def test_snooze_times_are_the_apps_choices() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    choices = {key: at for key, _, at in snoozing.choices(now)}
    assert snoozing.until("tomorrow", now) == choices["tomorrow"]
    assert snoozing.until("week", now) == snoozing.until("Next Week", now) == choices["week"]
    assert snoozing.until("1h", now) == snoozing.until("in 60 min", now) == choices["hour"]
    assert snoozing.until("2w", now) == now + timedelta(weeks=2)
    day = snoozing.until("2026-12-24", now).astimezone()
    assert (day.date().isoformat(), day.hour, day.minute) == ("2026-12-24", 9, 0)
    assert snoozing.until("2026-12-24T14:30+00:00", now) == datetime(2026, 12, 24, 14, 30, tzinfo=UTC)
    local = snoozing.until("2026-12-24 14:30", now).astimezone()
    assert (local.day, local.hour, local.minute) == (24, 14, 30)
    for bad in ("2026-11-19", "yesterday", "0d", "-1h"):
        with pytest.raises(ValueError):
            snoozing.until(bad, now)


def test_one_duration_for_snooze_done_and_report(backlog: tuple[Config, Path]) -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    for written, length in (("48h", timedelta(hours=48)), ("30d", timedelta(days=30)), ("12w", timedelta(weeks=12)),
                            ("90m", timedelta(minutes=90)), ("3 Days", timedelta(days=3)), ("0d", timedelta(0))):
        assert snoozing.duration(written) == length, written
        if length:
            assert snoozing.until(written, now) == now + length
    for bad in ("soon", "30", "d", "-1h", "1.5d", "1234567d", ""):
        assert snoozing.duration(bad) is None, bad
    config, db = backlog
    assert cmtui(config, db, "report", "--since", "90m").exit_code == 0
    bad = cmtui(config, db, "done", "--older-than", "soon")
    assert bad.exit_code == 2 and "use a number and h, d or w (e.g. 30d)" in bad.stderr
    assert "e.g. 30d), or 'all'" in " ".join(cmtui(config, db, "report", "--since", "x").stderr.split())


def test_mute_and_unmute(backlog: tuple[Config, Path]) -> None:
    config, db = backlog
    ids = {title: c["id"] for title, c in inbox_json(config, db).items()}
    out = cmtui(config, db, "mute", str(ids["Ten days"]), str(ids["Ten days"]))  # an id twice: once
    assert out.exit_code == 0 and out.stdout == f'Muted {ids["Ten days"]}: "Ten days" (Acme Forum)\n'
    assert "Ten days" not in waiting(config, db)
    assert inbox_json(config, db, "--all")["Ten days"]["muted"] is True
    back = cmtui(config, db, "unmute", str(ids["Ten days"]))
    assert back.stdout == f'Unmuted {ids["Ten days"]}: "Ten days" (Acme Forum)\n'
    assert "Ten days" in waiting(config, db)


# -- spreadsheets ----------------------------------------------------------------------------

EVIL_FEED = '=HYPERLINK("http://evil.example/","Acme")\x1b]8;;http://evil.example/\x07\x1b[2J\u202eForum'
CONTROLS = [chr(c) for c in [*range(0, 9), *range(11, 13), *range(14, 32), *range(0x7f, 0xa0)]] + ["\u202e"]


@pytest.fixture
def hostile(db: Path, server: FeedServer, tmp_path: Path) -> tuple[Config, Path]:
    """A feed whose name drives the terminal and is a formula; posts whose titles and authors are formulas."""
    now = datetime.now(UTC)
    posts = [("1", "+1 same problem here", "@mallory", "It never arrived and I want a refund. Terrible.", 3 * DAY),
             ("2", "-sum(A1:A9) hello", "=cmd|' /C calc'!A0", "Does it ship to Canada?", timedelta(hours=5)),
             ("3", "Plain question", "Ann", "Where can I buy one?", timedelta(hours=1))]
    server.set("/evil.rss", FORUM.format(items="".join(
        ITEM.format(id=i, title=title, author=author, date=format_datetime(now - age, usegmt=True), body=body)
        for i, title, author, body, age in posts)))
    path = tmp_path / "feeds.toml"
    path.write_text('[identity]\nnames = ["Acme Support"]\n\n[[feeds]]\n'
                    f'url = "{server.url("/evil.rss")}"\nkind = "mentions"\nname = {json.dumps(EVIL_FEED)}\n'
                    f'tags = ["=tag", "vip"]\n', encoding="utf-8")
    config = load(path)
    assert sync(config, db).new == 3
    return config, db


def read_csv(result: Result) -> list[dict[str, str]]:
    assert result.exit_code == 0, result.output
    assert not [c for c in CONTROLS if c in result.stdout], repr(result.stdout)  # \r\n ends CSV rows only
    return list(csv.DictReader(io.StringIO(result.stdout, newline="")))


def test_inbox_csv_one_row_per_conversation_sanitised(hostile: tuple[Config, Path]) -> None:
    config, db = hostile
    result = cmtui(config, db, "inbox", "--csv")
    header = result.stdout.splitlines()[0].split(",")
    assert header[:5] == ["id", "needs_reply", "priority", "title", "feed"] and "reasons" in header
    rows = read_csv(result)
    listed = json.loads(cmtui(config, db, "inbox", "--json").stdout)
    assert [int(r["id"]) for r in rows] == [c["id"] for c in listed] and len(rows) == 3
    feed = "'" + text.one_line(EVIL_FEED)
    assert {r["feed"] for r in rows} == {feed} and feed.startswith("'=HYPERLINK(") and feed.endswith("Forum")
    assert {r["tags"] for r in rows} == {"'=tag; vip"}
    titles = {r["title"] for r in rows}
    assert titles == {"'+1 same problem here", "'-sum(A1:A9) hello", "Plain question"}
    authors = {r["latest_author"] for r in rows}
    assert authors == {"'@mallory", "'=cmd|' /C calc'!A0", "Ann"}
    refund = next(r for r in rows if r["latest_author"] == "'@mallory")
    assert "; " in refund["reasons"] and refund["reasons"].split("; ") == listed[[c["id"] for c in listed].index(
        int(refund["id"]))]["reasons"]
    assert refund["needs_reply"] == "true" and float(refund["priority"]) > 0 and refund["muted"] == "false"
    assert refund["latest_url"].startswith("http://forum.example/")
    for command in ("inbox", "people", "report"):
        assert cmtui(config, db, command, "--csv", "--json").exit_code == 2, command


def test_people_csv(hostile: tuple[Config, Path]) -> None:
    config, db = hostile
    result = cmtui(config, db, "people", "--csv")
    assert result.stdout.startswith("name,messages,feeds,first_seen,last_seen,sentiment,")
    rows = {r["name"]: r for r in read_csv(result)}
    assert set(rows) == {"'@mallory", "'=cmd|' /C calc'!A0", "Ann"}
    mallory = rows["'@mallory"]
    assert mallory["messages"] == "1" and mallory["feeds"] == "'" + text.one_line(EVIL_FEED)
    assert float(mallory["sentiment"]) < 0 and mallory["sentiment"].startswith("-")  # a number, not text
    assert len(read_csv(cmtui(config, db, "people", "--csv", "--limit", "1"))) == 1


def test_report_csv(hostile: tuple[Config, Path]) -> None:
    config, db = hostile
    rows = read_csv(cmtui(config, db, "report", "--csv", "--since", "all"))
    feed = "'" + text.one_line(EVIL_FEED)
    assert [(r["group"], r["label"]) for r in rows][:2] == [("overall", "all"), ("feed", feed)]
    assert {r["group"] for r in rows[2:]} == {"week"}
    assert rows[0]["unanswered"] == "3" and rows[0]["answered"] == "0" and rows[0]["median_hours"] == ""
    assert float(rows[0]["oldest_wait_hours"]) > 70 and float(rows[0]["sla_hours"]) > 0 and rows[0]["since"] == ""
