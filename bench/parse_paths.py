#!/usr/bin/env python3
"""Parse cost of cmtui's two parse paths: the fast reader (`fastxml`, then feedparser for what it declines) and
feedparser alone, on the feeds a cold sync parses.

    .venv/bin/python bench/parse_paths.py --sites /tmp/sites          # gen_corpus.py's 400 feeds of urls.txt
    .venv/bin/python bench/parse_paths.py --dir /work/shared/corpus/real

For every document: `workers.parse_feed(body, url, headers, fast=...)` exactly as the sync calls it (the headers a
server would send, the config's own names), CPU time (`time.process_time`) of the whole call (reader +
per-entry analysis), and of the reader alone (`fastxml.read` / `feedparser.parse`). Each path runs --reps
times over the whole set, alternating, after one warm-up pass; the best (least disturbed) total is reported.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path

import feedparser

from cmtui import fastxml, workers
from cmtui.config import normalise_name

Doc = tuple[str, bytes, dict[str, str]]
TYPES = {".xml": "application/rss+xml; charset=UTF-8", ".atom": "application/atom+xml; charset=UTF-8"}


def sites_docs(root: Path) -> list[Doc]:
    """The feeds of gen_corpus.py's urls.txt (what the benchmark's cold sync fetches), as serve.py sends them."""
    docs = []
    for url in (root / "urls.txt").read_text().split():
        path = root / url.split("/", 3)[3] / "index.xml"
        docs.append((url, path.read_bytes(), {"Content-Type": TYPES[".xml"]}))
    return docs


def dir_docs(root: Path) -> list[Doc]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".md")
    return [(f"http://127.0.0.1:9/{p.relative_to(root)}", p.read_bytes(),
             {"Content-Type": TYPES.get(p.suffix, "application/xml")}) for p in files]


def cpu(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sites", type=Path, help="a gen_corpus.py --out folder: its urls.txt feeds")
    ap.add_argument("--dir", type=Path, help="every file below this folder")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--ours", default="Acme Support", help="our name, as in gen_corpus.py's feeds.toml")
    args = ap.parse_args()
    docs = sites_docs(args.sites) if args.sites else dir_docs(args.dir)
    ours = frozenset({normalise_name(args.ours)})
    now = time.time()

    def whole(fast: bool) -> Callable[[], object]:
        return lambda: [workers.parse_feed(b, u, h, now, fast, ours) for u, b, h in docs]

    def reader(fast: bool) -> Callable[[], object]:
        if fast:
            return lambda: [fastxml.read(b, u, {"content-type": h["Content-Type"]}) for u, b, h in docs]
        return lambda: [feedparser.parse(io.BytesIO(b), response_headers={"content-type": h["Content-Type"],
                                                                          "content-location": u},
                                         sanitize_html=False, resolve_relative_uris=False) for u, b, h in docs]

    taken = sum(fastxml.read(b, u, {"content-type": h["Content-Type"]}) is not None for u, b, h in docs)
    entries = sum(len(workers.parse_feed(b, u, h, now, True, ours).entries) for u, b, h in docs)
    size = sum(len(b) for _u, b, _h in docs)
    results: dict[str, list[float]] = {}
    for name, job in (("parse fast", whole(True)), ("parse feedparser", whole(False)),
                      ("reader fastxml", reader(True)), ("reader feedparser", reader(False))):
        job()  # warm-up: imports, caches
        results[name] = []
    for _ in range(args.reps):
        for name, job in (("parse fast", whole(True)), ("parse feedparser", whole(False)),
                          ("reader fastxml", reader(True)), ("reader feedparser", reader(False))):
            results[name].append(cpu(job))
    print(f"{len(docs)} documents, {size / 1e6:.1f} MB, {entries} entries; the fast reader takes {taken}")
    for name, times in results.items():
        print(f"{name:18} best {min(times):7.3f} s  median {sorted(times)[len(times) // 2]:7.3f} s  "
              f"({1000 * min(times) / len(docs):.2f} ms a document)")
    fast, slow = min(results["parse fast"]), min(results["parse feedparser"])
    print(f"without the fast path the parse costs {slow - fast:+.3f} s = {100 * (slow - fast) / fast:+.1f} % "
          f"of the parse time with it")


if __name__ == "__main__":
    main()
