"""Thread analysis (`cmtui.threads.analyse`) on one big conversation: 1k, 10k and 100k comments.

Three shapes, all under one blog post, ~5 % of the comments ours, authors drawn from a pool of 500:
  tree   each comment answers the post (30 %) or a random earlier comment (a forum-like tree)
  flat   no threading information: the whole conversation is one thread
  chain  each comment answers the one before it (a reply chain as deep as the conversation is long)

    .venv/bin/python bench/threads.py                      # the code in the working tree
    .venv/bin/python bench/threads.py --rev 8714570        # threads.py as it was at a git revision
    .venv/bin/python bench/threads.py --sizes 1000,10000 --limit 120

A size is skipped (shown as "-") once the size before it took longer than --limit seconds for that shape.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def load_threads(rev: str | None) -> ModuleType:
    if rev is None:
        sys.path.insert(0, str(ROOT / "src"))
        import cmtui.threads

        return cmtui.threads
    source = subprocess.run(["git", "show", f"{rev}:src/cmtui/threads.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "threads_at_rev.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("threads_at_rev", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the classes
    spec.loader.exec_module(module)
    return module


def conversation(threads: ModuleType, n: int, shape: str, seed: int = 1) -> list[Any]:
    rng = random.Random(seed)
    msg = threads.Msg
    out = [msg(1, None, False, True, False, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "author")]
    for i in range(2, n + 2):
        if shape == "flat":
            parent, explicit = None, False
        elif shape == "chain":
            parent, explicit = i - 1, True
        else:
            parent, explicit = (1 if rng.random() < 0.3 or i == 2 else rng.randrange(2, i)), True
        seconds = i * 7
        published = f"2026-01-{1 + seconds // 86400:02d}T{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:" \
                    f"{seconds % 60:02d}Z"
        ours = rng.random() < 0.05
        author = "acme support" if ours else f"person {rng.randrange(500)}"
        out.append(msg(i, parent, ours, False, explicit, published, published, author))
    rng.shuffle(out)  # the store gives them in its own order; analyse sorts
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", help="time threads.py as it was at this git revision")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--shapes", default="tree,flat,chain")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds; bigger sizes are skipped after this")
    parser.add_argument("--runs", type=int, default=3, help="best of N for runs under a second")
    args = parser.parse_args()
    threads = load_threads(args.rev)
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    print(f"threads.py at {args.rev or 'the working tree'}; Python {sys.version.split()[0]}")
    print(f"{'comments':>9}  " + "  ".join(f"{s:>10}" for s in shapes))
    skip = dict.fromkeys(shapes, False)
    for n in sizes:
        cells = []
        for shape in shapes:
            if skip[shape]:
                cells.append(f"{'-':>10}")
                continue
            messages = conversation(threads, n, shape)
            best = float("inf")
            for _ in range(args.runs):
                started = time.perf_counter()
                threads.analyse(messages, "blog")
                best = min(best, time.perf_counter() - started)
                if best > 1:
                    break
            skip[shape] = best > args.limit
            cells.append(f"{best:>9.3f}s")
        print(f"{n:>9}  " + "  ".join(cells), flush=True)


if __name__ == "__main__":
    main()
