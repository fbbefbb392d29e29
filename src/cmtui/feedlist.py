"""The feeds list in `feeds.toml`: adding `[[feeds]]` tables, and reading the OPML subscription list another
reader exports (`cmtui add`, `cmtui import-opml`).

`append_feeds()` edits the config with tomlkit so the user's comments and layout survive, and never leaves a
broken file behind: the new text is checked like any config before it replaces the file.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import listparser
import tomlkit
import tomlkit.exceptions
from tomlkit.items import AoT, Array, Comment, Table, Whitespace

from cmtui import platforms, text
from cmtui.config import ConfigError, check_url, load

NEW_CONFIG = """\
# cmtui: the feeds of your community, one [[feeds]] table each.
# Add more with `cmtui add URL` or `cmtui import-opml FILE`, or by hand:
# url, name, kind (blog | forum | mentions), tags.

[identity]
# Put the brand's author names here, as they appear on blog comments (e.g. "Acme Support"):
# cmtui treats their replies as answers and never asks you to reply to yourself.
names = []
# And the brand's accounts where there are accounts: "@name@server" (Mastodon and the fediverse,
# Lemmy, a Discourse forum), "u/name" (Reddit), "@name.bsky.social" (Bluesky), or a profile URL.
# There only these are you: the same name from another account is flagged as impersonating you.
handles = []
"""


# -- feeds.toml --------------------------------------------------------------------


def _same_url(url: str) -> str:
    return url.strip().rstrip("/")


def _new_table(feed: dict[str, Any], url: str) -> Table:
    table = tomlkit.table()
    table.add("url", url)
    name = text.one_line(str(feed.get("name") or ""), 200)
    if name:
        table.add("name", name)
    if feed.get("kind"):
        table.add("kind", str(feed["kind"]))
    if isinstance(feed.get("follow_comments"), bool):
        table.add("follow_comments", feed["follow_comments"])
    tags = list(dict.fromkeys(t for t in (text.one_line(str(x), 100) for x in feed.get("tags") or []) if t))
    if tags:
        table.add("tags", tags)
    return table


def append_feeds(config_path: Path, feeds: list[dict[str, Any]]) -> list[str]:
    """Append `[[feeds]]` tables (url, name, kind, tags) to `config_path`, keeping its comments and layout.

    URLs already there are skipped. A missing file is created with an `[identity]` table to fill in.
    The result is checked like any config before it replaces the file, so on `ConfigError` the file is
    as it was. Returns the URLs added.
    """
    target = Path(os.path.realpath(config_path))  # through a symlink, not over it
    exists = target.exists()
    doc = _read_document(target, config_path, exists)
    current = doc.get("feeds")
    if current is not None and not isinstance(current, AoT | Array):
        raise ConfigError(config_path, "feeds", "must be a list of [[feeds]] tables")
    present = {_same_url(t["url"]) for t in current or [] if isinstance(t, dict) and isinstance(t.get("url"), str)}
    added, tables = _new_tables(feeds, present)
    if not tables and exists:
        return []
    if isinstance(current, Array):  # feeds = [{ url = "..." }, ...]: keep the user's inline style
        _append_inline(current, tables)
    elif isinstance(current, AoT):
        _append_to_tables(doc, current, tables)
    elif tables:
        _append_first_tables(doc, tables)
    rendered = doc.as_string().rstrip() + "\n" if tables else doc.as_string()
    _replace_checked(target, config_path, rendered)
    return added


def _read_document(target: Path, config_path: Path, exists: bool) -> tomlkit.TOMLDocument:
    """The config file as a tomlkit document (NEW_CONFIG when there is none yet)."""
    if exists:
        try:
            original = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(config_path, "", f"cannot read: {exc}") from None
    else:
        original = NEW_CONFIG
    try:
        return tomlkit.parse(original if not original or original.endswith("\n") else original + "\n")
    except tomlkit.exceptions.TOMLKitError as exc:
        raise ConfigError(config_path, "", f"not valid TOML: {exc}") from None


def _new_tables(feeds: list[dict[str, Any]], present: set[str]) -> tuple[list[str], list[Table]]:
    """(URLs, tables) of the feeds not `present` yet, each once."""
    added: list[str] = []
    tables: list[Table] = []
    for feed in feeds:
        url = str(feed.get("url") or "").strip()
        if not url or _same_url(url) in present:
            continue
        present.add(_same_url(url))
        added.append(url)
        tables.append(_new_table(feed, url))
    return added, tables


def _append_inline(current: Array, tables: list[Table]) -> None:
    """To `feeds = [{ url = "..." }, ...]`, as inline tables."""
    for table in tables:
        inline = tomlkit.inline_table()
        inline.update(table.unwrap())
        current.append(inline)


def _append_to_tables(doc: tomlkit.TOMLDocument, current: AoT, tables: list[Table]) -> None:
    """After the last `[[feeds]]` table, a blank line apart, and above the comments that introduce the table
    after them."""
    preamble = _next_table_comments(doc, current)
    if len(current) and not current[-1].as_string().endswith("\n\n"):
        current[-1].add(tomlkit.nl())  # a blank line between the last table and the new ones
    for table in tables:
        table.add(tomlkit.nl())
        current.append(table)
    for item in preamble:
        tables[-1].add(item)


def _append_first_tables(doc: tomlkit.TOMLDocument, tables: list[Table]) -> None:
    """The first `[[feeds]]` tables of the file, at its end."""
    if doc.as_string().strip() and not doc.as_string().endswith("\n\n"):
        doc.add(tomlkit.nl())
    aot = tomlkit.aot()
    for table in tables:
        aot.append(table)
    doc.append("feeds", aot)


def _next_table_comments(doc: tomlkit.TOMLDocument, feeds: AoT) -> list[Comment | Whitespace]:
    """Take the comments that end the last [[feeds]] table but introduce the table after it.

    tomlkit keeps a comment above `[sync]` in the body of the table before it; new feeds must go
    above that comment, not between it and `[sync]`. Comments set off from the last key by a blank
    line count as the next table's, and only when a table does follow.
    """
    if not len(feeds):
        return []
    position = next((i for i, (_, item) in enumerate(doc.body) if item is feeds), None)
    if position is None or not any(key is not None for key, _ in doc.body[position + 1:]):
        return []
    body = feeds[-1].value.body
    start = len(body)
    while start and body[start - 1][0] is None and isinstance(body[start - 1][1], Comment | Whitespace):
        start -= 1
    blank = next((i for i in range(start, len(body)) if isinstance(body[i][1], Whitespace)
                  and body[i][1].as_string().count("\n") >= 1 and not body[i][1].as_string().strip(" \t\n")), None)
    if blank is None or not any(isinstance(item, Comment) for _, item in body[blank + 1:]):
        return []
    moved = [item for _, item in body[blank + 1:] if isinstance(item, Comment | Whitespace)]  # all of them, as above
    del body[blank + 1:]
    return moved


def _replace_checked(target: Path, config_path: Path, content: str) -> None:
    """Write `content` to a temporary file beside `target`, read it back as a config, then swap it in."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(config_path, "", f"cannot write: {exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        if target.exists():
            os.chmod(tmp, stat.S_IMODE(target.stat().st_mode))
        try:
            load(tmp)
        except ConfigError as exc:
            raise ConfigError(config_path, exc.key, f"{exc.why} (the file was left as it was)") from None
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(config_path, "", f"cannot write: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# -- OPML --------------------------------------------------------------------------


def _opml_bytes(data: bytes) -> bytes:
    """`data` as UTF-8 (listparser decodes UTF-8 only): BOM removed, a declared legacy encoding honoured."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):]
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    match = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9_.:-]+)[\"']", data)
    encoding = match.group(1).decode("ascii") if match else "cp1252"
    try:
        return data.decode(encoding).encode("utf-8")
    except (LookupError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot decode it as {encoding}: {exc}") from None


@dataclass
class Skipped:
    """An outline of an OPML file that gives no feed to import: how it is named (its title and address) and why."""

    outline: str
    why: str


@dataclass
class OpmlList:
    """What an OPML file gives: the feeds to import, and every outline that names something else (`Skipped`)."""

    feeds: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def read_opml(path: Path) -> list[dict[str, Any]]:
    """The feeds of an OPML subscription list: url, name (its title) and tags (its categories, folders included)."""
    return read_opml_list(path).feeds


def read_opml_list(path: Path) -> OpmlList:
    """`read_opml`'s feeds, and the outlines it cannot use (`Skipped`): an address that is not http(s) (ftp:,
    file:, mailto: …), a feed listed twice, another subscription list, a web page without its feed, an outline of
    type rss without an address. A broken http(s) address is a `ConfigError` naming its outline: a typo to fix."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read: {exc}") from None
    try:
        data = _opml_bytes(data)
        result = listparser.parse(data)  # bytes: a str could be taken for a URL and fetched
    except Exception as exc:  # noqa: BLE001 - a hostile file must end in a message
        raise ConfigError(path, "", f"not an OPML file: {type(exc).__name__}: {text.one_line(str(exc), 200)}") from None
    if not result.get("version"):
        why = result.get("bozo_exception")
        raise ConfigError(path, "", "not an OPML file" + (f": {text.one_line(str(why), 200)}" if why else ""))
    feeds: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(result.get("feeds", [])):
        url = str(item.get("url") or "").strip()
        why = check_url(url)
        if why and url.lower().startswith(("http://", "https://")):  # a feed's address, broken: say which
            title = text.one_line(str(item.get("title") or ""), 60)
            raise ConfigError(path, f"outline {title!r} xmlUrl" if title else f"outline {index + 1} xmlUrl", why)
        if why or _same_url(url) in seen:
            continue  # not a web feed (file:, mailto: …), or listed twice: `_skipped` says so
        seen.add(_same_url(url))
        feeds.append(_opml_feed(item, url))
    return OpmlList(feeds, _skipped(data))


