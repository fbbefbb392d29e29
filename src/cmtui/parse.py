"""Feed bytes → `ParsedFeed`: what each entry is (post, comment, topic reply), who wrote it,
when, what it replies to and which conversation it belongs to.

Pure functions: bytes in, entries out; no network, no database, no scoring (the parse workers
add sentiment and word features: `workers.parse_feed`). `parse()` never raises; a document that
is not a feed, or breaks off half-way, comes back with `error` set and whatever entries parsed.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from cmtui import authors, fastxml, text
from cmtui.charsets import undeclared_to_utf8
from cmtui.urlkeys import discourse_key, guid_key, reddit_key, redirect_target, url_key

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/feed+json")
FEED_HREF = re.compile(r"(\.atom|\.rss|\.xml|/feed/?|/rss/?|/atom/?|/comments/default|[?&]feed=\w+)$", re.I)
WP_COMMENT_TITLE = re.compile(r"^\s*Comments? on\s*:?\s*(.+?)\s+by\s+(.+?)\s*$", re.S)
WP_IN_REPLY_TO = re.compile(
    r"^\s*(?:<p>)?\s*In reply to\s*<a\s[^>]*?href=[\"']([^\"']+)[\"'][^>]*>(.*?)</a>\s*\.?\s*(?:</p>|<br\s*/?>)?",
    re.S | re.I,
)
COMMENT_FRAGMENT = re.compile(r"#(?:comment-|c)\d+$")
FUTURE_SLACK = 600  # seconds a date may lie in the future before it is not trusted


@dataclass
class Entry:
    uid: str  # stable id: guid, else link, else content hash
    url: str | None  # http(s) only
    url_key: str | None  # normalised url (fragment kept) for reply matching
    title: str
    author: str
    published: str | None  # ISO 8601 UTC, "Z"
    html: str  # sanitised
    text: str  # plain
    is_post: bool  # opens a conversation (post, topic, mention)
    conv_keys: list[str]  # keys naming the conversation this entry belongs to
    conv_title: str = ""  # the conversation's title as this entry knows it
    conv_url: str | None = None
    parent_ref: str | None = None  # uid or url_key of what this replies to
    explicit_parent: bool = False  # the feed says what this replies to
    comment_feeds: list[str] = field(default_factory=list)  # feeds of this post's comments
    sentiment: float | None = None  # VADER compound of the text: set by the parse workers (`workers.score`) for
    # messages that can wait for a reply, None here
    features: dict[str, Any] | None = None  # signals.features of the text; None where sentiment is None
    comment_count: int | None = None  # how many comments the posts feed says the post has (slash:comments)
    account: str | None = None  # the author's platform account, `identity.account` form ("name@host"); None
    # where the source has no accounts (a blog's comment form): then only the name says who wrote it


@dataclass
class ParsedFeed:
    url: str
    title: str = ""
    link: str | None = None
    platform: str = "generic"  # wordpress | blogger | discourse | reddit | generic
    role: str = "posts"  # posts | comments | topic
    forum: bool = False  # detected as a forum (Discourse)
    site_comments_feed: str | None = None  # a posts feed's site-wide change signal: WordPress /comments/feed/,
    # Blogger /feeds/comments/default, Discourse /posts.rss (the forum's latest posts)
    entries: list[Entry] = field(default_factory=list)
    error: str | None = None  # why the document is not a feed: nothing was stored
    warning: str | None = None  # a feed with a problem, e.g. malformed XML after some entries
    alternates: list[str] = field(default_factory=list)  # feeds an HTML page advertises


# -- helpers -------------------------------------------------------------------------


def _iso(struct: time.struct_time | None, now: float) -> str | None:
    if not struct:
        return None
    try:
        ts: float = calendar.timegm(struct)
    except (OverflowError, ValueError, TypeError):
        return None
    if ts > now + FUTURE_SLACK:
        ts = now  # a date in the future is not trusted: it would sort first for ever
    if ts < 0:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _body_html(entry: Any) -> str:
    content = entry.get("content") or []
    for part in content:
        if part.get("value"):
            return str(part["value"])
    return str(entry.get("summary") or entry.get("description") or "")


# A closing tag or a character reference: what makes a title or a name HTML rather than text that happens to hold a
# `<` or a `&` ("a < b", "AT&T", "use <b> for bold"). feedparser's own test for titles of unknown type is alike.
_MARKUP = re.compile(r"</[A-Za-z][A-Za-z0-9]*\s*>|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")


def plain_text(value: Any, limit: int) -> str:
    """A title or a name as the one line of plain text it reads as: markup (Google Alerts' `<b>Slack</b>`,
    entities escaped twice) through `text.to_text`, the rest as it is; `text.one_line` either way."""
    value = str(value or "")
    if ("<" in value or "&" in value) and _MARKUP.search(value):
        value = text.to_text(value[: limit * 4 + 64])  # a 1 MB title needs only its opening
    return text.one_line(value, limit)


def is_feed_link(link: dict[str, Any]) -> bool:
    """A `<link>` that points at a feed: a feed type, or (untyped, reported as text/html) a feed-like href."""
    kind = (link.get("type") or "").split(";")[0].strip().lower()
    href = link.get("href") or ""
    if kind in FEED_TYPES:
        return True
    if kind in ("", "text/html"):
        return bool(FEED_HREF.search(urlsplit(href).path + ("?" + urlsplit(href).query if "?" in href else "")))
    return False


def _comment_feeds(entry: Any) -> list[str]:
    feeds: list[str] = []
    wfw = entry.get("wfw_commentrss")
    if wfw:
        feeds.append(str(wfw).strip())
    for link in entry.get("links") or []:
        if link.get("rel") == "replies" and is_feed_link(link):
            feeds.append(str(link.get("href")).strip())
    return [u for u in dict.fromkeys(feeds) if text.safe_url(u)]


def _in_reply_to(entry: Any) -> dict[str, str] | None:
    value = entry.get("thr_in-reply-to")
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, dict) and (value.get("ref") or value.get("href")) else None


# -- encoding ------------------------------------------------------------------------

def _detect(parsed: Any, url: str) -> tuple[str, str, bool]:
    """(platform, role, forum) of a parsed document: the first of these that recognises it."""
    feed = parsed.get("feed", {})
    entries = parsed.get("entries", [])
    links = [e.get("link") or "" for e in entries]
    generator = str(feed.get("generator") or "").lower()
    return (_detect_discourse(parsed, url, links) or _detect_reddit(url)
            or _detect_comments(feed, entries, links, generator) or _detect_posts(generator))


def _detect_discourse(parsed: Any, url: str, links: list[str]) -> tuple[str, str, bool] | None:
    """A Discourse feed (its namespace, or every link a topic's): one topic's posts, else topics."""
    keys = [discourse_key(link) for link in links]
    namespaces = {str(v) for v in (parsed.get("namespaces") or {}).values()}
    if "http://www.discourse.org/" not in namespaces and not (links and all(keys)):
        return None
    topics = {k[0] for k in keys if k}
    one_topic = bool(discourse_key(url) and url.endswith(".rss")) or (len(topics) == 1 and len(links) > 1)
    return "discourse", "topic" if one_topic else "posts", True


def _detect_reddit(url: str) -> tuple[str, str, bool] | None:
    """A Reddit post's comments."""
    return ("reddit", "topic", False) if reddit_key(url) else None


def _detect_comments(feed: Any, entries: list[Any], links: list[str],
                     generator: str) -> tuple[str, str, bool] | None:
    """A comment feed: WordPress's titles or every link a comment's, else (Blogger, Atom) every entry replying."""
    title = text.one_line(feed.get("title"))
    if title.startswith(("Comments for ", "Comments on: ")) or (
        entries and all(COMMENT_FRAGMENT.search(x or "") for x in links)
    ):
        return ("wordpress" if "wordpress" in generator else "generic"), "comments", False
    if entries and all(_in_reply_to(e) for e in entries):
        blogger = "blogger" in generator or "blogger.com" in str(feed.get("id", ""))
        return ("blogger" if blogger else "generic"), "comments", False
    return None


def _detect_posts(generator: str) -> tuple[str, str, bool]:
    """A feed of posts, by the software its generator names."""
    for platform in ("wordpress", "blogger"):
        if platform in generator:
            return platform, "posts", False
    return "generic", "posts", False


# -- parse ---------------------------------------------------------------------------


def parse(body: bytes, url: str, headers: dict[str, str] | None = None, now: float | None = None,
          fast: bool = True) -> ParsedFeed:
    """Parse feed bytes fetched from `url`. Never raises. Well-formed RSS 2.0 and Atom of the shapes the fast
    reader (`fastxml`) reads exactly as feedparser does go through it, everything else through feedparser (the
    same `ParsedFeed` either way); `fast=False` forces feedparser. Scoring what the entries say is the parse
    workers' job (`workers.parse_feed`)."""
    now = time.time() if now is None else now
    try:
        feed = _parse(body, url, headers or {}, now, fast)
    except Exception as exc:  # noqa: BLE001 - hostile input must not stop a sync
        return unparsable(url, exc)
    return feed


def unparsable(url: str, exc: Exception) -> ParsedFeed:
    """The result for a document whose reading failed with `exc`."""
    return ParsedFeed(url=url, error=f"could not be parsed: {type(exc).__name__}: {text.one_line(str(exc), 200)}")


def _parse(body: bytes, url: str, headers: dict[str, str], now: float, fast: bool) -> ParsedFeed:
    response_headers = {k.lower(): v for k, v in headers.items() if k.lower() in ("content-type", "content-language")}
    response_headers["content-location"] = url
    body, response_headers = undeclared_to_utf8(body, response_headers)
    parsed = fastxml.read(body, url, response_headers) if fast else None
    if parsed is None:
        import feedparser  # only when the fast reader declines: it is slow to import too

        parsed = feedparser.parse(io.BytesIO(body), response_headers=response_headers, sanitize_html=False,
                                  resolve_relative_uris=False)
    feed = parsed.get("feed", {})
    result = ParsedFeed(url=url, title=plain_text(feed.get("title"), 300), link=text.safe_url(feed.get("link")))
    channel = authors.channel_author(feed)
    if not parsed.get("version") and not parsed.get("entries"):
        result.error, result.alternates = _not_a_feed(body, url, parsed)
        return result
    result.platform, result.role, result.forum = _detect(parsed, url)
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        harmless = type(exc).__name__ in ("CharacterEncodingOverride", "NonXMLContentType") or (
            "declaration not at start" in str(exc) and body.lstrip()[:5] == b"<?xml"  # leading blank lines
        )
        if not harmless:
            why = text.one_line(str(exc), 200)
            result.warning = f"malformed XML, kept the {len(parsed['entries'])} entries read before the error ({why})"
    if result.role == "posts":
        result.site_comments_feed = _site_comments_feed(result, url, parsed.get("entries") or [])
    seen: set[str] = set()
    for raw in parsed.get("entries", []):
        entry = _entry(raw, result, url, now, channel)
        if entry.uid in seen:
            continue  # a duplicate guid inside one feed: the first (newest) copy wins
        seen.add(entry.uid)
        result.entries.append(entry)
    if result.role == "topic":
        _mark_topic_opening(result)
    return result


def _site_comments_feed(feed: ParsedFeed, url: str, entries: list[Any]) -> str | None:
    """A posts feed's site-wide change signal: WordPress's /comments/feed/ and Blogger's /feeds/comments/default
    next to the site's home page, a Discourse forum's /posts.rss where its topics are (latest.rss, a category)."""
    if feed.platform == "wordpress" and feed.link:
        return urljoin(feed.link.rstrip("/") + "/", "comments/feed/")
    if feed.platform == "blogger" and feed.link:
        return urljoin(feed.link.rstrip("/") + "/", "feeds/comments/default")
    if feed.platform == "discourse" and entries and not urlsplit(url).path.endswith("/posts.rss"):
        topic = str(entries[0].get("link") or "")
        return text.safe_url(topic[:topic.find("/t/")] + "/posts.rss") if "/t/" in topic else None
    return None


def _entry(raw: Any, feed: ParsedFeed, feed_url: str, now: float, channel: tuple[str, str | None]) -> Entry:
    link = text.safe_url(redirect_target(raw.get("link")))
    html, wp_parent = _split_reply_line(authors.strip_boilerplate(_body_html(raw)), link or feed_url)
    clean_html = text.absolute_links(text.safe_html(html), link or feed_url)
    body = text.sanitized_to_text(clean_html)
    title = plain_text(raw.get("title"), 500)
    if authors.MISSKEY_ITEM_TITLE.match(title):
        title = ""  # "New note by …": the note has no title of its own
    # the entry's own author (feedparser's `author` is "Name (email)" when the feed gives an email: the name first),
    # else the channel's in a one-person feed (Bluesky, Misskey profiles)
    name, acct = authors.author_of(raw, feed.platform, link)
    if not name and not acct:
        name, acct = channel
    author = plain_text(name, 200)
    guid = str(raw.get("id") or "").strip()
    entry = Entry(
        uid=_uid(feed, feed_url, link, guid, (title, author, body)), url=link, url_key=url_key(link), title=title,
        author=author, published=_iso(raw.get("published_parsed") or dict.get(raw, "updated_parsed"), now),
        html=clean_html, text=body, is_post=feed.role == "posts", conv_keys=[], comment_feeds=_comment_feeds(raw),
        account=acct,
    )
    _set_parent(entry, _in_reply_to(raw), wp_parent, feed_url)
    if entry.is_post:
        _post_keys(entry, feed, guid)
    else:
        _comment_keys(entry, feed, title)
    entry.conv_keys = list(dict.fromkeys(entry.conv_keys))
    count = str(raw.get("slash_comments") or "").strip()
    entry.comment_count = int(count) if count.isdigit() else None
    if not entry.title and entry.is_post:
        entry.title = text.one_line(body, 80)
    return entry


def _split_reply_line(html: str, base: str) -> tuple[str, str | None]:
    """WordPress names a threaded comment's parent only in a leading "In reply to <a href=...>" paragraph:
    (the html without it, the parent's url_key), or (html, None) without one."""
    match = WP_IN_REPLY_TO.match(html)
    if not match:
        return html, None
    return html[match.end():], url_key(urljoin(base, match.group(1)))


def _uid(feed: ParsedFeed, feed_url: str, link: str | None, guid: str, content: tuple[str, str, str]) -> str:
    """An entry's stable id: a Discourse post's topic and number, else its guid, else its link, else a hash
    of its (title, author, text)."""
    if feed.platform == "discourse":
        key = discourse_key(link)
        return f"{key[0]}/{key[1] or 1}" if key else guid_key(guid or link or "", feed_url)
    if guid:
        return guid_key(guid, feed_url)
    if link:
        return url_key(link) or link
    digest = hashlib.sha256("\x00".join(content).encode()).hexdigest()[:24]
    return f"{(urlsplit(feed_url).hostname or '').lower()}|sha256:{digest}"


def _set_parent(entry: Entry, reply: dict[str, str] | None, wp_parent: str | None, feed_url: str) -> None:
    """What `entry` replies to: RFC 4685 thr:in-reply-to (which also names its post), else WordPress's
    "In reply to" line."""
    if reply is None:
        if wp_parent:
            entry.parent_ref, entry.explicit_parent = wp_parent, True
        return
    ref = reply.get("ref")
    entry.parent_ref = guid_key(ref, feed_url) if ref else url_key(reply.get("href"))
    entry.explicit_parent = True
    entry.is_post = False
    post_url = text.safe_url(reply.get("href"))
    if post_url:
        entry.conv_keys.append(url_key(post_url, keep_fragment=False) or post_url)
        entry.conv_url = post_url.split("#")[0]


def _post_keys(entry: Entry, feed: ParsedFeed, guid: str) -> None:
    entry.conv_keys.append(entry.uid)
    entry.conv_title, entry.conv_url = entry.title, entry.url
    if entry.url and not _links_out(entry):
        entry.conv_keys.append(url_key(entry.url, keep_fragment=False) or entry.url)
    if feed.platform == "discourse":
        key = discourse_key(entry.url)
        if key:
            entry.conv_keys.append(key[0])
            if entry.url:
                topic_url = entry.url.rstrip("/")
                if key[1]:
                    topic_url = topic_url.rsplit("/", 1)[0]
                entry.comment_feeds.append(topic_url + ".rss")
    reddit = reddit_key(entry.url)
    if reddit:
        entry.conv_keys.append(reddit[0])


def _links_out(entry: Entry) -> bool:
    """Whether a post by a platform account links to a page on another site (a Hacker News or Lemmy link post
    pointing at an article): its discussion is its own, not the article's conversation."""
    if not entry.account or not entry.url:
        return False
    home = entry.account.rpartition("@")[2]
    host = (urlsplit(entry.url).netloc or "").lower().removeprefix("www.")
    return host != home and not host.endswith("." + home)


def _comment_keys(entry: Entry, feed: ParsedFeed, title: str) -> None:
    match = WP_COMMENT_TITLE.match(title)
    if match:
        entry.conv_title = match.group(1)
    elif feed.title.startswith("Comments on: "):
        entry.conv_title = feed.title.removeprefix("Comments on: ")
    elif feed.role == "topic":
        entry.conv_title = title
    disc = discourse_key(entry.url) if feed.platform == "discourse" else None
    reddit = reddit_key(entry.url)
    if disc:
        entry.conv_keys.append(disc[0])
    elif reddit:
        entry.conv_keys.append(reddit[0])
    elif entry.url and COMMENT_FRAGMENT.search(entry.url):
        post = entry.url.split("#")[0]
        entry.conv_keys.append(url_key(post, keep_fragment=False) or post)
        entry.conv_url = entry.conv_url or post
    if not entry.conv_keys and feed.link and feed.title.startswith("Comments on: "):
        # a per-post comment feed whose entries say nothing about their post: its channel link is the post
        entry.conv_keys.append(url_key(feed.link, keep_fragment=False) or feed.link)
        entry.conv_url = feed.link
    if not entry.conv_keys and feed.role == "comments" and entry.parent_ref:
        entry.conv_keys.append("ref:" + entry.parent_ref)  # resolved through the parent when it is known
    if not entry.conv_keys:
        entry.is_post = True  # nothing ties it to a post: it stands alone
        entry.conv_keys.append(entry.uid)
        entry.conv_title, entry.conv_url = entry.title, entry.url


def _mark_topic_opening(feed: ParsedFeed) -> None:
    """In a topic feed (Discourse topic, Reddit post) the opening post is #1 / the post without a comment id,
    else the oldest entry; every entry belongs to the topic, without threading."""
    def is_opening(e: Entry) -> bool:
        disc = discourse_key(e.url)
        if disc:
            return disc[1] in (None, 1)
        reddit = reddit_key(e.url)
        return bool(reddit and reddit[1] is None)

    opening = next((e for e in feed.entries if is_opening(e)), None)
    if opening is None and feed.entries:
        opening = min(feed.entries, key=lambda e: e.published or "9999")
    keys: list[str] = []
    for e in feed.entries:
        keys.extend(k for k in e.conv_keys if k not in keys)
    if opening is not None:
        opening.is_post = True
        for k in (opening.uid, url_key(opening.url, keep_fragment=False)):
            if k and k not in keys:
                keys.append(k)
    title = opening.title if opening else feed.title
    for e in feed.entries:
        e.conv_keys = list(keys)
        e.conv_title = title if opening else (e.conv_title or title)  # the topic is named by its opening post
        if e is not opening:
            e.is_post = False
            e.parent_ref, e.explicit_parent = None, False


# -- not a feed ----------------------------------------------------------------------


class _AlternateParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.is_html = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("html", "body", "head", "div", "p"):
            self.is_html = True
        if tag == "link":
            a = {k: (v or "") for k, v in attrs}
            rels = a.get("rel", "").lower().split()
            kind = a.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rels and kind in FEED_TYPES and a.get("href"):
                self.links.append((a["href"], a.get("title", "")))


def alternate_links(body: bytes, base_url: str) -> list[tuple[str, str]]:
    """(url, title) of the feeds an HTML page advertises with `<link rel="alternate">`."""
    parser = _AlternateParser()
    try:
        parser.feed(body[:2_000_000].decode("utf-8", errors="replace"))
    except Exception:  # noqa: BLE001
        return []
    found: list[tuple[str, str]] = []
    for href, title in parser.links:
        absolute = text.safe_url(urljoin(base_url, href.strip()))
        if absolute and absolute not in [u for u, _ in found]:
            found.append((absolute, text.one_line(title, 200)))
    return found


def _not_a_feed(body: bytes, url: str, parsed: Any) -> tuple[str, list[str]]:
    head = body[:4096].lstrip().lower()
    if not body.strip():
        return "empty response, not a feed", []
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        alternates = [u for u, _ in alternate_links(body, url)]
        if alternates:
            return f"an HTML page, not a feed; it advertises the feed {alternates[0]}", alternates
        return "an HTML page, not a feed, and it advertises no feed", []
    exc = parsed.get("bozo_exception")
    why = f": {text.one_line(str(exc), 200)}" if exc else ""
    return f"not a feed (no RSS or Atom found){why}", []
