"""The reply tree of one Mastodon or Bluesky post, through their public APIs (no login), as `parse.Entry` lists.

Most replies to a Mastodon status or a Bluesky post are in no feed. Mastodon's context API
(`GET /api/v1/statuses/<id>/context`, plus `GET /api/v1/statuses/<id>` for the status itself) and Bluesky's
AppView (`app.bsky.feed.getPostThread`) give them with who replies to whom. The entries are what a feed parse
gives, so the store saves them with the same code: a Mastodon status has the uid its RSS copy gets (the key of its
web URL), a Bluesky post its at:// URI; every entry of one tree carries the keys of the tree's root and of the
post asked about, so the tree joins the conversation the feed's copy started.

Pure of the store and the UI. The answers are hostile input: anything malformed is skipped, walks are bounded
(no recursion), and nothing raises: a failure is a `ThreadResult` whose `error` says why.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeGuard
from urllib.parse import unquote, urlencode, urlsplit

from cmtui import parse, text
from cmtui.fetch import Fetcher, FetchResult, http_reason
from cmtui.parse import Entry
from cmtui.urlkeys import url_key

BLUESKY_APPVIEW = "https://public.api.bsky.app"  # Bluesky's public AppView: no login
BLUESKY_WEB = "https://bsky.app"
BLUESKY_DEPTH = 20  # levels of replies asked for (the lexicon's default is 6, its maximum 1000)
BLUESKY_PARENT_HEIGHT = 40  # levels of parents asked for (Mastodon's public API gives 40 ancestors)
MAX_ENTRIES = 2000  # statuses read from one answer, whatever it holds
MAX_LEVELS = 1000  # levels of parents or replies walked, whatever the answer nests
MAX_CONTENT = 100_000  # characters of a message's body read (Mastodon's default limit is 500)
MAX_FIELD = 2048  # longer ids, addresses and names are not ids, addresses or names
PUBLIC = ("public", "unlisted")  # Mastodon visibilities anyone may read
PRIVATE = (401, 403)  # a server that answers its API only after login (limited-federation mode,
# DISALLOW_UNAUTHENTICATED_API_ACCESS): its trees are not public, not a failure to retry

THREAD_VIEW = "app.bsky.feed.defs#threadViewPost"
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
BLOCKED = "app.bsky.feed.defs#blockedPost"

# A Mastodon status's web address: /@user/<id>, /@user@other.host/<id> (a remote status seen from this server),
# or the ActivityPub form /users/<user>/statuses/<id>. Misskey's /notes/<id>, GoToSocial's ids (not numbers) and
# profiles do not match.
_MASTODON_PATH = re.compile(r"/(?:@[\w.-]+(?:@[\w.-]+)?|users/[\w.-]+/statuses)/(\d{1,24})/?", re.ASCII)
_DID = re.compile(r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}")
_HANDLE = re.compile(r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)+")
_RKEY = r"[A-Za-z0-9._:~-]{1,512}"
_AT_POST = re.compile(rf"at://([^/?#\s]{{1,2048}})/app\.bsky\.feed\.post/({_RKEY})")
_BSKY_PATH = re.compile(rf"/profile/([^/?#\s]{{1,2048}})/post/({_RKEY})/?")
# A Reddit post's (or comment's) permalink: /r/<sub>/comments/<post id>/<slug>/[<comment id>/]; also without the
# subreddit or the slug, and the newer /comments/<post id>/comment/<comment id>/ form of a comment's.
_REDDIT_PATH = re.compile(r"((?:/r/[\w]{1,100})?/comments/[a-z0-9]{1,16})(?:/([^/?#\s]{1,300}))?(?:/[a-z0-9]{1,16})?/?",
                          re.ASCII | re.IGNORECASE)
_ACCOUNT_NAME = re.compile(r"[\w.:-]{1,200}")
_DOMAIN = re.compile(r"[a-z0-9.-]{1,253}(?::\d{1,5})?")


@dataclass
class ThreadResult:
    """What one reply-tree request gave: the entries (root first, every parent before its replies), or why not.

    `etag` / `last_modified` are the validators to pass back next time: an unchanged tree then costs one 304
    (`not_modified`, no entries). `retry_after` is the wait a 429 or 503 asked for; `gone` says the post was
    deleted or is not public (HTTP 404/410, Bluesky's not-found; a Mastodon server that refuses anonymous API calls,
    401/403), so asking again is pointless."""

    entries: list[Entry] = field(default_factory=list)
    error: str | None = None
    status: int = 0  # the HTTP status of the last request; 0: none answered
    retry_after: float | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    gone: bool = False


@dataclass
class _Node:
    """One message of a tree while it is assembled: its entry, its id on its platform (Mastodon's status id,
    Bluesky's at:// URI) and the id of what it replies to."""

    entry: Entry
    key: str
    parent: str | None


# -- addresses -----------------------------------------------------------------------


def mastodon_status(url: str) -> tuple[str, str] | None:
    """(API base, status id) of a Mastodon status's web address (`https://host/@user/<id>`,
    `https://host/users/user/statuses/<id>`), e.g. ("https://mastodon.social", "103270115826048975"); None for
    anything else (a profile, a Misskey note, an id that is not a number)."""
    safe = text.safe_url(url) if isinstance(url, str) else None
    if safe is None:
        return None
    parts = urlsplit(safe)
    match = _MASTODON_PATH.fullmatch(parts.path)
    host = (parts.hostname or "").lower()
    if not match or not host:
        return None
    if ":" in host:
        host = f"[{host}]"  # IPv6
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme.lower()}://{host}{port}", match.group(1)


