"""Comment feeds polled by activity, not by the post's age alone: Blogger's site-wide comments feed and a Discourse
forum's /posts.rss as change signals, and an old post with a recent comment still polled. Realistic samples (the
shapes of the demo's renderers, FEEDS.md) served from 127.0.0.1; `comments_days = 2` throughout, so every post
here older than two days is polled only because of what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from xml.sax.saxutils import quoteattr

from cmtui.config import Config
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import inbox

from .helpers import query, query_one, sync, write_config

NOW = datetime.now(UTC).replace(microsecond=0)  # the sync's clock is the real one: ages are relative to it
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=UTF-8"


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def config_for(server: FeedServer, tmp_path: Path, path: str) -> Config:
    return write_config(tmp_path / "feeds.toml", [{"url": server.url(path)}], extra="\n[sync]\ncomments_days = 2\n")


def asked(server: FeedServer, prefix: str) -> list[str]:
    """The paths under `prefix` requested since the last reset, in order."""
    return [h.path for h in server.hits if h.path.startswith(prefix)]


# -- Discourse (its RSS as the demo's renderer and FEEDS.md describe it) --------------------------------------


@dataclass
class Topic:
    id: int
    slug: str
    title: str
    posts: list[tuple[str, datetime, str]] = field(default_factory=list)  # (username, created, text), #1 first


class Forum:
    """A Discourse forum under /forum: /latest.rss (topics, newest created first), /posts.rss (the newest posts of
    every topic, newest first) and each topic's /t/<slug>/<id>.rss (its posts, newest first)."""

    def __init__(self, server: FeedServer, topics: list[Topic]) -> None:
        self.server, self.topics = server, topics
        self.site = server.url("/forum")

    def head(self, title: str, link: str, path: str) -> str:
        return ('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
                'xmlns:discourse="http://www.discourse.org/" xmlns:atom="http://www.w3.org/2005/Atom" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
                f"<title>{escape(title)}</title><link>{escape(link)}</link><description>{escape(title)}</description>"
                f'<atom:link href={quoteattr(self.site + path)} rel="self" type="application/rss+xml" />\n')

    def item(self, topic: Topic, number: int, *, source: bool) -> str:
        user, created, text = topic.posts[number - 1]
        url = f"{self.site}/t/{topic.slug}/{topic.id}"
        return (f"<item><title>{escape(topic.title)}</title><dc:creator><![CDATA[{user}]]></dc:creator>"
                f"<description><![CDATA[<p>{escape(text)}</p>]]></description><link>{url}/{number}</link>"
                f"<pubDate>{format_datetime(created)}</pubDate>"
                f'<guid isPermaLink="false">127.0.0.1-post-{topic.id * 100 + number}</guid>'
                + (f"<source url={quoteattr(url + '.rss')}>{escape(topic.title)}</source>" if source else "")
                + "</item>\n")

    def publish(self) -> None:
        by_created = sorted(self.topics, key=lambda t: t.posts[0][1], reverse=True)
        latest = "".join(
            f"<item><title>{escape(t.title)}</title><dc:creator><![CDATA[{t.posts[0][0]}]]></dc:creator>"
            f"<description><![CDATA[<p>{escape(t.posts[0][2])}</p>]]></description>"
            f"<link>{self.site}/t/{t.slug}/{t.id}</link><pubDate>{format_datetime(t.posts[0][1])}</pubDate>"
            "<discourse:topicPinned>No</discourse:topicPinned>"
            f'<guid isPermaLink="false">127.0.0.1-topic-{t.id}</guid>'
            f"<source url={quoteattr(f'{self.site}/t/{t.slug}/{t.id}.rss')}>{escape(t.title)}</source></item>\n"
            for t in by_created)
        self.server.set("/forum/latest.rss", self.head("Acme Community - Latest topics", f"{self.site}/latest",
                                                       "/latest.rss") + latest + "</channel></rss>\n",
                        content_type=RSS)
        newest = sorted(((t, n) for t in self.topics for n in range(1, len(t.posts) + 1)),
                        key=lambda tn: tn[0].posts[tn[1] - 1][1], reverse=True)[:50]
        self.server.set("/forum/posts.rss", self.head("Acme Community - Latest posts", self.site, "/posts.rss")
                        + "".join(self.item(t, n, source=False) for t, n in newest) + "</channel></rss>\n",
                        content_type=RSS)
        for t in self.topics:
            posts = "".join(self.item(t, n, source=True) for n in range(len(t.posts), 0, -1))
            self.server.set(f"/forum/t/{t.slug}/{t.id}.rss", self.head(t.title, f"{self.site}/t/{t.slug}/{t.id}",
                                                                       f"/t/{t.slug}/{t.id}.rss")
                            + posts + "</channel></rss>\n", content_type=RSS)


