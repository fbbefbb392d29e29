"""Find the feeds behind an address, and add feeds to `feeds.toml`.

`discover()` takes what a person would paste: a site, a page, a forum, a channel, or a
feed itself. It keeps only what really answers with a feed (every candidate is fetched and
parsed), and prefers a site's own feed to its comment feeds: the sync finds comment
feeds by itself. `append_feeds()` edits the config with tomlkit so the user's comments and
layout survive, and never leaves a broken file behind. `read_opml()` reads the
subscription list another reader exports.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import listparser
import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Array, Comment, Table, Whitespace

from cmtui import platforms, text
from cmtui.config import ConfigError, check_url, load
from cmtui.fetch import Fetcher
from cmtui.parse import ParsedFeed, alternate_links, parse, url_key

YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"})
YOUTUBE_CHANNEL = re.compile(r"^/channel/([A-Za-z0-9_-]{10,})(?:/|$)")
MASTODON_USER = re.compile(r"^/(?:@|users/)([A-Za-z0-9_.]+)/?$")
MASTODON_TAG = re.compile(r"^/tags/([^/?#.]+)(?:\.rss)?/?$")
MASTODON_STATUS = re.compile(r"/@[^/]+/\d+/?$")
DISCOURSE_TOPIC_LINK = re.compile(r"^(.*?)/t/[^/?#]+/\d+(?:/\d+)?/?$")
WORDPRESS_ASSET = re.compile(r"^(.*?)/wp-(?:content|includes|json)/")
# What a comment feed looks like: its address, or its advertised title once the site's name is cut off.
COMMENTS_URL = re.compile(r"(/comments/feed(/atom)?/?$|[?&]feed=comments-|/comments/default/?$)", re.I)
COMMENTS_TITLE = re.compile(r"comment|koment|komment|coment|reacties|reaktion", re.I)
# Tried in order when a page advertises no feed; the first one that answers with a feed wins.
USUAL_PATHS = ("feed/", "feed.xml", "atom.xml", "rss.xml", "index.xml")
MAX_ADVERTISED = 20  # feeds of one page checked at most (some pages list a feed per category and tag)
NEW_CONFIG = """\
# cmtui: the feeds of your community, one [[feeds]] table each.
# Add more with `cmtui add URL` or `cmtui import-opml FILE`, or by hand:
# url, name, kind (blog | forum | mentions), tags.

[identity]
# Put the brand's author names here, as they appear on posts and comments (e.g. "Acme Support"):
# cmtui treats their replies as answers and never asks you to reply to yourself.
names = []
"""


@dataclass(frozen=True)
class Found:
    url: str
    title: str
    kind: str  # "blog" | "forum" | "mentions"


@dataclass
class Discovery:
    """What `find_feeds()` found, and, when it found nothing, why (one line for a person)."""

    url: str
    found: list[Found] = field(default_factory=list)
    why: str = ""
    tried: list[str] = field(default_factory=list)  # every address fetched besides the page itself


@dataclass(frozen=True)
class _Candidate:
    url: str
    title: str = ""  # as advertised by the page
    kind: str = ""  # forced kind ("mentions" for a Mastodon tag), else decided from the feed


@dataclass(frozen=True)
class _Verified:
    found: Found
    secondary: bool  # a comment, topic or all-replies feed: the sync reaches those from the main feed
    entries: frozenset[str]  # the entries' addresses, to spot the same feed in two formats


# -- the page ----------------------------------------------------------------------


class _PageParser(HTMLParser):
    """What a page says about the software behind it."""

    MAX_LINKS = 5000

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.generator = ""
        self.canonical = ""
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and a.get("name", "").lower() == "generator" and not self.generator:
            self.generator = a.get("content", "")
        if tag == "link" and "canonical" in a.get("rel", "").lower().split() and not self.canonical:
            self.canonical = a.get("href", "")
        if len(self.links) < self.MAX_LINKS:
            for attr in ("href", "src"):
                if a.get(attr):
                    self.links.append(a[attr].strip())


@dataclass
class _Page:
    url: str
    generator: str = ""
    canonical: str | None = None
    links: list[str] = field(default_factory=list)  # absolute, same host as the page

    @property
    def discourse_base(self) -> str | None:
        """The forum's root URL (ending in "/") when this is a Discourse page, else None."""
        parts = urlsplit(self.url)
        root = f"{parts.scheme}://{parts.netloc}/"
        for link in [self.url, *self.links]:
            match = _topic_link(link)
            if match:
                prefix = match.group(1).strip("/")
                return f"{root}{prefix}/" if prefix else root
        return root if self.generator.lower().startswith("discourse") else None

    @property
    def wordpress_base(self) -> str | None:
        """The blog's root URL when the page links to WordPress's own files (wp-content, wp-json)."""
        parts = urlsplit(self.url)
        for link in self.links:
            match = WORDPRESS_ASSET.match(urlsplit(link).path)
            if match:
                return f"{parts.scheme}://{parts.netloc}{match.group(1)}/"
        return None


