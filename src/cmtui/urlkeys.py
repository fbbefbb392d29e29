"""Keys that name the same thing across feeds: a URL normalised for matching, a guid made global, the topic
of a Discourse post and the post of a Reddit comment.

Pure functions of strings, used by the parser (conversation keys, reply matching) and by posting (where a
reply goes).
"""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

DISCOURSE_TOPIC = re.compile(r"/t/(?:[^/?#]+/)?(\d+)(?:/(\d+))?/?(?:\.rss)?$")
REDDIT_POST = re.compile(r"/comments/([a-z0-9]+)(?:/[^/]*)?(?:/([a-z0-9]+))?/?(?:\.rss)?$", re.I)
REDDIT_THING = re.compile(r"^t[1-6]_[a-z0-9]+$", re.I)
REDIRECTORS = re.compile(r"^(?:www\.)?google\.[a-z.]+$")  # Google Alerts' links: https://www.google.com/url?url=…
TRACKING_PARAMS = re.compile(r"^(utm_\w+|showComment|replytocom|fbclid|gclid)$", re.I)


@functools.lru_cache(maxsize=4096)
def url_key(url: str | None, keep_fragment: bool = True) -> str | None:
    """`url` normalised for matching: no scheme, lower-case host, no default port, no trailing
    slash, no tracking parameters; the fragment only when `keep_fragment`."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING_PARAMS.match(k)]) if parts.query else ""
    key = host + (parts.path.rstrip("/") or "")
    if query:
        key += "?" + query
    if keep_fragment and parts.fragment:
        key += "#" + parts.fragment
    return key


def guid_key(guid: str, feed_url: str) -> str:
    """A guid as a global key: URLs normalised, tag:/urn: kept, anything else scoped by host."""
    guid = guid.strip()
    reddit = reddit_thing(guid)
    if reddit:
        return reddit
    if re.match(r"^https?://", guid, re.I):
        return url_key(guid) or guid
    if re.match(r"^(tag|urn|yt|at):", guid, re.I):  # at: a Bluesky post's at:// URI
        return guid
    return f"{(urlsplit(feed_url).hostname or '').lower()}|{guid}"


def reddit_thing(guid: str) -> str | None:
    """A Reddit post's or comment's own id (`t3_…` a post, `t1_…` a comment) as a key the same on every Reddit feed:
    an Atom id `t3_x` is resolved against the feed's address, so each feed that shows the post writes it differently
    (`https://www.reddit.com/t3_x`, `…/comments/x/slug/t3_x`)."""
    last = guid.rstrip("/").rsplit("/", 1)[-1]
    return f"reddit:{last.lower()}" if REDDIT_THING.match(last) else None


def discourse_key(url: str | None) -> tuple[str, int | None] | None:
    """(host/t/<id>, post number) for a Discourse topic or post URL."""
    if not url:
        return None
    parts = urlsplit(url)
    match = DISCOURSE_TOPIC.search(parts.path)
    if not match:
        return None
    prefix = parts.path[: parts.path.find("/t/")]
    segments = parts.path[parts.path.find("/t/") + 3:].removesuffix(".rss").strip("/").split("/")
    if len(segments) == 2 and segments[0].isdigit():  # a short link without the slug: /t/<id>/<post number>
        return f"{(parts.netloc or '').lower()}{prefix}/t/{segments[0]}", int(segments[1])
    base = f"{(parts.netloc or '').lower()}{prefix}/t/{match.group(1)}"
    return base, int(match.group(2)) if match.group(2) else None


def reddit_key(url: str | None) -> tuple[str, str | None] | None:
    """(host/comments/<post id>, comment id) for a Reddit post or comment URL."""
    if not url or "reddit.com" not in url:
        return None
    match = REDDIT_POST.search(urlsplit(url).path)
    if not match:
        return None
    return f"reddit.com/comments/{match.group(1).lower()}", match.group(2)


def redirect_target(url: Any) -> Any:
    """Where a known redirector's link leads (a Google Alert links each result through `google.com/url?url=…`):
    the page itself, so its copy here and its copy in the site's own feeds are one message. Anything else as it is."""
    if not isinstance(url, str) or "/url?" not in url:
        return url
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    if parts.path != "/url" or not REDIRECTORS.match((parts.hostname or "").lower()):
        return url
    params = dict(parse_qsl(parts.query))
    target = params.get("url") or params.get("q") or ""
    return target if re.match(r"^https?://", target, re.I) else url
