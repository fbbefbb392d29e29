"""Listening feeds (searches, tags, subreddits, alerts, profiles) are filed as mentions: by `cmtui add`, by
`import-opml`, and by a `[[feeds]]` table that names no kind."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cmtui.config import load
from cmtui.demo.server import FeedServer
from cmtui.platforms import is_listening

LISTENING = [
    "https://www.reddit.com/r/espresso/.rss",
    "https://www.reddit.com/r/espresso/search.rss?q=acme&restrict_sr=1",
    "https://www.reddit.com/search.rss?q=acme",
    "https://mastodon.social/tags/acmegrinder.rss",
    "https://mastodon.social/@someone.rss",
    "https://www.google.com/alerts/feeds/01234567890/1234567890123456789",
    "https://hnrss.org/newest?q=acme",
    "https://bsky.app/profile/acme.bsky.social/rss",
    "https://lemmy.world/feeds/c/coffee.xml",
    "https://www.youtube.com/feeds/videos.xml?channel_id=UC123",
    "https://blog.example.com/?s=acme&feed=rss2",
    "http://127.0.0.1:8080/r/espresso/search.rss?q=acme",  # the path says it, whatever the host
]
NOT_LISTENING = [
    "https://www.reddit.com/r/espresso/comments/abc123/my_grinder/.rss",  # one thread
    "https://blog.example.com/feed/",
    "https://blog.example.com/comments/feed/",
    "https://blog.example.com/2026/01/post/feed/",
    "https://blog.example.com/tag/coffee/feed/",  # a blog's tag archive: the blog's own posts
    "https://forum.example.com/latest.rss",
    "https://forum.example.com/t/burr-noise/12.rss",
]


@pytest.mark.parametrize("url", LISTENING)
def test_listening_addresses(url: str) -> None:
    assert is_listening(url)


@pytest.mark.parametrize("url", NOT_LISTENING)
def test_other_addresses(url: str) -> None:
    assert not is_listening(url)


def test_a_feed_title_can_say_it() -> None:
    assert is_listening("https://example.com/feeds/x", "Google Alert - acme grinder")
    assert is_listening("https://example.com/x.rss", "reddit.com: search results - acme")


def test_a_feeds_table_without_kind(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nurl = "https://www.reddit.com/search.rss?q=acme"\n\n'
                    '[[feeds]]\nurl = "https://www.reddit.com/r/espresso/.rss"\nkind = "forum"\n\n'
                    '[[feeds]]\nurl = "https://blog.example.com/feed/"\n')
    kinds = [(f.kind, f.kind_set) for f in load(path).feeds]
    assert kinds == [("mentions", False), ("forum", True), ("blog", False)]


def cmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmtui", *args], capture_output=True, text=True, timeout=120)


def test_import_opml_files_listening_feeds_as_mentions(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>subs</title></head><body>
<outline text="Acme search" type="rss" xmlUrl="https://www.reddit.com/search.rss?q=acme"/>
<outline text="Google Alert - acme" type="rss" xmlUrl="https://www.google.com/alerts/feeds/1/2"/>
<outline text="#acmegrinder" type="rss" xmlUrl="https://mastodon.social/tags/acmegrinder.rss"/>
<outline text="Acme blog" type="rss" xmlUrl="https://blog.example.com/feed/"/>
</body></opml>""")
    config = tmp_path / "feeds.toml"
    result = cmtui("import-opml", str(opml), "--config", str(config))
    assert result.returncode == 0, result.stderr
    feeds = tomllib.loads(config.read_text())["feeds"]
    assert [f.get("kind") for f in feeds] == ["mentions", "mentions", "mentions", None]


RSS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>
<link>{link}</link><item><title>Loving my Acme grinder</title><link>{link}p1</link><guid>{link}p1</guid>
<description>So good</description></item></channel></rss>"""
ATOM = """<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<id>tag:google.com,2005:reader/user/1/state/com.google/alert/2</id><title>Google Alert - acme</title>
<updated>2026-11-25T10:00:00Z</updated><entry><id>tag:google.com,2013:googlealerts/feed:3</id>
<title type="html">Acme &lt;b&gt;grinder&lt;/b&gt; review</title>
<link href="https://www.google.com/url?rct=j&amp;url=https://news.example/acme"/>
<published>2026-11-25T10:00:00Z</published><updated>2026-11-25T10:00:00Z</updated>
<content type="html">Acme grinder</content><author><name></name></author></entry></feed>"""


def test_cmtui_add_files_tag_search_and_alert_feeds_as_mentions(server: FeedServer, tmp_path: Path) -> None:
    server.set("/tags/acmegrinder.rss", RSS.format(title="#acmegrinder", link=server.url("/")),
               content_type="application/rss+xml")
    server.set("/r/espresso/search.rss?q=acme", RSS.format(title="reddit.com: search results - acme",
                                                           link=server.url("/")), content_type="application/rss+xml")
    server.set("/alerts/feeds/1/2", ATOM, content_type="application/atom+xml")
    config = tmp_path / "feeds.toml"
    for path in ("/tags/acmegrinder.rss", "/r/espresso/search.rss?q=acme", "/alerts/feeds/1/2"):
        result = cmtui("add", server.url(path), "--config", str(config))
        assert result.returncode == 0, result.stderr
        assert "(mentions)" in result.stdout, result.stdout
    assert [f["kind"] for f in tomllib.loads(config.read_text())["feeds"]] == ["mentions"] * 3


def test_a_kind_change_applies_to_existing_conversations_at_the_next_sync(server: FeedServer,
                                                                          tmp_path: Path) -> None:
    from .helpers import COMMUNITY, ITEM, sync, write_config

    date = "Wed, 25 Nov 2026 06:00:00 +0000"
    server.set("/m.rss", COMMUNITY.format(items=ITEM.format(id=1, title="Acme grinder", author="kat", date=date,
                                                            body="Is the Acme grinder any good?")))
    db = tmp_path / "db.sqlite"
    as_blog = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "blog"}])
    sync(as_blog, db)
    listed = cmtui("inbox", "--json", "--config", str(as_blog.path), "--db", str(db))
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"  # a blog's post is context
    as_mentions = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}])
    sync(as_mentions, db)  # nothing new in the feed: only the kind changed
    listed = cmtui("inbox", "--json", "--config", str(as_mentions.path), "--db", str(db))
    [item] = json.loads(listed.stdout)
    assert item["kind"] == "mentions" and item["needs_reply"], item
