"""`cmtui add` / `cmtui import-opml`: feed discovery against a real loopback server, feeds.toml edits, OPML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.config import ConfigError, load
from cmtui.demo.server import FeedServer
from cmtui.discover import Found, address_places, discover, find_feeds
from cmtui.feedlist import append_feeds, read_opml
from cmtui.fetch import Fetcher, Limits

HTML = "text/html; charset=utf-8"


def rss(title: str, link: str, items: list[tuple[str, str]], generator: str = "", extra_ns: str = "") -> str:
    body = "".join(f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid>"
                   f"<pubDate>Mon, 06 May 2024 10:00:00 +0000</pubDate><description>x</description></item>"
                   for t, u in items)
    gen = f"<generator>{generator}</generator>" if generator else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {extra_ns}><channel><title>{title}</title>'
            f"<link>{link}</link><description>d</description>{gen}{body}</channel></rss>")


def atom(title: str, link: str, items: list[tuple[str, str]]) -> str:
    body = "".join(f'<entry><title>{t}</title><link href="{u}"/><id>{u}</id>'
                   f"<updated>2024-05-06T10:00:00Z</updated></entry>" for t, u in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
            f'<link href="{link}"/><id>{link}</id><updated>2024-05-06T10:00:00Z</updated>{body}</feed>')


def html_page(head: str = "", body: str = "") -> str:
    return f"<!DOCTYPE html><html><head><title>Page</title>{head}</head><body><p>Hello</p>{body}</body></html>"


def alternate(href: str, title: str, kind: str = "application/rss+xml") -> str:
    return f'<link rel="alternate" type="{kind}" title="{title}" href="{href}" />'


def serve_wordpress(server: FeedServer) -> str:
    """A WordPress blog; returns the address of a post page that advertises three feeds."""
    base = server.base_url
    post = f"{base}/2024/05/hello-world/"
    server.set("/feed/", rss("Acme Blog", base + "/", [("Hello world", post)], "https://wordpress.org/?v=6.5"))
    server.set("/comments/feed/", rss("Comments for Acme Blog", base + "/",
                                      [("Comment on Hello world by Ann", post + "#comment-2")],
                                      "https://wordpress.org/?v=6.5"))
    server.set("/2024/05/hello-world/feed/", rss("Comments on: Hello world", post,
                                                 [("By: Ann", post + "#comment-2")], "https://wordpress.org/?v=6.5"))
    head = (alternate(f"{base}/feed/", "Acme Blog &raquo; Feed")
            + alternate(f"{base}/comments/feed/", "Acme Blog &raquo; Comments Feed")
            + alternate(f"{post}feed/", "Acme Blog &raquo; Hello world Comments Feed")
            + '<link rel="alternate" type="application/json+oembed" href="/wp-json/oembed/1.0/embed?url=x" />'
            + '<link rel="https://api.w.org/" href="/wp-json/" />')
    server.set("/2024/05/hello-world/", html_page(head), content_type=HTML)
    return post


def discourse_rss(base: str, topics: list[tuple[str, str]]) -> str:
    return rss("Acme Forum - Latest topics", base + "/latest", topics,
               extra_ns='xmlns:discourse="http://www.discourse.org/"')


async def find(url: str) -> list[Found]:
    async with Fetcher(Limits(timeout=10, connect_timeout=5)) as fetcher:
        return await discover(url, fetcher)


# -- discover ----------------------------------------------------------------------


async def test_wordpress_post_page_gives_the_site_feed_only(server: FeedServer) -> None:
    post = serve_wordpress(server)
    found = await find(post)
    assert found == [Found(server.url("/feed/"), "Acme Blog", "blog")]


async def test_page_advertising_nothing_falls_back_to_feed_path(server: FeedServer) -> None:
    server.set("/", html_page(body='<a href="/about/">About</a>'), content_type=HTML)
    server.set("/feed/", rss("Quiet Blog", server.url("/"), [("First", server.url("/first/"))]))
    found = await find(server.url("/"))
    assert found == [Found(server.url("/feed/"), "Quiet Blog", "blog")]


async def test_discourse_page_gives_latest_rss_as_forum(server: FeedServer) -> None:
    base = server.base_url
    head = '<meta name="generator" content="Discourse 3.3.0 - https://github.com/discourse/discourse version abc">'
    body = '<a href="/t/welcome-to-acme/1">Welcome</a> <a href="/t/login-broken/42">Login broken</a>'
    server.set("/", html_page(head, body), content_type=HTML)
    server.set("/latest.rss", discourse_rss(base, [("Login broken", f"{base}/t/login-broken/42")]))
    found = await find(server.url("/"))
    assert found == [Found(server.url("/latest.rss"), "Acme Forum - Latest topics", "forum")]


async def test_discourse_topic_page_prefers_latest_to_the_topic_feed(server: FeedServer) -> None:
    base = server.base_url
    topic = f"{base}/forum/t/login-broken/42"
    server.set("/forum/t/login-broken/42", html_page(
        alternate(f"{topic}.rss", "RSS feed of &#39;Login broken&#39;")
        + alternate(f"{base}/forum/posts.rss", "Latest posts")), content_type=HTML)
    server.set("/forum/t/login-broken/42.rss", rss("Login broken", topic, [("Login broken", f"{topic}/1"),
                                                                           ("Login broken", f"{topic}/2")],
                                                   extra_ns='xmlns:discourse="http://www.discourse.org/"'))
    server.set("/forum/posts.rss", rss("Acme Forum - Latest posts", f"{base}/forum", [("x", f"{topic}/2")],
                                       extra_ns='xmlns:discourse="http://www.discourse.org/"'))
    server.set("/forum/latest.rss", discourse_rss(base, [("Login broken", topic)]))
    found = await find(topic)
    assert found == [Found(server.url("/forum/latest.rss"), "Acme Forum - Latest topics", "forum")]


async def test_feed_url_given_directly(server: FeedServer) -> None:
    server.set("/blog/atom.xml", atom("Direct Blog", server.url("/blog/"), [("Post", server.url("/blog/post"))]),
               content_type="application/atom+xml")
    found = await find(server.url("/blog/atom.xml"))
    assert found == [Found(server.url("/blog/atom.xml"), "Direct Blog", "blog")]


async def test_missing_page_finds_nothing_and_says_why(server: FeedServer) -> None:
    async with Fetcher(Limits(timeout=10)) as fetcher:
        report = await find_feeds(server.url("/nowhere"), fetcher)
    assert report.found == []
    assert "404" in report.why and server.url("/nowhere") in report.why
    assert await find(server.url("/nowhere")) == []


async def test_page_without_any_feed_says_so(server: FeedServer) -> None:
    server.set("/", html_page(), content_type=HTML)
    async with Fetcher(Limits(timeout=10)) as fetcher:
        report = await find_feeds(server.url("/"), fetcher)
    assert report.found == []
    assert report.why.startswith("no feed found on that page")
    assert server.url("/feed/") in report.tried


async def test_advertised_candidate_that_is_not_a_feed_is_dropped(server: FeedServer) -> None:
    server.set("/", html_page(alternate("/old-feed", "Old") + alternate("/rss.xml", "Current")), content_type=HTML)
    server.set("/old-feed", html_page(), content_type=HTML)
    server.set("/rss.xml", rss("Current Blog", server.url("/"), [("p", server.url("/p"))]))
    assert await find(server.url("/")) == [Found(server.url("/rss.xml"), "Current Blog", "blog")]


async def test_same_feed_in_rss_and_atom_is_found_once(server: FeedServer) -> None:
    items = [("One", server.url("/one")), ("Two", server.url("/two"))]
    server.set("/", html_page(alternate("/feed.rss", "RSS") + alternate("/feed.atom", "Atom", "application/atom+xml")),
               content_type=HTML)
    server.set("/feed.rss", rss("Twin", server.url("/"), items))
    server.set("/feed.atom", atom("Twin", server.url("/"), items), content_type="application/atom+xml")
    assert [f.url for f in await find(server.url("/"))] == [server.url("/feed.rss")]


async def test_posts_by_platform_accounts_are_a_mentions_feed_at_any_address(server: FeedServer) -> None:
    """A tag feed, a Reddit search or a subreddit served at an address that says nothing: its posts come from
    platform accounts (`Entry.account`), so it is a listening feed."""
    server.set("/feed.xml", rss("acme", server.url("/"), [("", "https://mastodon.social/@ann/1123"),
                                                           ("", "https://other.example/@bo/77")]))
    assert await find(server.url("/feed.xml")) == [Found(server.url("/feed.xml"), "acme", "mentions")]
    server.set("/blog.xml", rss("A blog", server.url("/"), [("Hello", server.url("/hello"))]))
    assert await find(server.url("/blog.xml")) == [Found(server.url("/blog.xml"), "A blog", "blog")]


async def test_mastodon_tag_page_gives_a_mentions_feed(server: FeedServer) -> None:
    server.set("/tags/acme", html_page(), content_type=HTML)
    server.set("/tags/acme.rss", rss("#acme", server.url("/tags/acme"), [("", server.url("/@ann/1123"))]))
    assert await find(server.url("/tags/acme")) == [Found(server.url("/tags/acme.rss"), "#acme", "mentions")]


async def test_only_http_urls() -> None:
    async with Fetcher(Limits(timeout=10)) as fetcher:
        report = await find_feeds("file:///etc/passwd", fetcher)
    assert report.found == [] and "not an http(s) URL" in report.why


def test_places_known_from_the_address() -> None:
    [yt] = address_places("https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv/videos")
    assert yt.url == "https://www.youtube.com/feeds/videos.xml?channel_id=UCabcdefghijklmnopqrstuv"
    [user] = address_places("https://mastodon.social/@Gargron")
    assert user.url == "https://mastodon.social/@Gargron.rss" and user.kind == ""
    [tag] = address_places("https://mastodon.social/tags/python")
    assert tag.url == "https://mastodon.social/tags/python.rss" and tag.kind == "mentions"
    assert address_places("https://example.com/blog/") == []


# -- append_feeds ------------------------------------------------------------------

EXISTING = """\
# Acme community feeds
# (kept by hand)

