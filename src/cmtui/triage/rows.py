"""What a stored message row says, as the triage reads it: its words (with an opening post's title) and its
`signals.features`."""

from __future__ import annotations

import json
from typing import Any

from cmtui import text


def said(row: Any) -> str:
    """What a message says, for the triage: an opening post's title is its author's words too ("This company is a
    joke", a forum topic's question), so it comes first unless the text already opens with it."""
    body: str = row["text"]
    title = (row.get("title") or "").strip() if isinstance(row, dict) and row.get("is_post") else ""
    if not title or text.one_line(body, len(title) + 1).startswith(title.rstrip("…").rstrip()):
        return body
    return f"{title}\n{body}"


def feature(row: Any, name: str) -> Any:
    """One of `signals.features` of a message row (decoded once and kept on the row's dict; computed for rows
    stored without them, or before the triage model)."""
    found = row.get("_features") if isinstance(row, dict) else None
    if found is None:
        raw = row["features"] if "features" in row.keys() else None
        found = json.loads(raw) if raw else {}
        words = said(row)
        if "attention" not in found or words is not row["text"]:  # none stored, before the model, or a title to read
            from cmtui import signals

            found = signals.features(words, row.get("sentiment") if isinstance(row, dict) else None)
        if isinstance(row, dict):
            row["_features"] = found
    return found[name]