def bluesky_post(url_or_uri: str) -> str | None:
    """The at:// URI of a Bluesky post, from its web address (`https://bsky.app/profile/<handle or did>/post/<rkey>`)
    or its at:// URI; None for anything else. A handle stands where the DID would (the API accepts both)."""
    if not isinstance(url_or_uri, str) or len(url_or_uri) > MAX_FIELD:
        return None
    value = url_or_uri.strip()
    if value.startswith("at://"):
        match = _AT_POST.fullmatch(value)
    else:
        safe = text.safe_url(value)
        parts = urlsplit(safe) if safe else None
        if parts is None or (parts.hostname or "").lower() != "bsky.app":
            return None
        match = _BSKY_PATH.fullmatch(parts.path)
    if not match:
        return None
    actor = _actor(unquote(match.group(1)))
    return f"at://{actor}/app.bsky.feed.post/{match.group(2)}" if actor else None


def _actor(value: str) -> str | None:
    """A DID as it is, a handle in lower case; None for neither."""
    if _DID.fullmatch(value):
        return value
    handle = value.lower()
    return handle if _HANDLE.fullmatch(handle) else None


def reddit_thread(url: str) -> str | None:
    """The feed of the thread a Reddit permalink (a post's or one of its comments') belongs to,
    `https://<host>/r/<sub>/comments/<id>/<slug>/.rss` (Atom: the post, then its comments); None for anything else.
    The slug is kept, as Reddit's own links have it (a comment's `/comment/<id>` form has none)."""
    safe = text.safe_url(url) if isinstance(url, str) and len(url) <= MAX_FIELD else None
    parts = urlsplit(safe) if safe else None
    host = (parts.hostname or "").lower() if parts else ""
    if parts is None or not (host == "reddit.com" or host.endswith(".reddit.com")):
        return None
    match = _REDDIT_PATH.fullmatch(parts.path.removesuffix(".rss"))
    if not match:
        return None
    slug = match.group(2)
    thread = match.group(1) + (f"/{slug}" if slug and slug.lower() != "comment" else "")
    return f"https://{host}{thread}/.rss"


def thread_address(url_or_uri: str, bluesky_base: str = BLUESKY_APPVIEW) -> tuple[str, str] | None:
    """(platform, the address that answers for the post's replies) of a Mastodon status's web address, a Bluesky
    post's (web address or at:// URI) or a Reddit post's; None for anything else. Mastodon's is the context's
    (`<server>/api/v1/statuses/<id>/context`: the request an unchanged tree costs), Bluesky's the `getPostThread`
    request on the AppView at `bluesky_base`, Reddit's the thread's own feed (`reddit_thread`), read as a feed."""
    status = mastodon_status(url_or_uri)
    if status is not None:
        return "mastodon", f"{status[0]}/api/v1/statuses/{status[1]}/context"
    at_uri = bluesky_post(url_or_uri)
    if at_uri is not None:
        return "bluesky", _bluesky_url(at_uri, bluesky_base, BLUESKY_DEPTH, BLUESKY_PARENT_HEIGHT)
    thread = reddit_thread(url_or_uri)
    return ("reddit", thread) if thread else None


