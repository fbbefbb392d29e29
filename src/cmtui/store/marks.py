"""The user's marks on a conversation: done, snoozed, muted, opened, assigned, labels and notes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cmtui.store.base import StoreBase
from cmtui.store.rows import ConversationLabel
from cmtui.store.times import iso, stamp, utc_now


class MarkStore(StoreBase):
    """The user's marks on a conversation: done, snoozed, muted, opened, labels and notes."""

    # -- user state ------------------------------------------------------------------
    def _set_state(self, conv_id: int, **values: Any) -> None:
        self._run("INSERT INTO conversation_state(conversation_id) VALUES (?) ON CONFLICT DO NOTHING", [conv_id])
        sets = ", ".join(f"{k} = ?" for k in values)
        self._run(f"UPDATE conversation_state SET {sets} WHERE conversation_id = ?", [*values.values(), conv_id])

    def _mark_seq(self, conv_id: int, when: datetime | None) -> int:
        """What a done or mute mark covers: every message seen so far (the counter now); with `when` (a mark
        restored, as the app's undo does), the conversation's messages seen at or before that time."""
        if when is None:
            return int(self.get_meta("seen_seq") or 0)
        row = self._row("SELECT coalesce(max(seen_seq), 0) FROM messages WHERE conversation_id = ? AND seen_at <= ?",
                        [conv_id, stamp(when)])
        return int(row[0]) if row else 0

    def assign(self, conv_id: int, who: str | None) -> None:
        """Give the conversation to `who` on the team (None: to nobody)."""
        self._set_state(conv_id, assigned_to=who, assigned_at=iso(utc_now()) if who else None)

    def mark_done(self, conv_id: int, when: datetime | None = None) -> None:
        """Done: the conversation leaves the inbox until a message cmtui sees after this mark waits (by the
        order cmtui saw things, `seen_seq`; the time is kept for display)."""
        self._set_state(conv_id, done_at=stamp(when), done_seq=self._mark_seq(conv_id, when))

    def rule_done_seq(self, conv_id: int) -> int:
        """The sequence up to which the conversation's messages are covered by a done mark, by hand or by a rule
        (`mark_done_by_rule`): a "done" rule acts on messages after it."""
        row = self._row("SELECT max(coalesce(done_seq, 0), coalesce(auto_done_seq, 0)) FROM conversation_state "
                        "WHERE conversation_id = ?", [conv_id])
        return int(row[0]) if row else 0

    def mark_done_by_rule(self, conv_id: int, upto_seq: int) -> None:
        """A "done" rule matched the messages seen up to `upto_seq`: done, and those messages never mark it again."""
        self.mark_done(conv_id)
        self._set_state(conv_id, auto_done_seq=upto_seq)

    def undo_done(self, conv_id: int) -> None:
        self._set_state(conv_id, done_at=None, done_seq=None)

    def snooze(self, conv_id: int, until: datetime | None) -> None:
        self._set_state(conv_id, snoozed_until=iso(until) if until else None)

    def mute(self, conv_id: int, muted: bool = True, when: datetime | None = None) -> None:
        """Muted: new messages no longer reopen it, except ones that name us."""
        self._set_state(conv_id, muted=int(muted), muted_at=stamp(when) if muted else None,
                        muted_seq=self._mark_seq(conv_id, when) if muted else None)

    def opened_at(self, conv_id: int) -> str | None:
        """When the user last opened the conversation (None: never)."""
        row = self._row("SELECT opened_at FROM conversation_state WHERE conversation_id = ?", [conv_id])
        return row["opened_at"] if row else None

    def mark_opened(self, conv_id: int, when: datetime | None = None) -> None:
        """Record that the user opened the conversation (`opened_at` reads the previous time first)."""
        self._set_state(conv_id, opened_at=stamp(when))

    # -- labels and notes ------------------------------------------------------------
    def add_labels(self, conv_id: int, labels: Iterable[str]) -> list[str]:
        """Label the conversation (`cmtui tag`); returns the labels it did not have yet."""
        now = stamp()
        added = []
        for label in dict.fromkeys(labels):
            cursor = self._run("INSERT INTO labels(conversation_id, label, added_at) VALUES (?, ?, ?) "
                               "ON CONFLICT DO NOTHING", [conv_id, label, now])
            if cursor.rowcount:
                added.append(label)
        return added

    def labels_in_use(self) -> list[str]:
        """Every label the user put on a conversation (`cmtui tag`, the app's `l`), sorted."""
        return [row[0] for row in self._run("SELECT DISTINCT label FROM labels ORDER BY label")]

    def remove_label(self, conv_id: int, label: str) -> bool:
        """Take a label of the user's off the conversation; False when it had none such."""
        cursor = self._run("DELETE FROM labels WHERE conversation_id = ? AND label = ?", [conv_id, label])
        return int(cursor.rowcount) > 0

    def add_note(self, conv_id: int, author: str, text: str) -> str:
        """An internal note on the conversation (never posted); returns its time."""
        now = iso(utc_now())
        self._run("INSERT INTO notes(conversation_id, author, time, text) VALUES (?, ?, ?, ?)",
                  [conv_id, author, now, text])
        return now

    # -- marks by id, from the command line ------------------------------------------
    def conversation_labels(self, ids: Iterable[int]) -> dict[int, ConversationLabel]:
        """id -> (id, title, feed) of those of `ids` that exist, the feed as the inbox names it (its name, else
        its URL): what `cmtui done 94 99` checks before it changes anything, and prints."""
        rows = self._typed(ConversationLabel, """
            SELECT c.id, c.title, coalesce(nullif(f.name, ''), f.url) AS feed
            FROM conversations c JOIN feeds f ON f.id = c.feed_id
            WHERE c.id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))""", [json.dumps(list(ids))])
        return {row.id: row for row in rows}
