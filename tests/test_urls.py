"""Every address cmtui reads is checked where it enters (`text.url_problem`), and whatever goes wrong inside one
feed's work fails that feed only: a sync never ends in "unexpected error" because of one address. Real HTTP on
127.0.0.1, real SQLite files, the real `cmtui` process (its exit codes are the contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from cmtui import text
from cmtui.config import ConfigError, load
from cmtui.demo.server import FeedServer
from cmtui.feedlist import read_opml
from cmtui.store import Store
from cmtui.sync import run_sync

from .helpers import query_one

BAD_URLS = {
    "http://127.0.0.1:99999/feed": "port out of range",
    "http://h.example:65536/": "port out of range",
    "http://h.example:0/": "port out of range",
    "http://[::1/feed": "not a valid URL",
    "http://[zz]/feed": "not a valid URL",
    "http://exa\x01mple.com/feed": "control character",
    "http://example.com/\x1b]8;;http://evil/\x07feed": "control character",
    "http://example.com/a b": "space",
    "ftp://example.com/feed": "not an http(s) URL",
    "http:///feed": "no host",
    "http://" + "a" * 64 + ".example/": "host name too long",
}


def cmtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cmtui", *args], capture_output=True, text=True, timeout=120)


def rss(base: str, items: list[tuple[str, str]]) -> str:
    """A feed of posts (guid, comment feed URL or ""), published now (so their comment feeds are polled)."""
    now = format_datetime(datetime.now(UTC), usegmt=True)
    body = "".join(f"<item><title>Post {guid}</title><link>{base}/{guid}</link><guid>{guid}</guid>"
                   f"<pubDate>{now}</pubDate><description>Does it work?</description>"
                   + (f"<wfw:commentRss>{comments}</wfw:commentRss>" if comments else "") + "</item>"
                   for guid, comments in items)
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel>'
            f"<title>Feed</title><link>{base}/</link>{body}</channel></rss>")


def config_file(path: Path, urls: list[str]) -> Path:
    feeds = "".join(f"[[feeds]]\nurl = {json.dumps(u, ensure_ascii=False)}\n\n" for u in urls)  # JSON: TOML too
    path.write_text(f'[identity]\nnames = ["Acme Support"]\n\n{feeds}', encoding="utf-8")
    return path


def messages(db: Path) -> int:
    store = Store.open(db)
    try:
        return store.counts()["messages"]
    finally:
        store.close()


@pytest.mark.parametrize(("url", "why"), list(BAD_URLS.items()))
def test_url_problem_names_the_address_and_the_defect(url: str, why: str) -> None:
    problem = text.url_problem(url)
    assert problem is not None and why in problem
    assert "\x1b" not in problem and "\x01" not in problem  # the address is shown escaped
    assert text.safe_url(url) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/feed", "https://blog.example.com/feed/", "HTTP://EX.COM",
                                 "http://[::1]:8080/feed", "https://münchen.example/feed", "http://a_b.example/x",
                                 "http://user:pw@h.example:65535/x?q=1#f"])
def test_url_problem_accepts_usable_addresses(url: str) -> None:
    assert text.url_problem(url) is None
    assert text.safe_url(f"  {url} ") == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/feed", "http://[::1/feed", "http://exa\x01mple.com/feed"])
def test_a_bad_config_url_is_a_config_error_exit_2(url: str, tmp_path: Path) -> None:
    config = config_file(tmp_path / "feeds.toml", ["http://127.0.0.1:9/fine", url])
    with pytest.raises(ConfigError) as caught:
        load(config)
    assert caught.value.key == "feeds[1].url"
    result = cmtui("sync", "--config", str(config), "--db", str(tmp_path / "db.sqlite"))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"cmtui: config error: {config}: feeds[1].url: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "unexpected" not in result.stderr


def test_a_comment_feed_link_with_a_bad_port_stops_nothing(server: FeedServer, tmp_path: Path) -> None:
    server.set("/a.rss", rss(server.base_url, [("p1", "http://127.0.0.1:99999/p1/feed/"),
                                               ("p2", server.url("/p2/feed/"))]))
    server.set("/p2/feed/", rss(server.base_url, [("c1", "")]))
    server.set("/b.rss", rss(server.base_url, [("b1", "")]))
    config = config_file(tmp_path / "feeds.toml", [server.url("/a.rss"), server.url("/b.rss")])
    db = tmp_path / "db.sqlite"
    result = cmtui("sync", "--config", str(config), "--db", str(db))
    assert result.returncode == 0, result.stderr  # the bad link is dropped like any unusable link in a feed
    assert "unexpected" not in result.stderr
    assert messages(db) == 4  # both posts of a, the good comment feed's entry, b's post
    store = Store.open(db)
    assert query_one(store, "SELECT count(*) AS n FROM comment_feeds WHERE url LIKE '%99999%'")["n"] == 0  # type: ignore[index]
    store.close()


def test_a_stored_comment_feed_with_a_bad_port_fails_only_itself(server: FeedServer, tmp_path: Path) -> None:
    """A store written before the check may hold such a link: it fails as that comment feed's error."""
    server.set("/a.rss", rss(server.base_url, [("p1", "")]))
    server.set("/b.rss", rss(server.base_url, [("b1", "")]))
    config = config_file(tmp_path / "feeds.toml", [server.url("/a.rss"), server.url("/b.rss")])
    db = tmp_path / "db.sqlite"
    assert cmtui("sync", "--config", str(config), "--db", str(db)).returncode == 0
    store = Store.open(db)
    conv = query_one(store, "SELECT id FROM conversations WHERE title = 'Post p1'")
    assert conv is not None
    with store.transaction():
        store.conn.execute("INSERT INTO comment_feeds(conversation_id, url) VALUES (?, ?)",
                           [conv["id"], "http://127.0.0.1:99999/p1/feed/"])
    store.close()
    server.set("/b.rss", rss(server.base_url, [("b1", ""), ("b2", "")]))
    result = cmtui("sync", "--config", str(config), "--db", str(db))
    assert result.returncode == 1, result.stderr
    line = next(x for x in result.stdout.splitlines() if "/a.rss" in x)
    assert "; 1 comment feed failed: " in line and "port out of range" in line
    assert "unexpected" not in result.stderr
    assert messages(db) == 3  # b's new post is stored


