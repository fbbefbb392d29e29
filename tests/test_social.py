"""Reply trees from Mastodon's context API and Bluesky's AppView, served from 127.0.0.1 as the documented JSON:
the tree (parents, root, accounts), uids that match the RSS copy of the same status, conditional requests,
Retry-After, deleted posts, and hostile answers (not JSON, wrong types, huge, deeply nested) that never raise."""

from __future__ import annotations

import calendar
import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from cmtui import identity, parse, social
from cmtui.demo.server import FeedServer
from cmtui.fetch import Fetcher, Limits
from cmtui.social import (
    BLOCKED,
    NOT_FOUND,
    THREAD_VIEW,
    ThreadResult,
    bluesky_post,
    fetch_bluesky_thread,
    fetch_mastodon_thread,
    mastodon_status,
    read_bluesky,
    read_mastodon,
)

NOW = float(calendar.timegm((2024, 6, 1, 12, 0, 0, 0, 0, 0)))
JSON = "application/json; charset=utf-8"
REMOTE = "other.example"
ANSI_NAME = "[bold]Bob[/bold] 🦊\x1b[31m red\x1b[0m"


# -- Mastodon: the documented Status entity ---------------------------------------------


def toot(base: str, sid: str, user: str, content: str, *, reply_to: str | None = None, remote_id: str | None = None,
         visibility: str = "public", spoiler: str = "", display: str = "",
         created: str = "2024-05-01T10:00:00.000Z") -> dict[str, Any]:
    """A Status as `GET /api/v1/statuses/:id` documents it, from the server at `base`; `remote_id` makes it a
    status of `user@other.example` (its url and uri on its own server, its id the local server's)."""
    if remote_id:
        home, acct = f"https://{REMOTE}", f"{user}@{REMOTE}"
        url, uri = f"{home}/@{user}/{remote_id}", f"{home}/users/{user}/statuses/{remote_id}"
    else:
        home, acct = base, user
        url, uri = f"{base}/@{user}/{sid}", f"{base}/users/{user}/statuses/{sid}"
    return {
        "id": sid, "created_at": created, "in_reply_to_id": reply_to,
        "in_reply_to_account_id": "1" if reply_to else None, "sensitive": bool(spoiler), "spoiler_text": spoiler,
        "visibility": visibility, "language": "en", "uri": uri, "url": url, "replies_count": 0,
        "reblogs_count": 0, "favourites_count": 0, "edited_at": None, "content": content, "reblog": None,
        "account": {"id": f"9{sid}", "username": user, "acct": acct, "display_name": display, "locked": False,
                    "bot": False, "url": f"{home}/@{user}", "emojis": [], "fields": []},
        "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
    }


def thread_statuses(base: str) -> dict[str, dict[str, Any]]:
    """A realistic tree on the server at `base`: alice's post (1001); bob, a remote account, replies (1002);
    alice answers bob (1003, a reply to a reply); a followers-only reply (1004) and a public reply to it (1005);
    a reply behind a content warning (1006); a reply whose parent was deleted (1007); one without an account
    (1008); one dated in the year 2999 (1009)."""
    mention = f'<span class="h-card"><a href="https://{REMOTE}/@bob" class="u-url mention">@<span>bob</span></a></span>'
    return {s["id"]: s for s in [
        toot(base, "1001", "alice", '<p>Our new grinder ships today! <a href="javascript:alert(1)">details</a> '
             '<a href="/tags/acmegrinder" class="mention hashtag">#<span>acmegrinder</span></a></p>'
             "<p>Second paragraph.</p>", display="Alice ☕"),
        toot(base, "1002", "bob", "<p>Does it fit a \x1b[2J moka pot? [bold]really[/bold]</p>", reply_to="1001",
             remote_id="55", display=ANSI_NAME, created="2024-05-01T11:00:00.000Z"),
        toot(base, "1003", "alice", f"<p>{mention} yes, it does.</p>", reply_to="1002",
             created="2024-05-01T12:00:00.000Z"),
        toot(base, "1004", "carol", "<p>followers only</p>", reply_to="1001", visibility="private"),
        toot(base, "1005", "dave", "<p>replying to a hidden one</p>", reply_to="1004", remote_id="77"),
        toot(base, "1006", "erin", "<p>It is loud.</p>", reply_to="1002", spoiler="grinder noise",
             visibility="unlisted"),
        toot(base, "1007", "frank", "<p>orphan</p>", reply_to="999"),
        {**toot(base, "1008", "gina", "<p>no account</p>", reply_to="1001"), "account": None},
        toot(base, "1009", "hank", "<p>from the future</p>", reply_to="1001", created="2999-01-01T00:00:00Z"),
    ]}


