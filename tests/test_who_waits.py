"""Who waits: the inbox one row per waiting message (`triage.inbox_by_message`, `cmtui inbox --by-message`), on the
demo's community sites served from 127.0.0.1 and synced into a real store."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import cmtui.sync
from cmtui import triage
from cmtui.cli import cli
from cmtui.config import Config, parse
from cmtui.demo import sites
from cmtui.demo.server import FeedServer, ForwardTransport
from cmtui.store import Store
from cmtui.sync import run_sync

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BASE = "http://demo.test"
BURR_ONE = "Introducing the Acme Burr One"
SHIPPING = "Shipping update for Burr One orders"


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Config, Path]]:
    """The demo sites synced at `NOW` (their messages are dated from it): the config and the store's path."""
    monkeypatch.setattr(cmtui.sync, "utc_now", lambda: NOW)
    with FeedServer() as server:
        for doc in sites.documents(BASE, NOW):
            server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
        path = tmp_path / "feeds.toml"
        path.write_text(sites.config_toml(sites.demo_feeds(BASE), replies=False), encoding="utf-8")
        config = parse(path.read_text(encoding="utf-8"), path)
        db = tmp_path / "cmtui.db"
        with Store.open(db) as store:
            assert not run_sync(config, store, transport=ForwardTransport(server.base_url)).failed
        yield config, db


def cmtui_cli(demo: tuple[Config, Path], *args: str) -> Result:
    config, db = demo
    return CliRunner().invoke(cli, [*args, "--config", str(config.path), "--db", str(db)])


def waiting_by_conversation(demo: tuple[Config, Path]) -> dict[int, set[int]]:
    """Each waiting conversation's waiting messages, by the inbox's own rule (`triage.waiting_ids`)."""
    config, db = demo
    with Store.open(db) as store:
        return {item.id: triage.waiting_ids(store, config, item.id) for item in triage.inbox(store, config, now=NOW)}


def by_message(demo: tuple[Config, Path], **filters: Any) -> list[triage.WaitingMessage]:
    config, db = demo
    with Store.open(db) as store:
        return triage.inbox_by_message(store, config, now=NOW, **filters)


def test_one_row_per_waiting_message_most_urgent_first(demo: tuple[Config, Path]) -> None:
    rows = by_message(demo)
    expected = waiting_by_conversation(demo)
    assert sorted(m.id for m in rows) == sorted(i for ids in expected.values() for i in ids)  # each once
    # conversations in the inbox's order (its priority), each one's messages together
    order = list(dict.fromkeys(m.conversation_id for m in rows))
    assert order == list(expected)
    assert [m.conversation.priority for m in rows] == sorted((m.conversation.priority for m in rows), reverse=True)
    for conversation in order:  # then each message's own urgency
        points = [m.points for m in rows if m.conversation_id == conversation]
        assert points == sorted(points, reverse=True)
    burr = [m for m in rows if m.conversation.title == BURR_ONE]
    assert [m.author for m in burr] == ["Rachel Kim", "Rachel Kim", "Ben Ortiz", "Marcus Hill"]
    assert burr[0].text.startswith("Six days since I opened a ticket") and burr[0].urgency == "high"
    assert any(r.startswith("complaint: refund") for r in burr[0].reasons)
    assert burr[-1].text.startswith("Pre-ordered the day you announced it") and burr[-1].urgency == "low"
    assert "praise" in burr[-1].reasons


def test_a_thank_you_after_our_reply_does_not_wait(demo: tuple[Config, Path]) -> None:
    """Shipping update: Tom thanked us after our answer (not a row); Priya's separate question waits."""
    shipping = [m for m in by_message(demo) if m.conversation.title == SHIPPING]
    assert [m.author for m in shipping] == ["Priya Natarajan"]


def test_filters_and_limit_apply(demo: tuple[Config, Path]) -> None:
    everything = by_message(demo)
    social = by_message(demo, tag="social")
    assert social and {m.conversation.feed for m in social} == {"Mastodon #acmegrinder"}
    assert [m.id for m in social] == [m.id for m in everything if m.conversation.feed == "Mastodon #acmegrinder"]
    assert [m.id for m in by_message(demo, limit=3)] == [m.id for m in everything[:3]]
    assert by_message(demo, view="done") == []  # nothing done waits


def test_cli_by_message_json(demo: tuple[Config, Path]) -> None:
    out = cmtui_cli(demo, "inbox", "--by-message", "--json")
    assert out.exit_code == 0, out.output
    listed = json.loads(out.stdout)
    expected = waiting_by_conversation(demo)
    assert sorted(o["id"] for o in listed) == sorted(i for ids in expected.values() for i in ids)
    conversations = [c["id"] for c in json.loads(cmtui_cli(demo, "inbox", "--json").stdout)]
    assert list(dict.fromkeys(o["conversation_id"] for o in listed)) == conversations  # the inbox's order
    burr = [o for o in listed if o["title"] == BURR_ONE]
    assert [o["author"] for o in burr] == ["Rachel Kim", "Rachel Kim", "Ben Ortiz", "Marcus Hill"]
    first = burr[0]
    assert first["id"] in expected[first["conversation_id"]]
    assert first["text"].startswith("Six days since I opened a ticket") and first["url"].endswith("#comment-1233")
    assert first["feed"] == "Acme Blog" and first["urgency"] == "high" and first["waiting_hours"] > 24
    assert first["published"] and first["priority"] >= first["points"] > burr[-1]["points"]
    assert set(first) >= {"reasons", "conversation_reasons", "assigned_to", "labels", "account", "brand"}


def test_cli_by_message_text_limit_and_csv(demo: tuple[Config, Path]) -> None:
    rows = json.loads(cmtui_cli(demo, "inbox", "--by-message", "--json").stdout)  # the CLI's clock: its order
    out = cmtui_cli(demo, "inbox", "--by-message", "--limit", "2")
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert len(lines) == 4  # a line per message, then its text
    first = rows[0]
    assert lines[0].startswith(f"! {first['conversation_id']:>5}  {first['author']}")  # the id `cmtui done` takes
    assert first["title"][:30] in lines[0]
    assert first["text"].startswith(lines[1].strip().removesuffix("…"))
    table = list(csv.reader(io.StringIO(cmtui_cli(demo, "inbox", "--by-message", "--csv").stdout)))
    assert table[0][:3] == ["conversation_id", "message_id", "priority"]
    assert [int(r[1]) for r in table[1:]] == [o["id"] for o in rows]


def test_cli_by_message_refuses_all(demo: tuple[Config, Path]) -> None:
    out = cmtui_cli(demo, "inbox", "--by-message", "--all")
    assert out.exit_code == 2 and "--all does not apply" in out.output


def test_cli_by_message_with_nothing_waiting(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[identity]\nnames = ["Acme"]\n', encoding="utf-8")
    out = CliRunner().invoke(cli, ["inbox", "--by-message", "--config", str(path), "--db", str(tmp_path / "db")])
    assert out.exit_code == 0 and out.stdout == "Nothing waits for a reply.\n"
    out = CliRunner().invoke(cli, ["inbox", "--by-message", "--json", "--config", str(path),
                                   "--db", str(tmp_path / "db")])
    assert json.loads(out.stdout) == []
