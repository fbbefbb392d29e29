"""Direct posting (cmtui.posting) against loopback stand-ins for WordPress's REST API and Discourse's API that
answer with the real JSON shapes and status codes (checked against a real WordPress 6.1 in
tests/integration/test_wordpress.py)."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from cmtui.config import PostingConfig
from cmtui.demo.server import FeedServer
from cmtui.fetch import USER_AGENT
from cmtui.posting import (
    PostingError,
    PostResult,
    ReplyTarget,
    post_reply,
    resolve_wordpress_post_id,
    secret,
    target_for,
)
from cmtui.redact import SHORT_SECRET_HIDDEN

SECRET = "abcd EFGH 1234 ijkl MNOP 5678"  # an Application Password as WordPress shows it
API_KEY = "0f3c9e8d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"


def allow_post(server: FeedServer) -> None:
    """FeedServer answers GET and HEAD; its per-instance handler class also takes POST here, so the API routes
    registered with `handle()` get POST requests too."""
    handler_class = server._httpd.RequestHandlerClass
    handler_class.do_POST = handler_class.do_GET  # type: ignore[attr-defined]


def send_json(req: BaseHTTPRequestHandler, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(data).encode()
    req.send_response(status)
    req.send_header("Content-Type", "application/json; charset=UTF-8")
    for key, value in (headers or {}).items():
        req.send_header(key, value)
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def read_json(req: BaseHTTPRequestHandler) -> Any:
    length = int(req.headers.get("Content-Length") or 0)
    raw = req.rfile.read(length) if length else b""
    return json.loads(raw) if raw else {}


def html_404(req: BaseHTTPRequestHandler) -> None:
    """nginx's answer for a path it has no file for (the request body read first, as a server does)."""
    read_json(req)
    body = b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center></body></html>"
    req.send_response(404)
    req.send_header("Content-Type", "text/html")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def wp_error(code: str, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "data": {"status": status}}


def raw_path(path: str, params: dict[str, str]) -> str:
    """The path and query exactly as httpx sends them."""
    return httpx.URL(path, params=params).raw_path.decode()


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


# -- a WordPress stand-in ----------------------------------------------------------------


