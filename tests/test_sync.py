"""The headless core end to end: real HTTP on 127.0.0.1, a real SQLite file, the demo's realistic sites."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cmtui.config import Config
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.demo.sites import WP_COMMENTS, WP_POSTS, WordPressSite, WpComment
from cmtui.store import Store
from cmtui.triage import inbox, refresh

from .helpers import query, query_one, sync, write_config

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo(server: FeedServer, tmp_path: Path, db: Path) -> Iterator[tuple[FeedServer, Config, Path]]:
    """The demo sites, their config, and a store on each backend."""
    feeds = sites.install(server, now=NOW)
    config = write_config(tmp_path / "feeds.toml", [
        {"url": f.url, "name": f.name, "kind": f.kind, "tags": list(f.tags)} for f in feeds
    ], names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))
    yield server, config, db


def conversation_by_title(store: Store, title: str) -> int:
    row = query_one(store, "SELECT id FROM conversations WHERE title = ?", [title])
    assert row is not None, title
    return int(row["id"])


def waiting_authors(store: Store, title: str) -> list[str]:
    """Authors of the unanswered messages of one conversation, oldest first."""
    from cmtui.threads import Msg, unanswered

    conv = conversation_by_title(store, title)
    kind = query_one(store, "SELECT kind FROM conversations WHERE id = ?", [conv])["kind"]  # type: ignore[index]
    rows = store.messages(conv)
    msgs = [Msg(r.id, r.parent_id, bool(r.is_ours), bool(r.is_post), bool(r.explicit_parent), r.published, r.seen_at)
            for r in rows]
    authors = {r.id: r.author for r in rows}
    return [authors[m.id] for m in unanswered(msgs, kind)]


def test_demo_sites_sync_into_conversations(demo: tuple[FeedServer, Config, Path]) -> None:
    server, config, db = demo
    report = sync(config, db)
    assert [r.status for r in report.feeds] == ["ok"] * 4, report
    assert not report.failed
    store = Store.open(db)
    # WordPress: 5 posts + 16 comments, each comment once although it came through two feeds.
    blog = query_one(store, "SELECT id FROM feeds WHERE url = ?", [config.feeds[0].url])["id"]  # type: ignore[index]
    wp = query_one(store, "SELECT count(*) AS n, sum(is_post) AS posts FROM messages m JOIN conversations c "
                          "ON c.id = m.conversation_id WHERE c.feed_id = ?", [blog])
    assert (wp["n"], wp["posts"]) == (len(WP_POSTS) + len(WP_COMMENTS), len(WP_POSTS))  # type: ignore[index]
    # Threads from WordPress's "In reply to" paragraph, stripped from the text.
    ben = query_one(store, "SELECT m.*, p.author AS parent_author FROM messages m "
                           "JOIN messages p ON p.id = m.parent_id WHERE m.author = 'Ben Ortiz'")
    assert ben is not None and ben["parent_author"] == "Rachel Kim"
    assert not ben["text"].startswith("In reply to")
    # Blogger: thr:in-reply-to, including a reply to a comment.
    ivan = query_one(store, "SELECT p.author AS parent_author FROM messages m JOIN messages p ON p.id = m.parent_id "
                            "WHERE m.author = 'Ivan Petrov'")
    assert ivan is not None and ivan["parent_author"] == "Acme Support"
    # Discourse: the topic from latest.rss and post #1 of its topic feed are one message; the topic is a forum.
    topic = conversation_by_title(store, "Feature request: weigh-by-dose with a Bluetooth scale")
    msgs = store.messages(topic)
    assert [m.is_post for m in msgs].count(1) == 1
    assert len(msgs) == 6
    assert query_one(store, "SELECT kind FROM conversations WHERE id = ?", [topic])["kind"] == "forum"  # type: ignore[index]
    # Mentions: each status its own conversation, waiting for us.
    mentions = query(store, "SELECT c.id FROM conversations c JOIN feeds f ON f.id = c.feed_id "
                            "WHERE f.kind = 'mentions'")
    assert len(mentions) == 6
    # The hostile-looking comment is stored as literal text.
    kevin = query_one(store, "SELECT text, html FROM messages WHERE author = 'Kevin Tran'")
    assert kevin is not None and "[bold]this[/]" in kevin["text"] and "<script>" in kevin["text"]
    assert "<script" not in kevin["html"]
    store.close()


def test_needs_reply_rule_on_the_demo(demo: tuple[FeedServer, Config, Path]) -> None:
    _, config, db = demo
    sync(config, db)
    store = Store.open(db)
    # Answered one commenter, another's separate question still waits. Tom's first question was answered;
    # what waits of his is the thank-you he wrote after our reply (closed by the triage issue's thanks rule).
    assert waiting_authors(store, "Shipping update for Burr One orders") == ["Tom Becker", "Priya Natarajan"]
    # The customer wrote again after our reply: waiting again.
    assert waiting_authors(store, "Firmware 2.4 for the Burr One is out") == ["Jonas Weber", "Olivia Brooks"]
    # Fully answered: our reply is the last word.
    assert "Lena Fischer" not in waiting_authors(store, "How to calibrate your grinder for espresso")
    # Someone else's blog post is context; on a forum the opening post waits.
    assert "Dana (Acme)" not in waiting_authors(store, "Introducing the Acme Burr One")
    assert waiting_authors(store, "Burr One makes a grinding noise after firmware 2.4") == ["espresso_erik", "mila_k"]
    # A forum thread we answered last is not waiting; one where people posted after us is.
    assert waiting_authors(store, "How do I descale the Froth Pro?") == []
    assert waiting_authors(store, "Feature request: weigh-by-dose with a Bluetooth scale") == [
        "lotte.v", "pourover_paul"]
    # Our own posts never wait.
    assert waiting_authors(store, "Welcome to the Acme Community, please read first") == []
    titles = {i.title for i in inbox(store, now=NOW)}
    assert "How do I descale the Froth Pro?" not in titles
    assert "Firmware 2.4 for the Burr One is out" in titles
    store.close()


def test_inbox_json_shape_and_order(demo: tuple[FeedServer, Config, Path]) -> None:
    from click.testing import CliRunner

    from cmtui.cli import cli

    _, config, db = demo
    sync(config, db)
    result = CliRunner().invoke(cli, ["inbox", "--json", "--config", str(config.path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert items and all(i["needs_reply"] for i in items)
    for key in ("id", "title", "feed", "url", "priority", "reasons", "waiting_since", "last_message_at",
                "unanswered", "messages", "latest"):
        assert key in items[0]
    assert set(items[0]["latest"]) >= {"author", "text", "url"}
    priorities = [i["priority"] for i in items]
    assert priorities == sorted(priorities, reverse=True)
    assert all(i["reasons"] for i in items)
    assert all(any(r.startswith(("SLA breached", "due in")) for r in i["reasons"]) for i in items)
    everything = json.loads(CliRunner().invoke(
        cli, ["inbox", "--json", "--all", "--config", str(config.path), "--db", str(db)]).stdout)
    assert len(everything) > len(items)
    assert any(not i["needs_reply"] for i in everything)


def test_resync_is_conditional_and_changes_nothing(demo: tuple[FeedServer, Config, Path]) -> None:
    server, config, db = demo
    sync(config, db)
    before = dump(db)
    server.reset_hits()
    report = sync(config, db)
    assert report.new == 0 and not report.failed
    assert {r.status for r in report.feeds} == {"unchanged"}
    assert server.hits and all(h.status == 304 for h in server.hits), server.hits
    assert all("if-none-match" in h.headers for h in server.hits)
    # Every configured feed and every site-wide comments feed is asked; per-post feeds are not (nothing changed).
    assert not any("/20" in h.path and h.path.endswith("/feed/") for h in server.hits)
    assert dump(db) == before


def dump(db: Path) -> list[tuple[object, ...]]:
    rows = []
    with Store.open(db) as store:
        for table in ("conversations", "messages", "conversation_keys", "conversation_summary", "people"):
            rows += [(table, *r) for r in store.conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
    return rows


def test_done_survives_resync_and_a_new_message_reopens(demo: tuple[FeedServer, Config, Path]) -> None:
    server, config, db = demo
    sync(config, db)
    store = Store.open(db)
    conv = conversation_by_title(store, "Firmware 2.4 for the Burr One is out")
    with store.transaction():
        store.mark_done(conv)
    assert conv not in [i.id for i in inbox(store)]
    store.close()
    sync(config, db)
    store = Store.open(db)
    assert conv not in [i.id for i in inbox(store)]
    store.close()
    # A new comment on that post reopens it; the site-wide feed is the signal, only that post's feed is fetched.
    server.reset_hits()
    extra = WpComment(1250, 458, "Olivia Brooks", timedelta(minutes=5), ("Any news on this?",))
    for doc in WordPressSite(server.base_url, NOW, comments=(*WP_COMMENTS, extra)).render():
        server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
    report = sync(config, db)
    assert report.new == 1
    fetched = {h.path for h in server.hits if h.status == 200}
    per_post = {p for p in fetched if p.startswith("/acme-blog/20")}
    assert len(per_post) == 1 and "firmware-2-4" in next(iter(per_post))
    store = Store.open(db)
    assert conv in [i.id for i in inbox(store)]
    store.close()


def test_more_new_comments_than_the_window_fall_back_to_recent_posts(demo: tuple[FeedServer, Config, Path]) -> None:
    server, config, db = demo
    sync(config, db)
    server.reset_hits()
    burst = [WpComment(1300 + i, 412 if i % 2 else 447, f"Visitor {i}", timedelta(minutes=30 - i), ("Hello?",))
             for i in range(12)]
    for doc in WordPressSite(server.base_url, NOW, comments=(*WP_COMMENTS, *burst)).render():
        server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
    report = sync(config, db)
    assert report.new == 12  # the site-wide window holds 10: the other two come from the per-post feeds
    # Every recent post's own feed is due, but the posts feed (fetched again, its slash:comments fresh) shows
    # which posts have comments we lack: only those two are asked.
    per_post = {h.path for h in server.hits if h.path.startswith("/acme-blog/20")}
    assert per_post == {p for p in per_post if "burr-one/" in p or "calibrate" in p} and len(per_post) == 2


def test_comment_before_its_post_is_linked_later(server: FeedServer, tmp_path: Path) -> None:
    sites.install(server, now=NOW)
    comments_only = write_config(tmp_path / "a.toml", [
        {"url": server.url("/acme-blog/comments/feed/"), "name": "Acme comments"}], names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))
    db = tmp_path / "db.sqlite"
    assert not sync(comments_only, db).failed
    store = Store.open(db)
    stub = conversation_by_title(store, "Firmware 2.4 for the Burr One is out")
    assert query_one(store, "SELECT root_id FROM conversations WHERE id = ?", [stub])["root_id"] is None  # type: ignore[index]
    store.close()
    both = write_config(tmp_path / "b.toml", [
        {"url": server.url("/acme-blog/feed/"), "name": "Acme blog"},
        {"url": server.url("/acme-blog/comments/feed/"), "name": "Acme comments"}], names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))
    assert not sync(both, db).failed
    store = Store.open(db)
    rows = query(store, "SELECT id, root_id FROM conversations WHERE title = ?",
                 ["Firmware 2.4 for the Burr One is out"])
    assert len(rows) == 1 and rows[0]["root_id"] is not None
    assert len(store.messages(rows[0]["id"])) == 5  # post + 4 comments, no duplicates
    store.close()


def test_errors_are_per_feed_and_keep_the_rest(server: FeedServer, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cmtui.cli import cli

    feeds = sites.install(server, now=NOW)
    server.set("/html", "<html><head><link rel='alternate' type='application/rss+xml' href='/acme-blog/feed/'>"
                        "</head><body>hi</body></html>", content_type="text/html")
    config = write_config(tmp_path / "feeds.toml", [
        {"url": feeds[0].url, "name": "Good"},
        {"url": server.url("/missing.rss"), "name": "Missing"},
        {"url": server.url("/html"), "name": "Page"},
    ])
    db = tmp_path / "db.sqlite"
    args = ["--config", str(config.path), "--db", str(db)]
    result = CliRunner().invoke(cli, ["sync", *args])
    assert result.exit_code == 1
    assert "HTTP 404 Not Found" in result.output
    assert f"advertises the feed {server.url('/acme-blog/feed/')}" in result.output
    assert "Traceback" not in result.output
    ok = json.loads(CliRunner().invoke(cli, ["sync", "--json", *args]).stdout)
    assert [f["status"] for f in ok["feeds"]] == ["unchanged", "error", "error"]
    health = json.loads(CliRunner().invoke(cli, ["feeds", "--json", *args]).stdout)
    assert health[1]["error_count"] == 2 and health[1]["last_error"] == "HTTP 404 Not Found"
    assert health[0]["last_error"] is None and health[0]["messages"] > 0


def test_retry_after_and_gone(server: FeedServer, tmp_path: Path) -> None:
    server.set("/slow-down", "", status=429, headers={"Retry-After": "3600"}, validators=False)
    server.set("/gone", "", status=410, validators=False)
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url("/slow-down"), "name": "Busy"}, {"url": server.url("/gone"), "name": "Gone"}])
    db = tmp_path / "db.sqlite"
    first = sync(config, db)
    assert [r.status for r in first.feeds] == ["error", "error"]
    server.reset_hits()
    second = sync(config, db, force=True)
    assert server.hits == []  # neither is asked again: Retry-After holds even with --force, 410 stops polling
    assert [r.status for r in second.feeds] == ["waiting", "gone"]
    assert "410" in (second.feeds[1].error or "")


def test_config_error_exits_2_without_traceback(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cmtui.cli import cli

    bad = tmp_path / "feeds.toml"
    bad.write_text("[[feeds]]\nurl = 'ftp://example.com/feed'\n")
    result = CliRunner().invoke(cli, ["sync", "--config", str(bad), "--db", str(tmp_path / "db")])
    assert result.exit_code == 2
    assert f"{bad}: feeds[0].url: 'ftp://example.com/feed' is not an http(s) URL" in result.output
    assert "Traceback" not in result.output


def test_a_feed_removed_from_the_config_leaves_the_inbox(demo: tuple[FeedServer, Config, Path]) -> None:
    server, config, db = demo
    sync(config, db)
    store = Store.open(db)
    assert any(i.feed == "Acme Blog" for i in inbox(store, config))
    fewer = write_config(config.path, [{"url": f.url, "name": f.name, "kind": f.kind} for f in config.feeds[1:]],
                         names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url))
    refresh(store, fewer)  # what `cmtui inbox` and the app do before they read
    assert not any(i.feed == "Acme Blog" for i in inbox(store, fewer))
    refresh(store, config)
    assert any(i.feed == "Acme Blog" for i in inbox(store, config))  # configured again: back, state kept
    store.close()


def test_comment_feeds_owed_by_a_failed_or_killed_sync_are_fetched_next_time(
        demo: tuple[FeedServer, Config, Path]) -> None:
    server, config, db = demo
    sync(config, db)
    burst = [WpComment(1400 + i, 412 if i % 2 else 447, f"Visitor {i}", timedelta(minutes=30 - i), ("Hi?",))
             for i in range(12)]
    docs = WordPressSite(server.base_url, NOW, comments=(*WP_COMMENTS, *burst)).render()
    for doc in docs:
        per_post = doc.path.startswith("/acme-blog/20")
        server.set(doc.path, doc.body if not per_post else "down", content_type=doc.content_type,
                   status=500 if per_post else 200, validators=not per_post)
    first = sync(config, db)
    assert first.new == 10 and first.failed  # the site-wide window only; the posts' own feeds failed
    for doc in docs:
        server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
    server.reset_hits()
    second = sync(config, db, force=True)
    assert second.new == 2  # the two comments only the posts' own feeds still hold
    assert server.requests_for("/acme-blog/comments/feed/")[0].status == 304
    third = sync(config, db)
    assert third.new == 0 and not third.failed


def test_a_config_without_names_or_feeds_works(demo: tuple[FeedServer, Config, Path], tmp_path: Path) -> None:
    server, config, db = demo
    sync(config, db)
    nobody = write_config(tmp_path / "nobody.toml", [{"url": f.url, "name": f.name} for f in config.feeds], names=())
    store = Store.open(db)
    refresh(store, nobody)
    assert inbox(store, nobody)  # no [identity] names yet: nothing is ours, everything waits
    empty = write_config(tmp_path / "empty.toml", [], names=())
    refresh(store, empty)
    assert inbox(store, empty) == []  # no feeds: an empty inbox, not an error
    store.close()


def test_nothing_owed_when_the_site_wide_feed_held_every_comment(server: FeedServer, tmp_path: Path) -> None:
    comments = WP_COMMENTS[:6]  # fewer than the site-wide feed's window of 10
    for doc in WordPressSite(server.base_url, NOW, comments=comments).render():
        server.set(doc.path, doc.body, content_type=doc.content_type, modified=doc.modified)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/acme-blog/feed/")}])
    db = tmp_path / "db.sqlite"
    first = sync(config, db)
    assert first.new == len(WP_POSTS) + 6
    assert not [h for h in server.hits if h.path.startswith("/acme-blog/20")]  # the counts say: complete
    server.reset_hits()
    sync(config, db)
    assert not [h for h in server.hits if h.path.startswith("/acme-blog/20")]  # and nothing is owed later


def test_requests_name_cmtui_and_its_version(demo: tuple[FeedServer, Config, Path]) -> None:
    from cmtui import __version__

    server, config, db = demo
    sync(config, db)
    agents = {h.headers.get("user-agent", "") for h in server.hits}
    assert agents and all(a.startswith(f"cmtui/{__version__} ") for a in agents)
    assert all("gzip" in h.headers.get("accept-encoding", "") for h in server.hits)


def test_bodies_waiting_for_the_parser_are_bounded(server: FeedServer, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads run ahead of a slow parser only by `PARSE_AHEAD` feeds beyond the requests in flight, so a
    sync of thousands of feeds never holds thousands of bodies in memory."""
    import threading
    import time

    from cmtui import parse
    from cmtui import sync as sync_module
    from cmtui.fetch import Fetcher

    for n in range(40):
        server.set(f"/f{n}.rss", f"<rss version='2.0'><channel><title>F{n}</title><item><title>Post {n}</title>"
                   f"<link>http://blog{n}.example/p</link><guid>g{n}</guid></item></channel></rss>")
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url(f"/f{n}.rss")} for n in range(40)],
                          extra="\n[sync]\nconcurrency = 2\n")
    lock, held, peak = threading.Lock(), [0], [0]
    real_get, real_parse = Fetcher.get, parse.parse

    async def get(self: Fetcher, url: str, *args: str | None) -> object:
        result = await real_get(self, url, *args)
        with lock:
            held[0] += 1
            peak[0] = max(peak[0], held[0])
        return result

    def slow_parse(*args: object, **kwargs: object) -> object:
        time.sleep(0.02)  # slower than the downloads
        with lock:
            held[0] -= 1
        return real_parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Fetcher, "get", get)
    monkeypatch.setattr(parse, "parse", slow_parse)
    report = sync(config, tmp_path / "cmtui.db")
    assert report.new == 40 and not report.failed
    assert 2 < peak[0] <= config.sync.concurrency + sync_module.PARSE_AHEAD