def _bluesky_url(at_uri: str, base: str, depth: int, parent_height: int) -> str:
    query = urlencode({"uri": at_uri, "depth": depth, "parentHeight": parent_height})
    return f"{base.rstrip('/')}/xrpc/app.bsky.feed.getPostThread?{query}"


# -- HTTP ----------------------------------------------------------------------------


async def fetch_mastodon_thread(fetcher: Fetcher, status_url: str, etag: str | None = None,
                                last_modified: str | None = None, now: float | None = None) -> ThreadResult:
    """The reply tree around the Mastodon status at `status_url`, from the server that hosts that address.

    The context is asked for first, with the validators of the last answer: an unchanged tree costs that one
    request (a 304). When it changed, the status itself is asked for too (the context leaves it out). Public
    statuses only, as the server gives them without login (at most 40 ancestors and 60 descendants)."""
    target = mastodon_status(status_url)
    if target is None:
        return ThreadResult(error=f"not the address of a Mastodon status: {text.one_line(str(status_url), 200)}")
    base, status_id = target
    api = f"{base}/api/v1/statuses/{status_id}"
    context = await fetcher.get(f"{api}/context", etag, last_modified)
    if context.not_modified:
        return _unchanged(context, etag, last_modified)
    if not context.ok:
        return _failure(context, gone=(404, 410), private=PRIVATE)
    tree, why = await asyncio.to_thread(_decode, context.body)  # off the event loop: an answer may be megabytes
    if why:
        return ThreadResult(error=why, status=context.status)
    status = await fetcher.get(api)  # only once the context is worth reading
    if not status.ok:
        return _failure(status, gone=(404, 410), private=PRIVATE)
    result = await asyncio.to_thread(_safely, _mastodon_answers, tree, status.body, base, now)
    result.status, result.etag, result.last_modified = context.status, context.etag, context.last_modified
    return result


async def fetch_bluesky_thread(fetcher: Fetcher, url_or_uri: str, etag: str | None = None,
                               last_modified: str | None = None, *, base: str = BLUESKY_APPVIEW,
                               depth: int = BLUESKY_DEPTH, parent_height: int = BLUESKY_PARENT_HEIGHT,
                               now: float | None = None) -> ThreadResult:
    """The reply tree around a Bluesky post (web address or at:// URI), from the AppView at `base`: one request,
    conditional when validators are given. The AppView answers a deleted post with HTTP 400 ("NotFound"): that
    counts as gone, like 404 and 410."""
    at_uri = bluesky_post(url_or_uri)
    if at_uri is None:
        return ThreadResult(error=f"not the address of a Bluesky post: {text.one_line(str(url_or_uri), 200)}")
    answer = await fetcher.get(_bluesky_url(at_uri, base, depth, parent_height), etag, last_modified)
    if answer.not_modified:
        return _unchanged(answer, etag, last_modified)
    if not answer.ok:
        return _failure(answer, gone=(400, 404, 410))
    result = await asyncio.to_thread(read_bluesky, answer.body, now)  # off the event loop: it may be megabytes
    result.status, result.etag, result.last_modified = answer.status, answer.etag, answer.last_modified
    return result


def _unchanged(answer: FetchResult, etag: str | None, last_modified: str | None) -> ThreadResult:
    return ThreadResult(status=answer.status, not_modified=True, etag=answer.etag or etag,
                        last_modified=answer.last_modified or last_modified)


def _failure(answer: FetchResult, gone: tuple[int, ...], private: tuple[int, ...] = ()) -> ThreadResult:
    """A failed request as a result: its reason, its Retry-After. A status in `gone` says the post is gone, one in
    `private` that the server does not show it without login: either way asking again is pointless."""
    if answer.status in gone:
        return ThreadResult(error=f"gone: the post was deleted or is not public ({http_reason(answer.status)})",
                            status=answer.status, gone=True)
    if answer.status in private:
        return ThreadResult(error=f"not public: the server refuses anonymous API calls ({http_reason(answer.status)})",
                            status=answer.status, gone=True)
    return ThreadResult(error=answer.error or f"no usable answer ({http_reason(answer.status)})",
                        status=answer.status, retry_after=answer.retry_after)


