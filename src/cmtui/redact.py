"""Taking a secret (an Application Password, an API key) out of any text before it is shown: server messages,
exception texts, error lines. Used by `posting`, which must never let a secret out in a result or an error.
"""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

from cmtui import text

SHORT_SECRET = 8  # characters: an error text holding any form of a shorter secret is hidden whole
SHORT_SECRET_HIDDEN = ("the error's details are hidden: they contain the password or API key, which is too short "
                       "to take out of them safely (use a longer one)")


class Hide:
    """Takes a secret out of text, in every form it can take there: as sent, without the spaces WordPress shows
    in Application Passwords, as Python's str and bytes repr quote it (h11's and httpx's errors), escaped for
    JSON, HTML or URLs, base64 alone and as `user:secret` (Basic auth), each also as cleaning a text for the
    screen leaves it (control characters out, whitespace collapsed). Matching ignores case (percent-escapes
    come in both) and covers overlapping occurrences. A secret shorter than SHORT_SECRET characters could be
    anywhere in a text in pieces: a text holding any form of it is replaced as a whole."""

    def __init__(self, forms: list[str], short: bool) -> None:
        forms = sorted({f for f in forms if f}, key=len, reverse=True)
        self.longest = len(forms[0]) if forms else 0
        self.pattern = re.compile("(?=(" + "|".join(map(re.escape, forms)) + "))", re.IGNORECASE) if forms else None
        self.short = short

    @classmethod
    def of(cls, user: str, key: str) -> Hide:
        forms: list[str] = []
        for k in dict.fromkeys((key, key.strip(), key.replace(" ", ""), "".join(key.split()))):
            if not k:
                continue
            forms += [k, repr(k)[1:-1], repr(k.encode())[2:-1], k.encode("unicode_escape").decode("ascii"),
                      json.dumps(k)[1:-1], json.dumps(k, ensure_ascii=False)[1:-1], html.escape(k),
                      html.escape(k, quote=False), quote(k, safe=""), quote_plus(k, safe=""), quote(k)]
            for raw in (k.encode(), f"{user}:{k}".encode()):
                for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
                    forms += [encoded.decode(), encoded.decode().rstrip("=")]
        forms += [text.one_line(f) for f in forms] + [text.clean(f) for f in forms]
        return cls(forms, len(key.strip()) < SHORT_SECRET)

    def scrub(self, value: str, end: int | None = None) -> str:
        """`value` with every form of the secret replaced by •••; with `end`, only what stands before that
        position (a form that starts before it goes whole)."""
        stop = len(value) if end is None else min(end, len(value))
        if self.pattern is None or not value:
            return value[:stop]
        spans = [(m.start(), m.start() + len(m.group(1))) for m in self.pattern.finditer(value) if m.group(1)]
        if not spans:
            return value[:stop]
        if self.short:
            return SHORT_SECRET_HIDDEN
        out: list[str] = []
        pos = 0
        for first, last in spans:  # in order of their starts; overlapping ones are merged
            if first >= stop:
                break
            if first > pos or not out:
                out += [value[pos:first], "•••"]
            pos = max(pos, last)
        out.append(value[pos:stop])
        return "".join(out)

    def opening(self, value: str, size: int) -> str:
        """The first `size` characters of `value`, scrubbed: cut first, a form that the cut goes through would
        not be found, so `longest` characters more are searched."""
        return self.scrub(value[: size + self.longest], end=size)

    def line(self, value: str | None, limit: int) -> str:
        """`value` scrubbed, then made one clean line cut to `limit` (never cut before scrubbing: a cut form
        would not be found), then scrubbed again (in case cleaning made a form). Only the opening `one_line`
        reads is read."""
        value = value or ""
        return self.scrub(text.one_line(self.opening(value, limit * 4 + 64) if limit else self.scrub(value), limit))