def forum(server: FeedServer) -> tuple[Forum, Topic, Topic]:
    """A topic created 9 days ago with its opening post only, and a topic of yesterday with a reply."""
    old = Topic(101, "grinder-stalls-on-fine-settings", "Grinder stalls on fine settings",
                [("espresso_erik", ago(days=9), "Mine stalls below setting 5. Anyone else?")])
    new = Topic(102, "best-setting-for-aeropress", "Best setting for AeroPress?",
                [("sara_m", ago(days=1), "What do you use for AeroPress?"), ("ben.t", ago(hours=20), "I use 14.")])
    site = Forum(server, [old, new])
    site.publish()
    return site, old, new


def texts(store: Store) -> dict[str, int]:
    """Each message's text -> its conversation."""
    return {r["text"]: r["conversation_id"] for r in query(store, "SELECT text, conversation_id FROM messages")}


def test_a_new_reply_on_an_old_topic_is_fetched_through_posts_rss(server: FeedServer, tmp_path: Path) -> None:
    site, old, new = forum(server)
    config = config_for(server, tmp_path, "/forum/latest.rss")
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.new == 3
    # The first look: /posts.rss holds no reply stored before, so every recent topic's feed is due, plus those it
    # shows posts of that are not stored; the 9-day-old topic shows none.
    assert asked(server, "/forum/t/") == ["/forum/t/best-setting-for-aeropress/102.rss"]
    # Three days later (the last sync was longer ago than that), someone replies to the old topic.
    old.posts.append(("mila_k", ago(days=3), "Same on mine since the 2.4 update, it's a refund for me."))
    site.publish()
    server.reset_hits()
    report = sync(config, db)
    assert not report.failed and report.new == 1
    assert asked(server, "/forum/t/") == ["/forum/t/grinder-stalls-on-fine-settings/101.rss"]  # only that topic
    with Store.open(db) as store:
        found = texts(store)
        assert found["Same on mine since the 2.4 update, it's a refund for me."] == \
            found["Mine stalls below setting 5. Anyone else?"]
        item = next(i for i in inbox(store, config) if i.title == old.title)
        assert item.latest.author == "mila_k" and item.kind == "forum"
        assert query_one(store, "SELECT count(*) FROM messages WHERE text LIKE 'Same on mine%'")[0] == 1
    server.reset_hits()
    assert sync(config, db).new == 0
    assert asked(server, "/forum/") == ["/forum/latest.rss", "/forum/posts.rss"]  # both 304: no topic is asked
    assert {h.status for h in server.hits} == {304}


def test_without_posts_rss_recent_topics_are_still_polled(server: FeedServer, tmp_path: Path) -> None:
    """A forum whose /posts.rss fails: its recent topics are polled as before, also while it backs off."""
    _, _, new = forum(server)
    server.set("/forum/posts.rss", "not found", status=404, content_type="text/plain", validators=False)
    config = config_for(server, tmp_path, "/forum/latest.rss")
    db = tmp_path / "db.sqlite"
    for _ in range(3):  # the second error starts the backoff: the third sync does not ask /posts.rss
        server.reset_hits()
        report = sync(config, db)
        assert asked(server, "/forum/t/") == [f"/forum/t/{new.slug}/{new.id}.rss"]
    assert asked(server, "/forum/posts.rss") == [] and not report.feeds[0].comment_errors
    with Store.open(db) as store:
        assert "I use 14." in texts(store)


# -- Blogger (Atom, as FEEDS.md and the demo's renderer describe it) ------------------------------------------

BLOG = "tag:blogger.com,1999:blog-7360212137312108512"


@dataclass
class BlogPost:
    id: str
    slug: str
    title: str
    published: datetime
    comments: list[tuple[str, str, datetime, str]] = field(default_factory=list)  # (id, author, published, text)