@dataclass
class FakeWordPress:
    """The REST routes cmtui uses, answering like WordPress 6.1: Basic auth with an Application Password
    (any failure: 401 rest_comment_login_required), 403 without a (known, open) post, 400 for invalid content,
    409 for a duplicate, and a parent that is missing or on another post accepted with 201."""

    server: FeedServer
    user: str = "acme"
    password: str = SECRET
    display_name: str = "Acme Support"
    pretty: bool = True  # False: no /wp-json/ (plain permalinks, no rewrite rules): only ?rest_route=
    posts: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    next_failure: tuple[int, Any] | None = None
    _next_id: int = 100
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def site(self) -> str:
        return self.server.base_url

    def add_post(self, post_id: int, slug: str, comments_open: bool = True) -> None:
        self.posts[post_id] = {"slug": slug, "link": f"{self.site}/2024/05/{slug}/", "open": comments_open}
        self._route(raw_path("/wp-json/wp/v2/posts", {"slug": slug, "_fields": "id,link"}), self._posts_by_slug)
        self._route(raw_path("/", {"rest_route": "/wp/v2/posts", "slug": slug, "_fields": "id,link"}),
                    self._posts_by_slug)

    def add_comment(self, comment_id: int, post_id: int, author: str, content: str, parent: int = 0) -> None:
        self.comments[comment_id] = {"post": post_id, "parent": parent, "author_name": author, "content": content,
                                     "author": 0}
        self._route_comment(comment_id)

    def start(self) -> FakeWordPress:
        self._route("/wp-json/wp/v2/comments", self._create)
        self._route(raw_path("/", {"rest_route": "/wp/v2/comments"}), self._create)
        for missing in (404, 999):
            self._route_comment(missing)
        return self

    def _route(self, path: str, handler: Any) -> None:
        if path.startswith("/wp-json") and not self.pretty:
            handler = html_404  # a web server without WordPress's rewrite rules
        self.server.handle(path, handler)

    def _route_comment(self, comment_id: int) -> None:
        self._route(f"/wp-json/wp/v2/comments/{comment_id}", self._comment)
        self._route(raw_path("/", {"rest_route": f"/wp/v2/comments/{comment_id}"}), self._comment)

    # -- answers ---------------------------------------------------------------
    def _record(self, req: BaseHTTPRequestHandler) -> Call:
        body = read_json(req) if req.command == "POST" else None
        call = Call(req.command, req.path, {k.lower(): v for k, v in req.headers.items()}, body)
        with self._lock:
            self.calls.append(call)
        return call

    def _logged_in(self, call: Call) -> bool:
        header = call.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        # WordPress ignores the spaces it shows in Application Passwords
        return user == self.user and password.replace(" ", "") == self.password.replace(" ", "")

    @staticmethod
    def _route_of(path: str) -> str:
        parts = urlsplit(path)
        return dict(parse_qsl(parts.query)).get("rest_route") or parts.path.removeprefix("/wp-json")

    def _comment(self, req: BaseHTTPRequestHandler) -> None:
        call = self._record(req)
        comment_id = int(self._route_of(call.path).rsplit("/", 1)[1])
        if comment_id not in self.comments:
            send_json(req, 404, wp_error("rest_comment_invalid_id", "Invalid comment ID.", 404))
            return
        send_json(req, 200, self._shape(comment_id))

    def _posts_by_slug(self, req: BaseHTTPRequestHandler) -> None:
        call = self._record(req)
        slug = dict(parse_qsl(urlsplit(call.path).query))["slug"]
        found = [{"id": pid, "link": p["link"]} for pid, p in self.posts.items() if p["slug"] == slug]
        send_json(req, 200, found, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1"})

    def _create(self, req: BaseHTTPRequestHandler) -> None:
        call = self._record(req)
        data = call.body or {}
        if self.next_failure is not None:
            status, body = self.next_failure
            self.next_failure = None
            send_json(req, status, body)
            return
        if not self._logged_in(call):
            send_json(req, 401, wp_error("rest_comment_login_required", "Sorry, you must be logged in to comment.",
                                         401))
            return
        post = self.posts.get(int(data.get("post") or 0))
        if post is None:
            send_json(req, 403, wp_error("rest_comment_invalid_post_id",
                                         "Sorry, you are not allowed to create this comment without a post.", 403))
            return
        if not post["open"]:
            send_json(req, 403, wp_error("rest_comment_closed", "Sorry, comments are closed for this item.", 403))
            return
        content = str(data.get("content") or "")
        if not content.strip():
            send_json(req, 400, wp_error("rest_comment_content_invalid", "Invalid comment content.", 400))
            return
        if any(c["post"] == data["post"] and c["content"] == content for c in self.comments.values()):
            send_json(req, 409, wp_error(
                "comment_duplicate", "Duplicate comment detected; it looks as though you&#8217;ve already said that!",
                409))
            return
        with self._lock:
            self._next_id += 1
            new_id = self._next_id
        # like WordPress: the parent is not checked against the post
        self.comments[new_id] = {"post": data["post"], "parent": int(data.get("parent") or 0), "author": 1,
                                 "author_name": self.display_name, "content": content}
        send_json(req, 201, self._shape(new_id, created=True))

    def _shape(self, comment_id: int, created: bool = False) -> dict[str, Any]:
        c = self.comments[comment_id]
        post = self.posts[c["post"]]
        shape: dict[str, Any] = {
            "id": comment_id, "post": c["post"], "parent": c["parent"], "author": c["author"],
            "author_name": c["author_name"], "author_url": "", "date": "2026-05-04T10:58:32",
            "date_gmt": "2026-05-04T10:58:32", "content": {"rendered": f"<p>{c['content']}</p>\n"},
            "link": f"{post['link']}#comment-{comment_id}", "status": "approved", "type": "comment",
            "author_avatar_urls": {"24": "http://0.gravatar.com/avatar/x?s=24&d=mm&r=g"}, "meta": [],
            "_links": {"self": [{"href": f"{self.site}/wp-json/wp/v2/comments/{comment_id}"}]},
        }
        if created:
            shape.update({"author_email": "support@example.com", "author_ip": "127.0.0.1",
                          "author_user_agent": USER_AGENT})
            shape["content"]["raw"] = c["content"]
        return shape

    def posted(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST"]


# -- a Discourse stand-in ----------------------------------------------------------------


@dataclass
class FakeDiscourse:
    """POST /posts.json as Discourse answers it: 403 invalid_access for a wrong Api-Key / Api-Username,
    404 for an unknown topic, 422 {"errors": [...]} for a refused post, 429 when rate-limited, 200 with the
    post (id, post_number, topic_id, topic_slug) or, for a topic needing approval, "enqueued"."""

    server: FeedServer
    user: str = "acme_support"
    key: str = API_KEY
    topics: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    rate_limited: bool = False

    @property
    def site(self) -> str:
        return self.server.base_url

    def start(self) -> FakeDiscourse:
        self.server.handle("/posts.json", self._create)
        return self

    def add_topic(self, topic_id: int, slug: str, posts: int = 3, needs_approval: bool = False) -> None:
        self.topics[topic_id] = {"slug": slug, "highest": posts, "needs_approval": needs_approval, "raws": []}

    def _create(self, req: BaseHTTPRequestHandler) -> None:
        call = Call(req.command, req.path, {k.lower(): v for k, v in req.headers.items()}, read_json(req))
        self.calls.append(call)
        data = call.body
        if call.headers.get("api-key") != self.key or call.headers.get("api-username") != self.user:
            send_json(req, 403, {"errors": ["You are not permitted to view the requested resource. "
                                            "The API username or key is invalid."], "error_type": "invalid_access"})
            return
        if self.rate_limited:
            send_json(req, 429, {"errors": ["You’ve performed this action too many times. Please wait 10 seconds "
                                            "before trying again."], "error_type": "rate_limit",
                                 "extras": {"wait_seconds": 10}}, {"Retry-After": "10"})
            return
        topic = self.topics.get(int(data.get("topic_id") or 0))
        if topic is None:
            send_json(req, 404, {"errors": ["The requested URL or resource could not be found."],
                                 "error_type": "not_found"})
            return
        raw = str(data.get("raw") or "")
        errors = []
        if len(raw.strip()) < 20:
            errors.append("Body is too short (minimum is 20 characters)")
        if raw in topic["raws"]:
            errors.append("Body is too similar to what you recently posted")
        if errors:
            send_json(req, 422, {"action": "create_post", "errors": errors})
            return
        topic["raws"].append(raw)
        if topic["needs_approval"]:
            send_json(req, 200, {"success": True, "action": "enqueued",
                                 "pending_post": {"id": 7, "raw": raw}, "pending_count": 1})
            return
        topic["highest"] += 1
        send_json(req, 200, {
            "id": 9000 + topic["highest"], "name": "Acme Support", "username": self.user,
            "avatar_template": "/user_avatar/forum/acme_support/{size}/3_2.png",
            "created_at": "2026-05-04T10:58:32.123Z", "cooked": f"<p>{raw}</p>", "post_number": topic["highest"],
            "post_type": 1, "updated_at": "2026-05-04T10:58:32.123Z", "reply_count": 0,
            "reply_to_post_number": data.get("reply_to_post_number"), "quote_count": 0, "incoming_link_count": 0,
            "reads": 0, "score": 0, "yours": True, "topic_id": data["topic_id"], "topic_slug": topic["slug"],
            "display_username": "Acme Support", "version": 1, "raw": raw,
        })


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def wordpress(server: FeedServer) -> FakeWordPress:
    allow_post(server)
    wp = FakeWordPress(server).start()
    wp.add_post(123, "release-notes")
    wp.add_post(456, "roadmap")
    wp.add_post(789, "old-news", comments_open=False)
    wp.add_comment(45, 123, "Dana Visitor", "Is the Windows build out yet?")
    wp.add_comment(46, 456, "Sam Reader", "Dark mode?")
    return wp


@pytest.fixture
def discourse(server: FeedServer) -> FakeDiscourse:
    allow_post(server)
    forum = FakeDiscourse(server).start()
    forum.add_topic(77, "dark-mode-please")
    forum.add_topic(78, "moderated-topic", needs_approval=True)
    return forum


@pytest.fixture
def wp_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", SECRET)
    monkeypatch.setenv("CMTUI_TEST_DISCOURSE_KEY", API_KEY)


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # `import keyring` raises ImportError


def wp_config(wp: FakeWordPress, user: str | None = None) -> PostingConfig:
    return PostingConfig(type="wordpress", site=wp.site, user=user or wp.user, secret_env="CMTUI_TEST_WP_PASSWORD")


def discourse_config(forum: FakeDiscourse, user: str | None = None) -> PostingConfig:
    return PostingConfig(type="discourse", site=forum.site, user=user or forum.user,
                         secret_env="CMTUI_TEST_DISCOURSE_KEY")


def assert_secret_free(*results: PostResult) -> None:
    for result in results:
        for value in (SECRET, API_KEY, SECRET.replace(" ", "")):
            assert value not in repr(result)


# -- target_for ---------------------------------------------------------------------------


@pytest.mark.parametrize(("post_url", "guid", "message_url", "is_post", "expected"), [
    # a comment, with the guid as the feed gives it
    ("https://blog.example.com/2024/05/release-notes/", "https://blog.example.com/?p=123",
     "https://blog.example.com/2024/05/release-notes/#comment-45", False, (123, 45)),
    # the guid as the store keeps it (urlkeys.guid_key: no scheme)
    ("https://blog.example.com/2024/05/release-notes/", "blog.example.com?p=123",
     "https://blog.example.com/2024/05/release-notes/#comment-45", False, (123, 45)),
    # a comment on page 2 of the comments
    ("https://blog.example.com/release-notes/", "http://blog.example.com/?p=123",
     "https://blog.example.com/release-notes/comment-page-2/#comment-4511", False, (123, 4511)),
    # the post itself: a top-level comment
    ("https://blog.example.com/release-notes/", "https://blog.example.com/?p=123",
     "https://blog.example.com/release-notes/", True, (123, None)),
    # a page
    ("https://blog.example.com/about/", "https://blog.example.com/?page_id=2",
     "https://blog.example.com/about/#comment-9", False, (2, 9)),
    # plain permalinks: the post URL holds the ID; a site moved from http/www keeps its old guids
    ("https://blog.example.com/?p=77", "http://www.old-name.example/?p=77",
     "https://blog.example.com/?p=77#comment-3", False, (77, 3)),
    # www. or not is the same site
    ("https://www.blog.example.com/release-notes/", "https://www.blog.example.com/?p=123",
     "https://www.blog.example.com/release-notes/#comment-45", False, (123, 45)),
])
def test_target_for_wordpress(post_url: str, guid: str, message_url: str, is_post: bool,
                              expected: tuple[int, int | None]) -> None:
    target = target_for("wordpress", "https://blog.example.com/", post_url, guid, message_url, is_post)
    assert target == ReplyTarget("wordpress", "https://blog.example.com", *expected)


def test_target_for_wordpress_refuses_what_it_cannot_place() -> None:
    site = "https://blog.example.com"
    post, guid = f"{site}/release-notes/", f"{site}/?p=123"
    # a comment whose link has no #comment-N: unknown parent, no guessing
    assert target_for("wordpress", site, post, guid, f"{site}/release-notes/", False) is None
    # another site's post with the same ID
    assert target_for("wordpress", site, "https://other.example.org/release-notes/", "https://other.example.org/?p=123",
                      "https://other.example.org/release-notes/#comment-45", False) is None
    assert target_for("generic", site, post, guid, post, True) is None


def test_target_for_wordpress_resolves_the_post_id_by_slug(wordpress: FakeWordPress) -> None:
    post_url = f"{wordpress.site}/2024/05/release-notes/"
    # a guid without ?p= (imported posts, some plugins): ask the REST API by slug
    target = target_for("wordpress", wordpress.site, post_url, "tag:blog.example.com,2024:release-notes",
                        f"{post_url}#comment-45", False)
    assert target == ReplyTarget("wordpress", wordpress.site, 123, 45)
    hit = wordpress.calls[-1]
    assert hit.path.startswith("/wp-json/wp/v2/posts?") and "slug=release-notes" in hit.path
    assert hit.headers["user-agent"] == USER_AGENT
    with httpx.Client() as client:
        assert resolve_wordpress_post_id(client, wordpress.site, f"{wordpress.site}/2024/05/roadmap/") == 456
        assert resolve_wordpress_post_id(client, wordpress.site, f"{wordpress.site}/no-such-post/") is None
        assert resolve_wordpress_post_id(client, wordpress.site, f"{wordpress.site}/") is None
    assert target_for("wordpress", wordpress.site, f"{wordpress.site}/no-such-post/", None,
                      f"{wordpress.site}/no-such-post/", True) is None


def test_target_for_wordpress_unreachable_site_gives_none() -> None:
    site = "http://127.0.0.1:9"  # discard port: nothing listens
    assert target_for("wordpress", site, f"{site}/release-notes/", None, f"{site}/release-notes/", True,
                      client=httpx.Client(timeout=2)) is None


@pytest.mark.parametrize(("site", "post_url", "message_url", "is_post", "expected"), [
    ("https://forum.example.com", "https://forum.example.com/t/dark-mode-please/77",
     "https://forum.example.com/t/dark-mode-please/77/4", False, (77, 4)),
    # answering the opening post (#1, by number or as the post) is a plain reply to the topic
    ("https://forum.example.com", "https://forum.example.com/t/dark-mode-please/77",
     "https://forum.example.com/t/dark-mode-please/77/1", False, (77, None)),
    ("https://forum.example.com", "https://forum.example.com/t/dark-mode-please/77",
     "https://forum.example.com/t/dark-mode-please/77", True, (77, None)),
    # the topic known only from the message
    ("https://forum.example.com", None, "https://forum.example.com/t/dark-mode-please/77/12", False, (77, 12)),
    # Discourse in a subfolder
    ("https://example.com/forum", "https://example.com/forum/t/welcome/5",
     "https://example.com/forum/t/welcome/5/2", False, (5, 2)),
])
def test_target_for_discourse(site: str, post_url: str | None, message_url: str, is_post: bool,
                              expected: tuple[int, int | None]) -> None:
    assert target_for("discourse", site, post_url, None, message_url, is_post) == ReplyTarget("discourse", site,
                                                                                              *expected)


def test_target_for_discourse_refuses_what_it_cannot_place() -> None:
    site = "https://forum.example.com"
    topic = f"{site}/t/dark-mode-please/77"
    assert target_for("discourse", site, topic, None, f"{site}/t/other-topic/78/3", False) is None
    assert target_for("discourse", site, f"{site}/latest", None, f"{site}/latest", True) is None
    assert target_for("discourse", site, "https://other.example.org/t/x/77", None,
                      "https://other.example.org/t/x/77/2", False) is None


# -- the secret ----------------------------------------------------------------------------


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WP_APP_PASSWORD", f"  {SECRET}\n")
    posting = PostingConfig("wordpress", "https://blog.example.com", "acme", secret_env="WP_APP_PASSWORD")
    assert secret(posting) == SECRET


def test_secret_missing_says_where_to_put_it(monkeypatch: pytest.MonkeyPatch, no_keyring: None) -> None:
    monkeypatch.delenv("WP_APP_PASSWORD", raising=False)
    posting = PostingConfig("wordpress", "https://blog.example.com", "acme", secret_env="WP_APP_PASSWORD")
    with pytest.raises(PostingError, match="environment variable WP_APP_PASSWORD.*Application Password for acme"):
        secret(posting)
    monkeypatch.setenv("WP_APP_PASSWORD", "   ")
    with pytest.raises(PostingError, match="WP_APP_PASSWORD is empty"):
        secret(posting)
    # keyring = true without the keyring package
    with pytest.raises(PostingError, match="package `keyring` is not installed"):
        secret(PostingConfig("discourse", "https://forum.example.com", "acme", keyring=True))


def fake_keyring(monkeypatch: pytest.MonkeyPatch, get_password: Any) -> list[tuple[str, str]]:
    """A stand-in `keyring` package (the real one may not be installed, and must not touch the user's keyring)."""
    asked: list[tuple[str, str]] = []
    errors = types.ModuleType("keyring.errors")

    class KeyringError(Exception):
        pass

    class NoKeyringError(KeyringError, RuntimeError):
        pass

    errors.KeyringError, errors.NoKeyringError = KeyringError, NoKeyringError  # type: ignore[attr-defined]
    module = types.ModuleType("keyring")

    def get(service: str, username: str) -> str | None:
        asked.append((service, username))
        return get_password(errors, service, username)

    module.get_password = get  # type: ignore[attr-defined]
    module.errors = errors  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", module)
    monkeypatch.setitem(sys.modules, "keyring.errors", errors)
    return asked


def test_secret_from_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_keyring(monkeypatch, lambda errors, service, user: API_KEY)
    posting = PostingConfig("discourse", "https://forum.example.com", "acme_support", keyring=True)
    assert secret(posting) == API_KEY
    assert asked == [("cmtui", "acme_support@https://forum.example.com")]
    # an environment variable that is set wins; an unset one falls back to the keyring
    both = PostingConfig("discourse", "https://forum.example.com", "acme_support", secret_env="DISCOURSE_KEY",
                         keyring=True)
    monkeypatch.delenv("DISCOURSE_KEY", raising=False)
    assert secret(both) == API_KEY
    monkeypatch.setenv("DISCOURSE_KEY", "from-env")
    assert secret(both) == "from-env"


def test_secret_keyring_without_entry_or_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    posting = PostingConfig("wordpress", "https://blog.example.com", "acme", keyring=True)
    fake_keyring(monkeypatch, lambda errors, service, user: None)
    with pytest.raises(PostingError, match='no entry "acme@https://blog.example.com".*keyring set cmtui'):
        secret(posting)

    def no_backend(errors: Any, service: str, user: str) -> str:
        raise errors.NoKeyringError("No recommended backend was available.")

    fake_keyring(monkeypatch, no_backend)
    with pytest.raises(PostingError, match="no system keyring is available"):
        secret(posting)

    def locked(errors: Any, service: str, user: str) -> str:
        raise errors.KeyringError("Failed to unlock the collection!")

    fake_keyring(monkeypatch, locked)
    with pytest.raises(PostingError, match="cannot be read.*Failed to unlock"):
        secret(posting)


# -- posting to WordPress --------------------------------------------------------------


def test_wordpress_top_level_comment(wordpress: FakeWordPress, wp_secret: None) -> None:
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, None),
                        "Thanks for reading!\n\nMore soon.")
    assert result.ok and result.status == 201 and result.error is None
    assert result.url == f"{wordpress.site}/2024/05/release-notes/#comment-{result.remote_id}"
    [call] = wordpress.calls  # no parent: no parent check
    assert call.method == "POST" and call.path == "/wp-json/wp/v2/comments"
    assert call.body == {"post": 123, "parent": 0, "content": "Thanks for reading!\n\nMore soon."}
    assert call.headers["user-agent"] == USER_AGENT
    assert base64.b64decode(call.headers["authorization"].removeprefix("Basic ")).decode() == f"acme:{SECRET}"


