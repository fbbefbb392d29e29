"""cmtui.posting and cmtui's sync against a real WordPress 6.1 (Debian's package, started by
.ci/wordpress/setup.sh: MariaDB on a unix socket, `php -S` on 127.0.0.1). See conftest.py for when it skips."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from cmtui import parse
from cmtui.config import PostingConfig
from cmtui.posting import PostResult, ReplyTarget, post_reply, target_for
from cmtui.store import Store
from cmtui.urlkeys import url_key

from ..helpers import query, query_one, write_config

ENV = "CMTUI_IT_WP_APP_PASSWORD"


@pytest.fixture
def posting(wordpress: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> PostingConfig:
    monkeypatch.setenv(ENV, wordpress["app_password"])
    return PostingConfig(type="wordpress", site=wordpress["site"], user=wordpress["user"], secret_env=ENV)


@pytest.fixture
def rest(wordpress: dict[str, Any]) -> httpx.Client:
    return httpx.Client(base_url=f"{wordpress['site']}/wp-json/wp/v2", timeout=20,
                        auth=(wordpress["user"], wordpress["app_password"]))


def unique(words: str) -> str:
    return f"{words} ({uuid.uuid4().hex[:8]})"


def comment_feed(wordpress: dict[str, Any]) -> tuple[str, parse.ParsedFeed]:
    """The post's own comment feed, ?p=<ID>&feed=rss2 (WordPress redirects nothing here: it answers 200)."""
    url = f"{wordpress['site']}/?p={wordpress['post_id']}&feed=rss2"
    response = httpx.get(url, timeout=20)
    assert response.status_code == 200
    parsed = parse.parse(response.content, url, dict(response.headers))
    assert parsed.error is None and parsed.role == "comments"
    return response.text, parsed


def test_reply_to_the_post_shows_in_its_comment_feed(wordpress: dict[str, Any], posting: PostingConfig) -> None:
    post_url = wordpress["post_url"]
    # the post ID from its slug, through the REST API (the guid is not given here)
    target = target_for("wordpress", wordpress["site"], post_url, None, post_url, True)
    assert target == ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], None)
    words = unique("Thanks for reading, more soon")
    result = post_reply(posting, target, words)
    assert result.ok and result.status == 201, result.error
    assert result.url == f"{post_url}#comment-{result.remote_id}"

    _, feed = comment_feed(wordpress)
    [entry] = [e for e in feed.entries if e.url == result.url]
    assert entry.author == wordpress["display_name"] == "Acme Support"
    assert entry.text == words and entry.parent_ref is None


def test_reply_to_a_comment_sets_its_parent(wordpress: dict[str, Any], posting: PostingConfig,
                                            rest: httpx.Client) -> None:
    # the guid as the store keeps it (no scheme) and the visitor's comment link as the feed gave it
    guid = url_key(f"{wordpress['site']}/?p={wordpress['post_id']}")
    target = target_for("wordpress", wordpress["site"], wordpress["post_url"], guid, wordpress["comment_url"], False)
    assert target == ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], wordpress["comment_id"])
    words = unique("Yes, the <Windows> build is out & signed")
    result = post_reply(posting, target, words)
    assert result.ok, result.error
    assert rest.get(f"/comments/{result.remote_id}").json()["parent"] == wordpress["comment_id"]

    xml, feed = comment_feed(wordpress)
    assert f'<p>In reply to <a href="{wordpress["comment_url"]}">Dana Visitor</a>.</p>' in xml
    [entry] = [e for e in feed.entries if e.url == result.url]
    assert entry.explicit_parent and entry.parent_ref == url_key(wordpress["comment_url"])
    assert entry.text == words  # sent escaped: WordPress shows exactly what was typed


def test_wrong_password_gets_our_clear_message(wordpress: dict[str, Any], posting: PostingConfig,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], None)
    monkeypatch.setenv(ENV, "abcd efgh ijkl mnop qrst uvwx")
    result = post_reply(posting, target, unique("Never posted"))
    assert result == PostResult(False, status=401, error=(
        "WordPress refused the login for cmtui: check the Application Password "
        "(WordPress gives the same answer for every login problem)"))
    monkeypatch.setenv(ENV, wordpress["app_password"])
    nobody = PostingConfig("wordpress", wordpress["site"], "nobody", secret_env=ENV)
    assert post_reply(nobody, target, unique("Never posted")).status == 401


def test_parent_on_another_post_is_refused_by_our_check(wordpress: dict[str, Any], posting: PostingConfig,
                                                        rest: httpx.Client) -> None:
    words = unique("Misplaced")
    wrong = ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], wordpress["other_comment_id"])
    result = post_reply(posting, wrong, words)
    assert not result.ok and result.error == (
        f"comment {wordpress['other_comment_id']} belongs to another post (ID {wordpress['other_post_id']}), "
        f"not to post {wordpress['post_id']}: not posted")
    missing = post_reply(posting, ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], 987654), words)
    assert not missing.ok and missing.status == 404 and "comment 987654 is not on" in (missing.error or "")
    assert rest.get("/comments", params={"post": wordpress["post_id"], "search": words}).json() == []