[identity]
names = ["Acme Support"]  # our people

[[feeds]]
url = "https://blog.example.com/feed/"  # the main blog
name = "Blog"

# forum settings below
[sync]
per_host = 2  # be gentle
"""


def test_append_keeps_comments_and_layout(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(EXISTING, encoding="utf-8")
    added = append_feeds(path, [{"url": "https://forum.example.com/latest.rss", "name": "Forum", "kind": "forum",
                                 "tags": ["support"]}])
    assert added == ["https://forum.example.com/latest.rss"]
    result = path.read_text(encoding="utf-8")
    for line in EXISTING.splitlines():
        assert line in result
    assert "# forum settings below\n[sync]" in result  # the new feed went above the comment that heads [sync]
    config = load(path)
    assert [f.url for f in config.feeds] == ["https://blog.example.com/feed/", "https://forum.example.com/latest.rss"]
    assert config.feeds[1].kind == "forum" and config.feeds[1].tags == ("support",) and config.feeds[1].kind_set
    assert config.sync.per_host == 2 and config.names == ("Acme Support",)


def test_append_skips_urls_already_there(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(EXISTING, encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert append_feeds(path, [{"url": " https://blog.example.com/feed ", "name": "Again"}]) == []
    assert path.read_text(encoding="utf-8") == before
    added = append_feeds(path, [{"url": "https://a.example/feed/"}, {"url": "https://a.example/feed"},
                                {"url": "https://blog.example.com/feed/"}])
    assert added == ["https://a.example/feed/"]
    assert len(load(path).feeds) == 2


def test_append_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "feeds.toml"
    assert append_feeds(path, [{"url": "https://a.example/feed/", "name": "A"}]) == ["https://a.example/feed/"]
    content = path.read_text(encoding="utf-8")
    assert content.startswith("#") and "[identity]" in content and "names = []" in content and "handles = []" in content
    assert "author names" in content
    config = load(path)
    assert config.names == () and [(f.url, f.name) for f in config.feeds] == [("https://a.example/feed/", "A")]
    assert not config.feeds[0].kind_set
    assert [p.name for p in path.parent.iterdir()] == ["feeds.toml"]  # no temporary file left


def test_append_that_would_break_the_file_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(EXISTING, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        append_feeds(path, [{"url": "https://a.example/feed/", "kind": "podcast"}])
    assert info.value.path == str(path) and "kind" in info.value.key
    assert path.read_text(encoding="utf-8") == EXISTING
    assert sorted(os.listdir(tmp_path)) == ["feeds.toml"]


def test_append_to_a_file_without_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[feeds]]\nurl = "https://a.example/feed/"', encoding="utf-8")
    append_feeds(path, [{"url": "https://b.example/feed/"}])
    assert [f.url for f in load(path).feeds] == ["https://a.example/feed/", "https://b.example/feed/"]


# -- OPML --------------------------------------------------------------------------

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="Community" title="Community">
      <outline type="rss" text="Acme Blog" title="Acme Blog" xmlUrl="https://blog.example.com/feed/"
               htmlUrl="https://blog.example.com/"/>
      <outline text="Forums">
        <outline type="rss" text="Acme Forum" xmlUrl="https://forum.example.com/latest.rss" category="/support"/>
      </outline>
    </outline>
    <outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
    <outline type="rss" text="Mentions" xmlUrl="https://mastodon.example/tags/acme.rss"/>
  </body>
</opml>
"""


