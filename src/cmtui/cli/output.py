"""How the CLI prints: counted nouns, terminal-safe text and JSON, spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable

from cmtui import text


def plural(count: int, word: str, many: str = "") -> str:
    """`word` as it goes after `count`: "1 message", "2 messages" (`many` when adding an s is wrong)."""
    return word if count == 1 else many or word + "s"


def counted(count: int, word: str, many: str = "") -> str:
    """ "1 feed", "0 feeds", "3 replies": every count the CLI prints with its noun."""
    return f"{count} {plural(count, word, many)}"


def shown(value: object, limit: int = 0) -> str:
    """Text that came from the config, a feed or the store, as the terminal may show it: `text.one_line` (no
    escape sequence nor control character, one line). Every line the CLI prints goes through it."""
    return text.one_line(value if isinstance(value, str) else str(value), limit)


# What JSON leaves raw that a terminal may obey: DEL, the C1 controls (U+009B is CSI) and the bidi overrides.
_JSON_RAW_CONTROLS = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_RAW_CONTROLS_UTF8 = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def safe_json(value: object) -> str:
    """`value` as indented JSON whose text a terminal shows as it is: the same data (JSON escapes the C0
    controls, and these escape the rest: they only occur inside strings), non-ASCII letters left readable."""
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                  json.dumps(value, indent=2, ensure_ascii=False))


# The UTF-8 forms of what `_JSON_RAW_CONTROLS_UTF8` finds: a lead and the range of the byte after it.
_RAW_CONTROL_LEADS = ((b"\xc2", 0x80, 0x9f), (b"\xe2\x80", 0xaa, 0xae), (b"\xe2\x81", 0xa6, 0xa9))


def _has_raw_controls(chunk: bytes) -> bool:
    """Whether `chunk` holds DEL, a C1 control or a bidi override: `bytes.find` skips to each candidate lead,
    faster than the regular expression on a large `inbox --json` (measured in bench/RESULTS.md)."""
    if b"\x7f" in chunk:
        return True
    for lead, low, high in _RAW_CONTROL_LEADS:
        at = chunk.find(lead)
        while at != -1:
            after = at + len(lead)
            if after < len(chunk) and low <= chunk[after] <= high:
                return True
            at = chunk.find(lead, after)
    return False


def safe_json_bytes(chunk: bytes) -> bytes:
    """`safe_json` for UTF-8 JSON text made elsewhere (`inbox --json`, written by `triage.inbox_json_chunks`)."""
    if not _has_raw_controls(chunk):
        return chunk
    return _JSON_RAW_CONTROLS_UTF8.sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), chunk)


# What a spreadsheet reads as the start of a formula in a cell (=HYPERLINK(…), +, -, @): a text cell starting
# so gets a ' in front, which shows the text as text.
_FORMULA_START = ("=", "+", "-", "@")


def csv_cell(value: object) -> str | int | float:
    """One cell of `--csv` output: numbers as numbers, true/false, lists joined with "; ", and text sanitised
    like every other line (`text.one_line`: no escape sequence, no control character, one line), a ' before
    text a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        value = "; ".join(text.one_line(str(v)) for v in value)
    cell = text.one_line(str(value))
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_csv(header: list[str], rows: Iterable[Iterable[object]]) -> None:
    """A header row, then one row per item, as the standard library's CSV (RFC 4180) on stdout."""
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    sys.stdout.flush()