class Blog:
    """A Blogger blog under /recipes: /feeds/posts/default, /feeds/comments/default (every comment, newest first)
    and each post's /feeds/<postId>/comments/default."""

    def __init__(self, server: FeedServer, posts: list[BlogPost]) -> None:
        self.server, self.posts = server, posts
        self.site = server.url("/recipes")

    def post_url(self, post: BlogPost) -> str:
        return f"{self.site}/{post.published:%Y/%m}/{post.slug}.html"

    def head(self, feed_id: str, title: str, path: str, updated: datetime) -> str:
        return ("<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom' "
                "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
                "xmlns:gd='http://schemas.google.com/g/2005' xmlns:thr='http://purl.org/syndication/thread/1.0'>"
                f"<id>{feed_id}</id><updated>{updated.isoformat(timespec='milliseconds')}</updated>"
                "<title type='text'>Acme Recipes</title>"
                f"<link rel='self' type='application/atom+xml' href={quoteattr(self.server.url(path))}/>"
                f"<link rel='alternate' type='text/html' href={quoteattr(self.site + '/')}/>"
                "<author><name>Acme Support</name><email>noreply@blogger.com</email></author>"
                "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>")

    def comment(self, post: BlogPost, comment: tuple[str, str, datetime, str]) -> str:
        cid, author, published, text = comment
        url = self.post_url(post)
        ms = int(published.timestamp() * 1000)
        return (f"<entry><id>{BLOG}.post-{cid}</id><published>{published.isoformat(timespec='milliseconds')}"
                f"</published><updated>{published.isoformat(timespec='milliseconds')}</updated>"
                f"<title type='text'>{escape(text[:30])}</title><content type='html'>{escape(escape(text))}</content>"
                f"<link rel='alternate' type='text/html' href={quoteattr(f'{url}?showComment={ms}#c{cid}')}/>"
                f"<author><name>{escape(author)}</name><email>noreply@blogger.com</email></author>"
                f"<thr:in-reply-to href={quoteattr(url)} ref='{BLOG}.post-{post.id}' "
                f"source={quoteattr(f'{self.site}/feeds/posts/default/{post.id}')} type='text/html'/></entry>")

    def publish(self) -> None:
        posts = "".join(
            f"<entry><id>{BLOG}.post-{p.id}</id><published>{p.published.isoformat(timespec='milliseconds')}"
            f"</published><updated>{p.published.isoformat(timespec='milliseconds')}</updated>"
            f"<title type='text'>{escape(p.title)}</title><content type='html'>&lt;p&gt;A recipe.&lt;/p&gt;</content>"
            f"<link rel='replies' type='application/atom+xml' "
            f"href={quoteattr(self.server.url(f'/recipes/feeds/{p.id}/comments/default'))} title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href={quoteattr(self.post_url(p) + '#comment-form')} "
            f"title='{len(p.comments)} Comments'/>"
            f"<link rel='alternate' type='text/html' href={quoteattr(self.post_url(p))} title={quoteattr(p.title)}/>"
            f"<author><name>Marco (Acme)</name></author><thr:total>{len(p.comments)}</thr:total></entry>"
            for p in sorted(self.posts, key=lambda p: p.published, reverse=True))
        self.server.set("/recipes/feeds/posts/default", self.head(BLOG, "Acme Recipes", "/recipes/feeds/posts/default",
                                                                  NOW) + posts + "</feed>", content_type=ATOM)
        every = sorted(((p, c) for p in self.posts for c in p.comments), key=lambda pc: pc[1][2], reverse=True)
        self.server.set("/recipes/feeds/comments/default",
                        self.head(f"{BLOG}.comments", "Acme Recipes", "/recipes/feeds/comments/default", NOW)
                        + "".join(self.comment(p, c) for p, c in every[:25]) + "</feed>", content_type=ATOM)
        for p in self.posts:
            path = f"/recipes/feeds/{p.id}/comments/default"
            mine = sorted(p.comments, key=lambda c: c[2], reverse=True)
            self.server.set(path, self.head(f"{BLOG}.post{p.id}..comments", f"Comments on Acme Recipes: {p.title}",
                                            path, NOW) + "".join(self.comment(p, c) for c in mine) + "</feed>",
                            content_type=ATOM)


