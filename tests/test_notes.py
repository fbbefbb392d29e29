"""Internal notes: `cmtui note ID TEXT`, in `inbox --json` (`notes`) and `cmtui explain`."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.demo.server import FeedServer

from .helpers import COMMUNITY, ITEM, sync, write_config


def test_notes_are_listed_in_order_with_author_and_time(db: Path, server: FeedServer, tmp_path: Path) -> None:
    date = format_datetime(datetime.now(UTC) - timedelta(hours=2))
    server.set("/m.rss", COMMUNITY.format(items=ITEM.format(id=1, title="Refund?", author="ana", date=date,
                                                            body="Where is my refund?")))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}])
    sync(config, db)
    args = ["--config", str(config.path), "--db", str(db)]

    def run(*argv: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "CMTUI_USER"}
        if user is not None:
            env["CMTUI_USER"] = user
        return subprocess.run([sys.executable, "-m", "cmtui", *argv, *args], capture_output=True, text=True,
                              env=env, timeout=60)

    [conv] = json.loads(run("inbox", "--json").stdout)
    assert conv["notes"] == []
    out = run("note", str(conv["id"]), "Asked billing about it,", "ticket 4411", user="Maya")
    assert out.returncode == 0 and out.stdout.startswith(f"Noted {conv['id']} by Maya:"), out
    assert run("note", str(conv["id"]), "Billing says Friday").returncode == 0  # no $CMTUI_USER: the login name
    [conv] = json.loads(run("inbox", "--json").stdout)
    assert [(n["author"], n["text"]) for n in conv["notes"]] == [
        ("Maya", "Asked billing about it, ticket 4411"), (getpass.getuser(), "Billing says Friday")]
    assert all(datetime.fromisoformat(n["time"]) <= datetime.now(UTC) for n in conv["notes"])
    assert conv["needs_reply"] is True  # a note is not a reply
    explained = run("explain", str(conv["id"])).stdout
    assert "note · Maya" in explained and "ticket 4411" in explained


def test_note_errors(db: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path / "feeds.toml", [])
    args = ["--config", str(config.path), "--db", str(db)]
    out = CliRunner().invoke(cli, ["note", "7", "hello", *args])
    assert out.exit_code == 2 and "no conversation 7" in out.stderr
    assert CliRunner().invoke(cli, ["note", "7", " ", *args]).exit_code == 2
    assert CliRunner().invoke(cli, ["note", "7", *args]).exit_code == 2
