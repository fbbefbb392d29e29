"""Who on the team is replying where: the editor open on a conversation, kept alive by a heartbeat."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from cmtui.store.base import StoreBase
from cmtui.store.times import iso, utc_now

# A heartbeat older than this is an editor that went away without saying so (a crash, a lost connection).
STALE_AFTER = timedelta(seconds=90)


class PresenceStore(StoreBase):
    """Who on the team is replying where (`replying`), and what a teammate posted meanwhile."""

    def start_replying(self, conv_id: int, who: str, now: datetime | None = None) -> None:
        """`who` opened the editor on the conversation (again: the heartbeat is renewed)."""
        at = iso(now or utc_now())
        self._run("INSERT INTO replying(conversation_id, who, since, heartbeat) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(conversation_id, who) DO UPDATE SET heartbeat = excluded.heartbeat",
                  [conv_id, who, at, at])

    def stop_replying(self, conv_id: int, who: str) -> None:
        """`who` closed the editor on the conversation."""
        self._run("DELETE FROM replying WHERE conversation_id = ? AND who = ?", [conv_id, who])

    def replying(self, conv_ids: Iterable[int], *, besides: str, now: datetime | None = None) -> dict[int, list[str]]:
        """For each of these conversations that a teammate other than `besides` (me) is replying to now (a
        heartbeat within `STALE_AFTER`), their names, earliest first."""
        fresh = iso((now or utc_now()) - STALE_AFTER)
        found: dict[int, list[str]] = {}
        for conv_id, who in self._run(
                "SELECT conversation_id, who FROM replying WHERE conversation_id IN "
                "(SELECT CAST(value AS INTEGER) FROM json_each(?)) AND lower(who) != lower(?) AND heartbeat >= ? "
                "ORDER BY since, who", [json.dumps(list(conv_ids)), besides, fresh]):
            found.setdefault(conv_id, []).append(who)
        return found

    def replied_since(self, conv_id: int, since: str, *, besides: str) -> list[str]:
        """Who else answered the conversation after `since` (the store's time: when I opened my editor): our
        replies that came in since (the feed's copy of a teammate's post, or one posted from cmtui), and
        teammates' drafts handed off or sent since. Names, or "someone" for a reply of ours by no one known."""
        rows = self._run("""
            SELECT coalesce(d.author, 'someone') FROM drafts d
            WHERE d.conversation_id = ? AND d.state IN ('pending', 'sent') AND d.updated_at > ?
              AND lower(coalesce(d.author, '')) != lower(?)
            UNION ALL
            SELECT 'someone' FROM messages m
            WHERE m.conversation_id = ? AND m.is_ours = 1 AND m.seen_at > ?
              AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.sent_message_id = m.id AND d.author IS NOT NULL)""",
                         [conv_id, since, besides, conv_id, since])
        return list(dict.fromkeys(row[0] for row in rows))
