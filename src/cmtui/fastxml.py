"""A fast path for the common case: well-formed RSS 2.0 and Atom 1.0 of the shapes WordPress, Blogger,
Discourse, Reddit and YouTube write.

feedparser is tolerant and thorough, and costs 10–20 ms for a 35 KB feed; ElementTree builds the same
tree in 1–2 ms. `read()` maps such a document onto the subset of feedparser's result that `parse.py` uses
(same keys, same shapes). It reads only what it knows feedparser reads the same way: every element of an
item or entry must be on a list (`RSS_ITEM`, `ATOM_ENTRY`), single-valued ones once; the encoding must be
the one feedparser would pick. Anything else (a DOCTYPE or entity declarations, XML errors, other formats,
an unknown element, XHTML content, C1 control characters, dates it cannot read…) returns None, and the
caller uses feedparser: the slow path stays the reference, and tests check that both give the same
`ParsedFeed` wherever this reader accepts, on feedparser's own test suite and on real feeds.
"""

from __future__ import annotations

import calendar
import codecs
import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_tz
from html import escape
from typing import Any
from urllib.parse import urljoin

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
THR = "http://purl.org/syndication/thread/1.0"
MEDIA = "http://search.yahoo.com/mrss/"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


class Unsupported(Exception):
    """Leave this document to feedparser."""


def read(body: bytes, url: str, headers: dict[str, str] | None = None) -> dict[str, Any] | None:
    """feedparser-shaped dict for a well-formed RSS 2.0 / Atom 1.0 document of the shapes this reader knows to
    read exactly as feedparser does, or None (feedparser's turn). `headers`: the HTTP response's (their
    Content-Type decides the encoding for feedparser)."""
    head = body[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in body[:65536] or b"<!doctype" in head:
        return None
    try:
        encoding = _plain_encoding(head, headers or {})
        if encoding is None:
            return None
        root, namespaces = _tree(body)
        if root.tag == "rss" and root.get("version", "").startswith("2."):
            _clean_text(root, body, encoding)
            _check_rss(root)
            return _rss(root, url, namespaces)
        if root.tag == f"{{{ATOM}}}feed":
            _clean_text(root, body, encoding)
            _check_atom(root)
            return _atom(root, url, namespaces)
    except (ET.ParseError, Unsupported, ValueError, TypeError, OverflowError, LookupError):
        return None
    return None


XML_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "application/rdf+xml")
TEXT_XML_TYPES = ("text/xml", "text/rss+xml", "text/atom+xml")  # with a charset only: else US-ASCII
_DECLARED = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _plain_encoding(head: bytes, headers: dict[str, str]) -> str | None:
    """Whether expat and feedparser read these bytes as the same characters: no UTF-16/32 byte order mark, and a
    Content-Type (if any) of an XML application type whose charset (if any) is the declared encoding. feedparser
    lets the HTTP charset override the document's and reads text/* without a charset as US-ASCII (RFC 3023).
    The encoding's codec name, or None when they may differ."""
    if head.startswith((b"\xfe\xff", b"\xff\xfe", b"\x00", b"\x4c\x6f\xa7\x94")):  # UTF-16/32, EBCDIC
        return None
    head = head.removeprefix(b"\xef\xbb\xbf")
    declared = _DECLARED.match(head)
    encoding = codecs.lookup(declared[1].decode("ascii")).name if declared else "utf-8"
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    if ctype is None:
        return encoding
    media, _, params = ctype.partition(";")
    media = media.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    if media in XML_TYPES:
        return encoding if charset is None or codecs.lookup(charset).name == encoding else None
    if media in TEXT_XML_TYPES and charset is not None and codecs.lookup(charset).name == encoding:
        return encoding
    return None


def _tree(body: bytes) -> tuple[ET.Element, dict[str, str]]:
    """The document's root element and its namespace declarations (prefix → URI, the first of each), read in
    one pass (iterparse builds the tree as it goes and keeps its root)."""
    found: dict[str, str] = {}
    events = ET.iterparse(_Bytes(body), events=("start-ns",))
    for _event, (prefix, uri) in events:
        found.setdefault(prefix, uri)
    return events.root, found  # type: ignore[attr-defined]