def serve_mastodon(server: FeedServer, sid: str, ancestors: list[str], descendants: list[str]) -> str:
    """Serve status `sid` and its context from `server`; the status's web address."""
    statuses = thread_statuses(server.base_url)
    context = {"ancestors": [statuses[i] for i in ancestors], "descendants": [statuses[i] for i in descendants]}
    server.set(f"/api/v1/statuses/{sid}/context", json.dumps(context), content_type=JSON)
    server.set(f"/api/v1/statuses/{sid}", json.dumps(statuses[sid]), content_type=JSON)
    return server.url(f"/@{statuses[sid]['account']['username']}/{sid}")


ALL_REPLIES = ["1002", "1003", "1006", "1004", "1005", "1007", "1008", "1009"]


async def mastodon(url: str, **kwargs: Any) -> ThreadResult:
    async with Fetcher() as fetcher:
        return await fetch_mastodon_thread(fetcher, url, now=NOW, **kwargs)


async def root_tree(server: FeedServer) -> tuple[str, list[parse.Entry], dict[str, parse.Entry]]:
    """The tree of alice's post, asked for by its address: (address, entries, entries by "user/id")."""
    url = serve_mastodon(server, "1001", [], ALL_REPLIES)
    result = await mastodon(url)
    assert result.error is None and result.status == 200 and result.etag
    return url, result.entries, {"/".join(e.uid.split("/@")[-1:]): e for e in result.entries}


async def test_mastodon_tree_from_the_root(server: FeedServer) -> None:
    url, entries, by = await root_tree(server)
    local = server.base_url.removeprefix("http://")
    assert [e.uid for e in entries] == [  # the answer's order; the followers-only reply and the one without an
        # account left out
        f"{local}/@alice/1001", f"{REMOTE}/@bob/55", f"{local}/@alice/1003", f"{local}/@erin/1006",
        f"{REMOTE}/@dave/77", f"{local}/@frank/1007", f"{local}/@hank/1009"]
    root, bob = by["alice/1001"], by["bob/55"]
    assert root is entries[0] and root.is_post and root.parent_ref is None and not root.explicit_parent
    assert [e for e in entries if e.is_post] == [root]
    assert (bob.parent_ref, by["alice/1003"].parent_ref, by["erin/1006"].parent_ref) == (root.uid, bob.uid, bob.uid)
    assert bob.explicit_parent and by["alice/1003"].explicit_parent
    assert by["frank/1007"].parent_ref is None and by["dave/77"].parent_ref is None  # parents not in the answer
    assert not any(e.explicit_parent for e in (by["frank/1007"], by["dave/77"]))
    seen: set[str] = set()
    for entry in entries:
        assert entry.parent_ref is None or entry.parent_ref in seen
        seen.add(entry.uid)
    assert all(e.conv_keys == [root.uid] for e in entries)  # the root is the status asked about
    assert all(e.conv_title == "Our new grinder ships today! details #acmegrinder" for e in entries)
    assert all(e.conv_url == url for e in entries)
    assert root.url == url and root.url_key == root.uid and bob.url == f"https://{REMOTE}/@bob/55"


async def test_mastodon_authors_and_accounts(server: FeedServer) -> None:
    _, _, by = await root_tree(server)
    root, bob = by["alice/1001"], by["bob/55"]
    local = server.base_url.removeprefix("http://")
    assert root.account == f"alice@{local}" and bob.account == f"bob@{REMOTE}"  # the server's port kept
    assert (root.account, bob.account) == (identity.account_of_url(root.url), identity.account_of_url(bob.url))
    assert by["dave/77"].account == f"dave@{REMOTE}"
    assert (root.author, by["alice/1003"].author) == ("Alice ☕", "@alice")  # no display name: the handle
    assert bob.author == "[bold]Bob[/bold] 🦊 red"  # escapes gone; Rich markup is the UI's to escape


