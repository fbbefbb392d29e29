"""The people who write to us, and the messages that count for response times."""

from __future__ import annotations

from cmtui.store.base import StoreBase
from cmtui.store.rows import PersonRow, ResponseRow


class PeopleStore(StoreBase):
    """The people who write to us, and the messages that count for response times."""

    def people_counts(self, names: list[str]) -> dict[str, int]:
        """How many messages each (normalised) name has written, across feeds."""
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        return {r[0]: r[1] for r in self._run(f"SELECT name_norm, messages FROM people WHERE name_norm IN ({marks})",
                                              names)}

    def people(self) -> list[PersonRow]:
        """Everyone who wrote (not us), with counts and sentiment from their messages."""
        return self._typed(PersonRow, """
            SELECT p.name_norm, p.name, p.first_seen, p.last_seen, p.feeds,
                   count(m.id) AS messages, avg(m.sentiment) AS sentiment,
                   count(*) FILTER (WHERE m.sentiment <= -0.3) AS negative,
                   count(*) FILTER (WHERE m.sentiment >= 0.3) AS positive,
                   count(*) FILTER (WHERE m.is_post = 0 OR c.kind != 'blog') AS addressed,
                   count(*) FILTER (WHERE m.answered_at IS NOT NULL) AS answered
            FROM people p JOIN messages m ON m.author_norm = p.name_norm AND m.is_ours = 0
            JOIN conversations c ON c.id = m.conversation_id
            GROUP BY p.name_norm ORDER BY count(m.id) DESC, p.last_seen DESC""")

    def responses(self, since: str | None) -> list[ResponseRow]:
        """Messages by others that count for the response time (answered or not), with their feed."""
        return self._typed(ResponseRow, """
            SELECT m.id, m.published, m.answered_at, f.name AS feed, f.url AS feed_url,
                   (SELECT o.author FROM messages o WHERE o.conversation_id = m.conversation_id AND o.is_ours = 1
                      AND o.published = m.answered_at ORDER BY o.id LIMIT 1) AS answered_by
            FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN feeds f ON f.id = c.feed_id
            WHERE m.is_ours = 0 AND (m.is_post = 0 OR c.kind IN ('forum', 'mentions'))
              AND (? IS NULL OR m.published >= ?)""", [since, since])

    def sentiment_by_week(self, since: str | None) -> list[tuple[str, int, float]]:
        """(the week's Thursday, messages, their mean sentiment) of the scored messages by others since `since`, per
        ISO week, oldest first. An ISO week and its year are those of its Thursday: `date(…, '-3 days',
        'weekday 4')` finds it without SQLite's `%V` (3.46 and later only); PostgreSQL counts from its Monday."""
        thursday = ("date(published, '-3 days', 'weekday 4')" if self.dialect == "sqlite" else
                    "to_char(date_trunc('week', published::timestamptz AT TIME ZONE 'UTC') + interval '3 days', "
                    "'YYYY-MM-DD')")
        return [(r[0], r[1], r[2]) for r in self._run(f"""
            SELECT {thursday} AS thursday, count(*), avg(sentiment)
            FROM messages WHERE is_ours = 0 AND sentiment IS NOT NULL AND (? IS NULL OR published >= ?)
            GROUP BY thursday ORDER BY thursday""", [since, since])]
