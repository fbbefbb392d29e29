"""Posting a reply directly through the site's API: WordPress (REST API with an Application Password) and
Discourse (API key).

Synchronous (`httpx.Client`): the app calls it from a worker thread, the CLI directly. No UI, no SQL: the caller
stores the result (`Store.add_our_message`, `Store.set_draft_state`).

Secrets come from an environment variable or the system keyring, never from the config file, and never appear
in a result, an error message, a log line or an exception. They are only sent over https (plain http only to
this computer: localhost, 127.0.0.0/8, ::1); any other site is refused before a request is made.

WordPress behaviour (6.1, measured on Debian's package, see tests/integration/): every login problem (wrong user,
wrong or revoked Application Password, no Authorization header) is the same 401 `rest_comment_login_required`;
a `parent` that does not exist or belongs to another post is accepted (201) and shows up as "In reply to" a
comment of another post, so the parent is checked here first; a duplicate is 409; an empty text is 400.
"""

from __future__ import annotations

import html
import ipaddress
import os
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from cmtui import text
from cmtui.config import PostingConfig
from cmtui.fetch import USER_AGENT, http_reason
from cmtui.redact import Hide
from cmtui.urlkeys import discourse_key, url_key

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
KEYRING_SERVICE = "cmtui"
WP_POST_ID = re.compile(r"[?&](?:p|page_id)=(\d+)(?=[&#]|$)")
WP_COMMENT_ID = re.compile(r"#comment-(\d+)$")
MESSAGE_LIMIT = 300  # characters of a server's message in an error
MESSAGE_READ = 65536  # characters of a server's message read for it (its markup dropped, its opening kept)


class PostingError(Exception):
    """Posting cannot even start (no secret). The text is for the user and never holds the secret."""


@dataclass(frozen=True)
class ReplyTarget:
    """Where a reply goes, derived from stored data."""

    platform: str  # "wordpress" | "discourse"
    site: str  # base URL
    post_id: int  # WordPress post ID / Discourse topic id
    parent_id: int | None  # WordPress comment ID being answered / Discourse post number being answered


@dataclass(frozen=True)
class PostResult:
    ok: bool
    url: str | None = None  # permalink of the new reply (WordPress: the comment's `link`, …#comment-N)
    remote_id: int | None = None
    error: str | None = None  # one line for the user: the server's own message when it gave one
    status: int = 0  # HTTP status of the answer that decided; 0: none (not sent, or no answer)


# -- where a reply goes ----------------------------------------------------------------


def target_for(platform: str, site: str, post_url: str | None, post_guid: str | None, message_url: str | None,
               message_is_post: bool, *, client: httpx.Client | None = None) -> ReplyTarget | None:
    """Where a reply to a message goes, or None when that cannot be told (then hand the reply off instead).

    `post_url` / `post_guid`: the conversation's post (or topic); `post_guid` may be the guid as the feed gave it
    or as stored (`urlkeys.guid_key`, no scheme). `message_url`, `message_is_post`: the message being answered;
    answering the post itself (or the conversation as a whole) is `message_is_post=True`.

    WordPress: the post ID comes from a guid like https://site/?p=123 (or ?page_id=), else from the REST API by
    the post's slug (one request, through `client`); the comment ID from the message's "#comment-N". A comment
    without one gives None rather than a reply in the wrong place.
    Discourse: topic id and post number from /t/<slug>/<id>/<n>; answering the opening post gives no parent.
    The post (else the message) must be on `site`: a reply never goes to another site's post with the same ID.
    """
    site = site.rstrip("/")
    if not _on_site(post_url or message_url, site):
        return None
    if platform == "wordpress":
        return _wordpress_target(site, post_url, post_guid, message_url, message_is_post, client)
    if platform == "discourse":
        return _discourse_target(site, post_url, message_url, message_is_post)
    return None


def _wordpress_target(site: str, post_url: str | None, post_guid: str | None, message_url: str | None,
                      message_is_post: bool, client: httpx.Client | None) -> ReplyTarget | None:
    """The post ID from ?p= / ?page_id= in the guid or URL, else from the REST API; the comment's from
    "#comment-N" (a comment without one: None)."""
    parent: int | None = None
    if not message_is_post:
        match = WP_COMMENT_ID.search(message_url or "")
        if not match:
            return None
        parent = int(match.group(1))
    post_id = next((int(m.group(1)) for v in (post_guid, post_url) if v and (m := WP_POST_ID.search(v))), None)
    if post_id is None and post_url:
        if client is None:
            with _client() as own:
                post_id = resolve_wordpress_post_id(own, site, post_url)
        else:
            post_id = resolve_wordpress_post_id(client, site, post_url)
    return ReplyTarget("wordpress", site, post_id, parent) if post_id else None