async def test_mastodon_bodies_and_dates(server: FeedServer) -> None:
    _, entries, by = await root_tree(server)
    root, bob, warned = by["alice/1001"], by["bob/55"], by["erin/1006"]
    assert not any("followers only" in e.text or "no account" in e.text for e in entries)
    assert "javascript" not in root.html and f'href="{server.base_url}/tags/acmegrinder"' in root.html
    assert root.text == "Our new grinder ships today! details #acmegrinder\n\nSecond paragraph."
    assert root.title == "Our new grinder ships today! details #acmegrinder Second paragraph."
    assert bob.text == "Does it fit a moka pot? [bold]really[/bold]" and "\x1b" not in bob.html
    assert warned.text == "CW: grinder noise\n\nIt is loud." and warned.html.startswith("<p>CW: grinder noise</p>")
    assert by["alice/1003"].text == "@bob yes, it does."
    assert root.published == "2024-05-01T10:00:00Z" and bob.published == "2024-05-01T11:00:00Z"
    assert by["hank/1009"].published == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW))  # 2999: now


async def test_mastodon_reply_to_a_reply_joins_the_root(server: FeedServer) -> None:
    url = serve_mastodon(server, "1003", ["1001", "1002"], [])
    result = await mastodon(url)
    assert result.error is None
    root, bob, asked = result.entries
    assert root.is_post and root.uid.endswith("/@alice/1001") and not bob.is_post and not asked.is_post
    assert (bob.parent_ref, asked.parent_ref) == (root.uid, bob.uid)
    assert all(e.conv_keys == [root.uid, asked.uid] for e in result.entries)
    assert server.requests_for("/api/v1/statuses/1003/context") and server.requests_for("/api/v1/statuses/1003")


MASTODON_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:webfeeds="http://webfeeds.org/rss/1.0" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>#acmegrinder</title>
    <description>Public posts tagged #acmegrinder</description>
    <link>{base}/tags/acmegrinder</link>
    <lastBuildDate>Wed, 01 May 2024 11:00:00 +0000</lastBuildDate>
    <generator>Mastodon v4.2.8</generator>
    <item>
      <guid isPermaLink="true">https://other.example/@bob/55</guid>
      <link>https://other.example/@bob/55</link>
      <pubDate>Wed, 01 May 2024 11:00:00 +0000</pubDate>
      <description>&lt;p&gt;Does it fit a moka pot?&lt;/p&gt;</description>
      <category>acmegrinder</category>
    </item>
    <item>
      <guid isPermaLink="true">{base}/@alice/1001</guid>
      <link>{base}/@alice/1001</link>
      <pubDate>Wed, 01 May 2024 10:00:00 +0000</pubDate>
      <description>&lt;p&gt;Our new grinder ships today!&lt;/p&gt;</description>
      <category>acmegrinder</category>
    </item>
  </channel>
</rss>
"""


async def test_mastodon_uids_match_the_rss_copy(server: FeedServer) -> None:
    """The tag feed's copy of a status and the tree's entry for it are one message: same uid; and the tree
    joins the conversation the feed's copy of the asked status started."""
    feed_url = server.url("/tags/acmegrinder.rss")
    feed = parse.parse(MASTODON_RSS.format(base=server.base_url).encode(), feed_url)
    assert feed.error is None and len(feed.entries) == 2
    copies = {e.url: e for e in feed.entries}
    result = await mastodon(serve_mastodon(server, "1002", ["1001"], ["1003", "1006"]))
    tree = {e.url: e for e in result.entries}
    for link in (server.url("/@alice/1001"), f"https://{REMOTE}/@bob/55"):
        assert tree[link].uid == copies[link].uid and tree[link].url_key == copies[link].url_key
    bob_copy = copies[f"https://{REMOTE}/@bob/55"]
    assert all(bob_copy.conv_keys[0] in e.conv_keys for e in result.entries)


