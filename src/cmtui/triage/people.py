"""Everyone who wrote, merged by `[triage] aliases`, with advocate / detractor marks (`cmtui people`)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cmtui.config import Config, normalise_name
from cmtui.store import Store, iso, utc_now


@dataclass
class Person:
    name: str
    messages: int = 0
    feeds: set[int] = field(default_factory=set)
    first_seen: str = ""
    last_seen: str = ""
    sentiment: float = 0.0
    negative: int = 0
    positive: int = 0
    addressed: int = 0  # messages that asked for our attention (not posts on blogs)
    answered: int = 0
    marks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["feeds"] = sorted(self.feeds)
        data["sentiment"] = round(self.sentiment, 3)
        data["answered_share"] = round(self.answered / self.addressed, 3) if self.addressed else None
        return data


def people(store: Store, config: Config, now: datetime | None = None) -> list[Person]:
    """Everyone who wrote, merged by `[triage] aliases`, with advocate / detractor marks."""
    now = now or utc_now()
    merged: dict[str, Person] = {}
    sums: dict[str, float] = defaultdict(float)
    for row in store.people():
        main = config.triage.aliases.get(row.name_norm)
        key = normalise_name(main) if main else row.name_norm
        p = merged.setdefault(key, Person(name=main or row.name, first_seen=row.first_seen,
                                          last_seen=row.last_seen))
        p.messages += row.messages
        p.feeds.update(json.loads(row.feeds))
        p.first_seen, p.last_seen = min(p.first_seen, row.first_seen), max(p.last_seen, row.last_seen)
        sums[key] += (row.sentiment or 0.0) * row.messages
        p.negative += row.negative or 0
        p.positive += row.positive or 0
        p.answered += row.answered or 0
        p.addressed += row.addressed or 0
    recent = iso(now - timedelta(days=30))
    for key, p in merged.items():
        p.sentiment = sums[key] / p.messages if p.messages else 0.0
        if p.messages >= 3 and p.sentiment >= 0.3 and p.negative <= 1 and p.last_seen >= recent:
            p.marks.append("advocate")
        if p.negative >= 2 and p.sentiment <= -0.1:
            p.marks.append("detractor")
    return sorted(merged.values(), key=lambda p: (-p.messages, p.name.casefold()))