def _topic_link(url: str) -> re.Match[str] | None:
    return DISCOURSE_TOPIC_LINK.match(urlsplit(url).path)


def _read_page(body: bytes, url: str) -> _Page:
    parser = _PageParser()
    try:
        parser.feed(body[:2_000_000].decode("utf-8", errors="replace"))
    except Exception:  # noqa: BLE001 - a page we cannot read is a page without hints
        pass
    host = urlsplit(url).netloc.lower()
    links = []
    for href in parser.links:
        absolute = text.safe_url(urljoin(url, href))
        if absolute and urlsplit(absolute).netloc.lower() == host:
            links.append(absolute)
    canonical = text.safe_url(urljoin(url, parser.canonical)) if parser.canonical else None
    return _Page(url=url, generator=text.one_line(parser.generator, 200), canonical=canonical, links=links)


# -- candidates --------------------------------------------------------------------


def address_places(url: str) -> list[_Candidate]:
    """Feeds that follow from the address alone: a YouTube channel, a Mastodon account or hashtag."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    root = f"{parts.scheme}://{parts.netloc}"
    if host in YOUTUBE_HOSTS:
        match = YOUTUBE_CHANNEL.match(parts.path)
        if match:
            return [_Candidate(f"https://www.youtube.com/feeds/videos.xml?channel_id={match.group(1)}")]
        return []
    match = MASTODON_TAG.match(parts.path)
    if match:
        return [_Candidate(f"{root}/tags/{match.group(1)}.rss", kind="mentions")]
    match = MASTODON_USER.match(parts.path)
    if match:
        return [_Candidate(f"{root}/@{match.group(1)}.rss")]
    return []


def usual_places(page_url: str, page: _Page | None) -> list[_Candidate]:
    """Where feeds usually are, most specific first: from the address, the page's software, the site root."""
    places = address_places(page_url)
    if page is not None:
        if page.canonical and page.canonical != page_url:
            places += address_places(page.canonical)  # a YouTube @handle page names its /channel/ address
        discourse = page.discourse_base
        if discourse:
            places.append(_Candidate(urljoin(discourse, "latest.rss")))
        wordpress = page.wordpress_base
        if wordpress:
            places.append(_Candidate(urljoin(wordpress, "feed/")))
        parts = urlsplit(page_url)
        root = f"{parts.scheme}://{parts.netloc}/"
        places += [_Candidate(urljoin(root, path)) for path in USUAL_PATHS]
    return _unique(places)


def _unique(candidates: list[_Candidate]) -> list[_Candidate]:
    seen: set[str] = set()
    out = []
    for c in candidates:
        key = url_key(c.url, keep_fragment=False) or c.url
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# -- checking a candidate ----------------------------------------------------------


def _kind(feed: ParsedFeed, url: str, forced: str) -> str:
    if forced:
        return forced
    if feed.forum or feed.platform == "discourse":
        return "forum"
    if platforms.is_listening(url, feed.title):
        return "mentions"
    entries = [e.url for e in feed.entries if e.url]
    if MASTODON_TAG.match(urlsplit(url).path) and entries and all(MASTODON_STATUS.search(u) for u in entries):
        return "mentions"
    return "blog"


