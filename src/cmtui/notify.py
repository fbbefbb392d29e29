"""`[notify] command`: after a sync, tell the user *what* needs an answer.

The command runs once, through the shell, with the newly urgent conversations as a JSON array on stdin
(title, feed, author, excerpt, reasons, priority, url), e.g. `notify-send`, an ntfy `curl`, a mail script.
"""

from __future__ import annotations

import json
import subprocess

from cmtui.config import Config
from cmtui.triage import InboxItem

TIMEOUT = 30


def payload(items: list[InboxItem]) -> str:
    return json.dumps([{
        "id": i.id, "title": i.title, "feed": i.feed, "author": i.latest.author, "excerpt": i.latest.text,
        "reasons": i.reasons, "priority": i.priority, "url": i.latest.url or i.url,
    } for i in items], ensure_ascii=False, indent=2)


def urgent(items: list[InboxItem], touched: set[int], config: Config) -> list[InboxItem]:
    """Conversations this sync brought new messages to that now need a reply above the threshold."""
    return [i for i in items if i.id in touched and i.needs_reply and i.priority >= config.notify.min_priority]


def run(config: Config, items: list[InboxItem]) -> str | None:
    """Run the command; returns why it failed, or None."""
    if not config.notify.command or not items:
        return None
    try:
        done = subprocess.run(config.notify.command, shell=True, input=payload(items), text=True,
                              capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"notify command timed out after {TIMEOUT} s"
    except OSError as exc:
        return f"notify command failed: {exc}"
    if done.returncode != 0:
        return f"notify command exited {done.returncode}: {done.stderr.strip()[:200]}"
    return None
