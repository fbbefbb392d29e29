"""Hostile feeds and misbehaving servers, served from 127.0.0.1 next to good feeds: the good ones still sync,
the bad one gets a clear one-line reason, the exit code is 1, and nothing stored before is lost."""

from __future__ import annotations

import functools
import json
import sqlite3
import time
import zlib
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from cmtui.cli import cli
from cmtui.demo import sites
from cmtui.demo.server import FeedServer

from .helpers import write_config

FAST = "\n[sync]\ntimeout = 3\nconnect_timeout = 2\n"


def _quietly(handler):  # type: ignore[no-untyped-def]
    """Server-side handlers end when the client gives up; a broken pipe is expected, not an error."""
    def run(req: BaseHTTPRequestHandler) -> None:
        try:
            handler(req)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            pass
    return run


def trickle(req: BaseHTTPRequestHandler) -> None:
    req.send_response(200)
    req.send_header("Content-Type", "application/rss+xml")
    req.end_headers()
    for _ in range(30):
        req.wfile.write(b"<")
        req.wfile.flush()
        time.sleep(2)


def silent(req: BaseHTTPRequestHandler) -> None:
    time.sleep(8)


def huge(req: BaseHTTPRequestHandler) -> None:
    req.send_response(200)
    req.send_header("Content-Type", "application/rss+xml")
    req.send_header("Content-Length", str(300 * 2**20))
    req.end_headers()
    chunk = b"<rss>" + b" " * (2**20 - 5)
    for _ in range(300):
        req.wfile.write(chunk)


def huge_chunked(req: BaseHTTPRequestHandler) -> None:
    """No Content-Length: the cap must hold while streaming."""
    req.protocol_version = "HTTP/1.0"
    req.send_response(200)
    req.send_header("Content-Type", "application/rss+xml")
    req.send_header("Connection", "close")
    req.end_headers()
    chunk = b" " * 2**20
    for _ in range(300):
        req.wfile.write(chunk)


@functools.cache
def bomb() -> bytes:
    """1 GiB of zeros as about 1 MiB of gzip, built in slices so the test process never holds 1 GiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    zeros = b"\0" * 2**20
    return b"".join(packer.compress(zeros) for _ in range(1024)) + packer.flush()


def gzip_bomb(req: BaseHTTPRequestHandler) -> None:
    body = bomb()
    req.send_response(200)
    req.send_header("Content-Type", "application/rss+xml")
    req.send_header("Content-Encoding", "gzip")
    req.send_header("Content-Length", str(len(body)))
    req.end_headers()
    req.wfile.write(body)


def redirect_loop(req: BaseHTTPRequestHandler) -> None:
    req.send_response(302)
    req.send_header("Location", req.path)
    req.send_header("Content-Length", "0")
    req.end_headers()


def to_file(req: BaseHTTPRequestHandler) -> None:
    req.send_response(301)
    req.send_header("Location", "file:///etc/passwd")
    req.send_header("Content-Length", "0")
    req.end_headers()


@pytest.fixture
def hostile(server: FeedServer, tmp_path: Path) -> tuple[FeedServer, Path]:
    feeds = sites.install(server)
    bomb()  # built before the sync, so the server answers at once
    for path, handler in {"/trickle": trickle, "/silent": silent, "/huge": huge, "/huge-chunked": huge_chunked,
                          "/bomb": gzip_bomb, "/loop": redirect_loop, "/to-file": to_file}.items():
        server.handle(path, _quietly(handler))
    server.set("/error", "oops", status=500, validators=False, content_type="text/plain")
    server.set("/truncated", TRUNCATED)
    good = [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds]
    bad = [{"url": server.url(p), "name": p.strip("/")} for p in
           ("/trickle", "/silent", "/huge", "/huge-chunked", "/bomb", "/loop", "/to-file", "/error", "/truncated")]
    write_config(tmp_path / "feeds.toml", good + bad, names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url), extra=FAST)
    return server, tmp_path


TRUNCATED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title><link>http://cut.example/</link>
<item><title>First</title><link>http://cut.example/1</link><description>one</description></item>
<item><title>Second</title><link>http://cut.example/2</link><description>two</description></item>
<item><title>Third</title><link>http://cut.ex"""


