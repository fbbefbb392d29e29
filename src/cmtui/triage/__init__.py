"""Triage: which conversations need a reply, how urgent each is, and why.

Two steps. After every sync, `refresh()` (`summary.py`) summarises the conversations it touched: which messages
wait for a reply, and the signals that depend only on what they say and who wrote them (`scoring.py`), stored
with the conversation. `inbox()` (`inbox.py`) lists them with the signals that depend on the clock (waiting time
against the SLA, stuck questions, bursts), most urgent first. Every point of a priority comes from a named
`Signal`, so `cmtui explain ID` can show the sum.

The modules, one job each:

- `settings.py`: the `[triage]` config compiled once (`Settings`), and `Signal`.
- `rows.py`: what a stored message row says (its words with a post's title, its `signals.features`).
- `summary.py`: `refresh` / `summarise` after a sync; thank-yous and a first sync's backlog close a conversation.
- `scoring.py`: the static signals, one small function each, and each reason's wording.
- `rules.py`: the `[[triage.rules]]` that act (tag, hide, done) and the patterns that ran out of time.
- `one_message.py`: one message scored on its own (`classify`, `urgency`), to measure the triage.
- `inbox.py`: `InboxItem`, the inbox lists and `inbox --json`, one conversation with every signal (`item`).
- `by_message.py`: who waits, one row per waiting message (`inbox --by-message`, `T` in the app).
- `people.py` and `report.py`: `cmtui people` and `cmtui report`.

`scoring.py`, `signals` and `threads` are imported where a conversation is summarised: listing the inbox
(`cmtui inbox --json`, the app's first screen) starts without them.
"""

from cmtui.triage.by_message import WaitingMessage, inbox_by_message, waiting_messages
from cmtui.triage.inbox import (
    InboxItem,
    Latest,
    clock_signals,
    inbox,
    inbox_count,
    inbox_json,
    inbox_json_chunks,
    item,
    waiting_label,
)
from cmtui.triage.one_message import URGENCY_HIGH, URGENCY_LOW, classify, urgency
from cmtui.triage.people import Person, people
from cmtui.triage.report import ResponseStats, report
from cmtui.triage.rules import RULE_TIMED_OUT, rule_timeout_reason, rule_warnings
from cmtui.triage.settings import HOT_MESSAGES, HOT_WINDOW, STUCK_AFTER_HOURS, Settings, Signal
from cmtui.triage.summary import BACKLOG_REASON, EXCERPT_CHARS, THANKS_REASON, refresh, summarise, waiting_ids

__all__ = [
    "BACKLOG_REASON", "EXCERPT_CHARS", "HOT_MESSAGES", "HOT_WINDOW", "RULE_TIMED_OUT", "STUCK_AFTER_HOURS",
    "THANKS_REASON", "URGENCY_HIGH", "URGENCY_LOW", "InboxItem", "Latest", "Person", "ResponseStats", "Settings",
    "Signal", "WaitingMessage", "classify", "clock_signals", "inbox", "inbox_by_message", "inbox_count", "inbox_json",
    "inbox_json_chunks", "item", "people", "refresh", "report", "rule_timeout_reason", "rule_warnings", "summarise",
    "urgency", "waiting_ids", "waiting_label", "waiting_messages",
]
