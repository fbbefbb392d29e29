"""cmtui: a terminal inbox for community managers."""

__version__ = "0.1.0"

import sys

# httpx imports its command-line client (and with it rich and pygments, when installed) unless that fails:
# cmtui never uses it, and it costs every `cmtui sync` 70 ms and 5 MiB. httpx falls back to a stub.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
