"""Full-text search over messages: SQLite's FTS5, indexed lazily at the first search; PostgreSQL's tsvector,
kept by an index on the messages (`pg_migrations`)."""

from __future__ import annotations

import re

from cmtui.store.base import StoreBase
from cmtui.text import clean

# Surrogates break the UTF-8 encoding (UnicodeEncodeError): a pasted pair is joined into its character, lone
# ones are dropped.
_SURROGATE = re.compile("[\ud800-\udfff]")


_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def fts_query(query: str) -> str:
    """A user's search words, any str at all, as a safe FTS5 query: terminal escapes and control characters
    removed (`text.clean`: a NUL ended FTS5's string, "unterminated string"), surrogates made encodable, every
    word quoted (no syntax errors: FTS5's operators are taken as words), the last a prefix; "" when nothing
    searchable is left."""
    words = [w.replace('"', '""') for w in _words(query)]
    return " ".join(f'"{w}"' for w in words[:-1]) + (f' "{words[-1]}"*' if words else "")


def tsquery(query: str) -> str:
    """`fts_query` for PostgreSQL: every word quoted (its operators are taken as words), all of them required,
    the last a prefix; "" when nothing searchable is left."""
    words = ["'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in _words(query)]
    return " & ".join(words[:-1] + [words[-1] + ":*"]) if words else ""


def _words(query: str) -> list[str]:
    if not query.isascii():
        query = _SURROGATE.sub("", _SURROGATE_PAIR.sub(
            lambda m: m.group().encode("utf-16", "surrogatepass").decode("utf-16"), query))
    return clean(query).split()


# The text PostgreSQL searches: the expression of the `messages_search` index, which queries must repeat to use it.
PG_DOCUMENT = "to_tsvector('simple', left(title || ' ' || author || ' ' || text, 100000))"


class SearchStore(StoreBase):
    """Full-text search over messages: SQLite's FTS5, indexed lazily at the first search; PostgreSQL's tsvector."""

    def search_condition(self, words: str) -> tuple[str, str] | None:
        """A query of the ids of the conversations whose messages hold `words` (any user input), and its
        `:match` parameter; None when nothing searchable is left."""
        if self.dialect == "postgresql":
            match = tsquery(words)
            return (f"SELECT conversation_id FROM messages WHERE {PG_DOCUMENT} @@ to_tsquery('simple', :match)",
                    match) if match else None
        match = fts_query(words)
        if not match:
            return None
        self.index_search()
        return ("SELECT m.conversation_id FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
                "WHERE messages_fts MATCH :match", match)

    def index_search(self) -> int:
        """Add the messages stored since the last search to the full-text index; returns how many (SQLite only:
        PostgreSQL keeps its index itself)."""
        if self.dialect == "postgresql":
            return 0
        upto = int(self.get_meta("search_indexed_upto") or 0)
        newest = self._run("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
        if newest <= upto:
            return 0
        with self.transaction():
            upto = int(self.get_meta("search_indexed_upto") or 0)  # another process may have done it meanwhile
            cursor = self._run("INSERT INTO messages_fts(rowid, title, author, text) "
                               "SELECT id, title, author, text FROM messages WHERE id > ? AND id <= ?", [upto, newest])
            self.set_meta("search_indexed_upto", str(max(upto, newest)))
        return int(cursor.rowcount)
