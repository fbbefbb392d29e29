"""Feeds that do not say their encoding: detected (charset-normalizer) and re-encoded to UTF-8 before parsing.

A declared charset, a byte order mark and valid UTF-8 are never second-guessed: nearly every feed costs a header
check and one UTF-8 validation.
"""

from __future__ import annotations

import codecs
import re

_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?\sencoding\s*=")
_META_CHARSET = re.compile(rb"<meta\s[^>]*charset", re.I)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)  # UTF-32's marks start like UTF-16's
DETECT_BYTES = 256 * 1024  # what the detector reads at most: plenty of text, and a bounded cost on a 15 MiB body


def declares_encoding(head: bytes, headers: dict[str, str]) -> bool:
    """Whether a document says what its encoding is: a charset in its Content-Type, a byte order mark, an XML
    declaration's encoding, an HTML `<meta charset>`, or the zero bytes of UTF-16/32 that XML's own detection
    reads. `head`: the document's first kilobyte or so."""
    ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if any(p.partition("=")[0].strip().lower() == "charset" for p in ctype.split(";")[1:]):
        return True
    return (head.startswith(_BOMS) or b"\x00" in head[:4] or bool(_XML_ENCODING.match(head))
            or bool(_META_CHARSET.search(head)))


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return True
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(body: bytes) -> str | None:
    """charset-normalizer's guess at the encoding of `body` (a codec name), from its first `DETECT_BYTES` cut
    before a `<` (never inside a character in the encodings it tells apart); None when it has no guess, or when
    windows-1252 reads the bytes as well as its guess: that is feedparser's own fallback, so leaving such a body
    as it is keeps what undeclared Western feeds always gave (a short text can look like several encodings)."""
    from charset_normalizer import from_bytes  # only for the rare body that needs it: 40 ms to import

    sample = body
    if len(body) > DETECT_BYTES:
        cut = body.rfind(b"<", 0, DETECT_BYTES)
        sample = body[:cut if cut > 0 else DETECT_BYTES]
    matches = from_bytes(sample)
    best = matches.best()
    if best is None:
        return None
    if "cp1252" in best.could_be_from_charset or any(
            m.encoding == "cp1252" and m.chaos <= best.chaos for m in matches):
        return None
    return best.encoding


def undeclared_to_utf8(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """(body, headers) for the readers: a body that declares no encoding (`declares_encoding`) and is not UTF-8
    comes back decoded with `detect_encoding`'s guess and written in UTF-8, its Content-Type (if any) saying
    charset=utf-8; anything else (nearly every feed: declared, or UTF-8) as it is, at the cost of a header and
    prefix check and, without a declaration, one UTF-8 validation. A declared charset is never second-guessed,
    even a wrong one: feedparser has its own ways with those."""
    if declares_encoding(body[:1024], headers) or _is_utf8(body):
        return body, headers
    encoding = detect_encoding(body)
    if encoding is None:
        return body, headers
    converted = body.decode(encoding, errors="replace").encode("utf-8")
    fixed = {}
    for key, value in headers.items():
        fixed[key] = value.split(";")[0].strip() + "; charset=utf-8" if key.lower() == "content-type" else value
    return converted, fixed


# -- classification ------------------------------------------------------------------
