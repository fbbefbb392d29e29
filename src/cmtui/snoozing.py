"""When a snooze ends: the app's choices (in one hour, tomorrow 9:00, next Monday 9:00, local time) and the same
choices written on the command line (`cmtui snooze ID --until tomorrow`), with durations and dates. One
definition for both, headless. `duration` is also how every other command reads a length of time (`cmtui done
--older-than 30d`, `cmtui report --since 12w`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

MORNING = time(9, 0)  # a snooze to a day ends at 9:00 local time
CHOICE_NAMES = {"hour": "hour", "1h": "hour", "tomorrow": "tomorrow", "week": "week", "next-week": "week",
                "next week": "week", "monday": "week"}
_DURATION = re.compile(r"(\d{1,6})\s*(m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
HELP = ("in 1h, 90m, 3d or 2w; tomorrow (9:00); week (next Monday 9:00); a date, 2026-12-24 (9:00); "
        "or a local time, 2026-12-24T14:30")


def choices(now: datetime) -> list[tuple[str, str, datetime]]:
    """(id, label, until) for the snooze modal: in one hour, tomorrow 9:00 local, next week Monday 9:00 local."""
    local = now.astimezone()
    hour = now + timedelta(hours=1)
    tomorrow = (local + timedelta(days=1)).replace(hour=MORNING.hour, minute=0, second=0, microsecond=0)
    monday = (local + timedelta(days=7 - local.weekday())).replace(hour=MORNING.hour, minute=0, second=0,
                                                                    microsecond=0)
    return [
        ("hour", "In one hour", hour),
        ("tomorrow", "Tomorrow morning", tomorrow.astimezone(UTC)),
        ("week", "Next week", monday.astimezone(UTC)),
    ]


def duration(value: str) -> timedelta | None:
    """The length of time `value` writes, a number and a unit (90m, 48h, 30d, 2w, "3 days"), any case and
    spacing; None when it is not one. Zero is a length: callers that need time to pass say so."""
    match = _DURATION.fullmatch(" ".join(value.strip().lower().split()))
    if match is None:
        return None
    return timedelta(**{_UNITS[match.group(2)[0]]: int(match.group(1))})


def until(when: str, now: datetime) -> datetime:
    """The UTC time `when` names, after `now`: a choice of the modal (hour, tomorrow, week), a duration
    (90m, 1h, 3d, 2w), a date (9:00 local that day) or a date and time (local unless it says its offset).
    ValueError, with a sentence, for anything else or for a time already past."""
    word = " ".join(when.strip().lower().split()).removeprefix("in ")  # "in 2h" as well as "2h"
    if word in CHOICE_NAMES:
        return {key: at for key, _, at in choices(now)}[CHOICE_NAMES[word]]
    if (length := duration(word)) is not None:
        if not length:
            raise ValueError(f"{when!r} is now: give a time to come")
        return now + length
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            at = datetime.combine(date.fromisoformat(word), MORNING).astimezone()
        else:
            at = datetime.fromisoformat(word.upper())
            at = at.astimezone() if at.tzinfo is None else at  # a naive time is local, as the modal shows them
    except ValueError:
        raise ValueError(f"{when!r} is not a time: use {HELP}") from None
    if at <= now:
        raise ValueError(f"{when!r} is in the past ({label(at)})")
    return at.astimezone(UTC)


def label(at: datetime) -> str:
    """A snooze's end as people read it, in local time: Tue 08 Dec 2026, 09:00."""
    return at.astimezone().strftime("%a %d %b %Y, %H:%M")
