"""A muted feed (`mute = true`): its conversations wait only for messages that name us, unless one is unmuted."""

from __future__ import annotations

from pathlib import Path

from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import inbox
from tests.helpers import COMMUNITY, ITEM, sync, write_config

DATE = "Mon, 30 Nov 2026 08:00:00 +0000"


def feed(*items: tuple[str, str]) -> str:
    return COMMUNITY.format(items="".join(ITEM.format(title=t, id=t.replace(" ", "-"), author="Ann", date=DATE,
                                                      body=b) for t, b in items))


def test_a_muted_feed_waits_only_for_mentions(db: Path, server: FeedServer, tmp_path: Path) -> None:
    server.set("/noisy.rss", feed(("Giveaway", "Who else entered the giveaway?"),
                                  ("Broken", "@acme_cm my grinder broke, help?")))
    server.set("/quiet.rss", feed(("Question", "Does it ship to Canada?")))
    feeds = [{"url": server.url("/noisy.rss"), "name": "Noisy", "kind": "mentions", "mute": True},
             {"url": server.url("/quiet.rss"), "name": "Quiet", "kind": "mentions"}]
    config = write_config(tmp_path / "feeds.toml", feeds, names=("acme_cm",))
    sync(config, db)
    with Store.open(db) as store:
        assert sorted(i.title for i in inbox(store, config)) == ["Broken", "Question"]
        giveaway = next(i for i in inbox(store, config, include_answered=True) if i.title == "Giveaway")
        assert giveaway.muted and giveaway.reasons == ["muted"]
        unmuted = config._replace(feeds=tuple(f._replace(mute=False) for f in config.feeds))
        assert len(inbox(store, unmuted)) == 3  # the config says it, at once: no sync needed
        with store.transaction():
            store.mute(giveaway.id, False)  # unmuted by hand: it waits like any other, the feed muted or not
        assert sorted(i.title for i in inbox(store, config)) == ["Broken", "Giveaway", "Question"]