def _safely(read: Callable[..., ThreadResult], *args: Any) -> ThreadResult:
    """`read(*args)`, or a result saying why it failed: hostile input must not stop a sync (the readers are meant
    never to fail; this is the net under them)."""
    try:
        return read(*args)
    except Exception as exc:  # noqa: BLE001 - hostile input must not stop a sync
        return ThreadResult(error=f"could not be read: {type(exc).__name__}: {text.one_line(str(exc), 200)}")


def _decode(body: bytes) -> tuple[Any, str | None]:
    """The JSON of `body`, or why it is none."""
    try:
        return json.loads(body), None
    except RecursionError:
        return None, "not a usable answer: its JSON is nested too deeply"
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of too many digits
        return None, f"not a JSON answer ({text.one_line(str(exc), 120)})"


# -- Mastodon ------------------------------------------------------------------------


def read_mastodon(context_body: bytes, status_body: bytes, api_base: str, now: float | None = None) -> ThreadResult:
    """Entries of a Mastodon context answer and of the status it is the context of (`GET /api/v1/statuses/<id>`),
    both from the server at `api_base` (local accounts are `user@<its host>`). Never raises."""
    context, why = _decode(context_body)
    return ThreadResult(error=why) if why else _safely(_mastodon_answers, context, status_body, api_base, now)


def _mastodon_answers(context: Any, status_body: bytes, api_base: str, now: float | None) -> ThreadResult:
    """`read_mastodon` of a decoded context."""
    status, why = _decode(status_body)
    if why:
        return ThreadResult(error=why)
    if not isinstance(context, dict) or not isinstance(status, dict):
        return ThreadResult(error="not a Mastodon answer: a JSON object was expected")
    host = urlsplit(api_base).netloc  # with its port, as people's accounts name the server
    now = time.time() if now is None else now
    queried = _status_node(status, host, now)
    if queried is None:
        return ThreadResult(error="not a usable Mastodon status: malformed, or not public")
    nodes = [node for node in (_status_node(s, host, now) for s in _items(context.get("ancestors"))) if node]
    nodes.append(queried)
    nodes += [node for node in (_status_node(s, host, now) for s in _items(context.get("descendants"))) if node]
    return ThreadResult(entries=_assemble(nodes, queried, keep_unknown=False))


def _status_node(status: Any, host: str, now: float) -> _Node | None:
    """A public status as a node, or None (not public, malformed)."""
    if not isinstance(status, dict) or _field(status, "visibility") not in PUBLIC:
        return None
    account = status.get("account")
    link = text.safe_url(_field(status, "url")) or text.safe_url(_field(status, "uri"))
    uid = url_key(link)
    status_id = _field(status, "id")
    if not isinstance(account, dict) or not link or not uid or not status_id:
        return None
    body = _status_html(status, link)
    handle = _field(account, "acct") or _field(account, "username")
    entry = Entry(uid=uid, url=link, url_key=uid, title="", author=_author(account.get("display_name"), handle),
                  published=_published(status.get("created_at"), now), html=body, text=text.sanitized_to_text(body),
                  is_post=False, conv_keys=[], account=_mastodon_account(account, host))
    return _Node(entry, status_id, _field(status, "in_reply_to_id") or None)


def _status_html(status: dict[str, Any], link: str) -> str:
    """A status's content sanitised as a feed's (links made absolute against the status), its content warning
    first, as a line of its own."""
    content = status.get("content")
    body = text.absolute_links(text.safe_html(content[:MAX_CONTENT] if isinstance(content, str) else ""), link)
    spoiler = status.get("spoiler_text")
    warning = text.one_line(spoiler, 500) if isinstance(spoiler, str) else ""
    return f"<p>CW: {html.escape(warning)}</p>{body}" if warning else body


def _mastodon_account(account: dict[str, Any], host: str) -> str | None:
    """`name@host`: the `acct` of a remote account, `username@<the server asked>` for a local one."""
    acct = _field(account, "acct").strip().lstrip("@").lower()
    if "@" in acct:
        name, _, domain = acct.partition("@")
        return _account(name, domain)
    return _account(acct or _field(account, "username").lower(), host)