def test_misbehaving_servers_fail_alone_with_clear_reasons(hostile: tuple[FeedServer, Path]) -> None:
    server, tmp = hostile
    args = ["--config", str(tmp / "feeds.toml"), "--db", str(tmp / "db.sqlite")]
    result = CliRunner().invoke(cli, ["sync", "--json", *args])
    assert result.exit_code == 1, result.output
    report = {f["name"]: f for f in json.loads(result.stdout)["feeds"]}
    for good in ("Acme Blog", "Acme Recipes", "Acme Community", "Mastodon #acmegrinder"):
        assert report[good]["status"] == "ok" and report[good]["new"] > 0
    expect = {
        "trickle": "timed out", "silent": "timed out", "huge": "too large", "huge-chunked": "too large",
        "bomb": "too large", "loop": "too many redirects", "to-file": "non-http(s)", "error": "HTTP 500",
    }
    for name, why in expect.items():
        assert report[name]["status"] == "error", (name, report[name])
        assert why in report[name]["error"], (name, report[name]["error"])
        assert "\n" not in report[name]["error"]
    # A truncated document keeps what parsed and says so.
    assert report["truncated"]["status"] == "ok" and report["truncated"]["new"] >= 2
    assert "malformed XML" in report["truncated"]["warning"]
    # The same reasons reach `cmtui feeds`.
    health = {f["name"]: f for f in json.loads(CliRunner().invoke(cli, ["feeds", "--json", *args]).stdout)}
    assert "too large" in health["bomb"]["last_error"]
    assert health["truncated"]["warning"].startswith("malformed XML")
    db = sqlite3.connect(tmp / "db.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_nothing_stored_is_lost_when_a_feed_turns_bad(server: FeedServer, tmp_path: Path) -> None:
    feeds = sites.install(server)
    config = write_config(tmp_path / "feeds.toml", [{"url": f.url, "name": f.name} for f in feeds],
                          names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url), extra=FAST)
    args = ["--config", str(config.path), "--db", str(tmp_path / "db.sqlite")]
    assert CliRunner().invoke(cli, ["sync", *args]).exit_code == 0
    def stored() -> set[tuple[str, str]]:
        return set(sqlite3.connect(tmp_path / "db.sqlite").execute("SELECT uid, text FROM messages").fetchall())

    before = stored()
    # Every feed now answers garbage, an HTML page or an error.
    server.set("/acme-blog/feed/", "<html><body>Maintenance</body></html>", content_type="text/html")
    server.set("/recipes/feeds/posts/default", b"\x00\x01garbage")
    server.set("/forum/latest.rss", "", status=503, headers={"Retry-After": "120"}, validators=False)
    server.set("/social/tags/acmegrinder.rss", "<rss><channel><item><title>x")
    result = CliRunner().invoke(cli, ["sync", *args])
    assert result.exit_code == 1
    assert before <= stored()  # every message, with its text, is still there
    assert "an HTML page, not a feed" in result.output
    assert "HTTP 503" in result.output