def test_a_complaint_on_an_old_blogger_post_arrives(server: FeedServer, tmp_path: Path) -> None:
    old = BlogPost("4189365512097703361", "cold-brew-concentrate", "Cold brew concentrate", ago(days=40),
                   [("6617093425190384317", "Grace Liu", ago(days=39), "Loved it, thanks!")])
    new = BlogPost("2873301958826641109", "cardamom-spiced-latte", "Cardamom spiced latte", ago(days=1),
                   [("5561928374650192837", "Amira Haddad", ago(hours=20), "Made this for my book club.")])
    blog = Blog(server, [old, new])
    blog.publish()
    config = config_for(server, tmp_path, "/recipes/feeds/posts/default")
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.new == 4  # two posts, and both comments from the site-wide feed
    assert asked(server, "/recipes/feeds/comments/default")
    old.comments.append(("3390172645583920164", "Noah Schmidt", ago(hours=1),
                         "My Froth Pro stopped heating after two weeks. This is the second one, I want a refund."))
    blog.publish()
    server.reset_hits()
    report = sync(config, db)
    assert not report.failed and report.new == 1
    assert asked(server, f"/recipes/feeds/{old.id}/") == [f"/recipes/feeds/{old.id}/comments/default"]
    assert asked(server, f"/recipes/feeds/{new.id}/") == []  # the signal said nothing changed there
    with Store.open(db) as store:
        noah = query_one(store, "SELECT m.conversation_id, p.title AS parent FROM messages m "
                                "JOIN messages p ON p.id = m.parent_id WHERE m.author = 'Noah Schmidt'")
        assert noah["parent"] == "Cold brew concentrate"
        item = next(i for i in inbox(store, config) if i.id == noah["conversation_id"])
        assert item.latest.author == "Noah Schmidt" and item.unanswered == 2  # Grace's old comment waits too
        assert any(r.startswith("complaint") for r in item.reasons)


# -- no site-wide signal: an old post with a recent comment is polled ------------------------------------------


def comments_rss(server: FeedServer, slug: str, comments: list[tuple[int, str, datetime, str]]) -> str:
    """A post's comment feed (RSS 2.0, "Comments on: <title>", each link the post's #comment-N), of a blog that
    offers no site-wide comments feed."""
    post = server.url(f"/blog/{slug}/")
    items = "".join(f"<item><title>By: {escape(author)}</title><link>{post}#comment-{cid}</link>"
                    f"<dc:creator>{escape(author)}</dc:creator><pubDate>{format_datetime(when)}</pubDate>"
                    f"<guid isPermaLink='false'>{post}#comment-{cid}</guid><description>{escape(text)}</description>"
                    "</item>" for cid, author, when, text in sorted(comments, key=lambda c: c[2], reverse=True))
    return ("<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' xmlns:dc='http://purl.org/dc/elements/1.1/'>"
            f"<channel><title>Comments on: {slug}</title><link>{post}</link><description>x</description>{items}"
            "</channel></rss>")


def test_an_old_post_with_a_recent_comment_is_still_polled(server: FeedServer, tmp_path: Path) -> None:
    posts = {"lively": [(1, "Dana", ago(days=1), "Does this work with oat milk?")],
             "quiet": [(2, "Eli", ago(days=8), "Great post.")]}
    items = "".join(
        f"<item><title>{slug}</title><link>{server.url(f'/blog/{slug}/')}</link><guid>{server.url(f'/blog/{slug}/')}"
        f"</guid><pubDate>{format_datetime(ago(days=9))}</pubDate><description>A post.</description>"
        f"<wfw:commentRss>{server.url(f'/blog/{slug}/comments.rss')}</wfw:commentRss></item>" for slug in posts)
    server.set("/blog/feed.rss", "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' "
               "xmlns:wfw='http://wellformedweb.org/CommentAPI/'><channel><title>Acme notes</title>"
               f"<link>{server.url('/blog/')}</link><description>x</description>{items}</channel></rss>")

    def publish() -> None:
        for slug, comments in posts.items():
            server.set(f"/blog/{slug}/comments.rss", comments_rss(server, slug, comments))

    publish()
    db = tmp_path / "db.sqlite"
    wide = write_config(tmp_path / "wide.toml", [{"url": server.url("/blog/feed.rss")}],
                        extra="\n[sync]\ncomments_days = 30\n")
    assert sync(wide, db).new == 4  # the first look, with a wide window: both posts and their comments
    posts["lively"].append((3, "Fay", ago(hours=2), "And with soy?"))
    posts["quiet"].append((4, "Gus", ago(hours=2), "Late to the party."))
    publish()
    server.reset_hits()
    report = sync(config_for(server, tmp_path, "/blog/feed.rss"), db)
    # Both posts are 9 days old; only one had a comment within `comments_days`.
    assert asked(server, "/blog/") == ["/blog/feed.rss", "/blog/lively/comments.rss"] and report.new == 1
