"""Following the threads that listening feeds find: a Reddit search or subreddit feed's posts get their thread's own
feed (Reddit's Atom `.rss`, the post and its comments), within a per-host share that is small by default, since
Reddit throttles `.rss` (and sometimes says so with a 403); a Lemmy community feed's posts get their comments from the
instance's public API. Also: a Mastodon server that refuses anonymous API calls is not asked for that tree again, and
a feed of platform accounts' posts at an address that does not say so becomes a mentions feed. Every request is
answered by a loopback server; Reddit's addresses are kept as they are (the thread's key is read from them) and the
requests forwarded to it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import httpx
import pytest

from cmtui import lemmy
from cmtui.config import Config, SyncConfig
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.sync import SyncReport
from cmtui.triage import inbox

from .helpers import query, sync, write_config
from .test_reply_trees import context_hits, mastodon_config, status, tag_rss
from .test_social import JSON

NOW = datetime.now(UTC).replace(microsecond=0)  # the sync's clock is the real one: "recent" is relative to it
REDDIT = "https://www.reddit.com"
SEARCH = "/r/espresso/search.rss?q=acme&restrict_sr=1"


class ToLoopback(httpx.AsyncBaseTransport):
    """Sends every request to the loopback server (path and query kept) without touching the request itself, so the
    answer keeps Reddit's address: the engine and the parser read a thread's key from it."""

    def __init__(self, server: FeedServer) -> None:
        self.target = httpx.URL(server.base_url)
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(scheme=self.target.scheme, host=self.target.host, port=self.target.port)
        forwarded = httpx.Request(request.method, url, headers=request.headers, extensions=request.extensions)
        return await self.inner.handle_async_request(forwarded)

    async def aclose(self) -> None:
        inner, self.inner = self.inner, httpx.AsyncHTTPTransport()  # each sync runs its own event loop
        await inner.aclose()


# -- Reddit's Atom, as /r/<sub>/search.rss and /r/<sub>/comments/<id>/<slug>/.rss serve it -------------------------


def atom_date(hours: float) -> str:
    return (NOW - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def md(text: str) -> str:
    """A post's or comment's body as Reddit's Atom carries it: escaped HTML in a `div.md` between SC_OFF markers."""
    return escape(f'<!-- SC_OFF --><div class="md"><p>{escape(text)}</p></div><!-- SC_ON -->')


def entry(user: str, thing: str, link: str, title: str, body: str, hours: float) -> str:
    return f"""<entry><author><name>/u/{user}</name><uri>{REDDIT}/user/{user}</uri></author>
<category term="espresso" label="r/espresso"/><content type="html">{body}</content><id>{thing}</id>
<link href="{link}"/><updated>{atom_date(hours)}</updated><published>{atom_date(hours)}</published>
<title>{escape(title)}</title></entry>"""


def post(pid: str, slug: str, user: str, title: str, text: str, hours: float) -> str:
    """A post as a listing shows it: its body, then "submitted by" and the [link] and [comments] links."""
    link = f"{REDDIT}/r/espresso/comments/{pid}/{slug}/"
    body = md(text) + escape(f' &#32; submitted by &#32; <a href="{REDDIT}/user/{user}"> /u/{user} </a> <br/> '
                             f'<span><a href="{link}">[link]</a></span> &#32; <span><a href="{link}">[comments]'
                             "</a></span>")
    return entry(user, f"t3_{pid}", link, title, body, hours)


def comment(pid: str, slug: str, cid: str, user: str, title: str, text: str, hours: float) -> str:
    """A comment as a thread's feed shows it: titled "/u/<user> on <post title>", linked to its permalink."""
    return entry(user, f"t1_{cid}", f"{REDDIT}/r/espresso/comments/{pid}/{slug}/{cid}/", f"/u/{user} on {title}",
                 md(text), hours)