def test_wordpress_reply_checks_the_parent_then_sets_it(wordpress: FakeWordPress, wp_secret: None) -> None:
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, 45),
                        "Yes: <b>today</b> & for everyone.")
    assert result.ok and result.remote_id is not None
    check, create = wordpress.calls
    assert (check.method, check.path) == ("GET", "/wp-json/wp/v2/comments/45")
    # plain text: HTML-escaped, so WordPress shows what was typed (an administrator's HTML is not filtered)
    assert create.body == {"post": 123, "parent": 45, "content": "Yes: &lt;b&gt;today&lt;/b&gt; &amp; for everyone."}
    assert wordpress.comments[result.remote_id]["parent"] == 45


def test_wordpress_parent_on_another_post_is_refused_before_posting(wordpress: FakeWordPress,
                                                                   wp_secret: None) -> None:
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, 46), "Sure thing, Sam!")
    assert not result.ok
    assert result.error == "comment 46 belongs to another post (ID 456), not to post 123: not posted"
    assert wordpress.posted() == []  # WordPress would have accepted it (201) and misthreaded it


def test_wordpress_missing_parent_is_refused_before_posting(wordpress: FakeWordPress, wp_secret: None) -> None:
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, 999), "Hello again")
    assert not result.ok and result.status == 404
    assert result.error is not None and "comment 999 is not on" in result.error and "deleted" in result.error
    assert wordpress.posted() == []