async def test_mastodon_conditional_request_costs_one_304(server: FeedServer) -> None:
    url = serve_mastodon(server, "1001", [], ALL_REPLIES)
    first = await mastodon(url)
    assert first.etag and first.entries
    server.reset_hits()
    again = await mastodon(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.status == 304 and again.entries == [] and again.error is None
    assert again.etag == first.etag
    assert [(h.path, h.status) for h in server.hits] == [("/api/v1/statuses/1001/context", 304)]
    assert server.hits[0].headers["if-none-match"] == first.etag
    assert "cmtui/" in server.hits[0].headers["user-agent"]


async def test_mastodon_rate_limit_keeps_retry_after(server: FeedServer) -> None:
    server.set("/api/v1/statuses/1001/context", '{"error": "Too many requests"}', status=429, content_type=JSON,
               headers={"Retry-After": "120"}, validators=False)
    result = await mastodon(server.url("/@alice/1001"))
    assert result.status == 429 and result.retry_after == 120 and result.entries == [] and not result.gone
    assert result.error == "HTTP 429 Too Many Requests"
    assert not server.requests_for("/api/v1/statuses/1001")  # the status is not asked for after a refusal
    server.set("/api/v1/statuses/1001/context", "", status=503, headers={"Retry-After": "30"}, validators=False)
    result = await mastodon(server.url("/@alice/1001"))
    assert (result.status, result.retry_after) == (503, 30)


async def test_mastodon_deleted_status_is_gone(server: FeedServer) -> None:
    result = await mastodon(server.url("/@alice/4242"))  # nothing served: 404, as for a deleted or private one
    assert result.gone and result.status == 404 and result.error and result.error.startswith("gone")
    server.set("/api/v1/statuses/4243/context", '{"ancestors": [], "descendants": []}', content_type=JSON)
    server.set("/api/v1/statuses/4243", '{"error": "Record not found"}', status=410, validators=False)
    result = await mastodon(server.url("/@alice/4243"))
    assert result.gone and result.status == 410


async def test_mastodon_not_json_and_not_a_status_address(server: FeedServer) -> None:
    server.set("/api/v1/statuses/1001/context", "<!doctype html><html><body>Sign in</body></html>",
               content_type="text/html")
    result = await mastodon(server.url("/@alice/1001"))
    assert result.entries == [] and result.error and result.error.startswith("not a JSON answer")
    for address in ("https://misskey.example/notes/9abc", "https://mastodon.example/@alice", "not a url"):
        result = await mastodon(address)
        assert result.error and "not the address of a Mastodon status" in result.error and result.status == 0
    assert server.hits == [h for h in server.hits if h.path.startswith("/api/v1/statuses/1001")]


async def test_answer_over_the_fetchers_cap(server: FeedServer) -> None:
    statuses = thread_statuses(server.base_url)
    huge = {"ancestors": [], "descendants": [statuses["1002"]] * 2000}
    server.set("/api/v1/statuses/1001/context", json.dumps(huge), content_type=JSON)
    server.set("/api/v1/statuses/1001", json.dumps(statuses["1001"]), content_type=JSON)
    async with Fetcher(Limits(max_body=256 * 1024)) as fetcher:
        result = await fetch_mastodon_thread(fetcher, server.url("/@alice/1001"))
    assert result.entries == [] and result.error and result.error.startswith("body too large")


async def test_five_megabytes_of_json(server: FeedServer) -> None:
    """A 5 MB answer within the fetcher's cap: thousands of statuses, bodies of a megabyte. Read with bounds:
    at most MAX_ENTRIES statuses, MAX_CONTENT characters of each body."""
    base = server.base_url
    descendants = [toot(base, str(2000 + i), f"u{i}", "<p>" + "spam " * 80 + "</p>", reply_to="1001")
                   for i in range(4000)]
    descendants[0]["content"] = "<p>" + "x" * 1_000_000 + "</p>"
    descendants[1]["account"]["display_name"] = "n" * 1_000_000
    body = json.dumps({"ancestors": [], "descendants": descendants})
    assert len(body) > 5_000_000
    server.set("/api/v1/statuses/1001/context", body, content_type=JSON)
    server.set("/api/v1/statuses/1001", json.dumps(thread_statuses(base)["1001"]), content_type=JSON)
    result = await mastodon(server.url("/@alice/1001"))
    assert result.error is None and len(result.entries) == social.MAX_ENTRIES
    assert len(result.entries[1].text) <= social.MAX_CONTENT and len(result.entries[2].author) <= 200


def test_mastodon_hostile_types() -> None:
    """Wrong types anywhere: the malformed statuses are left out, nothing raises."""
    base = "https://masto.example"
    good = thread_statuses(base)
    hostile: list[Any] = [
        5, None, "x", [], {"id": "1"},
        {**good["1002"], "id": 1002},
        {**good["1002"], "visibility": ["public"]},
        {**good["1002"], "account": ["bob"]},
        {**good["1002"], "url": "javascript:alert(1)", "uri": {"x": 1}},
        {**good["1002"], "url": "x" * 5000, "uri": None},
        {**good["1003"], "id": "2003", "content": {"html": 1}, "spoiler_text": 7, "created_at": 5,
         "in_reply_to_id": ["1001"], "account": {**good["1003"]["account"], "display_name": {}, "acct": 3}},
        {**good["1003"], "id": "2004", "url": "javascript:alert(1)", "created_at": "yesterday",
         "account": {"acct": "eve@bad host", "username": "eve"}},
    ]
    context = json.dumps({"ancestors": "none", "descendants": hostile}).encode()
    result = read_mastodon(context, json.dumps(good["1001"]).encode(), base, NOW)
    assert result.error is None
    root, typed, uri_only = result.entries
    assert root.uid == "masto.example/@alice/1001" and root.is_post
    assert typed.uid == "masto.example/@alice/1003" and typed.text == "" and typed.published is None
    assert typed.parent_ref is None and typed.author == "@alice" and typed.account == "alice@masto.example"
    assert uri_only.uid == "masto.example/users/alice/statuses/1003" and uri_only.published is None
    assert uri_only.account is None and uri_only.author == "@eve@bad host"  # a name, not an account
    for context_body, status_body in [(b"[]", b"{}"), (b"{}", b"[1]"), (b"{}", b"{}"), (b"\xff\xfe\x00", b"{}"),
                                      (b'{"ancestors": [' + b"1" * 5000 + b"]}", b"{}"), (b"", b"")]:
        failed = read_mastodon(context_body, status_body, base, NOW)
        assert failed.entries == [] and failed.error


def test_mastodon_long_reply_chain_is_bounded() -> None:
    """Three thousand statuses each replying to the one before: no recursion, MAX_ENTRIES kept, every parent
    named before its reply."""
    base = "https://masto.example"
    chain = [toot(base, str(5000 + i), "a", f"<p>{i}</p>", reply_to=str(5000 + i - 1)) for i in range(1, 3000)]
    result = read_mastodon(json.dumps({"ancestors": [], "descendants": chain}).encode(),
                           json.dumps(toot(base, "5000", "a", "<p>0</p>")).encode(), base, NOW)
    assert len(result.entries) == social.MAX_ENTRIES
    assert all(b.parent_ref == a.uid for a, b in zip(result.entries, result.entries[1:], strict=False))


def test_mastodon_cycles_are_broken() -> None:
    """A hostile answer where statuses reply to themselves or to a later one: no entry names a later parent."""
    base = "https://masto.example"
    statuses = [toot(base, "2", "a", "<p>two</p>", reply_to="3"), toot(base, "3", "a", "<p>three</p>", reply_to="2"),
                toot(base, "4", "a", "<p>four</p>", reply_to="4")]
    result = read_mastodon(json.dumps({"ancestors": [], "descendants": statuses}).encode(),
                           json.dumps(toot(base, "1", "a", "<p>one</p>")).encode(), base, NOW)
    parents = {e.text: e.parent_ref for e in result.entries}
    assert parents == {"one": None, "two": None, "three": "masto.example/@a/2", "four": None}


def test_mastodon_status_addresses() -> None:
    assert mastodon_status("https://mastodon.social/@Gargron/103270115826048975") == \
        ("https://mastodon.social", "103270115826048975")
    assert mastodon_status("https://Mastodon.Social/users/Gargron/statuses/1/") == ("https://mastodon.social", "1")
    assert mastodon_status("https://hachyderm.io/@bob@other.example/77?x=1#top") == ("https://hachyderm.io", "77")
    assert mastodon_status("http://127.0.0.1:8080/@a/5") == ("http://127.0.0.1:8080", "5")
    for other in ("https://misskey.io/notes/9abcdef", "https://mastodon.social/@Gargron", "https://m.example/@a/abc",
                  "https://gts.example/@a/statuses/01HABC", "https://m.example/@a/1/activity", "javascript:alert(1)",
                  "ftp://m.example/@a/1", "", "https://m.example/web/statuses/1"):
        assert mastodon_status(other) is None, other


# -- Bluesky: the documented getPostThread answer ---------------------------------------------


def did(name: str) -> str:
    return f"did:plc:{name}00000000000000000"


def at(name: str, rkey: str) -> str:
    return f"at://{did(name)}/app.bsky.feed.post/{rkey}"


def skeet(name: str, rkey: str, post_text: str, *, parent: str | None = None, root: str | None = None,
          handle: str | None = None, display: str | None = None, created: str = "2024-05-02T09:00:00.000Z",
          replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A threadViewPost as app.bsky.feed.defs documents it."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": post_text, "createdAt": created, "langs": ["en"]}
    if parent:
        record["reply"] = {"root": {"uri": root or parent, "cid": "bafyroot"},
                           "parent": {"uri": parent, "cid": "bafyparent"}}
    author = {"did": did(name), "handle": handle or f"{name}.bsky.social", "avatar": "https://cdn.example/a.jpg",
              "labels": [], "createdAt": "2023-01-01T00:00:00.000Z"}
    if display is not None:
        author["displayName"] = display
    view: dict[str, Any] = {
        "$type": THREAD_VIEW,
        "post": {"uri": at(name, rkey), "cid": f"bafy{rkey}", "author": author, "record": record, "replyCount": 0,
                 "repostCount": 0, "likeCount": 0, "quoteCount": 0, "indexedAt": created, "labels": []},
    }
    if replies is not None:
        view["replies"] = replies
    return view


ROOT = at("alice", "3kroot")
ASKED = at("bob", "3kbob")


def bluesky_thread() -> dict[str, Any]:
    """bob replies to alice's post (the post asked about); carol replies to bob and alice to carol; one reply
    was deleted, one is blocked; dave's handle could not be verified; erin's text carries terminal escapes."""
    replies = [
        skeet("carol", "3kcarol", "Same question here", parent=ASKED, root=ROOT, display="Carol",
              replies=[skeet("alice", "3kalice2", "Yes, 58 mm.\nSee the manual.", parent=at("carol", "3kcarol"),
                             root=ROOT, display="Alice ☕", replies=[])]),
        {"$type": NOT_FOUND, "uri": at("zed", "3kgone"), "notFound": True},
        {"$type": BLOCKED, "uri": at("mal", "3kblock"), "blocked": True, "author": {"did": did("mal")}},
        skeet("dave", "3kdave", "no handle", parent=ASKED, root=ROOT, handle="handle.invalid", replies=[]),
        skeet("erin", "3kerin", "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 <b>me</b> [red]x[/red]",
              parent=ASKED, root=ROOT, display=ANSI_NAME, created="2999-01-01T00:00:00Z", replies=[]),
    ]
    asked = skeet("bob", "3kbob", "Does it fit a moka pot?", parent=ROOT, root=ROOT, handle="Bob.Example.COM",
                  replies=replies, created="2024-05-02T10:00:00.000Z")
    asked["parent"] = skeet("alice", "3kroot", "Our new grinder ships today!\n\nDetails below.", display="Alice ☕")
    return {"thread": asked}


def thread_path(uri: str) -> str:
    return "/xrpc/app.bsky.feed.getPostThread?" + urlencode({"uri": uri, "depth": 20, "parentHeight": 40})


async def bluesky(server: FeedServer, url_or_uri: str, **kwargs: Any) -> ThreadResult:
    async with Fetcher() as fetcher:
        return await fetch_bluesky_thread(fetcher, url_or_uri, base=server.base_url, now=NOW, **kwargs)


async def test_bluesky_tree(server: FeedServer) -> None:
    server.set(thread_path("at://bob.example.com/app.bsky.feed.post/3kbob"), json.dumps(bluesky_thread()),
               content_type=JSON)
    result = await bluesky(server, "https://bsky.app/profile/Bob.Example.com/post/3kbob")
    assert result.error is None and result.status == 200 and result.etag
    root, asked, carol, alice2, dave, erin = result.entries  # not found and blocked replies left out
    assert root.uid == ROOT and asked.uid == ASKED and root.is_post and not any(e.is_post for e in result.entries[1:])
    assert root.parent_ref is None and (asked.parent_ref, carol.parent_ref, alice2.parent_ref) == (
        ROOT, ASKED, carol.uid)
    assert dave.parent_ref == ASKED and erin.parent_ref == ASKED and all(e.explicit_parent for e in result.entries[1:])
    assert all(e.conv_keys[0] == ROOT and ASKED in e.conv_keys for e in result.entries)
    assert all(e.conv_title == "Our new grinder ships today!" and e.conv_url == root.url for e in result.entries)
    assert root.url == "https://bsky.app/profile/alice.bsky.social/post/3kroot"
    assert asked.url == "https://bsky.app/profile/bob.example.com/post/3kbob" and asked.url_key == \
        "bsky.app/profile/bob.example.com/post/3kbob"
    assert dave.url == f"https://bsky.app/profile/{did('dave')}/post/3kdave"
    assert (root.account, asked.account, dave.account) == (
        "alice.bsky.social@bsky.app", "bob.example.com@bsky.app", f"{did('dave')}@bsky.app")
    assert (root.author, asked.author, carol.author) == ("Alice ☕", "@bob.example.com", "Carol")
    assert erin.author == "[bold]Bob[/bold] 🦊 red"
    assert erin.text == "click <b>me</b> [red]x[/red]" and erin.html == "click &lt;b&gt;me&lt;/b&gt; [red]x[/red]"
    assert alice2.text == "Yes, 58 mm.\nSee the manual." and alice2.html == "Yes, 58 mm.<br>See the manual."
    assert root.title == "Our new grinder ships today! Details below."
    assert asked.published == "2024-05-02T10:00:00Z"
    assert erin.published == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW))