# -- Bluesky -------------------------------------------------------------------------


def read_bluesky(body: bytes, now: float | None = None) -> ThreadResult:
    """Entries of a `getPostThread` answer: the post asked about, its parents, its replies (depth first).
    Posts not found or blocked are left out. Never raises."""
    return _safely(_read_bluesky, body, now)


def _read_bluesky(body: bytes, now: float | None) -> ThreadResult:
    data, why = _decode(body)
    if why:
        return ThreadResult(error=why)
    thread = data.get("thread") if isinstance(data, dict) else None
    if not isinstance(thread, dict):
        return ThreadResult(error="not a Bluesky thread: no thread in the answer")
    kind = _field(thread, "$type")
    if kind == NOT_FOUND or thread.get("notFound") is True:
        return ThreadResult(error="gone: the post was deleted (not found)", gone=True)
    if kind == BLOCKED or thread.get("blocked") is True:
        return ThreadResult(error="the post is blocked: the AppView does not show it")
    now = time.time() if now is None else now
    queried = _post_node(thread, None, now) if _is_view(thread) else None
    if queried is None:
        return ThreadResult(error="not a usable Bluesky post: malformed")
    nodes = [*_parents(thread, now), queried, *_replies(thread, queried.key, now)]
    return ThreadResult(entries=_assemble(nodes, queried, keep_unknown=True))


def _is_view(node: Any) -> TypeGuard[dict[str, Any]]:
    """A `threadViewPost` (a post one can read), not a not-found or blocked one."""
    if not isinstance(node, dict) or node.get("notFound") is True or node.get("blocked") is True:
        return False
    return _field(node, "$type") in (THREAD_VIEW, "") and isinstance(node.get("post"), dict)


def _parents(thread: dict[str, Any], now: float) -> list[_Node]:
    """The readable parents of `thread`, root first (up to the first one not found or blocked)."""
    found: list[_Node] = []
    node = thread.get("parent")
    for _ in range(MAX_LEVELS):
        if not _is_view(node):
            break
        made = _post_node(node, None, now)
        if made is not None:
            found.append(made)
        node = node.get("parent")
    found.reverse()
    return found


def _replies(thread: dict[str, Any], key: str, now: float) -> list[_Node]:
    """The readable replies under `thread`, depth first (each after its parent), without recursion: at most
    `MAX_LEVELS` deep and `MAX_ENTRIES` in all."""
    found: list[_Node] = []
    stack = [(reply, key, 1) for reply in reversed(_items(thread.get("replies")))]
    while stack and len(found) < MAX_ENTRIES:
        node, parent, level = stack.pop()
        made = _post_node(node, parent, now) if _is_view(node) and level <= MAX_LEVELS else None
        if made is None:
            continue  # its replies are left out with it
        found.append(made)
        room = max(0, MAX_ENTRIES - len(found) - len(stack))
        stack.extend((reply, made.key, level + 1) for reply in reversed(_items(node.get("replies"))[:room]))
    return found


def _post_node(node: dict[str, Any], tree_parent: str | None, now: float) -> _Node | None:
    """The post of a `threadViewPost` as a node, or None (malformed). What it replies to is what its record
    says, else its place in the tree."""
    post = node.get("post")
    post = post if isinstance(post, dict) else {}
    author, record = post.get("author"), post.get("record")
    match = _AT_POST.fullmatch(_field(post, "uri"))
    if not isinstance(author, dict) or not isinstance(record, dict) or not match:
        return None
    handle = _actor(_field(author, "handle"))  # "handle.invalid" when the AppView could not verify it
    actor = handle if handle and handle != "handle.invalid" else _actor(_field(author, "did")) or _actor(match.group(1))
    link = text.safe_url(f"{BLUESKY_WEB}/profile/{actor}/post/{match.group(2)}") if actor else None
    body = text.clean(_field(record, "text", MAX_CONTENT)).strip()
    uri = match.group(0)
    entry = Entry(uid=uri, url=link, url_key=url_key(link), title="",
                  author=_author(author.get("displayName"), actor or ""),
                  published=_published(record.get("createdAt") or post.get("indexedAt"), now),
                  html=html.escape(body, quote=False).replace("\n", "<br>"), text=body, is_post=False,
                  conv_keys=[], account=_account(actor, "bsky.app") if actor else None)
    return _Node(entry, uri, _record_parent(record) or tree_parent)


