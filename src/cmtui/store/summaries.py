"""What the triage reads to summarise a conversation, and the summaries it writes back."""

from __future__ import annotations

import json
from typing import Any

from cmtui.identity import Identity
from cmtui.store.base import StoreBase


class SummaryStore(StoreBase):
    """What the triage reads to summarise a conversation, and the summaries it writes back."""

    def mark_ours(self, us: Identity) -> None:
        """Which messages are ours (`Identity.is_ours`), after the identity changed. A reply posted through a
        site's API is ours whatever the identity says, until the feed's copy of it replaces it."""
        names, handles = sorted(us.names), sorted(us.handles)
        self._run(f"""UPDATE messages SET is_ours = CASE WHEN uid LIKE 'posted:%' THEN 1
                          WHEN account IS NOT NULL THEN CASE WHEN account IN ({_marks(handles)}) THEN 1 ELSE 0 END
                          WHEN author_norm IN ({_marks(names)}) THEN 1 ELSE 0 END""", [*handles, *names])

    def conversation_ids(self) -> list[int]:
        return [r[0] for r in self._run("SELECT id FROM conversations")]

    def summary_input(self, conv_id: int) -> tuple[str, list[dict[str, Any]]] | None:
        """The conversation's kind and, for each of its messages, the fields the triage needs, as a dict the
        triage may annotate (its working copy)."""
        conv = self._row("SELECT kind FROM conversations WHERE id = ?", [conv_id])
        if conv is None:
            return None
        rows = self._rows("""SELECT id, parent_id, is_ours, is_post, explicit_parent, published, seen_at, seen_seq,
                                    title, text, author, author_norm, account, url, sentiment, answered_at,
                                    features, backlog
                             FROM messages WHERE conversation_id = ?""", [conv_id])
        return str(conv["kind"]), [dict(row) for row in rows]

    def set_message_fields(self, updates: list[tuple[float | None, str | None, int]]) -> None:
        """(sentiment, answered_at, id) for messages whose derived fields changed."""
        self.conn.executemany("UPDATE messages SET sentiment = ?, answered_at = ? WHERE id = ?", updates)

    def write_summary(self, conv_id: int, values: dict[str, Any] | None) -> None:
        if values is None:
            self._run("DELETE FROM conversation_summary WHERE conversation_id = ?", [conv_id])
            return
        cols = ["conversation_id", *values]
        marks = ", ".join("?" * len(cols))
        sets = ", ".join(f"{c} = excluded.{c}" for c in values)
        self._run(f"INSERT INTO conversation_summary({', '.join(cols)}) VALUES ({marks}) "
                  f"ON CONFLICT(conversation_id) DO UPDATE SET {sets}", [conv_id, *values.values()])

    def signal_reasons(self, name: str) -> dict[str, list[int]]:
        """The reasons of the stored signals called `name` in the summaries of configured feeds' conversations,
        each with the ids of the conversations that have it (ascending)."""
        rows = self._rows("""
            SELECT json_extract(e.value, '$[1]') AS reason, s.conversation_id AS id
            FROM conversation_summary s JOIN conversations c ON c.id = s.conversation_id
            JOIN feeds f ON f.id = c.feed_id AND f.configured = 1, json_each(s.signals) e
            WHERE instr(s.signals, ?) > 0 AND json_extract(e.value, '$[0]') = ?
            ORDER BY reason, id""", [json.dumps(name), name])
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(row["reason"], []).append(row["id"])
        return found


def _marks(values: list[str]) -> str:
    """`?, ?, …` for `values`, or NULL (an empty IN list is not SQL)."""
    return ", ".join("?" * len(values)) or "NULL"