async def test_bluesky_conditional_request(server: FeedServer) -> None:
    path = thread_path(ASKED)
    server.set(path, json.dumps(bluesky_thread()), content_type=JSON)
    first = await bluesky(server, ASKED)
    assert first.etag and len(first.entries) == 6
    server.reset_hits()
    again = await bluesky(server, ASKED, etag=first.etag)
    assert again.not_modified and again.entries == [] and again.etag == first.etag
    assert [(h.path, h.status) for h in server.hits] == [(path, 304)]


async def test_bluesky_refusals_and_deleted_posts(server: FeedServer) -> None:
    server.set(thread_path(ASKED), '{"error": "RateLimitExceeded"}', status=429, content_type=JSON,
               headers={"Retry-After": "60"}, validators=False)
    result = await bluesky(server, ASKED)
    assert (result.status, result.retry_after, result.gone) == (429, 60, False) and result.entries == []
    # the AppView answers a deleted post with 400 {"error": "NotFound"}
    server.set(thread_path(ASKED), '{"error": "NotFound", "message": "Post not found"}', status=400,
               content_type=JSON, validators=False)
    result = await bluesky(server, ASKED)
    assert result.gone and result.error and result.error.startswith("gone")
    server.set(thread_path(ASKED), json.dumps({"thread": {"$type": NOT_FOUND, "uri": ASKED, "notFound": True}}),
               content_type=JSON)
    result = await bluesky(server, ASKED)
    assert result.gone and result.entries == []
    server.set(thread_path(ASKED), json.dumps({"thread": {"$type": BLOCKED, "uri": ASKED, "blocked": True,
                                                          "author": {"did": did("bob")}}}), content_type=JSON)
    result = await bluesky(server, ASKED)
    assert not result.gone and result.error and "blocked" in result.error
    server.set(thread_path(ASKED), "upstream timeout", content_type="text/plain")
    result = await bluesky(server, ASKED)
    assert result.error and result.error.startswith("not a JSON answer") and result.entries == []