def _discourse_target(site: str, post_url: str | None, message_url: str | None,
                      message_is_post: bool) -> ReplyTarget | None:
    """Topic id and post number from /t/<slug>/<id>/<n>; the message must be in the same topic, and answering
    the opening post (number 1) has no parent."""
    topic = discourse_key(post_url) or discourse_key(message_url)
    if topic is None:
        return None
    topic_id = int(topic[0].rsplit("/", 1)[1])
    number: int | None = None
    if not message_is_post:
        answered = discourse_key(message_url)
        if answered is None or answered[0] != topic[0]:
            return None
        number = answered[1]
    return ReplyTarget("discourse", site, topic_id, number if number and number > 1 else None)


def resolve_wordpress_post_id(client: httpx.Client, site: str, post_url: str) -> int | None:
    """The ID of the post (or page) at `post_url`, asked of the REST API by its slug (the last path segment);
    None when the site does not say."""
    path = urlsplit(post_url).path.rstrip("/")
    slug = unquote(path.rsplit("/", 1)[-1]) if path else ""
    if not slug:
        return None
    wanted = url_key(post_url, keep_fragment=False)
    for kind in ("posts", "pages"):
        try:
            response = _wp_request(client, "GET", site.rstrip("/"), f"/wp/v2/{kind}",
                                   params={"slug": slug, "_fields": "id,link"})
        except httpx.HTTPError:
            return None
        items = _json(response) if response.status_code == 200 else None
        if not isinstance(items, list):
            continue
        found = [item for item in items if isinstance(item, dict) and isinstance(item.get("id"), int)]
        for item in found:
            if url_key(str(item.get("link") or ""), keep_fragment=False) == wanted:
                return int(item["id"])
        if len(found) == 1:
            return int(found[0]["id"])
    return None


# -- the secret ------------------------------------------------------------------------


def secret(posting: PostingConfig) -> str:
    """The Application Password / API key: from the environment variable `secret_env`, else from the system
    keyring (service "cmtui", entry "user@site") when `posting.keyring`. Raises PostingError saying what to do."""
    what = _secret_name(posting)
    if posting.secret_env:
        value = os.environ.get(posting.secret_env, "").strip()
        if value:
            return value
        if not posting.keyring:
            raise PostingError(f"the environment variable {posting.secret_env} is empty or not set: "
                               f"put the {what} for {posting.user} in it")
    if not posting.keyring:
        raise PostingError(f"no {what} configured for {posting.user}: set secret_env or keyring = true")
    entry = f"{posting.user}@{posting.site}"
    try:
        import keyring
        from keyring.errors import KeyringError, NoKeyringError
    except ImportError:
        raise PostingError("keyring = true, but the Python package `keyring` is not installed "
                           "(pip install keyring), or use secret_env instead") from None
    try:
        value = keyring.get_password(KEYRING_SERVICE, entry)
    except NoKeyringError:
        raise PostingError("keyring = true, but no system keyring is available here (no Secret Service, "
                           "Keychain or Credential Locker): use secret_env instead") from None
    except KeyringError as exc:
        raise PostingError(f"the system keyring cannot be read ({type(exc).__name__}: "
                           f"{text.one_line(str(exc), 120)}); use secret_env instead") from None
    except Exception as exc:  # noqa: BLE001 - a broken backend (D-Bus, locked store) must not crash the app
        raise PostingError(f"the system keyring failed ({type(exc).__name__}); use secret_env instead") from None
    if not value:
        raise PostingError(f'the system keyring has no entry "{entry}" for service "{KEYRING_SERVICE}": '
                           f"add it with `keyring set {KEYRING_SERVICE} {entry}`")
    return str(value).strip()


def _secret_name(posting: PostingConfig) -> str:
    return "Application Password" if posting.type == "wordpress" else "API key"


# -- posting ---------------------------------------------------------------------------


