"""Labels: `cmtui tag ID LABEL...`, `cmtui untag ID LABEL`, `cmtui inbox --tag LABEL` (labels and feed tags)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cmtui.cli import cli
from cmtui.config import Config
from cmtui.demo.server import FeedServer

from .helpers import COMMUNITY, ITEM, sync, write_config


def cmtui(config: Config, db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--config", str(config.path), "--db", str(db)])


def inbox(config: Config, db: Path, *args: str) -> dict[str, dict[str, Any]]:
    out = cmtui(config, db, "inbox", "--json", *args)
    assert out.exit_code == 0, out.output
    return {c["title"]: c for c in json.loads(out.stdout)}


@pytest.fixture
def two_feeds(db: Path, server: FeedServer, tmp_path: Path) -> tuple[Config, Path]:
    date = format_datetime(datetime.now(UTC) - timedelta(hours=3))
    for path, first in (("/forum.rss", 1), ("/social.rss", 3)):
        server.set(path, COMMUNITY.format(items="".join(
            ITEM.format(id=i, title=f"Topic {i}", author=f"user{i}", date=date, body="Does it ship to Canada?")
            for i in (first, first + 1))))
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url("/forum.rss"), "name": "Forum", "kind": "mentions"},
        {"url": server.url("/social.rss"), "name": "Social", "kind": "mentions", "tags": ["social"]}])
    sync(config, db)
    return config, db


def test_tag_then_inbox_json_tag(two_feeds: tuple[Config, Path]) -> None:
    config, db = two_feeds
    ids = {title: c["id"] for title, c in inbox(config, db).items()}
    assert all(c["labels"] == [] for c in inbox(config, db).values())
    out = cmtui(config, db, "tag", str(ids["Topic 1"]), "billing", "urgent")
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith(f"Tagged {ids['Topic 1']} billing, urgent: \"Topic 1\" (Forum)")
    cmtui(config, db, "tag", str(ids["Topic 3"]), "billing")
    tagged = inbox(config, db, "--tag", "billing")
    assert sorted(tagged) == ["Topic 1", "Topic 3"]
    assert tagged["Topic 1"]["labels"] == ["billing", "urgent"] and tagged["Topic 3"]["labels"] == ["billing"]
    # A feed's tag lists its conversations too; the text and --all forms filter the same way.
    assert sorted(inbox(config, db, "--tag", "social")) == ["Topic 3", "Topic 4"]
    assert sorted(inbox(config, db, "--tag", "urgent", "--all")) == ["Topic 1"]
    text_out = cmtui(config, db, "inbox", "--tag", "urgent").stdout
    assert "Topic 1" in text_out and "Topic 3" not in text_out
    assert inbox(config, db, "--tag", "nothing") == {}
    explained = cmtui(config, db, "explain", str(ids["Topic 3"])).stdout
    assert "labels: billing, social" in explained


def test_untag(two_feeds: tuple[Config, Path]) -> None:
    config, db = two_feeds
    conv = inbox(config, db)["Topic 2"]["id"]
    cmtui(config, db, "tag", str(conv), "billing", "billing", "vip")
    assert inbox(config, db)["Topic 2"]["labels"] == ["billing", "vip"]
    out = cmtui(config, db, "untag", str(conv), "billing")
    assert out.exit_code == 0 and out.stdout.startswith(f"Untagged {conv} billing:"), out.output
    assert inbox(config, db)["Topic 2"]["labels"] == ["vip"]
    out = cmtui(config, db, "untag", str(conv), "billing")
    assert out.exit_code == 2 and "has no label" in out.stderr


def test_tag_errors_change_nothing(two_feeds: tuple[Config, Path]) -> None:
    config, db = two_feeds
    out = cmtui(config, db, "tag", "999", "billing")
    assert out.exit_code == 2 and "no conversation 999" in out.stderr
    assert cmtui(config, db, "untag", "999", "billing").exit_code == 2
    conv = inbox(config, db)["Topic 1"]["id"]
    assert cmtui(config, db, "tag", str(conv)).exit_code == 2  # no label
    assert cmtui(config, db, "tag", str(conv), "  ").exit_code == 2
    assert all(c["labels"] == [] for c in inbox(config, db).values())
