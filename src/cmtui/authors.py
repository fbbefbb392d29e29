"""Who wrote a feed entry, as each platform's feed says it: the name to show and, where the platform has accounts,
the account (`identity` form, `name@host`).

- Reddit: `<author><name>/u/name</name><uri>…/user/name</uri>`.
- Mastodon: no author in the item; the status URL `https://host/@user/<id>` names the account; a profile feed's
  channel link names it too.
- Lemmy: `dc:creator` is the profile URL (`https://host/u/name`); the description opens with "submitted by … to …
  <br>14 points | N comments" (`strip_boilerplate`).
- Bluesky: a profile feed (`bsky.app/profile/<handle>/rss`) has no author per item: the channel, titled
  "@handle - Display Name", is the author.
- Misskey: a profile feed's channel is titled "Name (@user@host)"; its items' titles are "New note by Name".
- Akkoma / Pleroma: Atom authors with a profile `uri` on the instance.
- Discourse: `dc:creator` is the username (as "@user Full Name" on some sites); the account lives on the forum.
- Hacker News (hnrss): `dc:creator` is the username on news.ycombinator.com.
- Blogs (WordPress, Blogger comment forms): a name only.

Pure functions of feedparser's dicts.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from cmtui import identity

_USERNAME = re.compile(r"^@?([\w.\-]+)$")
_AT_USER_NAME = re.compile(r"^@([\w.\-]+)(?:\s+(.+))?$", re.S)  # Discourse "@user Full Name"
_BLUESKY_TITLE = re.compile(r"^@([\w.\-]+)\s+-\s+(.+)$", re.S)  # "@handle - Display Name"
_MISSKEY_TITLE = re.compile(r"^(.+?)\s+\(@([\w.\-]+)@([\w.\-]+(?::\d+)?)\)$", re.S)  # "Name (@user@host)"
_LEMMY_BOILERPLATE = re.compile(
    r"^\s*submitted by\s*<a\b[^>]*>.*?</a>\s*(?:to\s*<a\b[^>]*>.*?</a>)?\s*(?:<br\s*/?>)?\s*"
    r"(?:-?\d+\s+points?\s*\|\s*<a\b[^>]*>\s*\d+\s+comments?\s*</a>)?\s*(?:<br\s*/?>\s*)*",
    re.S | re.I,
)
MISSKEY_ITEM_TITLE = re.compile(r"^New note by .+$", re.S)


def channel_author(feed: dict[str, Any]) -> tuple[str, str | None]:
    """The author of a one-person feed (a profile) from its channel: (name, account), or ("", None)."""
    title = str(feed.get("title") or "").strip()
    link = str(feed.get("link") or "")
    acct = identity.account_of_url(link)
    match = _BLUESKY_TITLE.match(title)
    if match and (urlsplit(link).hostname or "").lower() == identity.BLUESKY:
        return match.group(2), f"{match.group(1).lower()}@{identity.BLUESKY}"
    match = _MISSKEY_TITLE.match(title)
    if match:
        return match.group(1), f"{match.group(2).lower()}@{match.group(3).lower()}"
    detail = feed.get("author_detail") or {}
    if detail.get("href") and identity.account_of_url(str(detail["href"])):
        return str(detail.get("name") or ""), identity.account_of_url(str(detail["href"]))
    if acct:  # a Mastodon profile feed: its channel link is the profile
        return title, acct
    return "", None


def author_of(entry: dict[str, Any], platform: str, link: str | None) -> tuple[str, str | None]:
    """(name, account) of one entry, from what the entry itself says; ("", None) when it says nothing."""
    detail = entry.get("author_detail") or {}
    name = str(detail.get("name") or entry.get("author") or "").strip()
    found = _named(name, platform) or _profile(name, str(detail.get("href") or ""), link)
    if found:
        return found
    comments = str(entry.get("comments") or "")
    if platform == "discourse":
        return _site_user(name, link)
    if identity.HACKER_NEWS in (_host(link), _host(comments)):  # hnrss: posts link out
        return _site_user(name, f"https://{identity.HACKER_NEWS}/")
    if not name:
        acct = identity.account_of_url(link)  # a Mastodon status: https://host/@user/<id>
        if acct:
            return f"@{identity.user(acct)}", acct
    return name, None


def _host(url: str | None) -> str:
    return (urlsplit(url or "").hostname or "").lower()


def _named(name: str, platform: str) -> tuple[str, str | None] | None:
    """An author written as an account: Lemmy's profile URL, Reddit's /u/name."""
    if name.lower().startswith(("http://", "https://")):  # Lemmy: the profile URL is the author
        acct = identity.account_of_url(name)
        return (identity.user(acct), acct) if acct else (name, None)
    if name.startswith(("/u/", "u/")) or (platform == "reddit" and _USERNAME.match(name)):
        return name, identity.account(name if name.lstrip("/").startswith("u/") else f"u/{name}")
    return None


def _profile(name: str, href: str, link: str | None) -> tuple[str, str] | None:
    """Akkoma, Pleroma: the author's profile (Atom `uri`) on the entry's own server."""
    host = _host(link)
    acct = identity.account_of_url(href) if href and host and _host(href) == host else None
    return (name or identity.user(acct), acct) if acct else None


def _site_user(name: str, link: str | None) -> tuple[str, str | None]:
    """A forum's (or Hacker News's) username, an account on that site."""
    parts = urlsplit(link or "")
    host = (parts.netloc or "").lower().removeprefix("www.")
    match = _AT_USER_NAME.match(name) or _USERNAME.match(name)
    if not match or not host:
        return name, None
    shown = (match.group(2) if match.re is _AT_USER_NAME else None) or name
    return shown.strip(), f"{match.group(1).lower()}@{host}"


def strip_boilerplate(html: str) -> str:
    """The body without the platform's boilerplate: Lemmy's "submitted by … N points | N comments" opening."""
    if "submitted by" not in html[:200]:
        return html
    return _LEMMY_BOILERPLATE.sub("", html, count=1)