HOSTILE_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>[bold]Evil[/] &#x1b;[2J feed</title>
<link>http://evil.example/</link>
<item><title>[bold red]Pwned[/] &#x1b;]0;owned&#x7; title&#x9b;31m</title>
<link>javascript:alert(1)</link><guid isPermaLink="false">evil-1</guid>
<dc:creator>[link=file:///etc/passwd]admin[/link]&#x1b;[31m</dc:creator>
<description><![CDATA[<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(2)">click</a>
<img src="x" onerror="alert(3)"> [/] [bold]not bold[/bold] \x1b[2J\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\</p>]]>
</description></item>
<item><title>Dup</title><guid>dup</guid><description>first</description></item>
<item><title>Dup again</title><guid>dup</guid><description>second</description></item>
<item><title>No date, future date</title><guid>future</guid><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate>
<description>from the future</description></item>
</channel></rss>"""


def test_hostile_text_is_stored_as_plain_text(server: FeedServer, tmp_path: Path) -> None:
    server.set("/evil.rss", HOSTILE_ITEM.replace("\\x1b", "\x1b"))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/evil.rss"), "kind": "mentions"}])
    args = ["--config", str(config.path), "--db", str(tmp_path / "db.sqlite")]
    result = CliRunner().invoke(cli, ["sync", *args])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(tmp_path / "db.sqlite")
    rows = db.execute("SELECT title, author, text, html, url, published FROM messages ORDER BY id").fetchall()
    assert len(rows) == 3  # the duplicate guid is stored once
    stored = json.dumps(rows) + json.dumps(db.execute("SELECT title, url FROM conversations").fetchall())
    for bad in ("\\u001b", "\\u0007", "\\u009b", "javascript:", "<script", "onclick", "onerror"):
        assert bad not in stored, bad
    evil = next(r for r in rows if "Pwned" in r[0])
    assert "[bold red]Pwned[/]" in evil[0]  # markup-looking text is kept, literally
    assert evil[1].startswith("[link=file:///etc/passwd]admin")
    assert evil[4] is None  # a javascript: link is never kept
    future = [r for r in rows if r[0] == "No date, future date"][0]
    assert future[5] < "2100"  # a date in the future is not trusted
    out = CliRunner().invoke(cli, ["inbox", "--json", *args]).stdout
    assert "\\u001b" not in out and "javascript:" not in out


ENCODINGS = {
    "latin1-undeclared": ('<?xml version="1.0"?><rss version="2.0"><channel><title>Café</title><item>'
                          "<title>Crème brûlée</title><guid>l1</guid></item></channel></rss>").encode("latin-1"),
    "koi8r-declared": ('<?xml version="1.0" encoding="KOI8-R"?><rss version="2.0"><channel><title>Кофе</title>'
                       "<item><title>Кофемолка сломалась</title><guid>k1</guid></item></channel></rss>"
                       ).encode("koi8-r"),
    "gb2312": ('<?xml version="1.0" encoding="GB2312"?><rss version="2.0"><channel><title>咖啡</title>'
               "<item><title>磨豆机坏了</title><guid>g1</guid></item></channel></rss>").encode("gb2312"),
    "shift-jis": ('<?xml version="1.0" encoding="Shift_JIS"?><rss version="2.0"><channel><title>コーヒー</title>'
                  "<item><title>グラインダーが壊れた</title><guid>s1</guid></item></channel></rss>").encode("shift_jis"),
    "utf16-bom": ('<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>UTF-16</title>'
                  "<item><title>Grüße aus UTF-16</title><guid>u1</guid></item></channel></rss>").encode("utf-16"),
    "wrong-declaration": ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title>'
                          "<item><title>Naïve café</title><guid>w1</guid></item></channel></rss>").encode("cp1252"),
    "empty": b'<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title></channel></rss>',
}


def test_encodings_and_empty_feeds(server: FeedServer, tmp_path: Path) -> None:
    for name, body in ENCODINGS.items():
        server.set(f"/{name}.rss", body, content_type="application/xml")
    config = write_config(tmp_path / "feeds.toml", [
        {"url": server.url(f"/{n}.rss"), "name": n, "kind": "mentions"} for n in ENCODINGS])
    args = ["--config", str(config.path), "--db", str(tmp_path / "db.sqlite")]
    result = CliRunner().invoke(cli, ["sync", "--json", *args])
    assert result.exit_code == 0, result.output
    titles = {r[0] for r in sqlite3.connect(tmp_path / "db.sqlite").execute("SELECT title FROM messages")}
    assert {"Кофемолка сломалась", "磨豆机坏了", "グラインダーが壊れた", "Grüße aus UTF-16"} <= titles
    assert "Crème brûlée" in titles and "Naïve café" in titles


def test_ten_thousand_items_and_a_one_megabyte_comment(server: FeedServer, tmp_path: Path) -> None:
    items = "".join(f"<item><title>Item {i}</title><guid>i{i}</guid><description>Body {i}</description></item>"
                    for i in range(10_000))
    big = "<p>" + ("All work and no play makes a long comment. " * 24_000) + "</p>"
    server.set("/many.rss", f'<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>{items}'
                            "</channel></rss>")
    server.set("/big.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><item>'
                           f"<title>Long</title><guid>big</guid><description><![CDATA[{big}]]></description></item>"
                           "</channel></rss>")
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/many.rss"), "kind": "mentions"},
                                                    {"url": server.url("/big.rss"), "kind": "mentions"}])
    args = ["--config", str(config.path), "--db", str(tmp_path / "db.sqlite")]
    result = CliRunner().invoke(cli, ["sync", *args])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(tmp_path / "db.sqlite")
    assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 10_001
    assert db.execute("SELECT length(text) FROM messages WHERE title = 'Long'").fetchone()[0] > 1_000_000
    inbox = json.loads(CliRunner().invoke(cli, ["inbox", "--json", "--limit", "5", *args]).stdout)
    assert len(inbox) == 5 and all(len(i["latest"]["text"]) <= 280 for i in inbox)


def test_memory_stays_bounded_with_every_hostile_case(hostile: tuple[FeedServer, Path]) -> None:
    """Peak RSS of a real `cmtui sync` process over all the cases above (gzip bomb, 300 MB bodies, …),
    read from the process's own VmHWM (getrusage would count the forked test process too)."""
    import subprocess
    import sys

    _, tmp = hostile
    code = ("import atexit, sys\n"
            "def peak():\n"
            "    status = open('/proc/self/status').read()\n"
            "    print('VmHWM', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
            "atexit.register(peak)\n"
            "from cmtui.cli import main\n"
            "main()\n")
    done = subprocess.run([sys.executable, "-c", code, "sync", "--config", str(tmp / "feeds.toml"), "--db",
                           str(tmp / "db.sqlite")], capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stderr
    peak_kib = int(done.stderr.split("VmHWM")[-1].split()[0])
    print(f"peak RSS of the hostile sync: {peak_kib / 1024:.0f} MiB")
    assert peak_kib / 1024 < 400, f"peak RSS {peak_kib / 1024:.0f} MiB"
