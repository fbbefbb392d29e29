"""Who wrote what, on every platform: authors and accounts read from each platform's feed format (samples written
from the formats as the platforms serve them), our handles recognised, the same handle on another server flagged,
and one copy of every message across the feeds that show it."""

from __future__ import annotations

from pathlib import Path

from cmtui.demo.server import FeedServer
from cmtui.parse import parse
from cmtui.store import Store
from cmtui.triage import inbox
from tests.helpers import query, query_one, sync, write_config

NOW = "Mon, 30 Nov 2026 10:00:00 +0000"
# The samples' statuses live on real servers: their reply trees are not asked for (tests/test_reply_trees.py serves
# them from 127.0.0.1).
NO_TREES = "\n[sync]\nthreads_per_host = 0\n"
NO_THREAD_FEEDS = "\n[sync]\nthread_feeds_per_host = 0\n"  # nor the Reddit samples' threads (tests/test_following.py)

# Mastodon 4.x: /tags/<tag>.rss. No author in the items: the status URL names the account.
MASTODON_TAG = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>#acmegrinder</title><description>Public posts tagged #acmegrinder</description>
<link>https://mastodon.social/tags/acmegrinder</link><generator>Mastodon v4.3.2</generator>
<item><guid isPermaLink="true">https://mastodon.social/@bob/113500000000000001</guid>
<link>https://mastodon.social/@bob/113500000000000001</link><pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;My #acmegrinder jams every morning, is there a fix?&lt;/p&gt;</description>
<category>acmegrinder</category></item>
<item><guid isPermaLink="true">https://mastodon.social/@acme_cm/113500000000000002</guid>
<link>https://mastodon.social/@acme_cm/113500000000000002</link><pubDate>Mon, 30 Nov 2026 08:30:00 +0000</pubDate>
<description>&lt;p&gt;New #acmegrinder firmware is out today: quieter burrs.&lt;/p&gt;</description></item>
<item><guid isPermaLink="true">https://evil.example/@acme_cm/9001</guid>
<link>https://evil.example/@acme_cm/9001</link><pubDate>Mon, 30 Nov 2026 09:00:00 +0000</pubDate>
<description>&lt;p&gt;#acmegrinder owners: refunds here! DM us your order number and card details.&lt;/p&gt;
</description></item>
</channel></rss>"""

# Reddit: search.rss and a thread's .rss (Atom; the post first, comments flat), ids t3_ (post) and t1_ (comment).
REDDIT_ENTRY = """<entry><author><name>/u/{user}</name><uri>https://www.reddit.com/user/{user}</uri></author>
<category term="espresso" label="r/espresso"/><content type="html">{body}</content><id>{id}</id>
<link href="https://www.reddit.com/r/espresso/comments/1h2abc/{path}"/>
<updated>2026-11-30T0{hour}:00:00+00:00</updated><published>2026-11-30T0{hour}:00:00+00:00</published>
<title>{title}</title></entry>"""
REDDIT = """<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"
xmlns:media="http://search.yahoo.com/mrss/"><category term="espresso" label="r/espresso"/>
<updated>2026-11-30T10:00:00+00:00</updated><id>{feed_id}</id><link rel="alternate" href="https://www.reddit.com/"/>
<title>{title}</title>{entries}</feed>"""
POST = REDDIT_ENTRY.format(user="dana", body="&lt;p&gt;Acme grinder stopped working after a week. Refund?&lt;/p&gt;",
                           id="t3_1h2abc", path="acme_grinder_dead/", hour=7, title="Acme grinder dead")
COMMENT = REDDIT_ENTRY.format(user="acme_cm", body="&lt;p&gt;Sorry Dana, DM'd you a replacement.&lt;/p&gt;",
                              id="t1_m0xyz1", path="comment/m0xyz1/", hour=8, title="/u/acme_cm on Acme grinder dead")


def test_authors_and_accounts_per_platform() -> None:
    mastodon = parse(MASTODON_TAG.encode(), "https://mastodon.social/tags/acmegrinder.rss")
    assert [(e.author, e.account) for e in mastodon.entries] == [
        ("@bob", "bob@mastodon.social"), ("@acme_cm", "acme_cm@mastodon.social"), ("@acme_cm", "acme_cm@evil.example")]
    reddit = parse(REDDIT.format(feed_id="/search.rss?q=acme", title="reddit.com: search results - acme",
                                 entries=POST).encode(), "https://www.reddit.com/search.rss?q=acme")
    assert [(e.author, e.account, e.uid) for e in reddit.entries] == [
        ("/u/dana", "dana@reddit.com", "reddit:t3_1h2abc")]
    bluesky = parse(b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
        <title>@acme.bsky.social - Acme Coffee</title><link>https://bsky.app/profile/acme.bsky.social</link>
        <description>Grinders.</description><item><link>https://bsky.app/profile/did:plc:abc123/post/3lbxyz</link>
        <description>Firmware 2.1 is out</description><pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate>
        <guid isPermaLink="false">at://did:plc:abc123/app.bsky.feed.post/3lbxyz</guid></item></channel></rss>""",
                    "https://bsky.app/profile/acme.bsky.social/rss")
    assert [(e.author, e.account, e.uid) for e in bluesky.entries] == [
        ("Acme Coffee", "acme.bsky.social@bsky.app", "at://did:plc:abc123/app.bsky.feed.post/3lbxyz")]
    misskey = parse(b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>
        <title>Carol (@carol@misskey.io)</title><link>https://misskey.io/@carol</link><description>hi</description>
        <item><title>New note by Carol</title><link>https://misskey.io/notes/9xyz</link>
        <guid>https://misskey.io/notes/9xyz</guid><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate>
        <description>@acme my grinder is loud</description></item></channel></rss>""", "https://misskey.io/@carol.rss")
    assert [(e.author, e.account, e.title) for e in misskey.entries] == [
        ("Carol", "carol@misskey.io", "@acme my grinder is loud")]


def test_lemmy_authors_are_accounts_and_its_boilerplate_goes() -> None:
    lemmy = parse(b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
        xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Lemmy - coffee</title>
        <link>https://lemmy.world/c/coffee</link><description>coffee</description>
        <item><title>Acme grinder noise</title><link>https://lemmy.world/post/4242</link>
        <guid>https://lemmy.world/post/4242</guid><dc:creator>https://lemmy.ml/u/erin</dc:creator>
        <pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate><comments>https://lemmy.world/post/4242</comments>
        <description>submitted by &lt;a href="https://lemmy.ml/u/erin"&gt;erin&lt;/a&gt; to &lt;a
        href="https://lemmy.world/c/coffee"&gt;coffee&lt;/a&gt;&lt;br&gt;14 points | &lt;a
        href="https://lemmy.world/post/4242"&gt;3 comments&lt;/a&gt;&lt;br&gt;
        &lt;p&gt;My Acme grinder squeals.&lt;/p&gt;
        </description></item></channel></rss>""", "https://lemmy.world/feeds/c/coffee.xml")
    entry = lemmy.entries[0]
    assert (entry.author, entry.account) == ("erin", "erin@lemmy.ml")
    assert entry.text == "My Acme grinder squeals."


