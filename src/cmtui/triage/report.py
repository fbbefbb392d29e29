"""First response times from the feeds' own timestamps: overall, per feed, per week and per teammate (who wrote
the first answer) (`cmtui report`); the mean sentiment per week (the app's report screen)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cmtui.config import Config
from cmtui.store import ResponseRow, Store, hours_between, iso, parse_iso, utc_now


@dataclass
class ResponseStats:
    label: str
    answered: int = 0
    unanswered: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    within_sla: float | None = None  # share of answered ones answered within the SLA
    oldest_wait_hours: float | None = None


def report(store: Store, config: Config, since: timedelta | None = None,
           now: datetime | None = None) -> dict[str, Any]:
    """First response times from the feeds' own timestamps: overall, per feed, per week, and per teammate (the name
    our first answer was written under: the answers each one gave, never the questions still open)."""
    import statistics

    now = now or utc_now()
    rows = store.responses(iso(now - since) if since else None)
    sla = config.triage.sla_hours
    groups: dict[tuple[str, str], list[ResponseRow]] = defaultdict(list)
    for r in rows:
        week = parse_iso(r.published)
        groups[("all", "all")].append(r)
        groups[("feed", r.feed or r.feed_url)].append(r)
        if week:
            groups[("week", f"{week.isocalendar().year}-W{week.isocalendar().week:02d}")].append(r)
        if r.answered_by:
            groups[("teammate", r.answered_by)].append(r)

    def stats(label: str, items: list[ResponseRow]) -> ResponseStats:
        times = sorted(hours_between(r.published, parse_iso(r.answered_at) or now)
                       for r in items if r.answered_at)
        waits = [hours_between(r.published, now) for r in items if not r.answered_at]
        out = ResponseStats(label=label, answered=len(times), unanswered=len(waits))
        if times:
            out.median_hours = round(statistics.median(times), 2)
            out.p90_hours = round(times[min(len(times) - 1, int(0.9 * len(times)))], 2)
            out.within_sla = round(sum(t <= sla for t in times) / len(times), 3)
        if waits:
            out.oldest_wait_hours = round(max(waits), 2)
        return out

    return {
        "sla_hours": sla,
        "since": iso(now - since) if since else None,
        "overall": asdict(stats("all", groups.get(("all", "all"), []))),
        "feeds": [asdict(stats(k[1], v)) for k, v in sorted(groups.items()) if k[0] == "feed"],
        "weeks": [asdict(stats(k[1], v)) for k, v in sorted(groups.items()) if k[0] == "week"],
        "teammates": [asdict(stats(k[1], v)) for k, v in sorted(groups.items()) if k[0] == "teammate"],
    }


@dataclass(frozen=True)
class WeekSentiment:
    """The mood of one ISO week: the messages by others that have a sentiment score, and their mean (-1…1)."""

    label: str  # "2026-W47", as `report()` names its weeks
    messages: int
    sentiment: float


def weekly_sentiment(store: Store, since: timedelta | None = None, now: datetime | None = None) -> list[WeekSentiment]:
    """The mean sentiment (VADER's compound score) of the messages by others per ISO week, oldest first, over the
    period `report()` covers: the report screen charts it beside the response times."""
    now = now or utc_now()
    out = []
    for thursday, messages, mean in store.sentiment_by_week(iso(now - since) if since else None):
        week = date.fromisoformat(thursday).isocalendar()
        out.append(WeekSentiment(f"{week.year}-W{week.week:02d}", messages, round(mean, 3)))
    return out
