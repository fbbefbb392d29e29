"""The bundled demo sites: every document is served, well-formed and shaped like the real platform's."""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest

from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.demo.sites import IDENTITY_NAMES, DemoFeed, config_toml, demo_feeds, install

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class Demo:
    server: FeedServer
    feeds: list[DemoFeed]
    parsed: dict[str, Any]  # path -> feedparser result
    responses: dict[str, httpx.Response]

    @property
    def base(self) -> str:
        return self.server.base_url

    def feed(self, path: str) -> Any:
        return self.parsed[path]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with FeedServer() as server:
        feeds = install(server, NOW)
        parsed: dict[str, Any] = {}
        responses: dict[str, httpx.Response] = {}
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            for path in sorted(server.routes):
                response = client.get(path)
                responses[path] = response
                parsed[path] = feedparser.parse(
                    io.BytesIO(response.content),
                    response_headers={"content-location": str(response.url),
                                      "content-type": response.headers["content-type"]},
                )
        yield Demo(server, feeds, parsed, responses)


def _wp_post_path(post: sites.WpPost) -> str:
    date = NOW - post.ago
    return f"/acme-blog/{date:%Y}/{date:%m}/{post.slug}/"


# -- every document ----------------------------------------------------------------------------------------


def test_every_document_is_served_and_well_formed(demo: Demo) -> None:
    assert len(demo.parsed) == 22
    for path, response in demo.responses.items():
        assert response.status_code == 200, path
        expected = "application/atom+xml" if path.startswith("/recipes/") else "application/rss+xml"
        assert response.headers["content-type"] == f"{expected}; charset=UTF-8", path
        result = demo.parsed[path]
        assert not result.bozo, (path, result.get("bozo_exception"))
        assert result.version in {"rss20", "atom10"}, path


def test_expected_entry_counts(demo: Demo) -> None:
    counts = {path: len(result.entries) for path, result in demo.parsed.items()}
    wp = {_wp_post_path(p) + "feed/": sum(c.post == p.id for c in sites.WP_COMMENTS) for p in sites.WP_POSTS}
    assert sorted(wp.values()) == [0, 4, 4, 4, 4]
    blogger = {f"/recipes/feeds/{p.id}/comments/default": sum(c.post == p.id for c in sites.BLOG_COMMENTS)
               for p in sites.BLOG_POSTS}
    assert sorted(blogger.values()) == [0, 2, 3, 4]
    topics = {f"/forum/t/{t.slug}/{t.id}.rss": sum(p.topic == t.id for p in sites.FORUM_POSTS)
              for t in sites.TOPICS}
    assert sorted(topics.values()) == [1, 2, 2, 3, 3, 6]
    assert counts == {
        "/acme-blog/feed/": 5,
        "/acme-blog/comments/feed/": 10,
        **wp,
        "/recipes/feeds/posts/default": 4,
        "/recipes/feeds/comments/default": 9,
        **blogger,
        "/forum/latest.rss": 6,
        "/forum/posts.rss": len(sites.FORUM_POSTS),  # fewer than its 50
        **topics,
        "/social/tags/acmegrinder.rss": 6,
    }


def test_dates_are_within_the_last_ten_days(demo: Demo) -> None:
    seen = 0
    for path, result in demo.parsed.items():
        for entry in result.entries:
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            assert stamp is not None, (path, entry.get("id"))
            when = datetime(*stamp[:6], tzinfo=UTC)
            assert NOW - timedelta(days=10) <= when <= NOW, (path, entry.get("id"), when)
            seen += 1
    assert seen > 60
    recent = [e for r in demo.parsed.values() for e in r.entries
              if datetime(*e.published_parsed[:6], tzinfo=UTC) > NOW - timedelta(hours=12)]
    assert len(recent) >= 5


def test_every_link_points_at_the_server(demo: Demo) -> None:
    for path, result in demo.parsed.items():
        assert result.feed.link.startswith(demo.base + "/"), path
        for entry in result.entries:
            assert entry.link.startswith(demo.base + "/"), (path, entry.link)
            for link in entry.get("links", []):
                assert link["href"].startswith(demo.base + "/"), (path, link)


def test_same_now_gives_byte_identical_documents() -> None:
    with FeedServer() as server:
        install(server, NOW)
        first = {path: route.body for path, route in server.routes.items()}
        modified = {path: route.modified for path, route in server.routes.items()}
        install(server, NOW)
        assert {path: route.body for path, route in server.routes.items()} == first
        assert {path: route.modified for path, route in server.routes.items()} == modified
        install(server, NOW + timedelta(hours=1))
        assert {path: route.body for path, route in server.routes.items()} != first
    assert sites.documents("http://127.0.0.1:1", NOW) == sites.documents("http://127.0.0.1:1", NOW)