def test_our_handles_are_ours_and_the_same_handle_elsewhere_is_flagged(db: Path, server: FeedServer,
        tmp_path: Path) -> None:
    server.set("/tags/acmegrinder.rss", MASTODON_TAG)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/tags/acmegrinder.rss")}],
                          names=("Acme Support", "acme_cm"), handles=("@acme_cm@mastodon.social",), extra=NO_TREES)
    sync(config, db)
    with Store.open(db) as store:
        ours = {r["account"]: r["is_ours"] for r in query(store, "SELECT account, is_ours FROM messages")}
        items = {i.latest.author: i for i in inbox(store, config)}
    assert ours == {"bob@mastodon.social": 0, "acme_cm@mastodon.social": 1, "acme_cm@evil.example": 0}
    assert set(items) == {"@bob", "@acme_cm"}  # our own post waits for nobody; the impostor's does
    impostor = items["@acme_cm"]
    assert "possible scam: imitates @acme_cm@mastodon.social" in impostor.reasons
    assert impostor.priority > items["@bob"].priority
    assert not any("imitates" in r or "impersonates" in r for r in items["@bob"].reasons)


def test_without_a_handle_our_name_on_an_account_is_not_us(db: Path, server: FeedServer, tmp_path: Path) -> None:
    """`names` serve sources without accounts: "acme_cm" on a Mastodon server is not us until it is a handle."""
    server.set("/tags/acmegrinder.rss", MASTODON_TAG)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/tags/acmegrinder.rss")}],
                          names=("acme_cm",), extra=NO_TREES)
    sync(config, db)
    with Store.open(db) as store:
        assert query_one(store, "SELECT count(*) FROM messages WHERE is_ours = 1")[0] == 0
        reasons = [r for item in inbox(store, config) for r in item.reasons]
    assert sum("acme_cm" in r for r in reasons) == 2  # both accounts show our name: flagged, never trusted