def atom(feed_id: str, title: str, entries: list[str]) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"
xmlns:media="http://search.yahoo.com/mrss/"><category term="espresso" label="r/espresso"/>
<updated>{atom_date(0)}</updated><icon>https://www.redditstatic.com/icon.png/</icon><id>{escape(feed_id)}</id>
<link rel="self" href="{escape(REDDIT + feed_id)}" type="application/atom+xml"/>
<link rel="alternate" href="{escape(REDDIT + feed_id.replace(".rss", ""))}" type="text/html"/>
<title>{escape(title)}</title>{"".join(entries)}</feed>"""


def thread_path(pid: str, slug: str) -> str:
    return f"/r/espresso/comments/{pid}/{slug}/.rss"


TITLE = "Acme grinder dead after a week"
DANA = post("1h2abc", "acme_grinder_dead", "dana", TITLE, "My Acme grinder stopped working. Refund?", 6)
ERIN = comment("1h2abc", "acme_grinder_dead", "m0erin", "erin", TITLE, "Same here, mine died on day 5.", 4)
OURS = comment("1h2abc", "acme_grinder_dead", "m0acme", "acme_cm", TITLE,
               "So sorry Dana and Erin, DM'd you both a replacement.", 1)


def serve_search(server: FeedServer, posts: list[str]) -> None:
    server.set(SEARCH, atom(SEARCH, "reddit.com: search results - acme", posts), content_type="application/atom+xml")


def serve_thread(server: FeedServer, pid: str, slug: str, entries: list[str], **kwargs: object) -> None:
    server.set(thread_path(pid, slug), atom(thread_path(pid, slug), f"{TITLE} : espresso", entries),
               content_type="application/atom+xml", **kwargs)


def reddit_config(tmp_path: Path, sync_keys: str = "") -> Config:
    return write_config(tmp_path / "feeds.toml", [{"url": REDDIT + SEARCH, "name": "r/espresso: acme"}],
                        handles=("u/acme_cm",), extra=f"\n[sync]\n{sync_keys}\n")


def sync_reddit(server: FeedServer, config: Config, db: Path, **kwargs: object) -> SyncReport:
    return sync(config, db, transport=ToLoopback(server), **kwargs)


def thread_hits(server: FeedServer) -> list[tuple[str, int]]:
    return [(h.path, h.status) for h in server.hits if "/comments/" in h.path]


def test_replies_under_a_post_found_by_a_search_arrive_and_our_reply_answers_them(server: FeedServer,
                                                                                   tmp_path: Path) -> None:
    old = post("0old01", "old_acme_review", "fay", "Acme review", "Two years with the Acme grinder.", 24 * 60)
    serve_search(server, [DANA, old])
    serve_thread(server, "1h2abc", "acme_grinder_dead", [DANA, ERIN])
    serve_thread(server, "0old01", "old_acme_review", [old])
    config = reddit_config(tmp_path)
    assert config.feeds[0].kind == "mentions"
    db = tmp_path / "db.sqlite"
    report = sync_reddit(server, config, db)
    assert not report.failed and report.new == 3 and report.feeds[0].comment_feeds == 1
    # The old post (60 days, no message since) is not followed: only the recent one's thread is asked.
    assert thread_hits(server) == [(thread_path("1h2abc", "acme_grinder_dead"), 200)]
    with Store.open(db) as store:
        msgs = {r["author"]: r for r in query(store, "SELECT * FROM messages")}
        assert msgs["/u/erin"]["conversation_id"] == msgs["/u/dana"]["conversation_id"]
        assert (msgs["/u/erin"]["uid"], msgs["/u/erin"]["account"]) == ("reddit:t1_m0erin", "erin@reddit.com")
        assert msgs["/u/dana"]["is_post"] == 1 and msgs["/u/erin"]["is_post"] == 0
        item = next(i for i in inbox(store, config) if i.id == msgs["/u/dana"]["conversation_id"])
        assert (item.messages, item.unanswered, item.title) == (2, 2, TITLE)
        thread = store.feed_at(REDDIT + thread_path("1h2abc", "acme_grinder_dead"))
        feed = store.feed_at(config.feeds[0].url)
        assert thread is not None and feed is not None and thread.parent_id == feed.id and not thread.configured
        assert (thread.platform, thread.role, thread.error_count) == ("reddit", "topic", 0) and thread.etag
    serve_thread(server, "1h2abc", "acme_grinder_dead", [DANA, ERIN, OURS])
    assert sync_reddit(server, config, db).new == 1
    with Store.open(db) as store:
        ours = query(store, "SELECT is_ours, conversation_id FROM messages WHERE account = 'acme_cm@reddit.com'")
        assert [r["is_ours"] for r in ours] == [1] and ours[0]["conversation_id"] == item.id
        waiting = [i.latest.author for i in inbox(store, config)]
        assert waiting == ["/u/fay"]  # our reply answers dana's post and erin's comment (fay's post still waits)
    server.reset_hits()
    again = sync_reddit(server, config, db)
    assert again.new == 0 and not again.failed
    hits = thread_hits(server)
    assert hits == [(thread_path("1h2abc", "acme_grinder_dead"), 304)]  # a conditional GET: unchanged, no body
    assert next(h for h in server.hits if "/comments/" in h.path).headers.get("if-none-match")


def test_a_few_threads_per_sync_the_rest_next_time(server: FeedServer, tmp_path: Path) -> None:
    """The default share (3 threads of reddit.com per sync) with four posts: three threads now, the fourth first at
    the next sync."""
    assert SyncConfig().thread_feeds_per_host == 3
    posts = [post(f"1p{i}", f"grinder_{i}", f"user{i}", f"Acme question {i}", f"Is the Acme {i} any good?", 5 - i)
             for i in range(4)]
    serve_search(server, posts)
    for i, p in enumerate(posts):
        serve_thread(server, f"1p{i}", f"grinder_{i}", [p])
    config = reddit_config(tmp_path)
    db = tmp_path / "db.sqlite"
    report = sync_reddit(server, config, db)
    first = [path for path, _ in thread_hits(server)]
    assert len(first) == 3 and report.feeds[0].comment_feeds == 3 and not report.failed
    server.reset_hits()
    sync_reddit(server, config, db)
    second = [path for path, _ in thread_hits(server)]
    assert len(second) == 3 and set(first) | set(second) == {thread_path(f"1p{i}", f"grinder_{i}") for i in range(4)}
    assert second[0] not in first  # never asked before: first in line
    server.reset_hits()
    sync_reddit(server, reddit_config(tmp_path, "thread_feeds_per_host = 0"), db)
    assert thread_hits(server) == []


def test_a_403_from_reddit_stops_its_threads_for_the_sync(server: FeedServer, tmp_path: Path) -> None:
    """Reddit answers 403 when it throttles `.rss`: that is a 429 for reddit.com (no more of its threads in this sync)
    and for that thread (asked again only after a backoff), and the feed's error says so."""
    posts = [post(f"1p{i}", f"grinder_{i}", f"user{i}", f"Acme question {i}", f"Is the Acme {i} any good?", 5 - i)
             for i in range(3)]
    serve_search(server, posts)
    for i in range(3):
        serve_thread(server, f"1p{i}", f"grinder_{i}", [posts[i]], status=403, validators=False)
    config = reddit_config(tmp_path)
    db = tmp_path / "db.sqlite"
    report = sync_reddit(server, config, db)
    first = thread_hits(server)
    assert len(first) == 1 and first[0][1] == 403  # the other two are not asked
    url = REDDIT + first[0][0]
    why = ("HTTP 403 Forbidden: Reddit's answer when it throttles; reddit.com is not asked again in this sync")
    assert report.feeds[0].comment_errors == [f"{url}: {why}"] and report.new == 3
    with Store.open(db) as store:
        row = store.feed_at(url)
        assert row is not None and (row.last_status, row.last_error, row.error_count) == (403, why, 1)
        assert row.next_attempt is not None and row.next_attempt >= (NOW + timedelta(minutes=9)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
    for i in range(3):
        serve_thread(server, f"1p{i}", f"grinder_{i}", [posts[i]])
    server.reset_hits()
    again = sync_reddit(server, config, db)
    assert not again.failed
    assert sorted(thread_hits(server)) == sorted((path, 200) for path in (thread_path(f"1p{i}", f"grinder_{i}")
                                                                          for i in range(3)) if REDDIT + path != url)

# -- Mastodon: a server that answers its API only after login ------------------------------------------------


@pytest.mark.parametrize(("code", "reason"), [(401, "Unauthorized"), (403, "Forbidden")])
def test_a_server_refusing_anonymous_api_calls_is_not_asked_for_that_tree_again(server: FeedServer, tmp_path: Path,
                                                                                code: int, reason: str) -> None:
    bob = status(server, "1001", "bob", "#acmegrinder jams every morning", 5)
    server.set("/tags/acmegrinder.rss", tag_rss([bob]))
    server.set("/api/v1/statuses/1001/context", '{"error":"This API requires an authenticated user"}', status=code,
               content_type=JSON, validators=False)
    config = mastodon_config(server, tmp_path)
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.new == 1  # not an error that fails cron: the tree is not public
    with Store.open(db) as store:
        row = store.feed_at(server.url("/api/v1/statuses/1001/context"))
        assert row is not None and row.gone_at and row.last_status == code and row.last_error is None
        assert row.last_warning == f"not public: the server refuses anonymous API calls (HTTP {code} {reason})"
    server.reset_hits()
    assert not sync(config, db, force=True).failed
    assert context_hits(server) == []


# -- Lemmy: a community feed's posts, their comments through the instance's public API -----------------------------


def lemmy_feed(server: FeedServer, posts: list[tuple[int, str, str, str, float]]) -> str:
    """/feeds/c/coffee.xml as Lemmy writes it: each item's guid and `<comments>` the post's page on this instance,
    `dc:creator` the author's profile, the description opening with "submitted by … N points | N comments"."""
    items = []
    for pid, user, title, body, hours in posts:
        page = server.url(f"/post/{pid}")
        profile = f"https://lemmy.ml/u/{user}"
        description = (f'submitted by <a href="{profile}">{user}</a> to <a href="{server.url("/c/coffee")}">coffee'
                       f'</a><br>4 points | <a href="{page}">2 comments</a><p>{escape(body)}</p>')
        items.append(f"""<item><title>{escape(title)}</title><link>{page}</link>
<guid isPermaLink="true">{page}</guid><dc:creator>{profile}</dc:creator>
<pubDate>{(NOW - timedelta(hours=hours)).strftime("%a, %d %b %Y %H:%M:%S +0000")}</pubDate>
<comments>{page}</comments><description>{escape(description)}</description></item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Lemmy - coffee</title><link>{server.url("/c/coffee")}</link><description>Coffee</description>
{"".join(items)}</channel></rss>"""


def lemmy_comment(server: FeedServer, cid: int, path: str, user: str, host: str, content: str, hours: float, *,
                  post_id: int = 4242, deleted: bool = False, removed: bool = False) -> dict[str, object]:
    """A CommentView as `GET /api/v3/comment/list` gives it (lemmy_api_common 0.19), by `user` of `host`."""
    when = (NOW - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.123456Z")
    local = host == "local"
    home = server.base_url if local else f"https://{host}"
    return {
        "comment": {"id": cid, "creator_id": 100 + cid, "post_id": post_id, "content": content, "removed": removed,
                    "published": when, "deleted": deleted, "ap_id": f"{home}/comment/{cid if local else cid + 5000}",
                    "local": local, "path": path, "distinguished": False, "language_id": 37},
        "creator": {"id": 100 + cid, "name": user, "display_name": user.capitalize(), "banned": False,
                    "published": "2024-01-01T00:00:00Z", "actor_id": f"{home}/u/{user}", "local": local,
                    "deleted": False, "bot_account": False, "instance_id": 1 if local else 2},
        "post": {"id": post_id, "name": "Acme grinder squeals", "creator_id": 1, "community_id": 3, "removed": False,
                 "locked": False, "published": "2024-01-01T00:00:00Z", "deleted": False, "nsfw": False,
                 "ap_id": server.url(f"/post/{post_id}"), "local": True, "language_id": 37,
                 "featured_community": False, "featured_local": False},
        "community": {"id": 3, "name": "coffee", "title": "Coffee", "removed": False, "deleted": False,
                      "nsfw": False, "actor_id": server.url("/c/coffee"), "local": True, "hidden": False,
                      "posting_restricted_to_mods": False, "instance_id": 1, "visibility": "Public"},
        "counts": {"comment_id": cid, "score": 1, "upvotes": 1, "downvotes": 0, "published": when, "child_count": 0},
        "creator_banned_from_community": False, "banned_from_community": False, "creator_is_moderator": False,
        "creator_is_admin": False, "subscribed": "NotSubscribed", "saved": False, "creator_blocked": False,
    }


def comments_path(post_id: int) -> str:
    return f"/api/v3/comment/list?post_id={post_id}&sort=New&limit=50&type_=All"


def serve_comments(server: FeedServer, comments: list[dict[str, object]], post_id: int = 4242) -> None:
    """The answer to `comments_path(post_id)`: `comments` (given oldest first) newest first, as sort=New gives them."""
    server.set(comments_path(post_id), json.dumps({"comments": comments[::-1]}), content_type=JSON)


def test_lemmy_comments_arrive_through_the_api_under_their_parents(server: FeedServer, tmp_path: Path) -> None:
    server.set("/feeds/c/coffee.xml", lemmy_feed(server, [(4242, "erin", "Acme grinder squeals",
                                                           "My Acme grinder squeals at fine settings.", 6)]))
    finn = lemmy_comment(server, 9001, "0.9001", "finn", "lemmy.ml", "Mine too. Did support answer you?", 5)
    gus = lemmy_comment(server, 9002, "0.9001.9002", "gus", "feddit.de", "@finn same, no answer in a week", 4)
    gone = lemmy_comment(server, 9003, "0.9003", "hal", "lemmy.ml", "spam", 3, removed=True)
    serve_comments(server, [finn, gus, gone])
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/feeds/c/coffee.xml")}],
                          handles=("@acme@lemmy.world",))
    assert config.feeds[0].kind == "mentions"
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.new == 3 and report.feeds[0].comment_feeds == 1
    with Store.open(db) as store:
        msgs = {r["author"]: r for r in query(store, "SELECT m.*, p.author AS parent_author FROM messages m "
                                                     "LEFT JOIN messages p ON p.id = m.parent_id")}
        assert set(msgs) == {"erin", "finn", "gus"}  # the removed comment is not there
        assert len({m["conversation_id"] for m in msgs.values()}) == 1
        assert (msgs["finn"]["parent_author"], msgs["gus"]["parent_author"]) == ("erin", "finn")
        assert (msgs["gus"]["account"], msgs["gus"]["uid"]) == ("gus@feddit.de", "feddit.de/comment/14002")
        assert msgs["gus"]["url"] == server.url("/comment/9002")  # its page on the instance the feed is read from
        tree = store.feed_at(server.url(comments_path(4242)))
        assert tree is not None and (tree.platform, tree.role, tree.error_count) == ("lemmy", "comments", 0)
        item = inbox(store, config)[0]
        assert (item.messages, item.unanswered) == (3, 3)
    ours = lemmy_comment(server, 9004, "0.9001.9002.9004", "acme", "lemmy.world",
                         "@gus @finn sorry! Support is on it: a firmware fix ships Friday.", 1)
    serve_comments(server, [finn, gus, gone, ours])
    assert sync(config, db).new == 1
    with Store.open(db) as store:
        mine = query(store, "SELECT is_ours, parent_id FROM messages WHERE account = 'acme@lemmy.world'")
        assert [r["is_ours"] for r in mine] == [1] and mine[0]["parent_id"] == msgs["gus"]["id"]
        assert inbox(store, config) == []  # our reply answers gus and finn (its thread) and the post
    server.reset_hits()
    sync(config, db)
    assert [(h.path, h.status) for h in server.hits if h.path.startswith("/api/")] == [(comments_path(4242), 304)]


def test_lemmy_comments_are_asked_only_of_a_lemmy_feeds_own_posts() -> None:
    feed = "https://lemmy.world/feeds/c/coffee.xml"
    assert lemmy.comments_address(feed, "lemmy.world/post/4242") == (
        "https://lemmy.world/api/v3/comment/list?post_id=4242&sort=New&limit=50&type_=All")
    assert lemmy.comments_address("https://lemmy.world/feeds/u/erin.xml", "lemmy.world/post/7") is not None
    assert lemmy.comments_address(feed, "lemmy.ml/post/4242") is None  # another instance's ids are not these
    assert lemmy.comments_address("https://blog.example.com/feed/", "blog.example.com/post/4242") is None
    assert lemmy.comments_address(feed, "lemmy.world/post/4242/slug") is None


def test_lemmy_answers_of_lemmy_1_0_and_hostile_ones() -> None:
    api = "https://lemmy.world/api/v3/comment/list?post_id=7&sort=New&limit=50&type_=All"
    v1 = {"comments": [{"comment": {"id": 11, "content": "hi", "published_at": "2026-11-30T08:00:00Z",
                                    "ap_id": "https://lemmy.world/comment/11", "path": "0.11"},
                        "creator": {"name": "Ivy", "ap_id": "https://lemmy.world/u/Ivy"}}]}
    result = lemmy.read_comments(json.dumps(v1).encode(), api, now=NOW.timestamp())
    assert [(e.author, e.account, e.published, e.parent_ref) for e in result.entries] == [
        ("Ivy", "ivy@lemmy.world", "2026-11-30T08:00:00Z", "lemmy.world/post/7")]
    hostile = {"comments": [
        {"comment": {"id": 12, "path": "0.13", "content": "path names another comment"}, "creator": {"name": "x"}},
        {"comment": {"id": True, "path": "0.1", "content": "not an id"}, "creator": {"name": "x"}},
        {"comment": {"id": 14, "path": "0.15.14", "content": "a parent newer than its reply"}, "creator": {}},
        "not an object", {"comment": {"id": 16, "path": "0.16"}}]}
    result = lemmy.read_comments(json.dumps(hostile).encode(), api, now=NOW.timestamp())
    assert [(e.url, e.parent_ref) for e in result.entries] == [("https://lemmy.world/comment/14", None)]
    assert lemmy.read_comments(b"[1, 2", api).error and lemmy.read_comments(b'{"posts": []}', api).error


# -- a feed of platform accounts' posts at an address that does not say so -----------------------------------------


def test_a_feed_whose_posts_all_come_from_platform_accounts_becomes_mentions(server: FeedServer,
                                                                              tmp_path: Path) -> None:
    """No `kind` written, and an address that says nothing (a feed maker's: "blog" by default), but every post is by a
    Reddit account: the sync makes it a mentions feed, as `cmtui add` would, and its conversations already stored
    (from a sync that called it a blog) become mentions too, so the strangers' posts wait for us. It stays one on the
    syncs that follow, and is a blog again once its posts show no account at all."""
    path = "/feeds/acme-reddit.xml"
    gil = post("1h2gil", "acme_or_not", "gil", "Acme or Baratza?", "Which grinder, Acme or Baratza?", 3)
    server.set(path, atom(path, "Acme on Reddit", [DANA]), content_type="application/atom+xml")
    feed: dict[str, object] = {"url": server.url(path), "name": "Acme on Reddit"}
    no_threads = "\n[sync]\nthread_feeds_per_host = 0\n"  # the posts' threads are on reddit.com: not asked here
    as_blog = write_config(tmp_path / "feeds.toml", [{**feed, "kind": "blog"}], handles=("u/acme_cm",),
                           extra=no_threads)
    db = tmp_path / "db.sqlite"
    sync(as_blog, db)
    with Store.open(db) as store:
        assert [r["kind"] for r in query(store, "SELECT kind FROM conversations")] == ["blog"]
        assert inbox(store, as_blog) == []  # a blog's post by someone else is context
    unwritten = write_config(tmp_path / "feeds.toml", [feed], handles=("u/acme_cm",), extra=no_threads)
    assert (unwritten.feeds[0].kind, unwritten.feeds[0].kind_set) == ("blog", False)
    server.set(path, atom(path, "Acme on Reddit", [gil, DANA]), content_type="application/atom+xml")
    for _ in range(2):  # the second sync is a 304: the kind found is kept
        server.reset_hits()
        sync(unwritten, db)
        with Store.open(db) as store:
            assert [r["kind"] for r in query(store, "SELECT kind FROM conversations")] == ["mentions"] * 2
            assert {i.latest.author for i in inbox(store, unwritten)} == {"/u/dana", "/u/gil"}
            row = store.feed_at(server.url(path))
            assert row is not None and row.kind == "mentions"
    assert server.requests_for(path)[0].status == 304
    server.set(path, """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Acme news</title>
<link>https://news.example/</link><description>News</description><item><title>Acme opens a shop</title>
<link>https://news.example/shop</link><guid>https://news.example/shop</guid></item></channel></rss>""")
    sync(unwritten, db)
    with Store.open(db) as store:
        row = store.feed_at(server.url(path))
        assert row is not None and row.kind == "blog"


def test_lemmy_comments_are_markdown_read_as_it_shows_on_lemmy() -> None:
    """Lemmy's comments are Markdown: emphasis, links and quotes read as text, never as `**` and `[x](y)`; HTML written
    in the Markdown stays text, and a `javascript:` link is never a link."""
    api = "https://lemmy.world/api/v3/comment/list?post_id=7&sort=New&limit=50&type_=All"
    content = ("**Same** here, see [the fix](https://acme.example/fix)\n\n> it squeals\n\n"
               "<b>x</b> [y](javascript:alert(1))")
    answer = {"comments": [{"comment": {"id": 11, "content": content, "published": "2026-11-30T08:00:00Z",
                                        "ap_id": "https://lemmy.world/comment/11", "path": "0.11"},
                            "creator": {"name": "Ivy", "actor_id": "https://lemmy.world/u/Ivy"}}]}
    entry = lemmy.read_comments(json.dumps(answer).encode(), api, now=NOW.timestamp()).entries[0]
    assert "<strong>Same</strong>" in entry.html and '<a href="https://acme.example/fix"' in entry.html
    assert "**" not in entry.text and "[the fix]" not in entry.text and "it squeals" in entry.text
    assert "javascript:" not in entry.html.replace("[y](javascript:alert(1))", "") and "<b>" not in entry.html