async def test_bluesky_deleted_parent_makes_the_post_the_root(server: FeedServer) -> None:
    thread = bluesky_thread()["thread"]
    thread["parent"] = {"$type": NOT_FOUND, "uri": ROOT, "notFound": True}
    server.set(thread_path(ASKED), json.dumps({"thread": thread}), content_type=JSON)
    result = await bluesky(server, ASKED)
    asked = result.entries[0]
    assert asked.uid == ASKED and asked.is_post and asked.parent_ref is None
    assert all(e.conv_keys[0] == ASKED for e in result.entries)


def chain(depth: int) -> dict[str, Any]:
    """A reply chain `depth` deep under bob's post, built without recursion."""
    node = skeet("bob", "3kbob", "start", replies=[])
    top = node
    for level in range(depth):
        reply = skeet("carol", f"3k{level}", f"level {level}", parent=node["post"]["uri"], replies=[])
        node["replies"] = [reply]
        node = reply
    return {"thread": top}


def test_bluesky_deep_replies_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    body = json.dumps(chain(300)).encode()
    result = read_bluesky(body, NOW)
    assert len(result.entries) == 301
    assert all(b.parent_ref == a.uid for a, b in zip(result.entries, result.entries[1:], strict=False))
    monkeypatch.setattr(social, "MAX_LEVELS", 50)
    assert len(read_bluesky(body, NOW).entries) == 51
    monkeypatch.setattr(social, "MAX_ENTRIES", 20)
    assert len(read_bluesky(body, NOW).entries) == 20


