"""Who I am on a team sharing one inbox: `$CMTUI_USER`, else `[team] me`, else the login name.

The command line (`cmtui assign`, `inbox --mine`, notes) and the app (`a`, the Mine view) ask the same question,
so the answer lives here, away from both."""

from __future__ import annotations

import getpass
import os

from cmtui import text
from cmtui.config import Config

NAME_LIMIT = 80  # characters of a teammate's name


def named(config: Config | None = None) -> str:
    """The name the user gave themselves: `$CMTUI_USER`, else `[team] me`; "" when they gave none (then `me` falls
    back to the login name, which may not be the name the team uses)."""
    found = os.environ.get("CMTUI_USER", "").strip() or (config.team.me.strip() if config else "")
    return text.one_line(found, NAME_LIMIT)


def me(config: Config | None = None) -> str:
    """Who I am on the team: `$CMTUI_USER`, else `[team] me`, else the login name."""
    found = named(config)
    if not found:
        try:
            found = getpass.getuser()
        except (OSError, KeyError):  # no login name (a container without a passwd entry)
            found = "unknown"
    return text.one_line(found, NAME_LIMIT)
