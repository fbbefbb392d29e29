"""Turn hostile feed HTML into safe HTML and plain text.

Everything a stranger wrote goes through here before it is stored:
- `safe_html` keeps a small set of formatting tags (nh3 / ammonia), drops scripts,
  event handlers and every link that is not http(s) or mailto;
- `to_text` gives readable plain text with paragraph breaks;
- `clean` removes control characters and terminal escape sequences (ANSI CSI, OSC …)
  from any string (titles, authors, bodies), so nothing can drive the terminal.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "blockquote", "q", "cite", "em", "strong", "b", "i", "u", "s", "del", "ins", "code", "pre",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sub", "sup", "span", "div",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte escapes,
# and the 8-bit C1 forms of CSI/OSC.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, terminated by BEL or ST (or unterminated)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]?"  # other escapes (and a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x9d[^\x07\x9c]*[\x07\x9c]?"  # 8-bit OSC
)
# C0 controls except tab and newline, DEL, C1 controls, and Unicode bidi overrides used for spoofing.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean(value: str | None) -> str:
    """`value` without terminal escape sequences and control characters (tab and newline stay)."""
    if not value:
        return ""
    return _CONTROLS.sub("", _ESCAPES.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))


def one_line(value: str | None, limit: int = 0) -> str:
    """`clean(value)` on one line with runs of whitespace collapsed; cut to `limit` characters."""
    text = " ".join(clean(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL without control characters, else None."""
    if not url:
        return None
    url = url.strip()
    if _CONTROLS.search(url) or "\x1b" in url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def safe_html(html: str | None) -> str:
    """Sanitised HTML: formatting and http(s)/mailto links only."""
    if not html:
        return ""
    return nh3.clean(
        clean(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


_BLOCK = {
    "p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "tr",
    "section", "article", "header", "footer", "figure", "figcaption", "dl", "dt", "dd",
}
_SKIP = {"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg", "math"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def to_text(html: str | None) -> str:
    """Readable plain text of an HTML fragment: paragraphs kept, markup, scripts and styles dropped."""
    if not html:
        return ""
    if "<" not in html:
        return clean(unescape(html)).strip()
    parser = _TextParser()
    parser.feed(clean(html))
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return clean(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip())
