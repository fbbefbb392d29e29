"""After a sync, tell the user *what* needs an answer: `[notify] command` and the desktop.

The command runs once, through the shell, with the newly urgent conversations as a JSON array on stdin
(title, feed, author, excerpt, reasons, priority, url), e.g. an ntfy `curl`, a mail script. `[notify] desktop`
also shows one desktop notification (`notify-send`, where it exists). The excerpt is the message that made the
conversation urgent: of its waiting messages, the one that reads most negative (`messages.sentiment`), not merely
the latest. Every sync calls `after_sync`: `cmtui sync` and the app's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from cmtui import text
from cmtui.config import Config
from cmtui.store import Store
from cmtui.triage import InboxItem

TIMEOUT = 30
DESKTOP_ITEMS = 3  # conversations named in the desktop notification's body


def after_sync(store: Store, config: Config, touched: set[int]) -> str | None:
    """Tell the user about the conversations this sync made urgent; why it failed, or None."""
    if not (config.notify.command or config.notify.desktop) or not touched:
        return None
    from cmtui.triage import inbox

    return tell(store, config, urgent(inbox(store, config), touched, config))


def tell(store: Store, config: Config, items: list[InboxItem]) -> str | None:
    """Run `[notify] command` and `desktop` for the urgent conversations `items` (`urgent`); why it failed, or None."""
    if not items or not (config.notify.command or config.notify.desktop):
        return None
    found = payload_items(store, items)
    problems = [why for why in (run(config, found), desktop(config, found)) if why]
    return "; ".join(problems) or None


def payload_items(store: Store, items: list[InboxItem]) -> list[dict[str, Any]]:
    """What the command gets for each conversation; the excerpt and author are those of its urgent message."""
    found = []
    for i in items:
        author, excerpt, url = _urgent_message(store, i)
        found.append({"id": i.id, "title": i.title, "feed": i.feed, "author": author, "excerpt": excerpt,
                      "reasons": i.reasons, "priority": i.priority, "url": url or i.url})
    return found


def _urgent_message(store: Store, item: InboxItem) -> tuple[str, str, str | None]:
    """(author, excerpt, url) of the waiting message that reads most negative, else the latest one."""
    waiting = [m for m in store.messages(item.id) if not m.is_ours and m.answered_at is None and m.text]
    if not waiting:
        return item.latest.author, item.latest.text, item.latest.url
    worst = min(waiting, key=lambda m: (m.sentiment if m.sentiment is not None else 0.0, m.published))
    return worst.author, text.one_line(worst.text, 280), text.safe_url(worst.url)


def urgent(items: list[InboxItem], touched: set[int], config: Config) -> list[InboxItem]:
    """Conversations this sync brought new messages to that now need a reply above the threshold."""
    return [i for i in items if i.id in touched and i.needs_reply and i.priority >= config.notify.min_priority]


def run(config: Config, items: list[dict[str, Any]]) -> str | None:
    """Run the command with `items` as JSON on stdin; returns why it failed, or None."""
    if not config.notify.command or not items:
        return None
    try:
        done = subprocess.run(config.notify.command, shell=True, input=json.dumps(items, ensure_ascii=False, indent=2),
                              text=True, capture_output=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"notify command timed out after {TIMEOUT} s"
    except OSError as exc:
        return f"notify command failed: {exc}"
    if done.returncode != 0:
        return f"notify command exited {done.returncode}: {done.stderr.strip()[:200]}"
    return None


def desktop(config: Config, items: list[dict[str, Any]]) -> str | None:
    """One desktop notification (`notify-send`) naming the most urgent conversations; None when it is off, or
    shown; why not otherwise. The text is plain: `notify-send` is given it as arguments, never through a shell."""
    if not config.notify.desktop or not items:
        return None
    program = shutil.which("notify-send")
    if program is None:
        return "notify desktop: notify-send is not installed (Debian/Ubuntu: apt install libnotify-bin)"
    summary = ("cmtui: 1 conversation needs a reply" if len(items) == 1 else
               f"cmtui: {len(items)} conversations need a reply")
    body = "\n".join(f"{text.one_line(str(i['author'] or '?'), 40)}: {text.one_line(str(i['excerpt']), 100)}"
                     for i in items[:DESKTOP_ITEMS])
    try:
        done = subprocess.run([program, "--app-name=cmtui", summary, body], capture_output=True, text=True,
                              timeout=TIMEOUT, check=False)
    except (subprocess.TimeoutExpired, OSError) as exc:
        return f"notify desktop: {type(exc).__name__}"
    return f"notify desktop: notify-send exited {done.returncode}" if done.returncode else None