def test_a_redirect_to_a_bad_port_fails_only_its_feed(server: FeedServer, tmp_path: Path) -> None:
    server.set("/moved", "", status=302, headers={"Location": "http://127.0.0.1:99999/"}, validators=False)
    server.set("/ipv6", "", status=301, headers={"Location": "http://[::1/feed"}, validators=False)
    server.set("/b.rss", rss(server.base_url, [("b1", "")]))
    config = config_file(tmp_path / "feeds.toml", [server.url("/moved"), server.url("/ipv6"), server.url("/b.rss")])
    db = tmp_path / "db.sqlite"
    result = cmtui("sync", "--config", str(config), "--db", str(db))
    assert result.returncode == 1, result.stderr
    assert "unexpected" not in result.stderr
    moved = next(x for x in result.stdout.splitlines() if "/moved" in x)
    assert moved.split()[0] == "error" and "port out of range" in moved
    ipv6 = next(x for x in result.stdout.splitlines() if "/ipv6" in x)
    assert ipv6.split()[0] == "error" and "Invalid" in ipv6  # httpx refuses the Location itself
    assert messages(db) == 1


class ExplodingTransport(httpx.AsyncBaseTransport):
    """Real HTTP to the loopback server, except that one path raises what nobody expected (a bug)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/boom.rss":
            raise ExceptionGroup("unhandled errors in a TaskGroup", [OverflowError("bug")])
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_an_exception_inside_one_feed_fails_that_feed_only(server: FeedServer, tmp_path: Path) -> None:
    server.set("/b.rss", rss(server.base_url, [("b1", "")]))
    config = load(config_file(tmp_path / "feeds.toml", [server.url("/boom.rss"), server.url("/b.rss")]))
    store = Store.open(tmp_path / "db.sqlite")
    try:
        report = run_sync(config, store, transport=ExplodingTransport())
        assert [f.status for f in report.feeds] == ["error", "ok"]
        assert report.feeds[0].error == "unexpected error: OverflowError: bug"
        row = query_one(store, "SELECT last_error, error_count FROM feeds WHERE url = ?", [server.url("/boom.rss")])
        assert row is not None and (row["last_error"], row["error_count"]) == (report.feeds[0].error, 1)
        assert store.counts()["messages"] == 1
    finally:
        store.close()


OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Subs</title></head><body>
  <outline type="rss" text="Good" xmlUrl="https://blog.example.com/feed/"/>
  <outline type="rss" text="Broken" xmlUrl="{url}"/>
</body></opml>
"""


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/feed", "http://[::1/feed",
                                 "http://example.com/a&#x202E;b"])
def test_a_bad_url_in_an_opml_file_is_a_config_error(url: str, tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML.format(url=url), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_opml(opml)
    assert caught.value.key == "outline 'Broken' xmlUrl"
    config = tmp_path / "feeds.toml"
    result = cmtui("import-opml", str(opml), "--config", str(config))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"cmtui: config error: {opml}: outline 'Broken' xmlUrl: ")
    assert "\u202e" not in result.stderr
    assert not config.exists()  # nothing imported


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/", "http://[::1/feed"])
def test_cmtui_add_refuses_a_bad_url_in_one_line(url: str, tmp_path: Path) -> None:
    result = cmtui("add", url, "--config", str(tmp_path / "feeds.toml"))
    assert result.returncode == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "unexpected" not in result.stderr
    assert not (tmp_path / "feeds.toml").exists()


def test_cmtui_add_through_a_redirect_to_a_bad_port(server: FeedServer, tmp_path: Path) -> None:
    server.set("/site", "", status=302, headers={"Location": "http://127.0.0.1:99999/"}, validators=False)
    result = cmtui("add", server.url("/site"), "--config", str(tmp_path / "feeds.toml"))
    assert result.returncode == 1, result.stderr
    assert "port out of range" in result.stderr and "unexpected" not in result.stderr
