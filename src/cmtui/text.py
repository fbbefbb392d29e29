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
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "p", "br", "blockquote", "q", "cite", "em", "strong", "b", "i", "u", "s", "del", "ins", "code", "pre",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sub", "sup", "span", "div", "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"alt"}}
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
    if limit and len(value or "") > limit * 4 + 64:
        value = (value or "")[: limit * 4 + 64]  # a 1 MB comment needs only its opening here
    text = " ".join(clean(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_UNSAFE_IN_URL = re.compile("[\\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")


# An absolute http(s) URL whose host is plain letters, digits, dots and dashes: the common case, which needs no
# urlsplit (nor httpx) to be known usable, once its port is in range and its host's labels are not too long.
PLAIN_HTTP_URL = re.compile(r"(?i)https?://([a-z0-9.-]+)(?::(\d{1,5}))?(?:[/?#]|$)")
_LABEL = re.compile(r"[^.]{64}")  # a DNS label is at most 63 characters (longer ones fail in the resolver)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched as a feed, in words that name it, or None when it can: an absolute http(s)
    URL with a host, a port in 1-65535, well-formed IPv6 brackets, no space nor control character, and nothing
    httpx would refuse. The one check of every address cmtui reads: the config, OPML lists, `cmtui add`, links in
    feeds and pages (through `safe_url`), redirects, and every address a sync is about to fetch."""
    why = _url_problem(url)
    if why is None:
        return None
    return f"{url if len(url) <= 200 else url[:199] + '…'!r} {why}"


def _url_problem(url: str) -> str | None:
    if _UNSAFE_IN_URL.search(url):
        return "contains a space or a control character"
    plain = PLAIN_HTTP_URL.match(url)
    if plain:
        host, port = plain.groups()
        if port is not None and not 0 < int(port) <= 65535:
            return "has a port out of range (1-65535)"
        if len(host) > 253 or _LABEL.search(host):
            return "has a host name too long"
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", …
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL"
    if not parts.hostname:
        return "has no host"
    if port == 0:
        return "has a port out of range (1-65535)"
    if parts.hostname.isascii() and (len(parts.hostname) > 253 or _LABEL.search(parts.hostname)):
        return "has a host name too long"
    import httpx  # only for the uncommon addresses (IPv6, international names): what it refuses cannot be fetched

    try:
        httpx.URL(url)
    except Exception as exc:  # noqa: BLE001 - InvalidURL, the idna codec's errors: every refusal is a reason
        return f"is not a valid URL ({one_line(str(exc), 120) or type(exc).__name__})"
    return None


def safe_url(url: str | None) -> str | None:
    """`url` (stripped) if it is a usable absolute http(s) URL (`url_problem`), else None."""
    if not url:
        return None
    url = url.strip()
    return None if url_problem(url) else url


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


_HREF = re.compile(r'(<a\s[^>]*?href=")([^"]*)(")')


def absolute_links(html: str, base: str | None) -> str:
    """Sanitised HTML with every link made absolute against `base` (links that stay relative or turn into
    something else than http(s)/mailto lose their href)."""
    if not base or "href=" not in html:
        return html

    def fix(match: re.Match[str]) -> str:
        href = unescape(match.group(2))
        absolute = href if href.startswith("mailto:") else safe_url(urljoin(base, href))
        if absolute is None:
            return match.group(1)[:-len('href="')].rstrip() + " "
        return match.group(1) + absolute.replace("&", "&amp;").replace('"', "&quot;") + match.group(3)

    return _HREF.sub(fix, html)


_BREAK = re.compile(r"<br\s*/?>", re.I)
_ITEM = re.compile(r"<li\b[^>]*>", re.I)
_BLOCK_TAG = re.compile(r"</?(?:p|div|blockquote|pre|ul|ol|h[1-6]|hr)\b[^>]*>", re.I)
_IMG_ALT = re.compile(r'<img\b[^>]*?\balt="([^"]*)"[^>]*>', re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_MANY_LINES = re.compile(r"\n{3,}")


def to_text(html: str | None) -> str:
    """Readable plain text of an HTML fragment: paragraphs, line breaks and list items kept; scripts,
    styles and every other tag dropped. Works on `safe_html`'s output, whose markup is regular."""
    if not html:
        return ""
    if "<" not in html:
        return clean(unescape(html)).strip()
    return sanitized_to_text(safe_html(html))


def sanitized_to_text(html: str) -> str:
    """`to_text` for HTML that already went through `safe_html`."""
    out = html.replace("\n", " ")
    out = _BREAK.sub("\n", out)
    out = _ITEM.sub("\n• ", out)
    out = _BLOCK_TAG.sub("\n\n", out)
    out = _IMG_ALT.sub(lambda m: m.group(1), out)
    out = unescape(_TAG.sub("", out)).replace("\xa0", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in out.split("\n")]
    return clean(_MANY_LINES.sub("\n\n", "\n".join(lines)).strip())
