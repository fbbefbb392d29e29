"""Full-text search over messages (SQLite FTS5), indexed lazily at the first search."""

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
    if not query.isascii():
        query = _SURROGATE.sub("", _SURROGATE_PAIR.sub(
            lambda m: m.group().encode("utf-16", "surrogatepass").decode("utf-16"), query))
    words = [w.replace('"', '""') for w in clean(query).split()]
    return " ".join(f'"{w}"' for w in words[:-1]) + (f' "{words[-1]}"*' if words else "")


class SearchStore(StoreBase):
    """Full-text search over messages (SQLite FTS5), indexed lazily at the first search."""

    def index_search(self) -> int:
        """Add the messages stored since the last search to the full-text index; returns how many."""
        upto = int(self.get_meta("search_indexed_upto") or 0)
        newest = self._run("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]
        if newest <= upto:
            return 0
        with self.transaction():
            upto = int(self.get_meta("search_indexed_upto") or 0)  # another process may have done it meanwhile
            cursor = self._run("INSERT INTO messages_fts(rowid, title, author, text) "
                               "SELECT id, title, author, text FROM messages WHERE id > ? AND id <= ?", [upto, newest])
            self.set_meta("search_indexed_upto", str(max(upto, newest)))
        return cursor.rowcount