class _Outlines(HTMLParser):
    """Every `<outline>` of an OPML file, in order, with its attributes (names lower-case) and whether it holds
    other outlines: read as listparser reads the file (an HTML parser, tolerant of broken XML)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outlines: list[tuple[dict[str, str], bool]] = []
        self._open: list[int] = []  # indices of the outlines not closed yet

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "outline":
            return
        if self._open:
            self.outlines[self._open[-1]] = (self.outlines[self._open[-1]][0], True)
        self._open.append(len(self.outlines))
        self.outlines.append(({k: (v or "").strip() for k, v in attrs}, False))

    def handle_endtag(self, tag: str) -> None:
        if tag == "outline" and self._open:
            self._open.pop()


def _skipped(data: bytes) -> list[Skipped]:
    """The outlines of `data` (UTF-8 OPML) that give no feed to import, and why: each address not a usable
    http(s) one, each feed listed again, each link to another list or to a web page, each rss outline without an
    address. Folders and notes (outlines without an address) are not feeds, and not reported."""
    parser = _Outlines()
    try:
        parser.feed(data.decode("utf-8", errors="replace"))
        parser.close()
    except Exception:  # noqa: BLE001 - listparser read the same file: what was walked is reported
        pass
    skipped: list[Skipped] = []
    first: dict[str, str] = {}  # a feed's address → the outline that listed it first
    for position, (attrs, has_children) in enumerate(parser.outlines, 1):
        label = _outline_label(attrs, position)
        why = _unusable(attrs, has_children)
        url = attrs.get("xmlurl", "")
        if why is None and url:
            if _same_url(url) in first:
                why = f"listed twice: the same feed as {first[_same_url(url)]}"
            first.setdefault(_same_url(url), label)
        if why:
            skipped.append(Skipped(label, why))
    return skipped


def _unusable(attrs: dict[str, str], has_children: bool) -> str | None:
    """Why an outline gives no feed (`_skipped`), None when it does or names nothing (a folder, a note); in
    listparser's order: an xmlUrl makes a feed unless the type is "source"."""
    kind = attrs.get("type", "").lower()
    if "xmlurl" in attrs and kind != "source":
        url = attrs["xmlurl"]
        if not url:
            return "no feed address (its xmlUrl is empty)"
        problem = check_url(url)
        return "its address " + problem.removeprefix(f"{url!r} ") if problem else None
    if kind in ("link", "include", "source"):
        return "another subscription list: import that file itself"
    if attrs.get("htmlurl") and not has_children:
        return "a web page, not a feed: `cmtui add` its address to find its feed"
    if kind in ("rss", "atom"):
        return "no feed address (no xmlUrl)"
    return None


def _outline_label(attrs: dict[str, str], position: int) -> str:
    """An outline as a message names it: its title (else its position) and its address."""
    title = text.one_line(attrs.get("text") or attrs.get("title") or "", 60)
    address = text.one_line(attrs.get("xmlurl") or attrs.get("url") or attrs.get("htmlurl") or "", 120)
    name = f'outline "{title}"' if title else f"outline {position}"
    return f"{name} ({address})" if address else name


def _opml_feed(item: Any, url: str) -> dict[str, Any]:
    """One outline as a feed to add: its title is the name, its categories (folders included) the tags."""
    tags = [text.one_line(str(part), 100) for path_ in item.get("categories") or [] for part in path_]
    feed: dict[str, Any] = {
        "url": url,
        "name": text.one_line(str(item.get("title") or ""), 200),
        "tags": list(dict.fromkeys(t for t in tags if t)),
    }
    if platforms.is_listening(url, feed["name"]):
        feed["kind"] = "mentions"  # a search, tag or alert; any other kind is detected when synced
    return feed