def test_wordpress_wrong_password(wordpress: FakeWordPress, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", "wrong wrong wrong")
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, None), "Hello")
    assert result == PostResult(False, status=401, error=(
        "WordPress refused the login for acme: check the Application Password "
        "(WordPress gives the same answer for every login problem)"))


def test_wordpress_wrong_user_same_answer(wordpress: FakeWordPress, wp_secret: None) -> None:
    result = post_reply(wp_config(wordpress, user="nobody"), ReplyTarget("wordpress", wordpress.site, 123, None),
                        "Hello")
    assert result.status == 401 and result.error is not None
    assert result.error.startswith("WordPress refused the login for nobody:")


def test_wordpress_duplicate(wordpress: FakeWordPress, wp_secret: None) -> None:
    target = ReplyTarget("wordpress", wordpress.site, 123, None)
    assert post_reply(wp_config(wordpress), target, "Same words twice").ok
    result = post_reply(wp_config(wordpress), target, "Same words twice")
    assert result == PostResult(False, status=409, error="WordPress says this comment is a duplicate")


@pytest.mark.parametrize(("post_id", "status", "error"), [
    (789, 403, "Sorry, comments are closed for this item."),
    (31337, 403, "Sorry, you are not allowed to create this comment without a post."),
])
def test_wordpress_refusals_pass_the_servers_message(wordpress: FakeWordPress, wp_secret: None, post_id: int,
                                                     status: int, error: str) -> None:
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, post_id, None), "Hello")
    assert result == PostResult(False, status=status, error=error)


