"""The feeds: configured ones, comment feeds found through them, and their health."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from cmtui.store.base import StoreBase
from cmtui.store.rows import FeedHealthRow, FeedRow

# A conversation worth polling for replies: its post is recent, or a message of it is (`:since`, the store's ISO
# format). `messages_conv` (conversation_id, published) answers the second part with one index probe per conversation.
_RECENT_OR_ACTIVE = """(coalesce(c.published, c.created_at) >= :since
    OR EXISTS (SELECT 1 FROM messages a WHERE a.conversation_id = c.id AND a.published >= :since))"""


class FeedStore(StoreBase):
    """The feeds: configured ones, comment feeds found through them, and their health."""

    # -- feeds -----------------------------------------------------------------------
    def ensure_feed(self, url: str, *, name: str = "", kind: str = "blog", tags: Iterable[str] = (),
                    configured: bool = True, parent_id: int | None = None) -> FeedRow:
        if configured:
            return self.ensure_configured_feeds([(url, name, kind, tags)])[url]
        row = self.feed_at(url)
        if row is None:  # found through another feed (a post's comment feed)
            self._run("INSERT INTO feeds(url, name, kind, tags, configured, parent_id) VALUES (?, ?, ?, ?, 0, ?)",
                      [url, name, kind, json.dumps(list(tags)), parent_id])
        elif row.parent_id is None and not row.configured:
            self._run("UPDATE feeds SET parent_id = ? WHERE id = ?", [parent_id, row.id])
        else:
            return row  # nothing written: the row as read
        found = self.feed_at(url)
        assert found is not None
        return found

    def ensure_configured_feeds(self, feeds: Iterable[tuple[str, str, str, Iterable[str]]]) -> dict[str, FeedRow]:
        """`ensure_feed` for every configured feed, (url, name, kind, tags), in a few queries: url -> its row."""
        wanted = {url: (name, kind, json.dumps(list(tags))) for url, name, kind, tags in feeds}
        rows = {row.url: row for row in self._feeds_at(list(wanted))}
        written = []
        for url, (name, kind, tags_json) in wanted.items():
            row = rows.get(url)
            if row is None:
                self._run("INSERT INTO feeds(url, name, kind, tags, configured) VALUES (?, ?, ?, ?, 1)",
                          [url, name, kind, tags_json])
            elif (row.name, row.kind, row.tags, row.configured) != (name, kind, tags_json, 1):
                self._run("UPDATE feeds SET name = ?, kind = ?, tags = ?, configured = 1 WHERE id = ?",
                          [name, kind, tags_json, row.id])
            else:
                continue
            written.append(url)
        rows.update((row.url, row) for row in self._feeds_at(written))
        return {url: rows[url] for url in wanted}

    def _feeds_at(self, urls: list[str]) -> list[FeedRow]:
        """The feeds of these addresses."""
        return self._typed_lookup(FeedRow, "SELECT * FROM feeds WHERE url IN ({marks})", urls)

    def feeds_at(self, urls: Iterable[str]) -> dict[str, FeedRow]:
        """The feeds of these addresses that exist: url -> its row."""
        return {row.url: row for row in self._feeds_at(list(urls))}

    def keep_only(self, urls: Iterable[str]) -> None:
        """Feeds no longer in the config stop counting: their conversations leave the inbox (nothing is
        deleted, and they come back if the feed is configured again)."""
        wanted = sorted(set(urls))
        marks = ",".join("?" * len(wanted)) or "NULL"
        wanted_now = f"CASE WHEN url IN ({marks}) THEN 1 ELSE 0 END"
        self._run(f"UPDATE feeds SET configured = {wanted_now} "
                  f"WHERE (parent_id IS NULL OR configured = 1) AND configured != {wanted_now}",
                  wanted + wanted)

    def configured_are(self, urls: Iterable[str]) -> bool:
        """Whether the feeds marked configured are exactly `urls` (read-only check before `keep_only`)."""
        marked = {r[0] for r in self._run("SELECT url FROM feeds WHERE configured = 1")}
        wanted = set(urls)
        known = {r[0] for r in self._run("SELECT url FROM feeds WHERE parent_id IS NULL OR configured = 1")}
        return marked == wanted & known

    def feed(self, feed_id: int) -> FeedRow | None:
        found = self._typed(FeedRow, "SELECT * FROM feeds WHERE id = ?", [feed_id])
        return found[0] if found else None

    def feed_at(self, url: str) -> FeedRow | None:
        """The feed of that address, configured or found through another."""
        found = self._typed(FeedRow, "SELECT * FROM feeds WHERE url = ?", [url])
        return found[0] if found else None

    def update_feed(self, feed_id: int, **values: Any) -> None:
        if values:
            sets = ", ".join(f"{k} = ?" for k in values)
            self._run(f"UPDATE feeds SET {sets} WHERE id = ?", [*values.values(), feed_id])

    def configured_feeds(self) -> list[FeedRow]:
        """The configured feeds' own rows (their last fetch, error...), without `feeds_health`'s counts, which
        read every message."""
        return self._typed(FeedRow, "SELECT * FROM feeds WHERE configured = 1 ORDER BY id")

    def feeds_health(self) -> list[FeedHealthRow]:
        """Configured feeds with the health of the comment feeds found through them."""
        # Counted in one pass over each table, then joined: neither feeds.parent_id nor messages.feed_id has an
        # index, so a count per feed scanned both tables once a feed (quadratic in the number of feeds).
        return self._typed(FeedHealthRow, """
            SELECT f.*, coalesce(c.comment_feeds, 0) AS comment_feeds,
                   coalesce(c.comment_feed_errors, 0) AS comment_feed_errors, coalesce(m.messages, 0) AS messages
            FROM feeds f
            LEFT JOIN (SELECT parent_id, count(*) AS comment_feeds, count(last_error) AS comment_feed_errors
                       FROM feeds WHERE parent_id IS NOT NULL GROUP BY parent_id) c ON c.parent_id = f.id
            LEFT JOIN (SELECT feed_id, count(*) AS messages FROM messages GROUP BY feed_id) m ON m.feed_id = f.id
            WHERE f.configured = 1 ORDER BY lower(f.name), f.url""")

    def comment_feeds_of(self, site_feed_id: int, since: str | None,
                         conversation_ids: Iterable[int] | None = None, skip_complete: bool = False) -> list[str]:
        """Comment feeds of the site's posts: those of `conversation_ids`, and (with `since`) those of every post of
        the site that is recent or active since then (`_RECENT_OR_ACTIVE`: an old post with a new comment too);
        with `skip_complete`, not those of posts whose comments are all stored already (by the count the posts feed
        gives, which is only fresh right after that feed was fetched)."""
        complete = ("AND (c.comment_count IS NULL OR c.comment_count > (SELECT count(*) FROM messages m "
                    "WHERE m.conversation_id = c.id AND m.is_post = 0))" if skip_complete else "")
        ids = json.dumps(list(conversation_ids or ()))
        found: list[str] = []
        if ids != "[]":
            found += [r["url"] for r in self._rows(f"""
                SELECT DISTINCT cf.url FROM comment_feeds cf JOIN conversations c ON c.id = cf.conversation_id
                WHERE cf.conversation_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) {complete}""", [ids])]
        if since is not None:
            found += [r["url"] for r in self._rows(f"""
                SELECT DISTINCT cf.url FROM comment_feeds cf JOIN conversations c ON c.id = cf.conversation_id
                WHERE c.feed_id = :feed AND {_RECENT_OR_ACTIVE} {complete}""", {"feed": site_feed_id, "since": since})]
        return list(dict.fromkeys(found))

    def thread_posts_of(self, site_feed_id: int, since: str) -> list[list[tuple[str, str | None]]]:
        """For each conversation of the configured feed that is recent or active since `since` (`_RECENT_OR_ACTIVE`),
        the (uid, url) of the messages whose thread may be followed: its opening post first, then the messages
        stored from the feed itself, oldest first. Only messages that may be a Mastodon status, a Bluesky post, a
        Reddit post or a Lemmy post (a cheap filter on their addresses and uids: the sync decides)."""
        rows = self._rows(f"""
            SELECT c.id AS conversation_id, m.uid, m.url FROM conversations c
            JOIN messages m ON m.conversation_id = c.id AND (m.id = c.root_id OR m.feed_id = c.feed_id)
            WHERE c.feed_id = :feed AND {_RECENT_OR_ACTIVE}
              AND (m.uid LIKE 'at://%' OR m.url LIKE '%/@%' OR m.url LIKE '%/statuses/%' OR m.url LIKE '%/post/%'
                   OR m.url LIKE '%reddit.com/%comments/%' OR m.uid LIKE '%/post/%')
            ORDER BY c.id, CASE WHEN m.id = c.root_id THEN 0 ELSE 1 END, m.published, m.id""",
            {"feed": site_feed_id, "since": since})
        found: dict[int, list[tuple[str, str | None]]] = {}
        for row in rows:
            found.setdefault(row["conversation_id"], []).append((row["uid"], row["url"]))
        return list(found.values())

    def known_uids(self, uids: Iterable[str]) -> set[str]:
        """Which of these message uids are stored."""
        return {row["uid"] for row in self.lookup("SELECT uid FROM messages WHERE uid IN ({marks})", list(uids))}

    def conversations_keyed(self, keys: Iterable[str]) -> set[int]:
        """The conversations these keys (`conversation_keys`: a post's uid or address, a Discourse topic) name."""
        return {row["conversation_id"] for row in self.lookup(
            "SELECT conversation_id FROM conversation_keys WHERE key IN ({marks})", list(keys))}

    def apply_feed_kinds(self, kinds: Iterable[tuple[int, str]]) -> int:
        """Give the conversations of configured feeds their feed's kind, (feed id, kind) pairs, where it changed in
        the config, and mark them dirty, so they are summarised again by the new rule; returns how many changed."""
        pairs = json.dumps([list(p) for p in kinds])
        changed = self._run("""WITH want(feed_id, kind) AS (
                                SELECT CAST(json_extract(value, '$[0]') AS INTEGER), json_extract(value, '$[1]')
                                FROM json_each(?))
                            SELECT c.id, w.kind FROM conversations c JOIN want w ON c.feed_id = w.feed_id
                            WHERE c.kind != w.kind""", [pairs]).fetchall()
        if changed:
            self.conn.executemany("UPDATE conversations SET kind = ? WHERE id = ?", [(k, i) for i, k in changed])
            self.conn.executemany("INSERT INTO dirty(conversation_id) VALUES (?) ON CONFLICT DO NOTHING",
                                  [(i,) for i, _ in changed])
        return len(changed)

    def feed_ids_named(self, name: str) -> list[int]:
        """The configured feeds called `name` (as in feeds.toml, case-insensitive) or whose URL it is."""
        return [row["id"] for row in self._rows(
            "SELECT id FROM feeds WHERE configured = 1 AND (url = ? OR (name != '' AND lower(name) = lower(?))) "
            "ORDER BY id", [name.strip(), name.strip()])]
