"""Find the feeds behind an address.

`discover()` takes what a person would paste: a site, a page, a forum, a channel, or a
feed itself. It keeps only what really answers with a feed (every candidate is fetched and
parsed), and prefers a site's own feed to its comment feeds: the sync finds comment
feeds by itself. Adding what it finds to `feeds.toml` is `feedlist.append_feeds()`'s job.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from cmtui import platforms, text
from cmtui.config import check_url
from cmtui.fetch import Fetcher
from cmtui.parse import ParsedFeed, alternate_links, parse
from cmtui.urlkeys import url_key

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
    if feed.role == "posts" and feed.entries and all(e.account for e in feed.entries):
        return "mentions"  # posts by platform accounts (statuses, Reddit or Lemmy posts), at whatever address
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
    page = await fetcher.get(url)
    if page.error or page.status != 200:
        # the page itself is out of reach; an address that names its feed (YouTube, Mastodon) still works
        await _first_feed(fetcher, address_places(url), report, failures=[])
        if not report.found:
            report.why = f"cannot read {url}: {page.error or f'HTTP {page.status}'}"
        return report
    base = page.final_url or url
    feed = parse(page.body, base, page.headers)
    if feed.error is None:
        report.found = [_verified(_Candidate(url), page.permanent_redirect or url, feed).found]
    else:
        await _search_page(fetcher, page.body, base, feed.error, report)
    return report


async def _search_page(fetcher: Fetcher, body: bytes, base: str, page_error: str, report: Discovery) -> None:
    """A page that is not a feed: the feeds it advertises, else the first of the usual places that is one."""
    failures: list[str] = []
    info = _read_page(body, base)
    advertised = _advertised(body, base, info)
    report.tried += [c.url for c in advertised]
    results = await asyncio.gather(*(_check(fetcher, c, failures) for c in advertised))
    report.found = _choose([v for v in results if v is not None])
    if not report.found:
        # nothing advertised, or nothing advertised is a feed: the usual places, first hit wins
        done = {url_key(c.url, keep_fragment=False) for c in advertised}
        usual = [c for c in usual_places(base, info) if url_key(c.url, keep_fragment=False) not in done]
        await _first_feed(fetcher, usual, report, failures)
    if not report.found:
        report.why = _why_none(advertised, failures, page_error, report.tried)


def _advertised(body: bytes, base: str, info: _Page) -> list[_Candidate]:
    """The feeds the page advertises (the first MAX_ADVERTISED), and a forum's topics feed beside them."""
    advertised = [_Candidate(u, title) for u, title in alternate_links(body, base)[:MAX_ADVERTISED]]
    discourse = info.discourse_base
    if discourse and advertised:
        advertised.append(_Candidate(urljoin(discourse, "latest.rss")))  # the forum's topics, not one topic
    return _unique(advertised)


async def _first_feed(fetcher: Fetcher, candidates: list[_Candidate], report: Discovery,
                      failures: list[str]) -> None:
    """Check `candidates` in order until one is a feed: it is what `report` found."""
    for candidate in candidates:
        report.tried.append(candidate.url)
        if hit := await _check(fetcher, candidate, failures):
            report.found = [hit.found]
            return


def _why_none(advertised: list[_Candidate], failures: list[str], page_error: str, tried: list[str]) -> str:
    """Why a page that is not a feed led to none."""
    if advertised:
        some = "a feed but it did not answer" if len(advertised) == 1 else f"{len(advertised)} feeds but none answered"
        return (f"no feed found on that page: it advertises {some} "
                f"with a feed ({failures[0] if failures else 'no answer'}), nor did the usual places")
    return f"no feed found on that page ({page_error}), nor at the usual places ({_short_list(tried)})"


async def discover(url: str, fetcher: Fetcher) -> list[Found]:
    """The feeds behind `url`, main feeds first; empty when there are none (`find_feeds` says why)."""
    return (await find_feeds(url, fetcher)).found


def _short_list(urls: list[str], limit: int = 4) -> str:
    paths = [urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "") for u in urls]
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "") if paths else "none tried"