def test_wordpress_invalid_content(wordpress: FakeWordPress, wp_secret: None) -> None:
    # what WordPress answers for content it does not take (empty here, or refused by a plugin)
    wordpress.next_failure = (400, wp_error("rest_comment_content_invalid", "Invalid comment content.", 400))
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, None), "Hello")
    assert result == PostResult(False, status=400, error="Invalid comment content.")
    # an empty reply is not even sent
    assert post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, None), " \n ") == \
        PostResult(False, error="the reply is empty")
    assert len(wordpress.posted()) == 1


def test_wordpress_server_message_is_cleaned(wordpress: FakeWordPress, wp_secret: None) -> None:
    wordpress.next_failure = (400, wp_error("antispam", "<strong>Error:</strong> Your comment\x1b[31m looks like "
                                            "&#8220;spam&#8221;.\n Try again.", 400))
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, None), "Hello")
    assert result.error == "Error: Your comment looks like “spam”. Try again."


def test_wordpress_without_pretty_permalinks_uses_rest_route(server: FeedServer, wp_secret: None) -> None:
    allow_post(server)
    wp = FakeWordPress(server, pretty=False).start()
    wp.add_post(123, "release-notes")
    wp.add_comment(45, 123, "Dana Visitor", "Is it out?")
    result = post_reply(wp_config(wp), ReplyTarget("wordpress", wp.site, 123, 45), "It is out.")
    assert result.ok, result.error
    assert [c.path for c in wp.calls] == ["/?rest_route=%2Fwp%2Fv2%2Fcomments%2F45",
                                          "/?rest_route=%2Fwp%2Fv2%2Fcomments"]
    with httpx.Client() as client:
        assert resolve_wordpress_post_id(client, wp.site, f"{wp.site}/2024/05/release-notes/") == 123


