"""Who "us" is: our names, for sources without accounts (a blog's comment form), and our handles, the accounts we
post from on platforms that have them.

An account is written one way everywhere, `name@host` in lower case: a fediverse account on its own server
(`acme@mastodon.social`: the same name on another server is someone else), a Reddit user (`acme_cm@reddit.com`), a
Bluesky handle (`acme.bsky.social@bsky.app`), a forum's user (`acme_team@forum.acme.com`), a Hacker News user
(`acme@news.ycombinator.com`). People write handles in many forms (`@acme@mastodon.social`, `u/acme_cm`,
`@acme.bsky.social`, a profile URL): `account()` reads them all. Pure functions of strings.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

REDDIT = "reddit.com"
BLUESKY = "bsky.app"
HACKER_NEWS = "news.ycombinator.com"

_NAME = r"[\w.\-]+"
_FEDIVERSE = re.compile(rf"^@?({_NAME})@([\w.\-]+(?::\d+)?)$")  # @user@host, user@host
_REDDIT = re.compile(rf"^/?u/({_NAME})$", re.IGNORECASE)  # u/name, /u/name
_BLUESKY = re.compile(r"^@([a-z0-9\-]+(?:\.[a-z0-9\-]+)+)$", re.IGNORECASE)  # @handle.domain
# Profile and post paths, after the host: /@user (Mastodon, Misskey, Akkoma; /@user@other for a remote account seen
# from another server), /users/user (ActivityPub ids), /u/user (Lemmy, Discourse), /user/name (Reddit),
# /profile/handle (Bluesky).
_PROFILE_PATH = re.compile(rf"^(?:/[\w.\-]+)*?/@({_NAME}(?:@[\w.\-]+(?::\d+)?)?)(?:/|$)"  # also under a path
                           rf"|^/(?:users|u|user|profile)/({_NAME}(?:@[\w.\-]+(?::\d+)?)?)(?:/|$)")
_REDDIT_HOSTS = ("reddit.com", "www.reddit.com", "old.reddit.com", "new.reddit.com", "np.reddit.com")


def account(handle: str) -> str | None:
    """The account a handle as people write it names, `name@host`; None when it is not one (a display name)."""
    handle = handle.strip()
    if not handle:
        return None
    if handle.lower().startswith(("http://", "https://")):
        return account_of_url(handle)
    match = _REDDIT.match(handle)
    if match:
        return f"{match.group(1).lower()}@{REDDIT}"
    match = _BLUESKY.match(handle)
    if match:
        return f"{match.group(1).lower()}@{BLUESKY}"
    match = _FEDIVERSE.match(handle)
    if match:
        return f"{match.group(1).lower()}@{_host(match.group(2))}"
    return None


def account_of_url(url: str | None) -> str | None:
    """The account a profile URL, or the URL of a post under it, names: `https://mastodon.social/@acme/1234` →
    `acme@mastodon.social`, `https://lemmy.ml/u/bob` → `bob@lemmy.ml`, `https://www.reddit.com/user/x` →
    `x@reddit.com`, `https://bsky.app/profile/acme.bsky.social/post/3k` → `acme.bsky.social@bsky.app`."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = _host(parts.netloc.rsplit("@", 1)[-1])
    except ValueError:
        return None
    match = _PROFILE_PATH.match(unquote(parts.path))
    if not host or parts.scheme.lower() not in ("http", "https") or not match:
        return None
    name = (match.group(1) or match.group(2)).lower()
    if "@" in name:  # a remote account seen from this server: it lives on its own
        user, _, home = name.partition("@")
        return f"{user}@{_host(home)}"
    if host in _REDDIT_HOSTS:
        return f"{name}@{REDDIT}"
    return f"{name}@{host}"


def _host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    return host.removeprefix("www.")


def shown(acct: str) -> str:
    """An account as people write it on its platform: `u/acme_cm`, `@acme.bsky.social`, `@acme@mastodon.social`."""
    name, _, host = acct.partition("@")
    if host == REDDIT:
        return f"u/{name}"
    if host == BLUESKY:
        return f"@{name}"
    return f"@{acct}"


def user(acct: str) -> str:
    """The name part of an account: what someone registering it elsewhere would copy."""
    return acct.partition("@")[0]


class Identity(NamedTuple):
    """Our names (normalised, `config.normalise_name`) and our handles (accounts)."""

    names: frozenset[str] = frozenset()
    handles: frozenset[str] = frozenset()

    def is_ours(self, author_norm: str, acct: str | None) -> bool:
        """A message with an account is ours when that account is one of our handles, whatever name it shows;
        one without (a blog's comment form) when its name is one of our names."""
        if acct:
            return acct in self.handles
        return author_norm in self.names

    @property
    def handle_users(self) -> frozenset[str]:
        """The name parts of our handles: a mention of `@acme_cm` is a mention of us."""
        return frozenset(user(h) for h in self.handles)

    def copies(self, author_norm: str, acct: str | None) -> str | None:
        """Shown form of the name or handle of ours that a message not ours uses as it is: an account whose name
        is one of our handles' names on another server (`@acme_cm@evil.example`), or one showing our exact name.
        Look-alikes (a name spelled differently) are `signals.imitates`'s job."""
        if not acct or acct in self.handles:
            return None
        for handle in sorted(self.handles):
            if user(handle) == user(acct):
                return shown(handle)
        if author_norm in self.names or user(acct) in self.names:
            return author_norm if author_norm in self.names else user(acct)
        return None


def label(name: str, acct: str | None) -> str:
    """The author of a message as the app shows it: the name alone without an account; with one, the account as
    its platform writes it when the name adds nothing to it (empty, or the account's own name, bare or written
    `@name`, `u/name`, `/u/name`, or the whole account), else `Name (@handle@server)`, so that the same name on
    another server (`@acme_cm@evil.example`) never looks like ours. `name` is shown as given: clean it first."""
    name = name.strip()
    if not acct:
        return name
    bare = re.sub(r"^(?:/?u/|@)", "", name.lower(), count=1)
    if not bare or bare == user(acct) or account(name) == acct:
        return shown(acct)
    return f"{name} ({shown(acct)})"
