"""Drafts and replies: saved as typed, handed off, posted, and our own posted messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cmtui.config import normalise_name
from cmtui.store.base import StoreBase
from cmtui.store.rows import DraftRow, OpenDraftRow
from cmtui.store.times import iso, stamp, utc_now


class DraftStore(StoreBase):
    """Drafts and replies: saved as typed, handed off, posted, and our own posted messages."""

    # -- drafts ----------------------------------------------------------------------
    def save_draft(self, conv_id: int, message_id: int | None, body: str, author: str | None = None) -> int:
        """Create or update `author`'s open draft answering `message_id` (or the conversation); returns its id.
        Drafts are per teammate: another's draft of the same reply is theirs; a draft of nobody's (from before
        drafts were per person) becomes the first writer's."""
        now = stamp()
        row = self.draft_for(conv_id, message_id, author)
        if row is None:
            return int(self._run("INSERT INTO drafts(conversation_id, message_id, body, created_at, updated_at, "
                                 "author) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                 [conv_id, message_id, body, now, now, author]).fetchone()[0])
        if row.body != body or row.author != author:
            self._run("UPDATE drafts SET body = ?, updated_at = ?, author = coalesce(author, ?) WHERE id = ?",
                      [body, now, author, row.id])
        return row.id

    def draft_for(self, conv_id: int, message_id: int | None, author: str | None = None) -> DraftRow | None:
        """`author`'s open draft answering `message_id` (or the conversation), if any; a draft from before drafts
        were per person (no author) is anyone's, theirs first."""
        found = self._typed(DraftRow, "SELECT * FROM drafts WHERE conversation_id = ? AND coalesce(message_id, 0) = ? "
                            "AND state = 'draft' AND coalesce(author, ?, '') = coalesce(?, '') "
                            "ORDER BY author IS NULL, id", [conv_id, message_id or 0, author, author])
        return found[0] if found else None

    def draft(self, draft_id: int) -> DraftRow | None:
        found = self._typed(DraftRow, "SELECT * FROM drafts WHERE id = ?", [draft_id])
        return found[0] if found else None

    def open_drafts(self, author: str | None = None) -> list[OpenDraftRow]:
        """Every draft of `author` (and those of nobody, from before drafts were per person) not yet sent or
        discarded, newest first, with what it answers; with no `author`, everyone's."""
        return self._typed(OpenDraftRow, """
            SELECT d.*, c.title, f.name AS feed_name, m.author AS reply_to, m.url AS reply_to_url
            FROM drafts d JOIN conversations c ON c.id = d.conversation_id JOIN feeds f ON f.id = c.feed_id
            LEFT JOIN messages m ON m.id = d.message_id
            WHERE d.state IN ('draft', 'pending') AND (:author IS NULL OR coalesce(d.author, :author) = :author)
            ORDER BY d.updated_at DESC""", {"author": author})

    def set_draft_state(self, draft_id: int, state: str, *, error: str | None = None,
                        sent_message_id: int | None = None) -> None:
        now = stamp()
        values: dict[str, Any] = {"state": state, "updated_at": now, "error": error}
        if state == "pending":
            values["pending_at"] = now
        if state == "sent":
            values["sent_at"], values["sent_message_id"] = now, sent_message_id
        sets = ", ".join(f"{k} = ?" for k in values)
        self._run(f"UPDATE drafts SET {sets} WHERE id = ?", [*values.values(), draft_id])

    def clear_pending(self, conversation_ids: Iterable[int]) -> int:
        """Pending hand-offs whose reply of ours has now come through a feed become sent; returns how many."""
        ids = list(conversation_ids)
        if len(ids) > 500:  # SQLite caps the number of parameters of a statement
            return sum(self.clear_pending(ids[i:i + 500]) for i in range(0, len(ids), 500))
        if not ids or not self._row("SELECT 1 FROM drafts WHERE state = 'pending' LIMIT 1"):
            return 0
        marks = ",".join("?" * len(ids))
        cursor = self._run(f"""
            UPDATE drafts SET state = 'sent', sent_at = ?, sent_message_id = (
                SELECT m.id FROM messages m WHERE m.conversation_id = drafts.conversation_id AND m.is_ours = 1
                  AND m.seen_at > drafts.pending_at ORDER BY m.published LIMIT 1)
            WHERE state = 'pending' AND conversation_id IN ({marks})
              AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = drafts.conversation_id
                          AND m.is_ours = 1 AND m.seen_at > drafts.pending_at)
              AND (message_id IS NULL OR (SELECT answered_at FROM messages WHERE id = drafts.message_id) IS NOT NULL)
            """, [stamp(), *ids])
        return int(cursor.rowcount)

    def add_our_message(self, conv_id: int, *, parent_id: int | None, author: str, text: str, html: str,
                           url: str | None, url_key: str | None, uid: str, feed_id: int) -> int:
        """A reply we just posted through a site's API, stored at once; the feed's copy merges into it later
        (same link)."""
        now = stamp()
        cursor = self._run(
            """INSERT INTO messages(uid, conversation_id, feed_id, parent_id, explicit_parent, is_post, is_ours,
                   author, author_norm, title, url, url_key, published, seen_at, seen_seq, text, html)
               VALUES (?, ?, ?, ?, ?, 0, 1, ?, ?, '', ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [uid, conv_id, feed_id, parent_id, int(parent_id is not None), author, normalise_name(author), url,
             url_key, iso(utc_now()), now, self.take_seen_seq(1), text, html])
        return int(cursor.fetchone()[0])