DEEP = b'{"thread": ' + b'{"replies": [' * 100_000 + b"]}" * 100_000 + b"}"


async def test_json_nested_too_deeply(server: FeedServer) -> None:
    server.set(thread_path(ASKED), DEEP, content_type=JSON)
    result = await bluesky(server, ASKED)
    assert result.entries == [] and result.error and "nested too deeply" in result.error
    server.set("/api/v1/statuses/1001/context", DEEP.replace(b'"thread"', b'"descendants"'), content_type=JSON)
    result = await mastodon(server.url("/@alice/1001"))
    assert result.entries == [] and result.error and "nested too deeply" in result.error


def test_bluesky_nested_parents_are_walked_without_recursion(monkeypatch: pytest.MonkeyPatch) -> None:
    node = skeet("carol", "3kp0", "level 0")
    for level in range(1, 400):  # parents nested as deep as JSON reads them
        parent, node = node, skeet("carol", f"3kp{level}", f"level {level}", parent=node["post"]["uri"])
        node["parent"] = parent
    asked = skeet("bob", "3kbob", "asked", parent=node["post"]["uri"])
    asked["parent"] = node
    body = json.dumps({"thread": asked}).encode()
    result = read_bluesky(body, NOW)
    assert [e.text for e in result.entries] == [f"level {i}" for i in range(400)] + ["asked"]
    assert result.entries[0].is_post and all(
        b.parent_ref == a.uid for a, b in zip(result.entries, result.entries[1:], strict=False))
    monkeypatch.setattr(social, "MAX_LEVELS", 50)
    result = read_bluesky(body, NOW)
    assert [e.text for e in result.entries] == [f"level {i}" for i in range(350, 400)] + ["asked"]
    assert result.entries[0].is_post and result.entries[0].parent_ref is None


