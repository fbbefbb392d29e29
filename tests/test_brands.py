"""Several brands: each its own names and handles, feeds naming their brand, the inbox filtered by brand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import ConfigError, load, parse
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import inbox
from tests.helpers import NO_BACKLOG, sync
from tests.test_accounts import MASTODON_TAG

FORUM = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Comments on: Leaf grades</title>
<link>http://tea.example/leaf-grades/</link><description>Tea</description>
<item><title>By: Ana</title><link>http://tea.example/leaf-grades/#comment-1</link><guid>tea-c1</guid>
<dc:creator>Ana</dc:creator><pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate>
<description>Which leaf grade is your breakfast blend?</description></item>
<item><title>By: Acme Tea Team</title><link>http://tea.example/leaf-grades/#comment-2</link><guid>tea-c2</guid>
<dc:creator>Acme Tea Team</dc:creator><pubDate>Mon, 30 Nov 2026 09:00:00 +0000</pubDate>
<description>BOP, Ana!</description></item>
</channel></rss>"""

CONFIG = """[identity]
brand = "Acme Coffee"
names = ["Acme Support"]
handles = ["@acme_cm@mastodon.social"]

[[brands]]
name = "Acme Tea"
names = ["Acme Tea Team"]
handles = ["@acmetea@mastodon.social"]

[[feeds]]
url = "{tag}"
name = "Grinder tag"

[[feeds]]
url = "{forum}"
name = "Tea talk"
brand = "Acme Tea"

[sync]
threads_per_host = 0
""" + NO_BACKLOG


def test_brands_are_read_with_their_own_names_and_handles() -> None:
    config = parse(CONFIG.format(tag="https://a.example/tags/x.rss", forum="https://b.example/feed"),
                   Path("feeds.toml"))
    assert [(b.name, b.names, b.handles) for b in config.brands] == [
        ("Acme Coffee", ("Acme Support",), ("acme_cm@mastodon.social",)),
        ("Acme Tea", ("Acme Tea Team",), ("acmetea@mastodon.social",))]
    assert config.identity.handles == {"acme_cm@mastodon.social", "acmetea@mastodon.social"}
    assert config.brand_feeds("Acme Tea") == ("https://b.example/feed",)
    assert config.brand_feeds("Acme Coffee") == ("https://a.example/tags/x.rss",)


@pytest.mark.parametrize(("text", "key"), [
    ('[[brands]]\nname = "Tea"\n', "identity.brand"),  # several brands: the first one needs a name too
    ('[identity]\nbrand = "Tea"\n[[brands]]\nname = "Tea"\n', "brands[0].name"),
    ('[identity]\nbrand = "A"\n[[brands]]\nnames = ["x"]\n', "brands[0].name"),
    ('[identity]\nbrand = "A"\n[[brands]]\nname = "B"\nhandles = ["tea"]\n', "brands[0].handles[0]"),
    ('[[feeds]]\nurl = "https://x.example/feed"\nbrand = "Nope"\n', "feeds[0].brand"),
])
def test_brand_mistakes_name_the_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text, Path("feeds.toml"))
    assert key in str(caught.value)


def test_each_brand_answers_and_the_inbox_filters_by_brand(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/tags/acmegrinder.rss", MASTODON_TAG)
    server.set("/tea.rss", FORUM)
    path = tmp_path / "feeds.toml"
    path.write_text(CONFIG.format(tag=server.url("/tags/acmegrinder.rss"), forum=server.url("/tea.rss")))
    config = load(path)
    sync(config, db)
    with Store.open(db) as store:
        everything = {i.title: i.brand for i in inbox(store, config, include_answered=True)}
        tea = inbox(store, config, brand="Acme Tea", include_answered=True)
        coffee = inbox(store, config, brand="Acme Coffee")
    assert everything["Leaf grades"] == "Acme Tea"
    assert {b for t, b in everything.items() if t != "Leaf grades"} == {"Acme Coffee"}
    # The tea blog: Ana's question was answered under the tea brand's name.
    assert [(i.title, i.needs_reply) for i in tea] == [("Leaf grades", False)]
    assert {i.latest.author for i in coffee} == {"@bob", "@acme_cm"}  # bob, and the impostor
    args = ["--config", str(path), "--db", str(db)]
    out = CliRunner().invoke(cli, ["inbox", "--json", "--all", "--brand", "Acme Tea", *args])
    assert out.exit_code == 0, out.output
    assert [(o["title"], o["brand"]) for o in json.loads(out.stdout)] == [("Leaf grades", "Acme Tea")]
    wrong = CliRunner().invoke(cli, ["inbox", "--brand", "Acme Beer", *args])
    assert wrong.exit_code == 2 and "no brand called 'Acme Beer'" in wrong.output