def _is_secondary(feed: ParsedFeed, candidate: _Candidate) -> bool:
    """A feed of comments or replies: per post, per topic or site-wide."""
    if feed.role in ("comments", "topic"):
        return True
    if COMMENTS_URL.search(candidate.url):
        return True
    if feed.platform == "discourse" and urlsplit(candidate.url).path.endswith("/posts.rss"):
        return True
    advertised = candidate.title.rsplit("»", 1)[-1]  # WordPress: "Site » Comments Feed", "Site » Post Comments Feed"
    return bool(candidate.title) and bool(COMMENTS_TITLE.search(advertised))


def untitled_name(address: str) -> str:
    """A name for a feed with no title of its own: its host (and port) and path, "forum.example/c/help.rss",
    "127.0.0.1:8080/b.rss" (the host alone named every untitled feed of a site alike); a query is kept
    ("blog.example/?feed=rss2"), a trailing slash and "www." are not."""
    parts = urlsplit(address)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return text.one_line(address, 200)
    port = f":{parts.port}" if parts.port else ""
    query = f"?{parts.query}" if parts.query else ""
    return text.one_line(f"{host}{port}{parts.path.rstrip('/')}{query}", 200)


def _verified(candidate: _Candidate, address: str, feed: ParsedFeed) -> _Verified:
    title = feed.title or text.one_line(candidate.title, 200) or untitled_name(address)
    found = Found(url=address, title=title, kind=_kind(feed, address, candidate.kind))
    entries = frozenset(e.url_key for e in feed.entries[:20] if e.url_key)
    return _Verified(found, _is_secondary(feed, candidate), entries)


async def _check(fetcher: Fetcher, candidate: _Candidate, failures: list[str]) -> _Verified | None:
    result = await fetcher.get(candidate.url)
    if result.error or result.status != 200:
        failures.append(f"{candidate.url}: {result.error or f'HTTP {result.status}'}")
        return None
    feed = parse(result.body, result.final_url or candidate.url, result.headers)
    if feed.error:
        failures.append(f"{candidate.url}: {feed.error}")
        return None
    return _verified(candidate, result.permanent_redirect or candidate.url, feed)


def _choose(verified: list[_Verified]) -> list[Found]:
    """The main feeds when there are any (comment feeds are the sync's business), without duplicates."""
    primary = [v for v in verified if not v.secondary]
    chosen: list[_Verified] = []
    for v in primary or verified:
        same = any(v.entries and v.entries == c.entries for c in chosen)  # one feed in RSS and in Atom
        if not same and all(url_key(v.found.url) != url_key(c.found.url) for c in chosen):
            chosen.append(v)
    return [v.found for v in chosen]


# -- discover ----------------------------------------------------------------------


async def find_feeds(url: str, fetcher: Fetcher) -> Discovery:
    """The feeds behind `url` (a feed, a page or a site), checked one by one, with a reason when there are none."""
    url = url.strip()
    report = Discovery(url=url)
    if why := check_url(url):
        report.why = why
        return report
    failures: list[str] = []
    page = await fetcher.get(url)
    if page.error or page.status != 200:
        # the page itself is out of reach; an address that names its feed (YouTube, Mastodon) still works
        for candidate in address_places(url):
            report.tried.append(candidate.url)
            if checked := await _check(fetcher, candidate, failures):
                report.found = [checked.found]
                return report
        report.why = f"cannot read {url}: {page.error or f'HTTP {page.status}'}"
        return report
    base = page.final_url or url
    feed = parse(page.body, base, page.headers)
    if feed.error is None:
        report.found = [_verified(_Candidate(url), page.permanent_redirect or url, feed).found]
        return report

    info = _read_page(page.body, base)
    advertised = [_Candidate(u, title) for u, title in alternate_links(page.body, base)[:MAX_ADVERTISED]]
    discourse = info.discourse_base
    if discourse and advertised:
        advertised.append(_Candidate(urljoin(discourse, "latest.rss")))  # the forum's topics, not one topic
    advertised = _unique(advertised)
    report.tried += [c.url for c in advertised]
    results = await asyncio.gather(*(_check(fetcher, c, failures) for c in advertised))
    report.found = _choose([v for v in results if v is not None])
    if report.found:
        return report

    # nothing advertised, or nothing advertised is a feed: the usual places, first hit wins
    done = {url_key(c.url, keep_fragment=False) for c in advertised}
    for candidate in usual_places(base, info):
        if url_key(candidate.url, keep_fragment=False) in done:
            continue
        report.tried.append(candidate.url)
        if hit := await _check(fetcher, candidate, failures):
            report.found = [hit.found]
            return report
    if advertised:
        some = "a feed but it did not answer" if len(advertised) == 1 else f"{len(advertised)} feeds but none answered"
        report.why = (f"no feed found on that page: it advertises {some} "
                      f"with a feed ({failures[0] if failures else 'no answer'}), nor did the usual places")
    else:
        report.why = f"no feed found on that page ({feed.error}), nor at the usual places ({_short_list(report.tried)})"
    return report