def test_bluesky_hostile_types() -> None:
    good = bluesky_thread()["thread"]
    hostile = [5, "x", None, [], {"$type": THREAD_VIEW}, {"$type": THREAD_VIEW, "post": []},
               {"$type": THREAD_VIEW, "post": {**good["post"], "uri": "https://not.an.at.uri"}},
               {"$type": THREAD_VIEW, "post": {**good["post"], "uri": at("x", "3kx"), "author": "bob"}},
               {"$type": THREAD_VIEW, "post": {**good["post"], "uri": at("x", "3ky"), "record": {"text": 5,
                                                                                                 "createdAt": []}}},
               {"$type": "app.bsky.feed.defs#somethingNew", "post": good["post"]}]
    thread = {**good, "replies": hostile, "parent": "alice"}
    result = read_bluesky(json.dumps({"thread": thread}).encode(), NOW)
    assert result.error is None and [e.uid for e in result.entries] == [ASKED, at("x", "3ky")]
    typed = result.entries[1]
    assert typed.text == "" and typed.published == "2024-05-02T10:00:00Z"  # indexedAt stands in for createdAt
    assert typed.parent_ref == ASKED  # its record names no parent: its place in the tree does
    for body in (b"[]", b'{"thread": 5}', b'{"thread": {"$type": "x"}}', b"{", b"\x00\x01"):
        failed = read_bluesky(body, NOW)
        assert failed.entries == [] and failed.error


def test_bluesky_post_addresses() -> None:
    assert bluesky_post("https://bsky.app/profile/Alice.BSKY.social/post/3kabc") == \
        "at://alice.bsky.social/app.bsky.feed.post/3kabc"
    assert bluesky_post(f"https://bsky.app/profile/{did('a')}/post/3kabc/?ref=x") == at("a", "3kabc")
    assert bluesky_post(f"https://bsky.app/profile/{did('a').replace(':', '%3A')}/post/3kabc") == at("a", "3kabc")
    assert bluesky_post(at("a", "3kabc")) == at("a", "3kabc")
    for other in ("https://bsky.app/profile/alice.bsky.social", "https://evil.example/profile/a.b/post/3k",
                  f"at://{did('a')}/app.bsky.feed.like/3k", "https://bsky.app/profile/nodot/post/3k",
                  "https://bsky.app/profile/a.b/post/3k/likes", "at://a.b/app.bsky.feed.post/", "", "x" * 5000):
        assert bluesky_post(other) is None, other


async def test_bluesky_not_a_post_address_asks_nothing(server: FeedServer) -> None:
    result = await bluesky(server, "https://bsky.app/profile/alice.bsky.social")
    assert result.error and "not the address of a Bluesky post" in result.error and server.hits == []


def test_a_reader_that_fails_is_a_result_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    """The net under the readers: should one ever raise on some input, the sync gets a reason, not a crash."""
    def broken(*args: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(social, "_status_node", broken)
    monkeypatch.setattr(social, "_post_node", broken)
    base = "https://masto.example"
    result = read_mastodon(b'{"ancestors": [], "descendants": []}', json.dumps(toot(base, "1", "a", "")).encode(),
                           base, NOW)
    assert result.entries == [] and result.error == "could not be read: KeyError: 'surprise'"
    result = read_bluesky(json.dumps(bluesky_thread()).encode(), NOW)
    assert result.entries == [] and result.error == "could not be read: KeyError: 'surprise'"