def test_duplicate_gets_our_message(wordpress: dict[str, Any], posting: PostingConfig) -> None:
    target = ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], None)
    words = unique("Said once")
    assert post_reply(posting, target, words).ok
    assert post_reply(posting, target, words) == PostResult(False, status=409,
                                                            error="WordPress says this comment is a duplicate")


def test_wordpress_answers_as_feeds_md_says(wordpress: dict[str, Any], rest: httpx.Client) -> None:
    """The REST facts cmtui.posting relies on (/work/shared/FEEDS.md), checked on the real thing."""
    site, other = wordpress["site"], wordpress["other_post_id"]
    comments = f"{site}/wp-json/wp/v2/comments"
    for auth in [(wordpress["user"], "wrong"), ("nobody", wordpress["app_password"]), None]:
        answer = httpx.post(comments, json={"post": other, "content": unique("x")}, auth=auth, timeout=20)
        assert (answer.status_code, answer.json()["code"]) == (401, "rest_comment_login_required")
    # a wrong password on a public GET is ignored, not refused: the parent check cannot tell a bad login
    assert httpx.get(f"{comments}/{wordpress['comment_id']}", auth=("nobody", "wrong"), timeout=20).status_code == 200
    answer = rest.post("/comments", json={"parent": wordpress["other_comment_id"], "content": unique("x")})
    assert (answer.status_code, answer.json()["code"]) == (403, "rest_comment_invalid_post_id")
    answer = rest.post("/comments", json={"post": other, "content": ""})
    assert (answer.status_code, answer.json()["code"]) == (400, "rest_comment_content_invalid")
    # a parent that does not exist is accepted: hence cmtui's own check (removed again at once)
    answer = rest.post("/comments", json={"post": other, "parent": 987654, "content": unique("orphan")})
    assert answer.status_code == 201 and answer.json()["parent"] == 987654
    assert rest.delete(f"/comments/{answer.json()['id']}", params={"force": "true"}).status_code == 200


def test_sync_merges_the_feeds_copy_into_our_posted_reply(wordpress: dict[str, Any], posting: PostingConfig) -> None:
    config_path, db = Path(os.environ["CMTUI_CONFIG"]), Path(os.environ["CMTUI_DB"])  # tests/conftest.py
    write_config(config_path, [{"url": f"{wordpress['site']}/feed/", "name": "CI blog", "follow_comments": True}],
                 names=(wordpress["display_name"],))

    def cmtui_sync() -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "cmtui", "sync", "--json"], capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr + done.stdout
        return json.loads(done.stdout)

    first = cmtui_sync()
    assert first["failed"] == 0 and first["new"] > 0

    store = Store.open(db)
    try:
        question = query_one(store, "SELECT * FROM messages WHERE url_key = ?", [url_key(wordpress["comment_url"])])
        assert question is not None and question["author"] == "Dana Visitor"
        conversation = store.conversation(question["conversation_id"])
        assert conversation is not None
        root = query_one(store, "SELECT * FROM messages WHERE id = ?", [conversation.root_id])
        assert root is not None and root["is_post"]
        # everything target_for needs comes from the store: the post's link and guid, the comment's link
        target = target_for("wordpress", wordpress["site"], conversation.url, root["uid"], question["url"],
                            bool(question["is_post"]))
        assert target == ReplyTarget("wordpress", wordpress["site"], wordpress["post_id"], wordpress["comment_id"])
        words = unique("Here is the download link: see the release page")
        result = post_reply(posting, target, words)
        assert result.ok and result.url, result.error
        with store.transaction():
            ours = store.add_our_message(conversation.id, parent_id=question["id"], author=wordpress["display_name"],
                                         text=words, html=f"<p>{words}</p>", url=result.url,
                                         url_key=url_key(result.url), uid=f"posted:wordpress:{result.remote_id}",
                                         feed_id=question["feed_id"])
    finally:
        store.close()

    second = cmtui_sync()
    assert second["failed"] == 0

    store = Store.open(db)
    try:
        copies = query(store, "SELECT * FROM messages WHERE url_key = ?", [url_key(result.url)])
        assert len(copies) == 1, [dict(c) for c in copies]  # merged, no duplicate
        [merged] = copies
        assert merged["id"] == ours and not merged["uid"].startswith("posted:")
        assert merged["uid"] == url_key(result.url)  # the feed's guid is the comment's permalink
        assert (merged["conversation_id"], merged["parent_id"], merged["is_ours"]) == (conversation.id,
                                                                                      question["id"], 1)
        assert merged["text"] == words
        assert query_one(store, "SELECT count(*) AS n FROM messages WHERE text = ?", [words])["n"] == 1
    finally:
        store.close()


def test_setup_is_quick(wordpress: dict[str, Any]) -> None:
    assert wordpress["setup_seconds"] < 40, f"setup took {wordpress['setup_seconds']:.1f} s"
    assert re.fullmatch(r"6\.\d+(\.\d+)?", wordpress["wp_version"])