def test_naive_and_aware_now_agree() -> None:
    naive = sites.documents("http://127.0.0.1:1", NOW.replace(tzinfo=None))
    assert naive == sites.documents("http://127.0.0.1:1", NOW)


def test_validators_follow_the_content(demo: Demo) -> None:
    newest_comment = NOW - min(c.ago for c in sites.WP_COMMENTS)
    stamps = {path: parsedate_to_datetime(r.headers["last-modified"]) for path, r in demo.responses.items()}
    wp_comment_feeds = [p for p in stamps if p.startswith("/acme-blog/") and p != "/acme-blog/feed/"]
    assert len(wp_comment_feeds) == 6
    # Like WordPress: every comment feed carries the date of the newest comment anywhere on the site.
    assert {stamps[p] for p in wp_comment_feeds} == {newest_comment}
    assert stamps["/acme-blog/feed/"] == NOW - min(p.ago for p in sites.WP_POSTS)
    with httpx.Client(base_url=demo.base) as client:
        etag = demo.responses["/forum/latest.rss"].headers["etag"]
        assert client.get("/forum/latest.rss", headers={"If-None-Match": etag}).status_code == 304


# -- WordPress ---------------------------------------------------------------------------------------------


def test_wordpress_posts_feed(demo: Demo) -> None:
    result = demo.feed("/acme-blog/feed/")
    assert result.feed.title == "Acme Blog"
    assert result.feed.link == f"{demo.base}/acme-blog/"
    assert result.feed.generator == "https://wordpress.org/?v=6.1"
    by_id = {p.id: p for p in sites.WP_POSTS}
    for entry in result.entries:
        post_id = int(entry.id.rsplit("=", 1)[1])
        post = by_id[post_id]
        url = demo.base + _wp_post_path(post)
        assert entry.id == f"{demo.base}/acme-blog/?p={post_id}"
        assert entry.guidislink is False
        assert entry.link == url
        assert entry.comments == url + "#comments"
        assert entry.wfw_commentrss == url + "feed/"
        assert int(entry.slash_comments) == sum(c.post == post_id for c in sites.WP_COMMENTS)
        assert entry.author in {"Acme Support", "Dana (Acme)", "Marco (Acme)"}
        assert entry.content[0].value.startswith("<p>")
        assert entry.summary
        # the comment feed named by the post is served
        assert entry.wfw_commentrss.removeprefix(demo.base) in demo.parsed


def test_wordpress_site_comments_feed_holds_only_the_newest_ten(demo: Demo) -> None:
    assert len(sites.WP_COMMENTS) > 10
    result = demo.feed("/acme-blog/comments/feed/")
    assert result.feed.title == "Comments for Acme Blog"
    assert len(result.entries) == 10
    newest = sorted(sites.WP_COMMENTS, key=lambda c: c.ago)[:10]
    assert [e.id for e in result.entries] == [f"{demo.base}/acme-blog/?p={c.post}#comment-{c.id}" for c in newest]
    titles = {p.id: p.title for p in sites.WP_POSTS}
    for entry, comment in zip(result.entries, newest, strict=True):
        assert entry.title == f"Comment on {titles[comment.post]} by {comment.author}"
        assert entry.link.endswith(f"/#comment-{comment.id}")
        assert entry.author == comment.author


def test_wordpress_post_comment_feeds(demo: Demo) -> None:
    for post in sites.WP_POSTS:
        result = demo.feed(_wp_post_path(post) + "feed/")
        assert result.feed.title == f"Comments on: {post.title}"
        assert result.feed.link == demo.base + _wp_post_path(post)
        mine = sorted((c for c in sites.WP_COMMENTS if c.post == post.id), key=lambda c: c.ago)
        assert [e.id for e in result.entries] == [f"{demo.base}/acme-blog/?p={post.id}#comment-{c.id}" for c in mine]
        assert [e.title for e in result.entries] == [f"By: {c.author}" for c in mine]


def test_wordpress_replies_carry_the_in_reply_to_paragraph(demo: Demo) -> None:
    comments = {c.id: c for c in sites.WP_COMMENTS}
    posts = {p.id: p for p in sites.WP_POSTS}
    checked = 0
    for path, result in demo.parsed.items():
        if not path.startswith("/acme-blog/") or path == "/acme-blog/feed/":
            continue
        for entry in result.entries:
            comment = comments[int(entry.id.rsplit("-", 1)[1])]
            html = entry.content[0].value
            if comment.parent:
                parent = comments[comment.parent]
                parent_url = f"{demo.base}{_wp_post_path(posts[parent.post])}#comment-{parent.id}"
                lead = f'<p>In reply to <a href="{parent_url}">{parent.author}</a>.</p>\n'
                assert html.startswith(lead), html
                # <description> holds the same text as escaped HTML, no <p>
                assert entry.summary.startswith(f"In reply to &lt;a href=&quot;{parent_url}&quot;&gt;"), entry.summary
                checked += 1
            else:
                assert "In reply to" not in html
    assert checked >= 5


