"""One message on its own, as the triage would score it waiting in a conversation: for measuring the triage on
labelled sets (`scripts/triage_accuracy.py`)."""

from __future__ import annotations

from cmtui.config import normalise_name
from cmtui.triage.settings import Settings, Signal

URGENCY_HIGH = 50.0  # without the clock: complaints, negative turns, breaches, impersonation
URGENCY_LOW = 25.0  # praise and chatter: the base points and a weak estimate of the model


def urgency(static_points: float) -> str:
    return "high" if static_points >= URGENCY_HIGH else "low" if static_points <= URGENCY_LOW else "normal"


def classify(settings: Settings, body: str, *, author: str = "someone", after_our_reply: bool = False,
             follow_up: bool = False) -> tuple[bool, float, list[Signal]]:
    """One message on its own, as the triage would see it waiting in a conversation: (needs a reply,
    points without the clock, signals). Used to measure the triage on a labelled set."""
    from cmtui import signals
    from cmtui.threads import Msg, Status
    from cmtui.triage.scoring import static_signals

    msg = Msg(1, None, False, False, False, "2026-01-01T00:00:00Z", "-", normalise_name(author))
    status = Status(msg=msg, answered_at=None, after_our_reply=after_our_reply, follow_up=follow_up, last_word=True)
    if settings.thanks_closes and after_our_reply and signals.is_acknowledgement(body, settings.complaint_words):
        return False, 0.0, []
    found = static_signals(lambda names: {}, settings, [status], {1: {"text": body, "author": author}},
                           {1: signals.sentiment(body)}, [status])
    return True, sum(s.points for s in found), found
