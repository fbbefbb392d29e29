"""Saved views (`[views.NAME]`): the inbox narrowed by feed, tag, reason, person, kind, brand and wait."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import Config, ConfigError, parse
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.store import Store, parse_iso, utc_now
from cmtui.triage import inbox
from tests.helpers import sync, write_config

VIEWS = """
[views.complaints]
reason = "complaint"

[views.forum-questions]
feed = "Acme Community"
reason = "question"

[views.mila]
person = "mila_k"

[views.social]
kind = "mentions"

[views.old]
waiting_longer_than = "3d"

[views.negative]
reason = "negative"
"""


@pytest.fixture
def demo(db: Path, server: FeedServer, tmp_path: Path) -> tuple[Config, Path]:
    feeds = sites.install(server)
    config = write_config(tmp_path / "feeds.toml", [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds],
                          names=sites.IDENTITY_NAMES, handles=sites.identity_handles(server.base_url),
                          extra=VIEWS + "\n[sync]\nthreads_per_host = 0\n")
    sync(config, db)
    return config, db


def test_each_filter_narrows_the_inbox(demo: tuple[Config, Path]) -> None:
    config, db = demo
    with Store.open(db) as store:
        everything = inbox(store, config)
        views = {name: inbox(store, config, saved=view) for name, view in config.views.items()}
    assert everything and all(set(i.id for i in v) <= {i.id for i in everything} for v in views.values())
    assert views["complaints"] and all(any("complaint" in r for r in i.reasons) for i in views["complaints"])
    assert len(views["complaints"]) < len(everything)
    assert views["forum-questions"] and {i.feed for i in views["forum-questions"]} == {"Acme Community"}
    assert all("question" in i.reasons for i in views["forum-questions"])
    assert {i.title for i in views["mila"]} == {"Burr One makes a grinding noise after firmware 2.4",
                                                "Feature request: weigh-by-dose with a Bluetooth scale"}
    assert views["social"] and {i.kind for i in views["social"]} == {"mentions"}
    cutoff = utc_now() - timedelta(days=3)
    assert views["old"] and all((parse_iso(i.waiting_since) or cutoff) <= cutoff for i in views["old"])
    assert len(views["old"]) < len(everything)
    # by a signal's name only where it shows a reason: weak negativity, scored without one, lists nothing
    assert views["negative"] and all(any("negative" in r for r in i.reasons) for i in views["negative"])
    assert len(views["negative"]) < len(everything)


def test_inbox_view_on_the_command_line(demo: tuple[Config, Path]) -> None:
    config, db = demo
    args = ["--config", str(config.path), "--db", str(db)]
    out = CliRunner().invoke(cli, ["inbox", "--json", "--view", "social", *args])
    assert out.exit_code == 0, out.output
    assert {o["kind"] for o in json.loads(out.stdout)} == {"mentions"}
    wrong = CliRunner().invoke(cli, ["inbox", "--view", "nope", *args])
    assert wrong.exit_code == 2 and "no saved view called 'nope'" in wrong.output and "complaints" in wrong.output


@pytest.mark.parametrize(("table", "key"), [
    ('[views.x]\nfeed = "Nowhere"\n', "views.x.feed"),
    ('[views.x]\nkind = "chat"\n', "views.x.kind"),
    ('[views.x]\nbrand = "Acme Beer"\n', "views.x.brand"),
    ('[views.x]\nwaiting_longer_than = "soon"\n', "views.x.waiting_longer_than"),
    ('[views.x]\ncolour = "red"\n', "views.x.colour"),
])
def test_view_mistakes_name_the_key(table: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(table, Path("feeds.toml"))
    assert key in str(caught.value)