async def discover(url: str, fetcher: Fetcher) -> list[Found]:
    """The feeds behind `url`, main feeds first; empty when there are none (`find_feeds` says why)."""
    return (await find_feeds(url, fetcher)).found


def _short_list(urls: list[str], limit: int = 4) -> str:
    paths = [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in urls]
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "") if paths else "none tried"


# -- feeds.toml --------------------------------------------------------------------


def _same_url(url: str) -> str:
    return url.strip().rstrip("/")


def _new_table(feed: dict[str, Any], url: str) -> Table:
    table = tomlkit.table()
    table.add("url", url)
    name = text.one_line(str(feed.get("name") or ""), 200)
    if name:
        table.add("name", name)
    if feed.get("kind"):
        table.add("kind", str(feed["kind"]))
    if isinstance(feed.get("follow_comments"), bool):
        table.add("follow_comments", feed["follow_comments"])
    tags = list(dict.fromkeys(t for t in (text.one_line(str(x), 100) for x in feed.get("tags") or []) if t))
    if tags:
        table.add("tags", tags)
    return table


def append_feeds(config_path: Path, feeds: list[dict[str, Any]]) -> list[str]:
    """Append `[[feeds]]` tables (url, name, kind, tags) to `config_path`, keeping its comments and layout.

    URLs already there are skipped. A missing file is created with an `[identity]` table to fill in.
    The result is checked like any config before it replaces the file, so on `ConfigError` the file is
    as it was. Returns the URLs added.
    """
    target = Path(os.path.realpath(config_path))  # through a symlink, not over it
    exists = target.exists()
    if exists:
        try:
            original = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(config_path, "", f"cannot read: {exc}") from None
    else:
        original = NEW_CONFIG
    try:
        doc = tomlkit.parse(original if not original or original.endswith("\n") else original + "\n")
    except tomlkit.exceptions.TOMLKitError as exc:
        raise ConfigError(config_path, "", f"not valid TOML: {exc}") from None
    current = doc.get("feeds")
    if current is not None and not isinstance(current, AoT | Array):
        raise ConfigError(config_path, "feeds", "must be a list of [[feeds]] tables")
    present = {_same_url(t["url"]) for t in current or [] if isinstance(t, dict) and isinstance(t.get("url"), str)}

    added: list[str] = []
    tables: list[Table] = []
    for feed in feeds:
        url = str(feed.get("url") or "").strip()
        if not url or _same_url(url) in present:
            continue
        present.add(_same_url(url))
        added.append(url)
        tables.append(_new_table(feed, url))
    if not tables and exists:
        return []

    if isinstance(current, Array):  # feeds = [{ url = "..." }, ...]: keep the user's inline style
        for table in tables:
            inline = tomlkit.inline_table()
            inline.update(table.unwrap())
            current.append(inline)
    elif isinstance(current, AoT):
        preamble = _next_table_comments(doc, current)
        if len(current) and not current[-1].as_string().endswith("\n\n"):
            current[-1].add(tomlkit.nl())  # a blank line between the last table and the new ones
        for table in tables:
            table.add(tomlkit.nl())
            current.append(table)
        for item in preamble:
            tables[-1].add(item)
    elif tables:
        if doc.as_string().strip() and not doc.as_string().endswith("\n\n"):
            doc.add(tomlkit.nl())
        aot = tomlkit.aot()
        for table in tables:
            aot.append(table)
        doc.append("feeds", aot)
    rendered = doc.as_string().rstrip() + "\n" if tables else doc.as_string()
    _replace_checked(target, config_path, rendered)
    return added


