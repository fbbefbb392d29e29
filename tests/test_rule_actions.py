"""Rules that act: `[[triage.rules]] action = "tag:LABEL" | "hide" | "done"`, besides or instead of a weight."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import Config, ConfigError, parse
from cmtui.demo.server import FeedServer
from cmtui.demo.sites import WordPressSite, WpComment, WpPost

from .helpers import COMMUNITY, ITEM, sync, write_config

RULES = """
[[triage.rules]]
reason = "giveaway spam"
words = ["free crypto", "giveaway"]
action = "hide"

[[triage.rules]]
reason = "shipping"
words = ["ship", "shipping", "delivery"]
action = "tag:shipping"
weight = 5
"""


def inbox(config: Config, db: Path, *args: str) -> dict[str, dict[str, Any]]:
    out = CliRunner().invoke(cli, ["inbox", "--json", *args, "--config", str(config.path), "--db", str(db)])
    assert out.exit_code == 0, out.output
    return {c["title"]: c for c in json.loads(out.stdout)}


def test_hide_and_tag_rules(db: Path, server: FeedServer, tmp_path: Path) -> None:
    date = format_datetime(datetime.now(UTC) - timedelta(hours=2))
    server.set("/m.rss", COMMUNITY.format(items="".join(ITEM.format(id=i, title=t, author=f"user{i}", date=date, body=b)
                                                        for i, t, b in [
        (1, "Spam", "Huge giveaway: free crypto for every follower, click now!"),
        (2, "Delivery", "Do you ship to Canada? What does delivery cost?"),
        (3, "Hello", "Is the grinder any good for espresso?")])))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}], extra=RULES)
    sync(config, db)
    waiting = inbox(config, db)
    assert sorted(waiting) == ["Delivery", "Hello"]  # hidden: out of the needs-reply inbox
    everything = inbox(config, db, "--all")
    assert everything["Spam"]["needs_reply"] is False and everything["Spam"]["reasons"] == ["giveaway spam"]
    # tag: the label, listed by --tag; the rule's weight and reason count as well
    assert waiting["Delivery"]["labels"] == ["shipping"] and waiting["Hello"]["labels"] == []
    assert "shipping" in waiting["Delivery"]["reasons"]
    assert sorted(inbox(config, db, "--tag", "shipping")) == ["Delivery"]
    out = CliRunner().invoke(cli, ["explain", str(waiting["Delivery"]["id"]), "--config", str(config.path),
                                   "--db", str(db)])
    assert "labels: shipping" in out.stdout


POSTS = [WpPost(1, "post-1", "Post 1", "Acme Support", timedelta(days=3), "News", ("Hello",))]


def test_done_rule_marks_done_and_a_later_message_reopens(db: Path, server: FeedServer, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    first = [WpComment(11, 1, "bot", timedelta(hours=3), ("Please unsubscribe me from this list",))]
    later = [WpComment(12, 1, "customer", timedelta(hours=1), ("My grinder broke, can you help?",))]

    def serve(comments: list[WpComment]) -> None:
        for doc in WordPressSite(server.base_url, now, posts=POSTS, comments=comments).render():
            server.set(doc.path, doc.body, content_type=doc.content_type)

    serve(first)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/acme-blog/feed/")}],
                          extra='\n[[triage.rules]]\nreason = "unsubscribe request"\nwords = ["unsubscribe"]\n'
                                'action = "done"\n')
    sync(config, db)
    assert inbox(config, db) == {}
    post = inbox(config, db, "--all")["Post 1"]
    assert post["needs_reply"] is False and post["done_at"] and post["reasons"] == ["done"]
    serve(first + later)
    sync(config, db)
    assert sorted(inbox(config, db)) == ["Post 1"]  # reopened as usual: the new message does not match


def test_a_bad_action_is_a_config_error(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    for action, why in (("archive", "must be one of tag:LABEL, hide, done"), ("tag:", "tag: needs a label"),
                        ("tag:  ", "tag: needs a label")):
        text = f'[[triage.rules]]\nreason = "r"\nwords = ["x"]\naction = "{action}"\n'
        try:
            parse(text, path)
        except ConfigError as exc:
            assert (exc.key, why in exc.why) == ("triage.rules[0].action", True), exc
        else:
            raise AssertionError(action)
        path.write_text(text, encoding="utf-8")
        out = CliRunner().invoke(cli, ["inbox", "--config", str(path), "--db", str(db)])
        assert out.exit_code == 2 and f"{path}: triage.rules[0].action: " in out.stderr, out.output
    rule = parse('[[triage.rules]]\nreason = "r"\nwords = ["x"]\naction = "hide"\n', path).triage.rules[0]
    assert (rule.action, rule.weight) == ("hide", 0.0)  # an action alone adds no points
