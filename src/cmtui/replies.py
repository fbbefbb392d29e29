"""Everything about a reply except the editor: saved replies with variables, where a reply must be posted
(the hand-off URL), and the system clipboard. No UI, no SQL."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from cmtui import text

VARIABLE = re.compile(r"\{(\w+)\}")
TEMPLATE_SUFFIXES = (".txt", ".md")


@dataclass(frozen=True)
class ReplyContext:
    """What a saved reply can refer to."""

    author: str = ""
    post_title: str = ""
    feed_name: str = ""
    our_name: str = ""
    message: str = ""  # the message being answered, plain text

    def variables(self) -> dict[str, str]:
        author = text.one_line(self.author)
        first = re.split(r"[\s_.@]+", author.lstrip("@"))[0] if author else ""
        quote = "\n".join("> " + line for line in self.message.strip().splitlines()) if self.message else ""
        return {"author": author, "first_name": first, "name": author, "post_title": text.one_line(self.post_title),
                "title": text.one_line(self.post_title), "feed_name": text.one_line(self.feed_name),
                "feed": text.one_line(self.feed_name), "our_name": self.our_name, "quote": quote}


def fill(template: str, context: ReplyContext) -> str:
    """`{first_name}`-style variables filled in; an unknown or empty one is left visible as written, so the
    user sees what to fix (never an error)."""
    values = context.variables()

    def one(match: re.Match[str]) -> str:
        return values.get(match.group(1)) or match.group(0)

    return VARIABLE.sub(one, template)


def load_templates(inline: dict[str, str], folder: Path | None) -> dict[str, str]:
    """Saved replies: `[templates]` in feeds.toml, then one file per reply in the templates folder
    (file name without extension = the reply's name; a file wins over the same name in the config)."""
    found = dict(inline)
    if folder is not None and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                try:
                    found[path.stem] = path.read_text(encoding="utf-8").rstrip("\n")
                except (OSError, UnicodeDecodeError):
                    continue
    return found


def handoff_url(platform: str | None, post_url: str | None, message_url: str | None, home: str = "") -> str | None:
    """Where to post a reply by hand. WordPress: the post with ?replytocom=<comment id>#respond, which opens the
    comment form as a reply; a fediverse post, with `home` (`[identity] home`) set, on our own server
    (`fediverse_handoff`), where we are logged in; elsewhere the message's own permalink, else the post. Only
    http(s)."""
    message_url, post_url = text.safe_url(message_url), text.safe_url(post_url)
    if home and is_fediverse_post(message_url or post_url):
        return fediverse_handoff(home, message_url or post_url or "")
    if platform == "wordpress" and message_url:
        match = re.search(r"#comment-(\d+)$", message_url)
        if match:
            parts = urlsplit(message_url)
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "replytocom"]
            query.append(("replytocom", match.group(1)))
            return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), "respond"))
        return (post_url or message_url).split("#")[0] + "#respond"
    return message_url or post_url


# A post on a fediverse server: Mastodon (/@user/<id>, /users/user/statuses/<id>), Misskey (/notes/<id>),
# Akkoma and Pleroma (/notice/<id>, /objects/<uuid>), Lemmy (/post/<id>, /comment/<id>).
_FEDIVERSE_POST = re.compile(r"^(?:/@[\w.\-]+(?:@[\w.\-]+)?/\d+|/users/[\w.\-]+/statuses/\d+|/notes/\w+|/notice/\w+"
                             r"|/objects/[\w\-]+|/post/\d+|/comment/\d+)/?$")


def is_fediverse_post(url: str | None) -> bool:
    """Whether `url` is a post on a fediverse server (by its path, whatever the host)."""
    return bool(url) and bool(_FEDIVERSE_POST.match(urlsplit(url or "").path))


def fediverse_handoff(home: str, post_url: str) -> str:
    """The page of our own server where we can answer `post_url`: `home` with `{uri}` in it is a template (another
    server's search or interaction page, e.g. "https://lemmy.ml/search?q={uri}"); otherwise `home` is a Mastodon
    server, whose /authorize_interaction page fetches the post there and offers to reply."""
    uri = quote(post_url, safe="")
    if "{uri}" in home:
        return home.replace("{uri}", uri)
    return f"{home.rstrip('/')}/authorize_interaction?uri={uri}"


CLIPBOARD_TOOLS = (["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"],
                   ["pbcopy"], ["clip.exe"])


def copy_to_system_clipboard(value: str) -> str | None:
    """Copy with the first clipboard tool found; returns its name, or None when there is none (the app also
    copies through the terminal, OSC 52, which works over ssh)."""
    for command in CLIPBOARD_TOOLS:
        if shutil.which(command[0]):
            try:
                subprocess.run(command, input=value, text=True, timeout=5, check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            except (OSError, subprocess.SubprocessError):
                continue
            return command[0]
    return None