def _next_table_comments(doc: tomlkit.TOMLDocument, feeds: AoT) -> list[Comment | Whitespace]:
    """Take the comments that end the last [[feeds]] table but introduce the table after it.

    tomlkit keeps a comment above `[sync]` in the body of the table before it; new feeds must go
    above that comment, not between it and `[sync]`. Comments set off from the last key by a blank
    line count as the next table's, and only when a table does follow.
    """
    if not len(feeds):
        return []
    position = next((i for i, (_, item) in enumerate(doc.body) if item is feeds), None)
    if position is None or not any(key is not None for key, _ in doc.body[position + 1:]):
        return []
    body = feeds[-1].value.body
    start = len(body)
    while start and body[start - 1][0] is None and isinstance(body[start - 1][1], Comment | Whitespace):
        start -= 1
    blank = next((i for i in range(start, len(body)) if isinstance(body[i][1], Whitespace)
                  and body[i][1].as_string().count("\n") >= 1 and not body[i][1].as_string().strip(" \t\n")), None)
    if blank is None or not any(isinstance(item, Comment) for _, item in body[blank + 1:]):
        return []
    moved = [item for _, item in body[blank + 1:] if isinstance(item, Comment | Whitespace)]  # all of them, as above
    del body[blank + 1:]
    return moved


def _replace_checked(target: Path, config_path: Path, content: str) -> None:
    """Write `content` to a temporary file beside `target`, read it back as a config, then swap it in."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(config_path, "", f"cannot write: {exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        try:
            load(tmp)
        except ConfigError as exc:
            raise ConfigError(config_path, exc.key, f"{exc.why} (the file was left as it was)") from None
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(config_path, "", f"cannot write: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- OPML --------------------------------------------------------------------------


def _opml_bytes(data: bytes) -> bytes:
    """`data` as UTF-8 (listparser decodes UTF-8 only): BOM removed, a declared legacy encoding honoured."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    match = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_.:-]+)[\"']", data)
    encoding = match.group(1).decode("ascii") if match else "cp1252"
    try:
        return data.decode(encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot decode it as {encoding}: {exc}") from None


def read_opml(path: Path) -> list[dict[str, Any]]:
    """The feeds of an OPML subscription list: url, name (its title) and tags (its categories, folders included)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from None
    try:
        result = listparser.parse(_opml_bytes(data))  # bytes: a str could be taken for a URL and fetched
    except Exception as exc:  # noqa: BLE001 - a hostile file must end in a message
        raise ConfigError(path, "", f"not an OPML file: {type(exc).__name__}: {text.one_line(str(exc), 200)}") from None
    if not result.get("version"):
        why = result.get("bozo_exception")
        raise ConfigError(path, "", "not an OPML file" + (f": {text.one_line(str(why), 200)}" if why else ""))
    feeds: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(result.get("feeds", [])):
        url = str(item.get("url") or "").strip()
        why = check_url(url)
        if why and url.lower().startswith(("http://", "https://")):  # a feed's address, broken: say which
            title = text.one_line(str(item.get("title") or ""), 60)
            raise ConfigError(path, f"outline {title!r} xmlUrl" if title else f"outline {index + 1} xmlUrl", why)
        if why or _same_url(url) in seen:
            continue  # not a web feed (file:, mailto: …), or listed twice
        seen.add(_same_url(url))
        tags = [text.one_line(str(part), 100) for path_ in item.get("categories") or [] for part in path_]
        feed: dict[str, Any] = {
            "url": url,
            "name": text.one_line(str(item.get("title") or ""), 200),
            "tags": list(dict.fromkeys(t for t in tags if t)),
        }
        if platforms.is_listening(url, feed["name"]):
            feed["kind"] = "mentions"  # a search, tag or alert; any other kind is detected when synced
        feeds.append(feed)
    return feeds