def test_a_reddit_post_seen_through_search_and_its_thread_is_one_conversation(db: Path, server: FeedServer,
                                                                               tmp_path: Path) -> None:
    server.set("/search.rss", REDDIT.format(feed_id="/search.rss?q=acme", title="reddit.com: search results - acme",
                                            entries=POST))
    thread = "/r/espresso/comments/1h2abc/acme_grinder_dead/.rss"
    server.set(thread, REDDIT.format(feed_id=thread, title="Acme grinder dead : espresso", entries=POST + COMMENT))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/search.rss") + "?q=acme"},
                                                    {"url": server.url(thread)}],
                          handles=("u/acme_cm",), extra=NO_THREAD_FEEDS)
    sync(config, db)
    with Store.open(db) as store:
        assert query_one(store, "SELECT count(*) FROM messages")[0] == 2
        assert query_one(store, "SELECT count(*) FROM conversations")[0] == 1
        assert query_one(store, "SELECT messages FROM people WHERE name_norm = '/u/dana'")[0] == 1
        assert inbox(store, config) == []  # our reply answered it



def test_a_store_from_before_m019_knows_its_reddit_messages_by_their_ids(tmp_path: Path) -> None:
    """Migration m019: Reddit messages stored under their feed's resolved id are renamed `reddit:t3_…`, so the
    next sync of another feed showing them finds them."""
    import sqlite3

    from sqlite_utils import Database

    from cmtui.store.migrations import registry

    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    registry().apply(Database(conn), stop_before="m019_accounts")
    conn.execute("INSERT INTO feeds(id, url, name, kind) VALUES (1, 'https://www.reddit.com/search.rss', '', 'blog')")
    conn.execute("INSERT INTO conversations(id, feed_id, title, kind, created_at) VALUES (1, 1, 't', 'mentions', 'x')")
    for i, uid in enumerate(("https://www.reddit.com/t3_1h2abc", "www.reddit.com/r/espresso/comments/1h2abc/x/t1_m0x",
                             "blog.example.com/?p=1")):
        conn.execute("INSERT INTO messages(id, uid, conversation_id, feed_id, published, seen_at) "
                     "VALUES (?, ?, 1, 1, 'x', 'x')", [i + 1, uid])
    conn.close()
    with Store.open(path) as store:
        assert [r["uid"] for r in query(store, "SELECT uid FROM messages ORDER BY id")] == [
            "reddit:t3_1h2abc", "reddit:t1_m0x", "blog.example.com/?p=1"]