def test_wordpress_conversations(demo: Demo) -> None:
    comments = {c.id: c for c in sites.WP_COMMENTS}
    ours = [c for c in sites.WP_COMMENTS if c.author in IDENTITY_NAMES]
    assert {comments[c.parent].author for c in ours} == {"Tom Becker", "Lena Fischer", "Jonas Weber"}
    replies_to_us = {c.author: c for c in sites.WP_COMMENTS if c.parent and comments[c.parent] in ours}
    assert replies_to_us["Tom Becker"].body == ("Got it, thank you so much!",)
    assert "roll back" in replies_to_us["Jonas Weber"].body[-1]
    shipping = next(p for p in sites.WP_POSTS if p.slug.startswith("shipping"))
    entries = demo.feed(_wp_post_path(shipping) + "feed/").entries
    thanks = next(e for e in entries if "Got it, thank you so much!" in e.content[0].value)
    assert thanks.author == "Tom Becker"
    assert entries[0].author == "Priya Natarajan"  # her separate question is the newest on that post


def test_wordpress_hostile_text_is_escaped_text(demo: Demo) -> None:
    calibrate = next(p for p in sites.WP_POSTS if p.slug.startswith("how-to-calibrate"))
    entries = demo.feed(_wp_post_path(calibrate) + "feed/").entries
    kevin = next(e for e in entries if e.author == "Kevin Tran")
    html = kevin.content[0].value
    assert "use [bold]this[/] setting" in html
    assert "literal &lt;script&gt; tag" in html
    assert "<script" not in html
    assert "&lt;script&gt;" in demo.responses[_wp_post_path(calibrate) + "feed/"].text


def test_wordpress_comment_ids_grow_with_time() -> None:
    by_age = sorted(sites.WP_COMMENTS, key=lambda c: c.ago, reverse=True)
    assert [c.id for c in by_age] == sorted(c.id for c in sites.WP_COMMENTS)
    posts = {p.id: p for p in sites.WP_POSTS}
    comments = {c.id: c for c in sites.WP_COMMENTS}
    for comment in sites.WP_COMMENTS:
        assert comment.ago < posts[comment.post].ago
        if comment.parent:
            assert comments[comment.parent].post == comment.post
            assert comment.ago < comments[comment.parent].ago


# -- Blogger -----------------------------------------------------------------------------------------------


def test_blogger_posts_have_both_replies_links(demo: Demo) -> None:
    result = demo.feed("/recipes/feeds/posts/default")
    assert result.feed.title == "Acme Recipes"
    for entry in result.entries:
        assert re.fullmatch(r"tag:blogger\.com,1999:blog-\d+\.post-\d+", entry.id)
        replies = [link for link in entry.links if link["rel"] == "replies"]
        assert {link["type"] for link in replies} == {"application/atom+xml", "text/html"}
        feed_link = next(link for link in replies if link["type"] == "application/atom+xml")
        form_link = next(link for link in replies if link["type"] == "text/html")
        path = feed_link["href"].removeprefix(demo.base)
        assert path in demo.parsed
        assert form_link["href"] == entry.link + "#comment-form"
        assert form_link["href"].removeprefix(demo.base) not in demo.parsed
        assert int(entry.thr_total) == len(demo.feed(path).entries)


def test_blogger_comments_carry_in_reply_to(demo: Demo) -> None:
    posts = {sites.BLOGGER_TAG_PREFIX + p.id: p for p in sites.BLOG_POSTS}
    comment_tags = {sites.BLOGGER_TAG_PREFIX + c.id for c in sites.BLOG_COMMENTS}
    to_comment = 0
    for path, result in demo.parsed.items():
        if not path.startswith("/recipes/feeds/") or path == "/recipes/feeds/posts/default":
            continue
        for entry in result.entries:
            reply_to = entry["thr_in-reply-to"]
            assert reply_to["ref"] in posts or reply_to["ref"] in comment_tags
            to_comment += reply_to["ref"] in comment_tags
            assert reply_to["href"].startswith(f"{demo.base}/recipes/")
            assert entry.link.startswith(reply_to["href"] + "?showComment=")
    assert to_comment >= 2 * 4  # four replies to comments, each in two feeds


# -- Discourse ---------------------------------------------------------------------------------------------