def test_read_opml_nested_outlines_and_categories(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text(OPML, encoding="utf-8")
    feeds = read_opml(path)
    assert [f["url"] for f in feeds] == ["https://blog.example.com/feed/", "https://forum.example.com/latest.rss",
                                         "https://mastodon.example/tags/acme.rss"]
    assert feeds[0] == {"url": "https://blog.example.com/feed/", "name": "Acme Blog", "tags": ["Community"]}
    assert feeds[1]["name"] == "Acme Forum" and set(feeds[1]["tags"]) == {"support", "Community", "Forums"}
    assert feeds[2]["tags"] == []


def test_read_opml_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(rss("Not a list", "https://x.example/", [("a", "https://x.example/a")]), encoding="utf-8")
    with pytest.raises(ConfigError, match="not an OPML file"):
        read_opml(path)
    with pytest.raises(ConfigError, match="cannot read"):
        read_opml(tmp_path / "missing.opml")


def test_read_opml_in_a_legacy_encoding(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_bytes(OPML.replace("UTF-8", "ISO-8859-1").replace("Acme Blog", "Caf\u00e9 Blog").encode("latin-1"))
    assert read_opml(path)[0]["name"] == "Caf\u00e9 Blog"


# -- CLI ---------------------------------------------------------------------------


def test_cli_add(server: FeedServer, tmp_path: Path) -> None:
    post = serve_wordpress(server)
    config = tmp_path / "feeds.toml"
    runner = CliRunner()
    result = runner.invoke(cli, ["add", post, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f'Added "Acme Blog" {server.url("/feed/")} (blog) to {config}'
    assert [(f.url, f.name) for f in load(config).feeds] == [(server.url("/feed/"), "Acme Blog")]

    again = runner.invoke(cli, ["add", server.url("/feed/"), "--config", str(config)])
    assert again.exit_code == 0 and "Already there" in again.stdout
    assert len(load(config).feeds) == 1


def test_cli_add_overrides_and_all(server: FeedServer, tmp_path: Path) -> None:
    base = server.base_url
    server.set("/", html_page(alternate("/a.rss", "A") + alternate("/b.rss", "B")), content_type=HTML)
    server.set("/a.rss", rss("Feed A", base, [("a", f"{base}/a")]))
    server.set("/b.rss", rss("Feed B", base, [("b", f"{base}/b")]))
    config = tmp_path / "feeds.toml"
    result = CliRunner().invoke(cli, ["--config", str(config), "add", server.url("/"), "--all", "--kind", "mentions",
                                      "--name", "Acme"])
    assert result.exit_code == 0, result.output
    feeds = load(config).feeds
    assert [(f.url, f.name, f.kind) for f in feeds] == [(server.url("/a.rss"), "Acme", "mentions"),
                                                         (server.url("/b.rss"), "Acme", "mentions")]


def test_cli_add_nothing_found(server: FeedServer, tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    result = CliRunner().invoke(cli, ["add", server.url("/nowhere"), "--config", str(config)])
    assert result.exit_code == 1
    assert "404" in result.stderr and result.stdout == ""
    assert not config.exists()


def test_cli_import_opml(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML, encoding="utf-8")
    config = tmp_path / "feeds.toml"
    config.write_text(EXISTING, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["import-opml", str(opml), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Imported 2 feeds (1 already present) into {config}"
    assert len(load(config).feeds) == 3
    assert "# the main blog" in config.read_text(encoding="utf-8")

    again = runner.invoke(cli, ["import-opml", str(opml), "--config", str(config)])
    assert again.exit_code == 0 and again.stdout.strip() == f"Imported 0 feeds (3 already present) into {config}"


UNUSABLE = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Exported</title></head><body>
  <outline text="Coffee">
    <outline type="rss" text="Acme Blog" xmlUrl="https://blog.example.com/feed/"/>
    <outline type="rss" text="Mirror" xmlUrl="ftp://ftp.example.com/pub/acme.xml"/>
    <outline type="rss" text="Acme Blog again" xmlUrl="https://blog.example.com/feed"/>
  </outline>
  <outline type="rss" text="Nothing here" xmlUrl=""/>
  <outline type="rss" text="Lost" htmlUrl="https://lost.example.com/"/>
  <outline type="link" text="Team list" url="https://lists.example.com/team.opml"/>
  <outline type="rss" xmlUrl="file:///etc/passwd"/>
  <outline type="rss" text="Forum" xmlUrl="https://forum.example.com/latest.rss"/>
  <outline text="A note, not a feed"/>
</body></opml>
"""


def test_cli_import_opml_reports_every_outline_it_skips(tmp_path: Path) -> None:
    """An outline that gives no feed is never dropped silently: one stderr line names it and says why, and the last
    line counts them; the feeds are imported all the same (exit 0, the same summary on stdout)."""
    opml = tmp_path / "subs.opml"
    opml.write_text(UNUSABLE, encoding="utf-8")
    config = tmp_path / "feeds.toml"
    result = CliRunner().invoke(cli, ["import-opml", str(opml), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"Imported 2 feeds (0 already present) into {config}"
    assert [f.url for f in load(config).feeds] == ["https://blog.example.com/feed/",
                                                    "https://forum.example.com/latest.rss"]
    assert result.stderr.splitlines() == [
        'cmtui: skipped outline "Mirror" (ftp://ftp.example.com/pub/acme.xml): its address is not an http(s) URL',
        'cmtui: skipped outline "Acme Blog again" (https://blog.example.com/feed): listed twice: the same feed as '
        'outline "Acme Blog" (https://blog.example.com/feed/)',
        'cmtui: skipped outline "Nothing here": no feed address (its xmlUrl is empty)',
        'cmtui: skipped outline "Lost" (https://lost.example.com/): a web page, not a feed: `cmtui add` its address '
        "to find its feed",
        'cmtui: skipped outline "Team list" (https://lists.example.com/team.opml): another subscription list: import '
        "that file itself",
        "cmtui: skipped outline 8 (file:///etc/passwd): its address is not an http(s) URL",
        "cmtui: 6 outlines of subs.opml not imported (listed above)",
    ]
    again = CliRunner().invoke(cli, ["import-opml", str(opml), "--config", str(config)])
    assert again.exit_code == 0 and again.stdout.strip() == f"Imported 0 feeds (2 already present) into {config}"
    assert again.stderr.splitlines()[-1] == "cmtui: 6 outlines of subs.opml not imported (listed above)"


def test_an_opml_file_whose_outlines_all_import_prints_nothing_on_stderr(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML.replace('<outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>', ""),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-opml", str(opml), "--config", str(tmp_path / "feeds.toml")])
    assert result.exit_code == 0 and result.stderr == "", result.output
    assert result.stdout.startswith("Imported 3 feeds (0 already present)")


def test_cli_import_opml_rejects_a_non_opml_file(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-opml", str(bad), "--config", str(tmp_path / "feeds.toml")])
    assert result.exit_code == 2
    assert "not an OPML file" in result.stderr
    assert not (tmp_path / "feeds.toml").exists()