ALERT = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">
<id>tag:google.com,2005:reference/alerts/feed:0684/1085</id><title>Google Alert - Acme grinder</title>
<link href="https://www.google.com/alerts/feeds/0684/1085" rel="self"></link><updated>2026-11-30T10:00:00Z</updated>
<entry><id>tag:google.com,2013:googlealerts/feed:1234567890</id>
<title type="html">Burrs and beans: the &lt;b&gt;Acme grinder&lt;/b&gt; review</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://blog.example.com/2026/11/review/%23comment-5\
&amp;ct=ga&amp;cd=CAI&amp;usg=AOv"></link>
<published>2026-11-30T09:00:00Z</published><updated>2026-11-30T09:00:00Z</updated>
<content type="html">My &lt;b&gt;Acme grinder&lt;/b&gt; stopped after a week ...</content>
<author><name></name></author></entry></feed>"""
WP_COMMENTS = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Comments on: Burrs and beans: the Acme grinder review</title>
<link>https://blog.example.com/2026/11/review/</link><description>Coffee</description>
<generator>https://wordpress.org/?v=6.7</generator>
{mine}
<item><title>By: Dana</title><link>https://blog.example.com/2026/11/review/#comment-5</link>
<dc:creator><![CDATA[Dana]]></dc:creator><pubDate>Mon, 30 Nov 2026 08:50:00 +0000</pubDate>
<guid isPermaLink="false">https://blog.example.com/?p=12#comment-5</guid>
<description><![CDATA[My Acme grinder stopped after a week and support never answered.]]></description>
<content:encoded><![CDATA[<p>My Acme grinder stopped after a week and support never answered.</p>]]>
</content:encoded></item>
</channel></rss>"""
MINE = """<item><title>By: Acme Support</title><link>https://blog.example.com/2026/11/review/#comment-6</link>
<dc:creator><![CDATA[Acme Support]]></dc:creator><pubDate>Mon, 30 Nov 2026 09:30:00 +0000</pubDate>
<guid isPermaLink="false">https://blog.example.com/?p=12#comment-6</guid>
<description><![CDATA[In reply to Dana. So sorry Dana, a new one is on its way.]]></description>
<content:encoded><![CDATA[<p>In reply to <a href="https://blog.example.com/2026/11/review/#comment-5">Dana</a>.</p>
<p>So sorry Dana, a new one is on its way.</p>]]></content:encoded></item>"""


def test_a_google_alert_of_a_blog_comment_is_that_comment_whichever_comes_first(server: FeedServer,
                                                                                tmp_path: Path) -> None:
    """The alert's copy joins the comment (the site's copy, with its author, wins); our reply to the comment
    answers it; the person ledger counts one message."""
    for first in ("alert", "comments"):
        server.set("/alerts/feeds/0684/1085", ALERT)
        server.set("/2026/11/review/feed/", WP_COMMENTS.format(mine=""))
        alert = {"url": server.url("/alerts/feeds/0684/1085")}
        comments = {"url": server.url("/2026/11/review/feed/"), "follow_comments": False}
        db = tmp_path / f"{first}.sqlite"
        order = [alert, comments] if first == "alert" else [comments, alert]
        sync(write_config(tmp_path / "feeds.toml", order[:1]), db)
        config = write_config(tmp_path / "feeds.toml", order)
        sync(config, db)
        with Store.open(db) as store:
            rows = query(store, "SELECT author, is_post FROM messages")
            assert [(r["author"], r["is_post"]) for r in rows] == [("Dana", 0)], first
            assert [i.latest.author for i in inbox(store, config)] == ["Dana"]
        server.set("/2026/11/review/feed/", WP_COMMENTS.format(mine=MINE))
        sync(config, db, force=True)
        sync(config, db, force=True)
        with Store.open(db) as store:
            assert query_one(store, "SELECT count(*) FROM messages")[0] == 2, first
            assert inbox(store, config) == [], first
            assert query_one(store, "SELECT messages FROM people WHERE name_norm = 'dana'")[0] == 1, first


def test_a_reply_to_a_fediverse_post_is_handed_off_on_our_own_server(db: Path, server: FeedServer,
        tmp_path: Path) -> None:
    from cmtui.ui.drafting import reply_plan

    server.set("/tags/acmegrinder.rss", MASTODON_TAG)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/tags/acmegrinder.rss")}],
                          handles=("@acme_cm@mastodon.social",), extra=NO_TREES)
    config = config._replace(home="https://mastodon.social")
    sync(config, db)
    with Store.open(db) as store:
        bob = next(i for i in inbox(store, config) if i.latest.author == "@bob")
        message = query_one(store, "SELECT id FROM messages WHERE account = 'bob@mastodon.social'")["id"]
        plan = reply_plan(store, config, bob.id, message)
    assert plan is not None and plan.handoff_url == (
        "https://mastodon.social/authorize_interaction?uri=https%3A%2F%2Fmastodon.social%2F%40bob%2F113500000000000001")


