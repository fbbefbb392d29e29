"""cmtui: a terminal inbox for community managers."""

__version__ = "0.1.0"

import sys

# httpx imports its command-line client (rich, pygments) unless that import fails; cmtui never uses it. Kept: with
# `gc.freeze` in `cli.main` it decides the warm-sync floor (bench/RESULTS.md, session 7: final run).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