def post_reply(posting: PostingConfig, target: ReplyTarget, body: str, *,
               client: httpx.Client | None = None) -> PostResult:
    """Post `body` (plain text) as a reply at `target`. Never raises for the user's or the network's trouble:
    a missing secret, a refusal or an unreachable site comes back as `PostResult(ok=False, error=...)`.

    WordPress: the text is sent HTML-escaped (a `<` stays a `<`; WordPress turns newlines into paragraphs).
    Discourse: the text is sent as it is (Markdown)."""
    if target.platform != posting.type:
        return PostResult(False, error=f"this conversation is on {target.platform}, but posting is configured "
                                       f"for {posting.type}")
    if _site_key(target.site) != _site_key(posting.site):
        return PostResult(False, error=f"this conversation is on {target.site}, but posting is configured for "
                                       f"{posting.site}")
    if not body.strip():
        return PostResult(False, error="the reply is empty")
    if why := insecure_site(posting):
        return PostResult(False, error=why)
    try:
        key = secret(posting)
    except PostingError as exc:
        return PostResult(False, error=str(exc))
    site = posting.site.rstrip("/")
    hide = Hide.of(posting.user, key)
    try:
        if client is None:
            with _client() as own:
                result = _post(own, posting, target, site, body, key, hide)
        else:
            result = _post(client, posting, target, site, body, key, hide)
    except httpx.HTTPError as exc:
        result = PostResult(False, error=_network_reason(exc, site, hide))
    except UnicodeEncodeError:  # httpx sends header values as ASCII (the error names the character: not said)
        result = PostResult(False, error=f"the user name or the {_secret_name(posting)} holds characters that "
                                         "cannot be sent in an HTTP header (not ASCII): copy it again")
    except Exception as exc:  # noqa: BLE001 - whatever it is, its text may hold the secret: never let it out raw
        result = PostResult(False, error=f"posting failed: {type(exc).__name__}: {hide.line(str(exc), 200)}")
    return _scrubbed(result, hide)


def insecure_site(posting: PostingConfig) -> str | None:
    """Why the secret cannot be sent to `posting.site`, or None. The Application Password (Basic auth) and the
    API key travel in every request's headers: only over https, or plain http to this computer (localhost,
    127.0.0.0/8, ::1: a local test server or an ssh tunnel)."""
    try:
        parts = urlsplit(posting.site.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        return f"posting.site is not a URL: {text.one_line(posting.site, 200)}"
    scheme = parts.scheme.lower()
    if scheme == "https" and host:
        return None
    if scheme == "http" and host and _is_loopback(host):
        return None
    if scheme == "http" and host:
        return (f"not posted: posting.site is plain http ({text.one_line(posting.site, 200)}), which would send "
                f"the {_secret_name(posting)} for {posting.user} unencrypted; set posting.site to "
                f"https://{text.one_line(parts.netloc, 200)}{text.one_line(parts.path, 200)}")
    return f"not posted: posting.site must be an https:// URL, not {text.one_line(posting.site, 200)}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # 127.0.0.0/8, ::1
    except ValueError:
        return False


def _post(client: httpx.Client, posting: PostingConfig, target: ReplyTarget, site: str, body: str,
          key: str, hide: Hide) -> PostResult:
    if posting.type == "wordpress":
        return _post_wordpress(client, posting.user, key, target, site, body, hide)
    return _post_discourse(client, posting.user, key, target, site, body, hide)


def _post_wordpress(client: httpx.Client, user: str, key: str, target: ReplyTarget, site: str,
                    body: str, hide: Hide) -> PostResult:
    auth = httpx.BasicAuth(user, key)
    if target.parent_id is not None:
        try:
            response = _wp_request(client, "GET", site, f"/wp/v2/comments/{target.parent_id}", auth=auth)
        except httpx.HTTPError as exc:  # nothing was sent yet: say so
            return PostResult(False, error=f"{_network_reason(exc, site, hide, posting=False)}: not posted")
        parent = _json(response)
        if response.status_code == 404 and isinstance(parent, dict):
            return PostResult(False, status=404, error=f"comment {target.parent_id} is not on {site} any more "
                                                       "(deleted?): not posted")
        if response.status_code == 401:
            return PostResult(False, status=401, error=_wp_login_refused(user))
        if response.status_code != 200 or not isinstance(parent, dict):
            return _wp_failure(response, parent, user, site, hide)
        if parent.get("post") != target.post_id:  # WordPress itself would accept it and misthread the reply
            return PostResult(False, error=f"comment {target.parent_id} belongs to another post "
                                           f"(ID {parent.get('post')}), not to post {target.post_id}: not posted")
    payload = {"post": target.post_id, "parent": target.parent_id or 0, "content": html.escape(body, quote=False)}
    response = _wp_request(client, "POST", site, "/wp/v2/comments", json=payload, auth=auth)
    data = _json(response)
    if response.status_code == 201 and isinstance(data, dict) and isinstance(data.get("id"), int):
        return PostResult(True, url=text.safe_url(str(data.get("link") or "")) or None, remote_id=data["id"],
                          status=201)
    return _wp_failure(response, data, user, site, hide)


def _wp_failure(response: httpx.Response, data: Any, user: str, site: str, hide: Hide) -> PostResult:
    status = response.status_code
    message = _message(data.get("message"), hide) if isinstance(data, dict) else ""
    if status == 401:
        error = _wp_login_refused(user)
    elif status == 409:
        error = "WordPress says this comment is a duplicate"
    elif status in (400, 403) and message:
        error = message
    elif status == 404 and not isinstance(data, dict):
        error = f"no WordPress REST API at {site}/wp-json/ ({http_reason(status)})"
    elif 300 <= status < 400:
        error = f"the site redirects to {hide.line(response.headers.get('location'), 200)}: " \
                "set posting.site to that address"
    else:
        error = f"WordPress answered {http_reason(status)}" + (f": {message}" if message else "")
    return PostResult(False, status=status, error=error)


def _wp_login_refused(user: str) -> str:
    return (f"WordPress refused the login for {user}: check the Application Password "
            "(WordPress gives the same answer for every login problem)")


def _wp_request(client: httpx.Client, method: str, site: str, route: str, *,
                params: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
    """A REST request at /wp-json/<route>; when that is a plain 404 page (no pretty permalinks, or a web server
    without WordPress's rewrite rules), again at /?rest_route=<route>, which every WordPress answers."""
    response = client.request(method, f"{site}/wp-json{route}", params=params, **kwargs)
    if response.status_code == 404 and not isinstance(_json(response), dict):
        response = client.request(method, f"{site}/", params={"rest_route": route, **(params or {})}, **kwargs)
    return response


def _post_discourse(client: httpx.Client, user: str, key: str, target: ReplyTarget, site: str,
                    body: str, hide: Hide) -> PostResult:
    payload: dict[str, Any] = {"topic_id": target.post_id, "raw": body}
    if target.parent_id is not None:
        payload["reply_to_post_number"] = target.parent_id
    response = client.post(f"{site}/posts.json", json=payload,
                           headers={"Api-Key": key, "Api-Username": user, "Accept": "application/json"})
    data = _json(response)
    status = response.status_code
    if status == 200 and isinstance(data, dict):
        if isinstance(data.get("id"), int):
            number, topic = data.get("post_number"), data.get("topic_id") or target.post_id
            slug = data.get("topic_slug")
            url = None
            if isinstance(number, int):
                url = f"{site}/t/{slug}/{topic}/{number}" if slug else f"{site}/t/{topic}/{number}"
            return PostResult(True, url=text.safe_url(url), remote_id=data["id"], status=status)
        if data.get("action") == "enqueued":  # the post waits for a moderator: no post, no link yet
            return PostResult(True, status=status)
    errors = _discourse_errors(data, hide)
    if status == 403:
        error = f"Discourse refused the API key for {user}" + (f": {errors}" if errors else "")
    elif errors:
        error = errors
    elif 300 <= status < 400:
        error = f"the site redirects to {hide.line(response.headers.get('location'), 200)}: " \
                "set posting.site to that address"
    else:
        error = f"Discourse answered {http_reason(status)}"
    return PostResult(False, status=status, error=error)


def _discourse_errors(data: Any, hide: Hide) -> str:
    if not isinstance(data, dict):
        return ""
    errors = data.get("errors")
    if isinstance(errors, list):
        return text.one_line("; ".join(_message(e, hide) for e in errors if isinstance(e, str)), MESSAGE_LIMIT)
    return _message(data.get("error"), hide) if isinstance(data.get("error"), str) else ""


# -- helpers ---------------------------------------------------------------------------


def _client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT}, follow_redirects=False)