def test_wordpress_no_rest_api(server: FeedServer, wp_secret: None) -> None:
    allow_post(server)
    server.handle("/wp-json/wp/v2/comments", html_404)
    server.handle(raw_path("/", {"rest_route": "/wp/v2/comments"}), html_404)
    posting = PostingConfig("wordpress", server.base_url, "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    result = post_reply(posting, ReplyTarget("wordpress", server.base_url, 1, None), "Hello")
    assert result == PostResult(False, status=404, error=f"no WordPress REST API at {server.base_url}/wp-json/ "
                                                         "(HTTP 404 Not Found)")


def test_wordpress_redirect_and_server_error(server: FeedServer, wp_secret: None) -> None:
    allow_post(server)

    def moved(req: BaseHTTPRequestHandler) -> None:
        read_json(req)
        req.send_response(301)
        req.send_header("Location", "https://blog.example.com/wp-json/wp/v2/comments")
        req.send_header("Content-Length", "0")
        req.end_headers()

    server.handle("/wp-json/wp/v2/comments", moved)
    posting = PostingConfig("wordpress", server.base_url, "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    target = ReplyTarget("wordpress", server.base_url, 1, None)
    result = post_reply(posting, target, "Hello")
    assert result.status == 301 and result.error == ("the site redirects to https://blog.example.com/wp-json/wp/v2/"
                                                     "comments: set posting.site to that address")
    server.set("/wp-json/wp/v2/comments", "<h1>Error establishing a database connection</h1>", status=500,
               content_type="text/html")
    result = post_reply(posting, target, "Hello")
    assert result == PostResult(False, status=500, error="WordPress answered HTTP 500 Internal Server Error")


def test_wordpress_unreachable(wp_secret: None) -> None:
    posting = PostingConfig("wordpress", "http://127.0.0.1:9", "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    result = post_reply(posting, ReplyTarget("wordpress", "http://127.0.0.1:9", 1, None), "Hello")
    assert not result.ok and result.status == 0
    assert result.error is not None and result.error.startswith("could not connect to 127.0.0.1:9: ")
    assert "\n" not in result.error


def test_wordpress_timeout(server: FeedServer, wp_secret: None) -> None:
    allow_post(server)
    server.handle("/wp-json/wp/v2/comments", lambda req: time.sleep(1.5))
    posting = PostingConfig("wordpress", server.base_url, "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    with httpx.Client(timeout=0.3) as client:
        result = post_reply(posting, ReplyTarget("wordpress", server.base_url, 1, None), "Hello", client=client)
    assert result.error is not None and "did not answer in time" in result.error
    assert "may or may not have been posted" in result.error
    # timing out while checking the parent: nothing was sent
    server.handle("/wp-json/wp/v2/comments/45", lambda req: time.sleep(1.5))
    with httpx.Client(timeout=0.3) as client:
        result = post_reply(posting, ReplyTarget("wordpress", server.base_url, 1, 45), "Hello", client=client)
    assert result.error == f"{server.base_url.removeprefix('http://')} did not answer in time (ReadTimeout): not posted"


def test_posting_needs_the_secret_and_the_right_site(wordpress: FakeWordPress, monkeypatch: pytest.MonkeyPatch,
                                                     no_keyring: None) -> None:
    monkeypatch.delenv("CMTUI_TEST_WP_PASSWORD", raising=False)
    target = ReplyTarget("wordpress", wordpress.site, 123, None)
    result = post_reply(wp_config(wordpress), target, "Hello")
    assert not result.ok and result.error is not None and "CMTUI_TEST_WP_PASSWORD" in result.error
    monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", SECRET)
    other = PostingConfig("wordpress", "https://elsewhere.example.org", "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    assert post_reply(other, target, "Hello").error == (f"this conversation is on {wordpress.site}, but posting is "
                                                        "configured for https://elsewhere.example.org")
    forum = PostingConfig("discourse", wordpress.site, "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    assert post_reply(forum, target, "Hello").error == ("this conversation is on wordpress, but posting is "
                                                        "configured for discourse")
    assert wordpress.calls == []


# -- posting to Discourse ------------------------------------------------------------------


def test_discourse_reply_to_a_post(discourse: FakeDiscourse, wp_secret: None) -> None:
    result = post_reply(discourse_config(discourse), ReplyTarget("discourse", discourse.site, 77, 2),
                        "Dark mode ships in **2.1**, thanks for asking!")
    assert result == PostResult(True, url=f"{discourse.site}/t/dark-mode-please/77/4", remote_id=9004, status=200)
    [call] = discourse.calls
    assert call.body == {"topic_id": 77, "raw": "Dark mode ships in **2.1**, thanks for asking!",
                         "reply_to_post_number": 2}
    assert call.headers["api-key"] == API_KEY and call.headers["api-username"] == "acme_support"
    assert call.headers["user-agent"] == USER_AGENT


def test_discourse_reply_to_the_topic(discourse: FakeDiscourse, wp_secret: None) -> None:
    result = post_reply(discourse_config(discourse), ReplyTarget("discourse", discourse.site, 77, None),
                        "A reply to the whole topic, long enough.")
    assert result.ok and result.url == f"{discourse.site}/t/dark-mode-please/77/4"
    assert "reply_to_post_number" not in discourse.calls[0].body


def test_discourse_wrong_key(discourse: FakeDiscourse, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CMTUI_TEST_DISCOURSE_KEY", "not-the-key")
    result = post_reply(discourse_config(discourse), ReplyTarget("discourse", discourse.site, 77, None),
                        "A reply that is long enough to pass.")
    assert result.status == 403 and result.error is not None
    assert result.error.startswith("Discourse refused the API key for acme_support")


def test_discourse_refused_post(discourse: FakeDiscourse, wp_secret: None) -> None:
    target = ReplyTarget("discourse", discourse.site, 77, None)
    result = post_reply(discourse_config(discourse), target, "Too short")
    assert result == PostResult(False, status=422, error="Body is too short (minimum is 20 characters)")
    assert post_reply(discourse_config(discourse), target, "A reply that is long enough to pass.").ok
    result = post_reply(discourse_config(discourse), target, "A reply that is long enough to pass.")
    assert result == PostResult(False, status=422, error="Body is too similar to what you recently posted")


def test_discourse_rate_limit_unknown_topic_and_queue(discourse: FakeDiscourse, wp_secret: None) -> None:
    config = discourse_config(discourse)
    gone = post_reply(config, ReplyTarget("discourse", discourse.site, 404, None), "A reply long enough to pass.")
    assert gone == PostResult(False, status=404, error="The requested URL or resource could not be found.")
    queued = post_reply(config, ReplyTarget("discourse", discourse.site, 78, None), "A reply long enough to pass.")
    assert queued == PostResult(True, status=200)  # waits for a moderator: no link yet
    discourse.rate_limited = True
    limited = post_reply(config, ReplyTarget("discourse", discourse.site, 77, None), "A reply long enough to pass.")
    assert limited.status == 429 and limited.error is not None and "Please wait 10 seconds" in limited.error


# -- the secret never leaks ------------------------------------------------------------------


def test_the_secret_never_appears_in_a_result(wordpress: FakeWordPress, discourse: FakeDiscourse,
                                              wp_secret: None) -> None:
    site = wordpress.site  # both stand-ins share the loopback server
    wp, forum = wp_config(wordpress), discourse_config(discourse)
    results = [
        post_reply(wp, ReplyTarget("wordpress", site, 123, None), "Hello there"),
        post_reply(wp, ReplyTarget("wordpress", site, 123, None), "Hello there"),  # 409
        post_reply(wp, ReplyTarget("wordpress", site, 123, 46), "Hello there"),  # parent elsewhere
        post_reply(wp, ReplyTarget("wordpress", site, 31337, None), "Hello there"),  # 403
        post_reply(wp_config(wordpress, user="nobody"), ReplyTarget("wordpress", site, 123, None), "Hi"),  # 401
        post_reply(forum, ReplyTarget("discourse", site, 77, None), "short"),  # 422
        post_reply(forum, ReplyTarget("discourse", site, 77, None), "A reply long enough to pass."),
        post_reply(discourse_config(discourse, user="x"), ReplyTarget("discourse", site, 77, None), "Hi"),  # 403
        post_reply(PostingConfig("wordpress", "http://127.0.0.1:9", "acme", secret_env="CMTUI_TEST_WP_PASSWORD"),
                   ReplyTarget("wordpress", "http://127.0.0.1:9", 1, None), "Hi"),  # unreachable
    ]
    assert [r.ok for r in results] == [True, False, False, False, False, False, True, False, False]
    assert_secret_free(*results)

    # a server that echoes what it was sent (the Authorization header, the Api-Key) into its error message
    def echo(req: BaseHTTPRequestHandler) -> None:
        read_json(req)
        told = " ".join(f"{k}={v}" for k, v in req.headers.items())
        decoded = base64.b64decode(req.headers.get("Authorization", "Basic ")[6:] or b"").decode(errors="replace")
        send_json(req, 400, {"code": "echo", "message": f"you sent {told} {decoded}", "errors": [f"{told} {decoded}"]})

    wordpress.server.handle("/wp-json/wp/v2/comments", echo)
    wordpress.server.handle("/posts.json", echo)
    echoed = [post_reply(wp, ReplyTarget("wordpress", site, 123, None), "Hello there"),
              post_reply(forum, ReplyTarget("discourse", site, 77, None), "A reply long enough to pass.")]
    assert all(not r.ok and r.error for r in echoed)
    assert_secret_free(*echoed)


def test_posting_is_not_a_textual_import() -> None:
    import subprocess

    code = "import sys, cmtui.posting; print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"



# -- only over https ---------------------------------------------------------------------------


class Forward(httpx.BaseTransport):
    """Sends every request to the loopback server whatever its URL says (the path kept): stands for a public
    site (http://blog.example.com) while the bytes stay on this machine, so a request that should never be
    made would show up in the stand-in's calls."""

    def __init__(self, target: str) -> None:
        self.target = httpx.URL(target)
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host=self.target.host, port=self.target.port)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.mark.parametrize("site", ["http://blog.example.com", "http://10.0.0.7:8080", "http://[fe80::1]",
                                  "http://127.0.0.1.example.com", "ftp://blog.example.com"])
def test_posting_refuses_plain_http_before_any_request(wordpress: FakeWordPress, wp_secret: None,
                                                       site: str) -> None:
    posting = PostingConfig("wordpress", site, "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    hits = len(wordpress.server.hits)
    with httpx.Client(transport=Forward(wordpress.site)) as client:
        result = post_reply(posting, ReplyTarget("wordpress", site, 123, 45), "Hello there", client=client)
    assert not result.ok and result.status == 0 and result.error is not None
    assert result.error.startswith("not posted: posting.site ")
    assert wordpress.calls == [] and len(wordpress.server.hits) == hits  # nothing was sent, no password
    if site.startswith("http://"):
        assert "unencrypted" in result.error and "https://" + site.removeprefix("http://") in result.error
    assert_secret_free(result)


@pytest.mark.parametrize("site", ["https://blog.example.com", "http://localhost", "http://127.0.0.1",
                                  "http://127.8.9.10:8080", "http://[::1]:8080"])
def test_posting_goes_over_https_and_to_this_computer(wordpress: FakeWordPress, wp_secret: None,
                                                      site: str) -> None:
    posting = PostingConfig("wordpress", site, "acme", secret_env="CMTUI_TEST_WP_PASSWORD")
    with httpx.Client(transport=Forward(wordpress.site)) as client:
        result = post_reply(posting, ReplyTarget("wordpress", site, 123, None), f"Hello over {site}", client=client)
    assert result.ok, result
    assert len(wordpress.calls) == 1


# -- the secret never leaks, in any form -------------------------------------------------------

ODD_SECRET = 'zq9K "Xy" &<k>/+=%\n\tw7Rv'  # a newline, a tab, quotes, HTML and URL specials


def forms_of(user: str, key: str) -> dict[str, str]:
    """How a text can hold the secret, written out independently of cmtui.posting."""
    import html
    from urllib.parse import quote, quote_plus

    basic = base64.b64encode(f"{user}:{key}".encode()).decode()
    return {"raw": key, "repr": repr(key)[1:-1], "bytes repr": repr(key.encode())[2:-1],
            "json": json.dumps(key)[1:-1], "url": quote(key, safe=""), "url lower": quote(key, safe="").lower(),
            "url plus": quote_plus(key), "basic": basic, "basic urlsafe": base64.urlsafe_b64encode(
                f"{user}:{key}".encode()).decode(), "html": html.escape(key), "one line": " ".join(key.split())}


def assert_no_form(error: str | None, user: str, key: str) -> None:
    assert error
    for name, form in forms_of(user, key).items():
        assert form.lower() not in error.lower(), (name, error)
    for piece in key.split():  # nor a piece of it that a cut or a cleaning left
        if len(piece) >= 4:
            assert piece.lower() not in error.lower(), (piece, error)


def test_a_secret_with_a_newline_is_not_in_h11s_error(discourse: FakeDiscourse,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """h11 refuses a header value with a newline and quotes it as a bytes repr ('…\\n…')."""
    key = "0f3c9e8d7b6a5f4e\n3d2c1b0a9f8e7d6c"
    monkeypatch.setenv("CMTUI_TEST_DISCOURSE_KEY", key)
    result = post_reply(discourse_config(discourse), ReplyTarget("discourse", discourse.site, 77, None),
                        "A reply that is long enough to pass.")
    assert not result.ok and result.error is not None and "•••" in result.error
    assert_no_form(result.error, discourse.user, key)
    assert discourse.calls == []


@pytest.mark.parametrize("form", ["raw", "repr", "bytes repr", "json", "url", "url lower", "url plus", "basic",
                                  "basic urlsafe", "html", "one line"])
@pytest.mark.parametrize("where", ["message", "location"])
def test_a_secret_echoed_in_any_form_is_taken_out(wordpress: FakeWordPress, monkeypatch: pytest.MonkeyPatch,
                                                  form: str, where: str) -> None:
    monkeypatch.setenv("CMTUI_TEST_WP_PASSWORD", ODD_SECRET)
    echoed = forms_of(wordpress.user, ODD_SECRET)[form]

    def echo(req: BaseHTTPRequestHandler) -> None:
        read_json(req)
        if where == "location":  # a redirect naming it, far enough in for the cut to fall inside it
            req.send_response(302)
            req.send_header("Location", "https://blog.example.com/" + "x" * 160 + "?k=" + echoed)
            req.send_header("Content-Length", "0")
            req.end_headers()
        else:  # a message long enough for the cut to fall inside the secret if it were cut first
            send_json(req, 400, {"code": "echo", "message": "y" * 290 + " " + echoed + " was sent"})

    wordpress.server.handle("/wp-json/wp/v2/comments", echo)
    result = post_reply(wp_config(wordpress), ReplyTarget("wordpress", wordpress.site, 123, None), "Hello")
    assert not result.ok
    assert_no_form(result.error, wordpress.user, ODD_SECRET)


@pytest.mark.parametrize("key", ["q7z", "k", "Ab1!x"])
def test_a_very_short_secret_hides_the_whole_error(discourse: FakeDiscourse, monkeypatch: pytest.MonkeyPatch,
                                                   key: str) -> None:
    monkeypatch.setenv("CMTUI_TEST_DISCOURSE_KEY", key)

    def echo(req: BaseHTTPRequestHandler) -> None:
        read_json(req)
        send_json(req, 422, {"errors": [f"key {req.headers.get('Api-Key')} is not known here"]})

    discourse.server.handle("/posts.json", echo)
    result = post_reply(discourse_config(discourse), ReplyTarget("discourse", discourse.site, 77, None),
                        "A reply that is long enough to pass.")
    assert result == PostResult(False, status=422, error=SHORT_SECRET_HIDDEN)  # not "key q7z is not known here"


def test_no_piece_of_the_secret_survives_a_cut() -> None:
    """Texts are cut (one line of `limit` characters, a server's message's opening) after they are scrubbed,
    wherever the secret falls and however much the scrubbing or the cleaning shortened the text."""
    from cmtui.redact import Hide

    key = "k3y-" + "Z" * 20 + "-9q"
    hide = Hide.of("acme", key)
    for size in range(0, 3 * len(key) + 2):
        assert "k3y" not in hide.opening(key * 3, size) and "ZZ" not in hide.opening(key * 3, size)
    for pad in range(0, 1000, 7):
        for value in (key + " " * pad + key + " tail", "x" * pad + key, " " * pad + key * 2):
            line = hide.line(value, 200)
            assert "k3y" not in line and "ZZ" not in line and "9q" not in line, (pad, line)
