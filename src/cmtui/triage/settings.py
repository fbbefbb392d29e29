"""The parts of the config the triage reads, compiled once, and the `Signal` every point of a priority comes from."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from cmtui import identity, team
from cmtui.config import Config, normalise_name
from cmtui.store import Clock

if TYPE_CHECKING:
    from cmtui.signals import Rule

HOT_WINDOW = timedelta(hours=6)
HOT_MESSAGES = 5
STUCK_AFTER_HOURS = 24.0


class Signal(NamedTuple):
    name: str  # the weight's key in [triage.weights]
    reason: str  # shown in the inbox ("" for the base points)
    points: float


class Settings:
    """The parts of the config that triage needs, compiled once."""

    def __init__(self, config: Config) -> None:
        t = config.triage
        self.us = config.identity
        self.ours = config.our_names | self.us.handle_users  # how people name us in what they write
        self.shown_names = {identity.user(h): identity.shown(h) for h in self.us.handles}
        self.shown_names.update({normalise_name(n): " ".join(n.split())  # as written
                                 for brand in config.brands for n in brand.names})
        self.feed_brands = {fc.url: config.brand_of(fc) for fc in config.feeds}  # what `inbox` objects say
        self.muted_feeds = tuple(fc.url for fc in config.feeds if fc.mute)
        self.me = team.me(config)  # who reads the inbox (a teammate replying is shown to the others)
        self.weights = t.weights
        self.sla_hours = t.sla_hours
        self.thanks_closes = t.thanks_closes
        self.complaint_words = tuple(w.lower() for w in t.complaint_words)
        self.vip = {normalise_name(v) for v in t.vip}
        self.regular_messages = t.regular_messages
        self.aliases = t.aliases
        self.rules: list[Rule] = []
        if t.rules:
            from cmtui import signals

            self.rules = [signals.make_rule(r.reason, r.weight, r.pattern, r.words, r.action) for r in t.rules]
        triage = {**t._asdict(), "rules": [r._asdict() for r in t.rules]}
        self.stamp = json.dumps([sorted(self.us.names), sorted(self.us.handles), triage], sort_keys=True, default=str)
        w = self.weights
        self.clock = Clock(sla_hours=t.sla_hours, waiting=w["waiting"], sla_breached=w["sla_breached"],
                           stuck=w["stuck"], hot=w["hot"], stuck_after_hours=STUCK_AFTER_HOURS,
                           hot_messages=HOT_MESSAGES, hot_window_hours=HOT_WINDOW.total_seconds() / 3600)

    def signal(self, name: str, reason: str, scale: float = 1.0) -> Signal:
        return Signal(name, reason, round(self.weights.get(name, 0.0) * scale, 1))