def _json(response: httpx.Response) -> Any:
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _message(value: Any, hide: Hide) -> str:
    """A server's message as one clean line (it may hold HTML and entities, or terminal escapes), with anything
    secret a server may have echoed taken out before it is cleaned and shortened."""
    return hide.line(text.to_text(hide.opening(str(value or ""), MESSAGE_READ)), MESSAGE_LIMIT)


def _network_reason(exc: httpx.HTTPError, site: str, hide: Hide, posting: bool = True) -> str:
    """One line about a network failure; `posting`: it may have struck after the reply was sent. The exception's
    text can quote what was sent (h11 quotes a header it refuses, as a bytes repr): scrubbed before it is cut."""
    host = urlsplit(site).netloc or site
    detail = re.sub(r"^\[Errno -?\d+\]\s*", "", hide.line(str(exc), 200)) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return f"could not connect to {host}: timed out"
    if isinstance(exc, httpx.TimeoutException):
        return f"{host} did not answer in time ({type(exc).__name__})" + (
            "; the reply may or may not have been posted" if posting else "")
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect to {host}: {detail}"
    return f"could not talk to {host}: {detail}"


def _on_site(url: str | None, site: str) -> bool:
    return bool(url) and _site_key(url or "") == _site_key(site)


def _site_key(url: str) -> str:
    """Host (and port) of `url`, without "www.", lower-case: how "the same site" is told."""
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return f"{host}:{port}" if port and port != default else host


def _scrubbed(result: PostResult, hide: Hide) -> PostResult:
    """Belt and braces: the secret never leaves in an error text, whatever a server or a library echoed."""
    if not result.error:
        return result
    error = hide.scrub(result.error)
    return result if error == result.error else replace(result, error=error)
