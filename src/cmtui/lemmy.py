"""The comments of a Lemmy post, through its instance's public API (no login), as `parse.Entry` lists.

Lemmy's feeds (`/feeds/c/<community>.xml`, `/feeds/u/<user>.xml`, `/feeds/all.xml`, `/feeds/local.xml`) carry posts
only. Their comments are in the API: `GET /api/v3/comment/list?post_id=<id>&sort=New&limit=50&type_=All` answers
`{"comments": [CommentView, …]}` (lemmy_api_common's `GetComments`; public on an instance that is not private), the
newest 50 first (50 is the largest page), deleted and removed comments left out. A `CommentView` holds the `comment`
(`id`, `content` in Markdown, `published`, `ap_id`, and `path`, "0.<ancestors' ids>.<its id>", which says what it
replies to), its `creator` (`name`, `display_name`, `actor_id`; `ap_id` from Lemmy 1.0) and its `post` (`name`: the
title). `type_=All`: the default listing of some instances is Local, which would leave out the comments of posts in
communities of other instances.

A Lemmy feed's `<guid>` is the post's page on the instance that serves the feed, `https://<host>/post/<id>` (its
`<link>` is the linked article for a link post), and the id is that instance's own: so a post's comments are asked
of the feed's instance, for the id in the post's uid. The entries are what a feed parse gives: each comment's uid is
its `ap_id`'s key (the same through any instance), its link the comment's page on the instance asked, its account
`name@host` of its creator's profile, and it names the post (or the comment it answers) as its parent.

Pure of the store and the UI; like `social`, hostile input never raises: a failure is a `ThreadResult`.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from markdown_it import MarkdownIt

from cmtui import identity, parse, text
from cmtui.fetch import Fetcher
from cmtui.parse import Entry
from cmtui.social import (
    MAX_CONTENT,
    PRIVATE,
    ThreadResult,
    _account,
    _decode,
    _failure,
    _field,
    _items,
    _published,
    _safely,
    _unchanged,
)
from cmtui.urlkeys import url_key

API = "/api/v3/comment/list"
LIMIT = 50  # comments per answer: Lemmy's largest page (FETCH_LIMIT_MAX); the newest ones
_FEED_PATH = re.compile(r"/feeds/(?:(?:c|u)/[^/]{1,200}|all|local)\.xml", re.IGNORECASE)  # public feeds only
_POST_KEY = re.compile(r"([a-z0-9.-]{1,253}(?::\d{1,5})?)/post/(\d{1,18})")  # the url_key of a post's page
_PATH = re.compile(r"0(?:\.\d{1,18}){1,1000}")


@dataclass
class _Comment:
    """One comment while the answer is read: its entry, its id on the instance and the id of the comment it
    answers (None: it answers the post)."""

    entry: Entry
    key: int
    parent: int | None


def comments_address(feed_url: str, post_uid: str) -> str | None:
    """The API request for the comments of a post stored from the Lemmy feed at `feed_url` with the uid `post_uid`
    (its guid's key, `host/post/<id>`); None unless the feed is one of Lemmy's and the post is on its instance."""
    parts = urlsplit(feed_url)
    host = (url_key(feed_url) or "").split("/", 1)[0]
    match = _POST_KEY.fullmatch(post_uid or "")
    if not _FEED_PATH.fullmatch(parts.path) or not match or match.group(1) != host:
        return None
    query = urlencode({"post_id": match.group(2), "sort": "New", "limit": LIMIT, "type_": "All"})
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{API}?{query}"


async def fetch_comments(fetcher: Fetcher, api_url: str, etag: str | None = None, last_modified: str | None = None,
                         now: float | None = None) -> ThreadResult:
    """The comments `api_url` (`comments_address`) answers with, conditional when validators are given. A post that
    is gone (404, 410), or an instance that refuses anonymous API calls (401, 403), is `gone`."""
    answer = await fetcher.get(api_url, etag, last_modified)
    if answer.not_modified:
        return _unchanged(answer, etag, last_modified)
    if not answer.ok:
        return _failure(answer, gone=(404, 410), private=PRIVATE)
    result = await asyncio.to_thread(read_comments, answer.body, api_url, now)  # off the event loop
    result.status, result.etag, result.last_modified = answer.status, answer.etag, answer.last_modified
    return result


def read_comments(body: bytes, api_url: str, now: float | None = None) -> ThreadResult:
    """Entries of a `comment/list` answer to the request `api_url`, oldest first (every parent before its
    replies). Never raises."""
    return _safely(_read_comments, body, api_url, now)


def _read_comments(body: bytes, api_url: str, now: float | None) -> ThreadResult:
    data, why = _decode(body)
    if why:
        return ThreadResult(error=why)
    views = data.get("comments") if isinstance(data, dict) else None
    parts = urlsplit(api_url)
    post_id = (parse_qs(parts.query).get("post_id") or [""])[0]
    if not isinstance(views, list) or not post_id.isdigit():
        return ThreadResult(error="not a Lemmy answer: no comments in it")
    base = f"{parts.scheme}://{parts.netloc}"
    now = time.time() if now is None else now
    found = [c for c in (_comment(view, base, now) for view in _items(views)) if c]
    found.sort(key=lambda c: c.key)  # a reply is stored after its parent: its id is larger
    post_page = f"{base}/post/{post_id}"
    title = next((t for view in _items(views) if (t := _post_title(view))), "")
    return ThreadResult(entries=_assemble(found, post_page, title, base))


def _comment(view: Any, base: str, now: float) -> _Comment | None:
    """A comment of the answer that is there to read, or None (deleted, removed, malformed)."""
    comment = view.get("comment") if isinstance(view, dict) else None
    creator = view.get("creator") if isinstance(view, dict) else None
    if not isinstance(comment, dict) or not isinstance(creator, dict):
        return None
    key, path = comment.get("id"), _PATH.fullmatch(_field(comment, "path"))
    if comment.get("deleted") is True or comment.get("removed") is True:
        return None
    if not isinstance(key, int) or isinstance(key, bool) or key <= 0 or not path:
        return None
    ids = path.group(0).split(".")
    if ids[-1] != str(key):
        return None
    link = f"{base}/comment/{key}"
    global_id = text.safe_url(_field(comment, "ap_id"))
    content = text.clean(_field(comment, "content", MAX_CONTENT)).strip()
    body = text.absolute_links(text.safe_html(_markdown(content)), link)
    name = _field(creator, "name")
    entry = Entry(uid=url_key(global_id) or url_key(link) or link, url=link, url_key=url_key(link), title="",
                  author=parse.plain_text(name, 200),
                  published=_published(comment.get("published") or comment.get("published_at"), now),
                  html=body, text=text.sanitized_to_text(body), is_post=False,
                  conv_keys=[], account=_creator_account(creator, name))
    return _Comment(entry, key, int(ids[-2]) if len(ids) > 2 else None)


@functools.cache
def _markdown_renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})  # HTML written in the Markdown stays text


def _markdown(source: str) -> str:
    """A comment's Markdown as HTML (then sanitised like any feed's): links, emphasis, quotes and lists read as
    they do on Lemmy instead of as `**` and `[x](y)`."""
    return str(_markdown_renderer().render(source))


def _creator_account(creator: dict[str, Any], name: str) -> str | None:
    """`name@host` of the creator's profile (`actor_id`, `ap_id` from Lemmy 1.0: `https://lemmy.ml/u/erin`)."""
    profile = _field(creator, "actor_id") or _field(creator, "ap_id")
    found = identity.account_of_url(profile)
    return found or (_account(name, urlsplit(profile).hostname or "") if profile else None)


def _post_title(view: Any) -> str:
    post = view.get("post") if isinstance(view, dict) else None
    return parse.plain_text(_field(post, "name", 2000), 200) if isinstance(post, dict) else ""


def _assemble(found: list[_Comment], post_page: str, title: str, base: str) -> list[Entry]:
    """Every comment keyed to the post's conversation; each names its parent: the post, a comment of the answer,
    or one older than the answer holds, by its page here (only one with a smaller id: no answer makes a cycle)."""
    post_key = url_key(post_page) or post_page
    uids: dict[int, str] = {}
    entries: list[Entry] = []
    for c in found:
        if c.key in uids:
            continue  # a second copy of a comment
        e = c.entry
        e.conv_keys, e.conv_url, e.conv_title = [post_key], post_page, title
        if c.parent is None:
            e.parent_ref = post_key
        elif c.parent < c.key:  # a parent is older, so its id smaller: hostile paths make no cycle
            e.parent_ref = uids.get(c.parent) or url_key(f"{base}/comment/{c.parent}")
        e.explicit_parent = e.parent_ref is not None
        uids[c.key] = e.uid
        entries.append(e)
    return entries
