"""Small rendering helpers shared by screens and widgets.

Everything that came from a feed (titles, authors, bodies, feed names) is hostile: it goes through
`text.clean` / `text.one_line` and becomes a `rich.text.Text` or a plain `Content` part, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text
from textual.app import App
from textual.color import Color, ColorParseError

from cmtui import text
from cmtui.triage import waiting_label

Clock = Callable[[], datetime]

# Theme variables used for colours that cannot come from the stylesheet (DataTable cells are Rich renderables).
FALLBACK_COLORS = {"error": "#ba3c5b", "warning": "#ffa62b", "success": "#4EBF71", "accent": "#ffa62b",
                   "primary": "#0178D4", "foreground-muted": "#888888", "text-muted": "#888888"}


def make_clock(now: Clock | datetime | None) -> Clock:
    """A clock: the callable given, a fixed time (tests, screenshots), or the real UTC time."""
    if now is None:
        return lambda: datetime.now(UTC).replace(microsecond=0)
    if isinstance(now, datetime):
        fixed = now if now.tzinfo else now.replace(tzinfo=UTC)
        return lambda: fixed
    return now


def plain(value: str | None, style: str = "") -> Text:
    """Hostile text as a literal `Text`: escape sequences and control characters removed, no markup."""
    return Text(text.clean(value), style=style)


def line(value: str | None, limit: int = 0, style: str = "") -> Text:
    """Hostile text on one line, cut to `limit` characters."""
    return Text(text.one_line(value, limit), style=style, no_wrap=True, overflow="ellipsis")


def parse_when(value: str | None) -> datetime | None:
    """A stored time: feed dates (`…:00Z`) and our own event stamps (`…:00.123456Z`) alike; None if unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hours_since(when: str | None, now: datetime) -> float:
    moment = parse_when(when)
    return max(0.0, (now - moment).total_seconds() / 3600) if moment else 0.0


def ago(when: str | None, now: datetime) -> str:
    """`3 h ago`, `2 d ago`, `just now`."""
    if not parse_when(when):
        return "-"
    hours = hours_since(when, now)
    if hours * 60 < 1:
        return "just now"
    return f"{waiting_label(hours)} ago"


def synced_label(last_synced: datetime | None, now: datetime) -> str:
    """`synced 3 min ago`, `synced just now`, `never synced`: the header's word on the last sync."""
    if last_synced is None:
        return "never synced"
    hours = max(0.0, (now - last_synced).total_seconds() / 3600)
    return "synced just now" if hours * 60 < 1 else f"synced {waiting_label(hours)} ago"


def local_time(when: str | None, now: datetime | None = None) -> str:
    """`Fri 20 Nov 09:14` in the local time zone (the year too when it is not this year)."""
    moment = parse_when(when)
    if moment is None:
        return "-"
    local = moment.astimezone()
    if now is not None and local.year != now.astimezone().year:
        return local.strftime("%a %d %b %Y %H:%M")
    return local.strftime("%a %d %b %H:%M")


def when_label(when: str | None, now: datetime) -> str:
    """`3 h ago · Fri 20 Nov 09:14`."""
    if not when:
        return "-"
    return f"{ago(when, now)} · {local_time(when, now)}"


def colors(app: App[object]) -> dict[str, str]:
    """The current theme's colours as opaque hex (blended over the surface), for Rich renderables."""
    variables = app.theme_variables or {}
    try:
        base = Color.parse(variables.get("surface") or variables.get("background") or "#1e1e1e")
    except ColorParseError:
        base = Color.parse("#1e1e1e")
    out = {}
    for name, fallback in FALLBACK_COLORS.items():
        try:
            out[name] = (base + Color.parse(variables.get(name) or fallback)).hex
        except ColorParseError:
            out[name] = fallback
    return out