def test_discourse_latest_and_topic_feeds(demo: Demo) -> None:
    latest = demo.feed("/forum/latest.rss")
    assert latest.namespaces.get("discourse") == "http://www.discourse.org/"
    assert len(latest.entries) == len(sites.TOPICS)
    for entry in latest.entries:
        assert re.fullmatch(re.escape(demo.base) + r"/forum/t/[a-z0-9-]+/\d+", entry.link)
        assert entry.source["href"] == entry.link + ".rss"
        assert entry.author
        topic = demo.feed(entry.source["href"].removeprefix(demo.base))
        assert topic.feed.title == entry.title
        for post in topic.entries:
            assert post.title == entry.title
            assert re.fullmatch(r"127\.0\.0\.1-post-\d+", post.id)
            assert post.guidislink is False
            assert re.fullmatch(re.escape(entry.link) + r"/\d+", post.link)
            assert post.source["href"] == entry.link + ".rss"
    pinned = [e for e in latest.entries if e.discourse_topicpinned == "Yes"]
    assert [e.author for e in pinned] == ["acme_cm"]


def test_discourse_post_numbers_and_ids_are_consistent() -> None:
    for topic in sites.TOPICS:
        posts = sorted((p for p in sites.FORUM_POSTS if p.topic == topic.id), key=lambda p: p.number)
        assert [p.number for p in posts] == list(range(1, len(posts) + 1))
        assert [p.ago for p in posts] == sorted((p.ago for p in posts), reverse=True)
    by_age = sorted(sites.FORUM_POSTS, key=lambda p: p.ago, reverse=True)
    assert [p.id for p in by_age] == sorted(p.id for p in sites.FORUM_POSTS)


# -- Mastodon ----------------------------------------------------------------------------------------------


def test_mastodon_tag_feed(demo: Demo) -> None:
    result = demo.feed("/social/tags/acmegrinder.rss")
    assert result.feed.title == "#acmegrinder"
    accounts = []
    for entry in result.entries:
        assert not entry.get("title")
        match = re.fullmatch(re.escape(demo.base) + r"/social/@(\w+)/(\d{18})", entry.link)
        assert match, entry.link
        accounts.append(match.group(1))
        assert entry.id == entry.link
        assert "acmegrinder" in entry.summary.lower()
        assert entry.summary.startswith("<p>")
    assert len(set(accounts)) == len(accounts) == 6
    assert "acme_support_team" in accounts
    assert not set(accounts) & set(IDENTITY_NAMES)


# -- config ------------------------------------------------------------------------------------------------


def test_config_toml_lists_every_feed(demo: Demo) -> None:
    config = tomllib.loads(config_toml(demo.feeds))
    assert config["identity"]["names"] == list(IDENTITY_NAMES)
    assert [f["url"] for f in config["feeds"]] == [f.url for f in demo.feeds]
    assert {f["kind"] for f in config["feeds"]} == {"blog", "forum", "mentions"}
    for table, feed in zip(config["feeds"], demo.feeds, strict=True):
        assert table == {"url": feed.url, "name": feed.name, "kind": feed.kind, "tags": list(feed.tags)}
        assert feed.url.startswith(demo.base)
        assert feed.url.removeprefix(demo.base) in demo.parsed


def test_config_toml_escapes_strings() -> None:
    odd = DemoFeed('http://127.0.0.1:1/a"b\\c', 'Name "quoted"\n\x7f', "blog", ("t\u00e9st",))
    config = tomllib.loads(config_toml([odd]))
    assert config["feeds"][0]["url"] == odd.url
    assert config["feeds"][0]["name"] == odd.name
    assert config["feeds"][0]["tags"] == ["t\u00e9st"]


def test_the_demo_config_lists_saved_replies_for_its_brand(tmp_path: Path) -> None:
    """`cmtui demo` writes `config_toml`: its saved replies are there, so the editor's picker (ctrl+t) is not
    empty; each uses only variables a reply fills in, and reads whole once filled."""
    from cmtui.config import parse
    from cmtui.demo.sites import DEMO_REPLIES
    from cmtui.replies import VARIABLE, ReplyContext, fill, load_templates

    config = parse(config_toml(demo_feeds("http://127.0.0.1:1")), tmp_path / "feeds.toml")
    assert config.templates == DEMO_REPLIES and len(DEMO_REPLIES) >= 3
    assert load_templates(config.templates, config.templates_dir) == DEMO_REPLIES
    known = set(ReplyContext().variables())
    context = ReplyContext(author="Marcus Hill", post_title="Burr One makes a grinding noise after firmware 2.4",
                           feed_name="Acme Community", our_name=config.names[0], message="It rattles.")
    for name, body in DEMO_REPLIES.items():
        assert len(name) <= 24, name  # the picker shows 24 characters of a name
        assert set(VARIABLE.findall(body)) <= known, name
        filled = fill(body, context)
        assert "{" not in filled and "Marcus" in filled and filled.endswith("— Acme Support"), (name, filled)
    without = parse(config_toml(demo_feeds("http://127.0.0.1:1"), replies=False), tmp_path / "feeds.toml")
    assert without.templates == {} and without.feeds == config.feeds