class _Bytes:
    """A minimal file object for iterparse over bytes already in memory."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk


WFW = "http://wellformedweb.org/CommentAPI/"
WP = "com-wordpress:feed-additions:1"
DISCOURSE = "http://www.discourse.org/"
YT = "http://www.youtube.com/xml/schemas/2015"
GD = "http://schemas.google.com/g/2005"
_C1 = re.compile("[\x80-\x9f]")  # feedparser reads these as windows-1252 ("demoronize")
_ONCE, _MANY = True, False
# The children an item / entry may have for this reader: tag → (attributes allowed, at most once). Every other
# element declines the document: feedparser maps many of them onto the fields cmtui reads (dcterms:issued and
# dc:title, RSS <author> with an e-mail, <xhtml:body>, <fullitem>, media:title, unknown namespaces…).
RSS_ITEM: dict[str, tuple[frozenset[str], bool]] = {
    "title": (frozenset(), _ONCE), "link": (frozenset(), _ONCE), "description": (frozenset(), _ONCE),
    "pubDate": (frozenset(), _ONCE), "guid": (frozenset({"isPermaLink"}), _ONCE),
    "comments": (frozenset(), _ONCE), "category": (frozenset({"domain"}), _MANY),
    "source": (frozenset({"url"}), _ONCE), "enclosure": (frozenset({"url", "length", "type"}), _MANY),
    f"{{{DC}}}creator": (frozenset(), _ONCE), f"{{{DC}}}date": (frozenset(), _ONCE),
    f"{{{CONTENT}}}encoded": (frozenset(), _ONCE), f"{{{SLASH}}}comments": (frozenset(), _ONCE),
    f"{{{WFW}}}commentRss": (frozenset(), _ONCE), f"{{{WFW}}}commentRSS": (frozenset(), _ONCE),
    f"{{{WP}}}post-id": (frozenset(), _ONCE), f"{{{MEDIA}}}thumbnail": (frozenset({"url", "width", "height"}), _MANY),
    f"{{{DISCOURSE}}}topicPinned": (frozenset(), _ONCE), f"{{{DISCOURSE}}}topicClosed": (frozenset(), _ONCE),
    f"{{{DISCOURSE}}}topicArchived": (frozenset(), _ONCE),
}
_LINK_ATTRS = frozenset({"href", "rel", "type", "title", "hreflang", "length", f"{{{THR}}}count",
                         f"{{{THR}}}updated"})
_TEXT_ATTRS = frozenset({"type", XML_BASE, "{http://www.w3.org/XML/1998/namespace}lang"})
ATOM_ENTRY: dict[str, tuple[frozenset[str], bool]] = {
    f"{{{ATOM}}}id": (frozenset(), _ONCE), f"{{{ATOM}}}title": (_TEXT_ATTRS, _ONCE),
    f"{{{ATOM}}}link": (_LINK_ATTRS, _MANY), f"{{{ATOM}}}content": (_TEXT_ATTRS, _ONCE),
    f"{{{ATOM}}}summary": (_TEXT_ATTRS, _ONCE), f"{{{ATOM}}}published": (frozenset(), _ONCE),
    f"{{{ATOM}}}updated": (frozenset(), _ONCE), f"{{{ATOM}}}author": (frozenset(), _ONCE),
    f"{{{ATOM}}}category": (frozenset({"term", "scheme", "label"}), _MANY),
    f"{{{THR}}}in-reply-to": (frozenset({"ref", "href", "type", "source"}), _ONCE),
    f"{{{THR}}}total": (frozenset(), _ONCE), f"{{{MEDIA}}}group": (frozenset(), _ONCE),
    f"{{{MEDIA}}}thumbnail": (frozenset({"url", "width", "height"}), _MANY),
    f"{{{YT}}}videoId": (frozenset(), _ONCE), f"{{{YT}}}channelId": (frozenset(), _ONCE),
    f"{{{GD}}}extendedProperty": (frozenset({"name", "value"}), _MANY),
}
ATOM_AUTHOR = frozenset({f"{{{ATOM}}}name", f"{{{ATOM}}}email", f"{{{ATOM}}}uri"})
AUTHOR_EXTRA = frozenset({f"{{{GD}}}image", f"{{{GD}}}extendedProperty"})  # Blogger's, attributes only
HTML_TYPES = ("text/html", "application/xhtml+xml")


# Each starts with a literal, which `re` finds with a fast scan (an alternation or \s first is 10x slower).
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_C1_REF = re.compile(rb"&#(?:0*1(?:2[89]|[3-5]\d)|[xX]0*[89][0-9a-fA-F]);")
_MODE = re.compile(rb"mode\s*=")


def _clean_text(root: ET.Element, body: bytes, encoding: str) -> None:
    """No C1 control characters anywhere (feedparser turns them into windows-1252 punctuation, and mojibake
    into what it stood for) and no Atom 0.3 `mode` (base64 and escaped content). In UTF-8 (nearly every feed)
    a scan of the bytes tells; other encodings and a possible `mode` walk the tree."""
    if encoding == "utf-8" and not _MODE.search(body):
        if _C1_UTF8.search(body) or _C1_REF.search(body):
            raise Unsupported("C1 control character")
        return
    for el in root.iter():
        if "mode" in el.attrib:
            raise Unsupported("mode")
        for value in (el.text, el.tail, *el.attrib.values()):
            if value and _C1.search(value):
                raise Unsupported("C1 control character")


def _check_children(item: ET.Element, allowed: dict[str, tuple[frozenset[str], bool]]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for child in item:
        spec = allowed.get(child.tag)
        if spec is None:
            raise Unsupported(f"<{child.tag}> in an item")
        attrs, once = spec
        seen[child.tag] = seen.get(child.tag, 0) + 1
        if once and seen[child.tag] > 1:
            raise Unsupported(f"<{child.tag}> twice")
        if any(key not in attrs for key in child.attrib):
            raise Unsupported(f"attributes of <{child.tag}>")
    return seen


def _check_rss(root: ET.Element) -> None:
    """Decline RSS shapes that feedparser reads differently from `_rss`."""
    if len(root) != 1 or root[0].tag != "channel" or root.attrib.keys() - {"version"}:
        raise Unsupported("not one <channel>")
    channel = root[0]
    _check_rss_channel(channel)
    for el in root.iter():
        if XML_BASE in el.attrib:
            raise Unsupported("xml:base in RSS")
    for item in channel.iterfind("item"):
        _check_rss_item(item)


def _check_rss_channel(channel: ET.Element) -> None:
    """One plain title, link and generator at most; no alternate atom:link and no look-alikes of these elements
    in other namespaces (feedparser takes any of them for the channel's own)."""
    counts: dict[str, int] = {}
    for child in channel:
        if child.tag in ("title", "link", "generator"):
            counts[child.tag] = counts.get(child.tag, 0) + 1
            if counts[child.tag] > 1 or child.attrib or len(child):
                raise Unsupported(f"channel <{child.tag}>")
        elif child.tag == f"{{{ATOM}}}link":
            if child.get("rel", "alternate") == "alternate":
                raise Unsupported("atom:link rel=alternate in a channel")  # feedparser takes it as the link
        elif _local_name(child) in ("title", "link", "generator", "item", "entry") and child.tag != "item":
            raise Unsupported(f"channel <{child.tag}>")


def _check_rss_item(item: ET.Element) -> None:
    _check_children(item, RSS_ITEM)
    for child in item:
        if len(child):
            raise Unsupported(f"markup inside <{child.tag}>")
    creator = item.find(f"{{{DC}}}creator")
    if creator is not None and "@" in (creator.text or ""):
        raise Unsupported("an e-mail address in dc:creator")  # feedparser splits it off


def _local_name(el: ET.Element) -> str:
    """The tag without its namespace, lower-case."""
    return el.tag.rsplit("}", 1)[-1].lower()


def _check_atom(root: ET.Element) -> None:
    """Decline Atom shapes that feedparser reads differently from `_atom`."""
    for el in root.iter():
        if XML_BASE in el.attrib and el.tag not in _XML_BASE_ALLOWED:
            raise Unsupported("xml:base")
    _check_atom_feed(root)
    _check_alternate(root)
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        _check_children(entry, ATOM_ENTRY)
        for child in entry:
            _check_atom_entry_child(child)
        _check_alternate(entry)


_XML_BASE_ALLOWED = frozenset(f"{{{ATOM}}}{name}" for name in ("feed", "entry", "content", "summary"))
_FEED_TEXT = frozenset(f"{{{ATOM}}}{name}" for name in ("title", "id", "generator"))
_ENTRY_TEXT = frozenset(f"{{{ATOM}}}{name}" for name in ("title", "content", "summary"))


def _check_atom_feed(root: ET.Element) -> None:
    """The feed's own title, id and generator: once each, plain text or html; no look-alikes of an entry or a
    title in other namespaces."""
    counts: dict[str, int] = {}
    for child in root:
        if child.tag in _FEED_TEXT:
            counts[child.tag] = counts.get(child.tag, 0) + 1
            if counts[child.tag] > 1 or len(child) or child.attrib.keys() - _TEXT_ATTRS - {"uri", "version"}:
                raise Unsupported(f"feed <{child.tag}>")
            if child.get("type", "text") not in ("text", "html"):
                raise Unsupported(f"feed <{child.tag}> type")
        elif child.tag != f"{{{ATOM}}}entry" and _local_name(child) in ("entry", "item", "title"):
            raise Unsupported(f"feed <{child.tag}>")


def _check_atom_entry_child(child: ET.Element) -> None:
    """One child of an entry (`_check_children` has checked its tag and attributes)."""
    if child.tag == f"{{{ATOM}}}author":
        _check_atom_author(child)
    elif child.tag == f"{{{MEDIA}}}group":
        if any(not x.tag.startswith(f"{{{MEDIA}}}") for x in child.iter()):
            raise Unsupported("media:group")
    elif len(child):
        raise Unsupported(f"markup inside <{child.tag}>")  # xhtml content and titles included
    if child.tag == f"{{{ATOM}}}link" and "href" not in child.attrib:
        raise Unsupported("a link without href")
    if child.tag in _ENTRY_TEXT:
        kind = child.get("type", "text")
        if kind not in ("text", "html"):
            raise Unsupported(f"<{child.tag}> type")
        if child.tag != f"{{{ATOM}}}title" and kind == "text" and "<" in (child.text or ""):
            raise Unsupported("brackets in text")  # escaped here; feedparser's value reads as a tag


def _check_atom_author(author: ET.Element) -> None:
    """A name, at most one of each Atom person element, none with attributes or markup; Blogger's extras."""
    names = [x.tag for x in author if x.tag in ATOM_AUTHOR]
    if f"{{{ATOM}}}name" not in names or len(set(names)) != len(names):
        raise Unsupported("author")
    for x in author:
        if len(x) or (x.attrib and x.tag in ATOM_AUTHOR) or x.tag not in ATOM_AUTHOR | AUTHOR_EXTRA:
            raise Unsupported("author")


def _check_alternate(el: ET.Element) -> None:
    """At most one alternate link, of an HTML type: with several, or one of another type, feedparser takes
    the last HTML one and this reader the first."""
    links = [x for x in el.iterfind(f"{{{ATOM}}}link") if x.get("rel", "alternate") == "alternate"]
    if len(links) > 1 or any(x.get("type", "text/html") not in HTML_TYPES for x in links):
        raise Unsupported("alternate links")


def _text(el: ET.Element | None) -> str:
    """An element's text; markup inside it (unescaped HTML in RSS) is left to feedparser."""
    if el is None:
        return ""
    if len(el):
        raise Unsupported(f"markup inside <{el.tag}>")
    return (el.text or "").strip()


def _date(value: str) -> time.struct_time | None:
    """RFC 822 (RSS) or ISO 8601 (Atom, dc:date) → UTC struct_time; an unreadable date is Unsupported."""
    value = value.strip()
    if not value:
        return None
    parts = parsedate_tz(value)
    if parts is not None:
        offset = parts[9] or 0
        stamp = _timegm(parts[:6]) - offset
        return time.gmtime(stamp)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Unsupported(value) from None
    if when.tzinfo is None:
        raise Unsupported(value)
    return time.gmtime(when.timestamp())


def _timegm(parts: tuple[int, ...]) -> int:
    return calendar.timegm((*parts, 0, 0, 0))


def _rss(root: ET.Element, url: str, namespaces: dict[str, str]) -> dict[str, Any]:
    channel = root[0]  # the one <channel> (`_check_rss`)
    link = _text(channel.find("link"))
    feed = {"title": _text(channel.find("title")), "link": urljoin(url, link) if link else None,
            "generator": _text(channel.find("generator"))}
    entries = [_rss_item(item, url) for item in channel.findall("item")]
    return {"version": "rss20", "bozo": False, "feed": feed, "entries": entries, "namespaces": namespaces}


_WFW_COMMENTS = (f"{{{WFW}}}commentRss", f"{{{WFW}}}commentRSS")  # feeds spell it both ways


def _rss_item(item: ET.Element, url: str) -> dict[str, Any]:
    """One <item> as feedparser gives it (the keys `parse.py` reads, in feedparser's shapes)."""
    entry: dict[str, Any] = {"title": _text(item.find("title"))}
    link = _text(item.find("link"))
    if link:
        entry["link"] = urljoin(url, link)
    guid = item.find("guid")
    if guid is not None and _text(guid):
        # As feedparser does: a permalink guid (the default) is resolved like a link, and is the link of an
        # item without one.
        permalink = guid.get("isPermaLink", "true").lower() != "false"
        entry["id"] = urljoin(url, _text(guid)) if permalink else _text(guid)
        if permalink and not link:
            entry["link"] = entry["id"]
    author = _text(item.find(f"{{{DC}}}creator"))
    if author:
        entry["author"] = author
        entry["author_detail"] = {"name": author}
    date = _text(item.find("pubDate")) or _text(item.find(f"{{{DC}}}date"))
    if date:
        entry["published_parsed"] = _date(date)
    encoded = _text(item.find(f"{{{CONTENT}}}encoded"))
    if encoded:
        entry["content"] = [{"value": encoded}]
    for tag, key in (("description", "summary"), (f"{{{SLASH}}}comments", "slash_comments")):
        value = _text(item.find(tag))
        if value:
            entry[key] = value
    page = _text(item.find("comments"))
    if page:
        entry["comments"] = page  # the page of the item's comments (Hacker News, Lemmy)
    comments = _text(next((child for child in item if child.tag in _WFW_COMMENTS), None))
    if comments:
        entry["wfw_commentrss"] = urljoin(url, comments)
    entry["links"] = [{"rel": "alternate", "type": "text/html", "href": entry["link"]}] if link else []
    return entry


def _atom_content(el: ET.Element) -> str:
    """Atom html as it is, text escaped (`_check_atom` declined every other type: feedparser serialises xhtml
    otherwise)."""
    return _text(el) if el.get("type", "text") == "html" else escape(_text(el))


def _atom(root: ET.Element, url: str, namespaces: dict[str, str]) -> dict[str, Any]:
    base = urljoin(url, root.get(XML_BASE, ""))
    entries = [_atom_entry(item, urljoin(base, item.get(XML_BASE, ""))) for item in root.findall(f"{{{ATOM}}}entry")]
    return {"version": "atom10", "bozo": False, "feed": _atom_feed(root, base), "entries": entries,
            "namespaces": namespaces}


def _atom_feed(root: ET.Element, base: str) -> dict[str, Any]:
    a = f"{{{ATOM}}}"
    feed_link = next((link.get("href", "") for link in root.findall(f"{a}link")
                      if link.get("rel", "alternate") == "alternate"), "")
    feed_id = _text(root.find(f"{a}id"))
    if not feed_link and feed_id:
        feed_link = feed_id  # as feedparser does: a feed without an alternate link has its id as link
    feed: dict[str, Any] = {"title": _text(root.find(f"{a}title")),
                            "link": urljoin(base, feed_link) if feed_link else "",
                            "generator": _text(root.find(f"{a}generator")), "id": feed_id}
    author = _text(root.find(f"{a}author/{a}name"))
    if author:
        feed["author"], feed["author_detail"] = author, _person(root.find(f"{a}author"), author)
    return feed


def _person(el: ET.Element | None, name: str) -> dict[str, str]:
    """An Atom person as feedparser's `author_detail`: its name, and its uri as `href` (a profile, on a social
    platform: who wrote it)."""
    uri = _text(el.find(f"{{{ATOM}}}uri")) if el is not None else ""
    return {"name": name, "href": uri} if uri else {"name": name}


def _atom_entry(item: ET.Element, base: str) -> dict[str, Any]:
    """One <entry> as feedparser gives it; `base`: its xml:base, resolved."""
    a = f"{{{ATOM}}}"
    entry: dict[str, Any] = {"title": _text(item.find(f"{a}title"))}
    entry["links"] = [_atom_link(link, base) for link in item.findall(f"{a}link")]
    alternate = next((x["href"] for x in entry["links"] if x["rel"] == "alternate"), None)
    if alternate:
        entry["link"] = alternate
    entry_id = _text(item.find(f"{a}id"))
    if entry_id:
        entry["id"] = urljoin(base, entry_id)  # as feedparser does (a tag: or urn: id stays as it is)
        entry.setdefault("link", entry["id"])  # and an entry without an alternate link has its id as link
    author = _text(item.find(f"{a}author/{a}name"))  # not inherited from the feed: as feedparser does
    if author:
        entry["author"] = author
        entry["author_detail"] = _person(item.find(f"{a}author"), author)
    for tag, key in ((f"{a}published", "published_parsed"), (f"{a}updated", "updated_parsed")):
        date = _text(item.find(tag))
        if date:
            entry[key] = _date(date)
    content = item.find(f"{a}content")
    if content is not None:
        entry["content"] = [{"value": _atom_content(content)}]
    summary = _atom_summary(item)
    if summary is not None:
        entry["summary"] = summary
    reply = item.find(f"{{{THR}}}in-reply-to")
    if reply is not None:
        entry["thr_in-reply-to"] = _atom_reply(reply, base)
    return entry


def _atom_link(link: ET.Element, base: str) -> dict[str, str]:
    """A link as feedparser gives it: absolute href, defaults for rel and type, thr: attributes as "thr:…"."""
    data = {"rel": link.get("rel", "alternate"), "type": link.get("type", "text/html"),
            "href": urljoin(base, link.get("href", ""))}
    for key, value in link.attrib.items():
        if key.startswith(f"{{{THR}}}"):
            data["thr:" + key.split("}", 1)[1]] = value
    return data


def _atom_summary(item: ET.Element) -> str | None:
    """The entry's summary, else (YouTube) its media:group's description, escaped as text."""
    summary = item.find(f"{{{ATOM}}}summary")
    if summary is not None:
        return _atom_content(summary)
    media = _text(item.find(f"{{{MEDIA}}}group/{{{MEDIA}}}description"))
    return escape(media) if media else None


def _atom_reply(reply: ET.Element, base: str) -> dict[str, str]:
    """thr:in-reply-to's attributes, its href absolute."""
    data = {k: v for k, v in reply.attrib.items() if k in ("ref", "href", "type", "source")}
    if "href" in data:
        data["href"] = urljoin(base, data["href"])
    return data