def _record_parent(record: dict[str, Any]) -> str | None:
    """The at:// URI a post's record says it replies to."""
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    match = _AT_POST.fullmatch(_field(parent, "uri"))
    return match.group(0) if match else None


# -- both ----------------------------------------------------------------------------


def _assemble(nodes: list[_Node], queried: _Node, keep_unknown: bool) -> list[Entry]:
    """The entries of one tree: the first node is its root (the post), every entry gets the keys of the root
    and of `queried`, and the root's opening as the conversation's title. A parent is named only when it comes
    earlier (so no answer makes a cycle); one not in the answer keeps its id when `keep_unknown` (a global id,
    Bluesky's) and is dropped otherwise (Mastodon's ids are the server's own)."""
    nodes = _unique(nodes)[:MAX_ENTRIES]
    root = nodes[0].entry
    keys = [root.uid, url_key(root.url, keep_fragment=False), queried.entry.uid,
            url_key(queried.entry.url, keep_fragment=False)]
    conv_keys = list(dict.fromkeys(k for k in keys if k))
    conv_title = _first_line(root.text)
    later = {node.key for node in nodes}
    uids: dict[str, str] = {}
    for node in nodes:
        later.discard(node.key)
        entry = node.entry
        entry.conv_keys, entry.conv_title, entry.conv_url = list(conv_keys), conv_title, root.url
        if entry is root:
            entry.is_post, entry.title = True, text.one_line(entry.text, 80)
        else:
            entry.parent_ref = _parent(node, uids, later, keep_unknown)
            entry.explicit_parent = entry.parent_ref is not None
        uids[node.key] = entry.uid
    return [node.entry for node in nodes]


def _parent(node: _Node, uids: dict[str, str], later: set[str], keep_unknown: bool) -> str | None:
    if node.parent is None or node.parent == node.key or node.parent in later:
        return None
    if node.parent in uids:
        return uids[node.parent]
    return node.parent if keep_unknown else None


def _unique(nodes: list[_Node]) -> list[_Node]:
    """`nodes` without a second copy of a message (same uid or platform id): the first stays."""
    seen: set[str] = set()
    kept: list[_Node] = []
    for node in nodes:
        if node.entry.uid not in seen and node.key not in seen:
            seen.update((node.entry.uid, node.key))
            kept.append(node)
    return kept


def _first_line(body: str) -> str:
    """The first line of `body` that says something, at most 80 characters."""
    for line in body[: 80 * 4 + 64].split("\n"):
        if line.strip():
            return text.one_line(line, 80)
    return ""


def _field(obj: Any, key: str, limit: int = MAX_FIELD) -> str:
    """`obj[key]` when `obj` is an object and that is a string; cut to `limit` characters for text
    (`limit` > `MAX_FIELD`), refused ("") beyond it for ids and addresses."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, str):
        return ""
    if len(value) > limit:
        return value[:limit] if limit > MAX_FIELD else ""
    return value


def _items(value: Any) -> list[Any]:
    """A JSON array's first `MAX_ENTRIES` items; [] for anything else."""
    return value[:MAX_ENTRIES] if isinstance(value, list) else []


def _author(display_name: Any, handle: str) -> str:
    """The display name, else "@handle", as one line of plain text."""
    name = parse.plain_text(display_name[:MAX_FIELD], 200) if isinstance(display_name, str) else ""
    return name or (parse.plain_text("@" + handle.lstrip("@"), 200) if handle else "")


def _account(name: str, domain: str) -> str | None:
    """`name@domain` in lower case (the host without "www."), when both look like what they are."""
    name, domain = name.lower(), domain.lower().rstrip(".").removeprefix("www.")
    return f"{name}@{domain}" if _ACCOUNT_NAME.fullmatch(name) and _DOMAIN.fullmatch(domain) else None


def _published(value: Any, now: float) -> str | None:
    """An ISO 8601 date as parse writes dates (UTC, "Z"; one in the future is now); None when it is none."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        struct = when.utctimetuple()
    except (ValueError, OverflowError):
        return None
    return parse._iso(struct, now)  # the one rule for dates, future ones included
