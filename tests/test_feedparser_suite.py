"""The fast reader (`fastxml`) reads every document it accepts exactly as feedparser alone does: on all 2,106
feed files of feedparser's own test suite and on the real-world corpus, the whole `ParsedFeed` (every `Entry`
field cmtui stores: uid and content hash, url, author, date, html, text, conversation keys…) is the same with
the fast path forced on and forced off. A feed whose body switches between the two paths is then stored once.

The files are not in this repository (feedparser's licence is in the folder with them); CI has them in
/work/shared/corpus/. Each is parsed with the HTTP headers its `Header:` comment lines give (as feedparser's
harness serves them), and again with the Content-Type WordPress sends, and with text/xml and a charset.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from cmtui import fastxml
from cmtui.parse import parse

from .conftest import SHARED

SUITE = SHARED / "corpus" / "feedparser-suite"
REAL = SHARED / "corpus" / "real"
BASE = "http://127.0.0.1:9/feed/"
HEADER = re.compile(rb"^\s*Header:\s*([\w-]+):\s*(.*?)\s*$", re.M)
SERVED = {
    "as-served": {},
    "wordpress": {"Content-Type": "application/rss+xml; charset=UTF-8"},
    "text-xml": {"Content-Type": "text/xml; charset=utf-8"},
}


def documents(root: Path) -> list[Path]:
    if not root.is_dir():
        pytest.skip(f"{root} is not here: feedparser's test suite and the real-world feeds are only in the "
                    "project's CI (/work/shared/corpus/), not in a clone of the repository")
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix not in (".md", ".txt") and
                  p.name != "LICENSE")


def file_headers(body: bytes) -> dict[str, str]:
    """The headers feedparser's test harness would send with this file (its `Header:` comment lines)."""
    head = body[:2048]
    return {k.decode(): v.decode("latin-1") for k, v in HEADER.findall(head)} if b"Header:" in head else {}


def differences(root: Path, served: dict[str, str]) -> tuple[int, int, list[str]]:
    """(documents, documents the fast reader accepts, those it reads differently from feedparser alone)."""
    files = documents(root)
    accepted, different = 0, []
    for path in files:
        body = path.read_bytes()
        headers = {**file_headers(body), **served}
        url = headers.get("Content-Location", BASE)
        if fastxml.read(body, url, {k.lower(): v for k, v in headers.items()}) is None:
            continue
        accepted += 1
        fast = dataclasses.asdict(parse(body, url, headers, now=1.8e9, fast=True))
        slow = dataclasses.asdict(parse(body, url, headers, now=1.8e9, fast=False))
        if fast != slow:
            fields = sorted({k for k in fast if fast[k] != slow[k] and k != "entries"} | {
                f"entries.{k}" for a, b in zip(fast["entries"], slow["entries"], strict=False) for k in a
                if a[k] != b[k]})
            if len(fast["entries"]) != len(slow["entries"]):
                fields.append(f"{len(fast['entries'])} entries vs {len(slow['entries'])}")
            different.append(f"{path.relative_to(root)}: {', '.join(fields)}")
    return len(files), accepted, different


@pytest.mark.parametrize("served", list(SERVED))
def test_feedparser_suite_reads_the_same_both_ways(served: str) -> None:
    total, accepted, different = differences(SUITE / "tests", SERVED[served])
    assert total == 2106
    assert accepted >= 500  # the fast path still takes the plain RSS 2.0 / Atom files
    assert not different, "\n".join(different)


@pytest.mark.parametrize("served", list(SERVED))
def test_real_feeds_read_the_same_both_ways(served: str) -> None:
    total, accepted, different = differences(REAL, SERVED[served])
    assert total >= 59
    assert accepted >= 20
    assert not different, "\n".join(different)