def test_a_post_elsewhere_linking_to_a_blog_post_is_a_conversation_of_its_own(server: FeedServer,
                                                                              tmp_path: Path) -> None:
    """Hacker News (hnrss) or Lemmy link posts point at the article itself: their address is the blog post's, but
    they have an author and a discussion of their own. Both copies stay, whichever feed came first."""
    blog = """<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
        <title>Acme blog</title><link>https://blog.example.com/</link><description>x</description>
        <item><title>Burrs and beans</title><link>https://blog.example.com/2026/11/review/</link>
        <guid>https://blog.example.com/?p=12</guid><dc:creator>Acme Support</dc:creator>
        <pubDate>Mon, 30 Nov 2026 07:00:00 +0000</pubDate><description>Our review.</description></item>
        </channel></rss>"""
    hn = """<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
        <title>Hacker News: Newest</title><link>https://news.ycombinator.com/newest</link><description>x</description>
        <item><title>Burrs and beans: the Acme grinder review</title><link>https://blog.example.com/2026/11/review/</link>
        <guid isPermaLink="false">https://news.ycombinator.com/item?id=4242</guid><dc:creator>pg</dc:creator>
        <comments>https://news.ycombinator.com/item?id=4242</comments>
        <pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate><description>Comments</description></item>
        </channel></rss>"""
    for first in ("blog", "hn"):
        server.set("/feed/", blog)
        server.set("/newest", hn)
        feeds = {"blog": {"url": server.url("/feed/"), "follow_comments": False},
                 "hn": {"url": server.url("/newest"), "kind": "mentions"}}
        db = tmp_path / f"{first}.sqlite"
        sync(write_config(tmp_path / "feeds.toml", [feeds[first]]), db)
        config = write_config(tmp_path / "feeds.toml", list(feeds.values()))
        sync(config, db)
        with Store.open(db) as store:
            rows = query(store, "SELECT author, account FROM messages ORDER BY author")
            assert [(r["author"], r["account"]) for r in rows] == [
                ("Acme Support", None), ("pg", "pg@news.ycombinator.com")], first
            assert query_one(store, "SELECT count(*) FROM conversations")[0] == 2, first


def test_akkoma_authors_and_discourse_at_usernames_are_accounts() -> None:
    """Akkoma/Pleroma Atom: the author's profile `uri` on the entry's own server; Discourse's "@user Full Name"."""
    akkoma = parse(b"""<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">
        <id>https://akkoma.example/users/dee/feed.atom</id><title>dee's timeline</title>
        <updated>2026-11-30T08:00:00Z</updated>
        <entry><id>https://akkoma.example/objects/5f3c</id><title>note</title>
        <link rel="alternate" type="text/html" href="https://akkoma.example/notice/AbC12"/>
        <author><name>Dee</name><uri>https://akkoma.example/users/dee</uri></author>
        <published>2026-11-30T08:00:00Z</published><updated>2026-11-30T08:00:00Z</updated>
        <content type="html">my grinder squeals</content></entry></feed>""", "https://akkoma.example/users/dee/feed.atom")
    assert [(e.author, e.account) for e in akkoma.entries] == [("Dee", "dee@akkoma.example")]
    forum = parse(b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:discourse="http://www.discourse.org/"><channel>
        <title>Froth Pro</title><link>https://forum.acme.example/t/froth-pro/12</link><description>x</description>
        <item><title>Froth Pro</title><link>https://forum.acme.example/t/froth-pro/12/2</link>
        <dc:creator><![CDATA[@jules_b Jules Bernard]]></dc:creator><pubDate>Mon, 30 Nov 2026 08:00:00 +0000</pubDate>
        <guid isPermaLink="false">forum.acme.example-post-2</guid><description>Descale how?</description></item>
        </channel></rss>""", "https://forum.acme.example/t/froth-pro/12.rss")
    assert [(e.author, e.account) for e in forum.entries] == [("Jules Bernard", "jules_b@forum.acme.example")]
