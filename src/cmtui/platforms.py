"""What a feed's address says about the platform behind it.

Listening feeds (keyword searches, hashtags, subreddits, alerts, people's profiles) bring posts by strangers
that each start a conversation with us: they are `kind = "mentions"`, whereas a blog's posts are context and
only their comments wait. `cmtui add`, `import-opml` and a `[[feeds]]` table without a `kind` use this.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Each pattern is read on the path, whatever the host: instances and mirrors live on many hosts.
_SEARCH = re.compile(r"(?:^|/)search(?:/|\.rss|\.xml|\.atom|$)", re.IGNORECASE)  # Reddit, WordPress, forums
_SEARCH_QUERY = re.compile(r"(?:^|&)(?:q|s|query|keyword|keywords|search)=", re.IGNORECASE)
_REDDIT_LISTING = re.compile(r"^/(?:r|u|user)/[^/]+/?(?:new|hot|top|rising|submitted)?/?(?:\.rss|\.xml)?$",
                             re.IGNORECASE)  # a subreddit or a user's posts; never a thread (/comments/)
_TAG = re.compile(r"^/tags?/[^/]+\.(?:rss|atom)$", re.IGNORECASE)  # Mastodon /tags/x.rss, Akkoma /tag/x.rss
_PROFILE = re.compile(r"^/@[^/]+\.(?:rss|atom)$|^/profile/[^/]+/rss$", re.IGNORECASE)  # Mastodon, Bluesky
_LEMMY = re.compile(r"^/feeds/(?:c|u|all|local|front)(?:/[^/]+)?\.xml$", re.IGNORECASE)
_ALERTS = re.compile(r"^/alerts/feeds/", re.IGNORECASE)  # Google Alerts
_LISTENING_HOSTS = ("hnrss.org",)  # every feed there is a search or a listing
_LISTENING_TITLES = re.compile(r"^google alert\b|\bsearch results\b|^reddit\.com: search", re.IGNORECASE)
_MAYBE = re.compile(r"search|[?&](?:q|s|query|keywords?)=|/r/|/u/|/user/|/tags?/|/@|/profile/|/feeds/|/alerts/|hnrss",
                    re.IGNORECASE)


def is_listening(url: str, title: str = "") -> bool:
    """Whether the address (or the feed's title, once read) is a listening feed: a search, a tag, a subreddit
    or a person's posts, an alert."""
    if title and _LISTENING_TITLES.search(title):
        return True
    if not _MAYBE.search(url):
        return False  # most addresses, without parsing them (every config load asks for each feed)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    if "/comments/" in path or path.rstrip("/").endswith(("/comments/feed", "/comments")):
        return False  # a thread's or a post's comments: one conversation
    if host in _LISTENING_HOSTS or host.endswith(tuple("." + h for h in _LISTENING_HOSTS)):
        return True
    if _SEARCH.search(path) or _SEARCH_QUERY.search(parts.query):
        return True
    if path == "/feeds/videos.xml":  # YouTube: a channel's videos, each its own conversation
        return True
    return any(p.match(path) for p in (_REDDIT_LISTING, _TAG, _PROFILE, _LEMMY, _ALERTS))


def default_kind(url: str) -> str:
    """The kind a feed gets when none is written: "mentions" for a listening feed, else "blog" (a forum is
    recognised once its feed is read)."""
    return "mentions" if is_listening(url) else "blog"
