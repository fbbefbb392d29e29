"""Opening a store, its schema check and migrations, transactions and the low-level query helpers.

A store is a SQLite file (the default) or a PostgreSQL database (`postgresql://…`, see `postgres.py`); the
queries are the same for both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

from cmtui import paths
from cmtui.store import postgres

if TYPE_CHECKING:
    from cmtui.store.postgres import PgConnection

T = TypeVar("T")
BUSY_TIMEOUT_MS = 30_000
# The errors of either backend (PostgreSQL's are raised as these; see `postgres.py`).
DatabaseError = sqlite3.DatabaseError
IntegrityError = sqlite3.IntegrityError


class StoreError(Exception):
    """The database cannot be used (not SQLite, corrupt, unwritable): the CLI prints it and exits."""


class NewerStoreError(StoreError):
    """The store was written by a newer cmtui: it is refused untouched (its schema is beyond this code)."""


def _schema_state(conn: sqlite3.Connection, path: Path | str) -> bool:
    """Whether every migration this cmtui defines is applied (read-only, without importing sqlite-utils: it
    costs 0.15 s at every start). The rule is sqlite-utils' own: a migration is pending when its name is not
    among the applied ones recorded in `_sqlite_migrations`. A store that records migrations this code does not
    define, or whose `user_version` (the number of migrations applied, as cmtui writes it) is beyond the number
    defined here, was written by a newer cmtui: `NewerStoreError`."""
    from cmtui.store.migrations import MIGRATION_SET, MIGRATIONS

    defined = {fn.__name__ for fn in MIGRATIONS}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    applied: set[str] = set()
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'").fetchone():
        applied = {row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                                                  [MIGRATION_SET])}
    unknown = sorted(applied - defined)
    if version > len(MIGRATIONS) or unknown:
        what = f"migration {unknown[0]}" if unknown else f"schema version {version}"
        raise NewerStoreError(f"{path}: this store was written by a newer cmtui ({what}; this cmtui knows "
                              f"{len(MIGRATIONS)} migrations): upgrade cmtui to use it; it was left untouched")
    return applied == defined and version == len(MIGRATIONS)


def _migrate(conn: sqlite3.Connection) -> None:
    """Apply the pending schema migrations (sqlite-utils decides which), then record how many are applied in
    `PRAGMA user_version` (for `_schema_state`'s check of a newer store); all in one write transaction, so
    two processes opening a new store at once do not both migrate it."""
    from sqlite_utils import Database

    from cmtui.store.migrations import MIGRATIONS, registry

    migrations = registry()
    db = Database(conn)
    conn.execute("BEGIN IMMEDIATE")  # one process migrates; another opening the store meanwhile waits here
    try:
        migrations.apply(db)  # (each migration in a savepoint of this transaction)
        if not migrations.pending(db):
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class StoreBase:
    """Opening a store, its schema check and migrations, transactions and the low-level query helpers."""

    def __init__(self, conn: sqlite3.Connection | PgConnection, path: Path | str | None = None) -> None:
        self.conn: Any = conn
        self.path = path
        self.dialect = "postgresql" if paths.is_url(path or "") else "sqlite"

    @property
    def where(self) -> str:
        """The store's location as messages show it (a server's URL without its password)."""
        return paths.shown_db(str(self.path)) if self.path is not None else ":memory:"

    # -- opening ---------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> Self:
        """The store at `path`: a SQLite file (created with its folder when missing), or a PostgreSQL
        database when `path` is a `postgresql://` URL."""
        if paths.is_url(path):
            return cls._open_postgres(str(path))
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                current = _schema_state(conn, path)  # before anything is written: a newer store stays untouched
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = wal")
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = OFF")
                if not current:
                    _migrate(conn)
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot use this database: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{path}: {exc.strerror or exc}") from None
        return cls(conn, path)

    @classmethod
    def _open_postgres(cls, url: str) -> Self:
        try:
            conn = postgres.connect(url)
            try:
                postgres.migrate(conn, url)
            except BaseException:
                conn.close()
                raise
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{paths.shown_db(url)}: cannot use this database: {exc}") from None
        return cls(conn, url)

    @classmethod
    def memory(cls) -> Self:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        if not _schema_state(conn, ":memory:"):
            _migrate(conn)
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_lock_wait(self, seconds: float) -> None:
        """How long a write waits for another writer before it fails (a draft saved while a sync writes)."""
        if self.dialect == "postgresql":
            self.conn.set_session(f"SET lock_timeout = {int(seconds * 1000)}")
        else:
            self._run(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front (no upgrade deadlocks)."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        if self.dialect == "postgresql":
            postgres.begin_write(conn)
        else:
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        cursor = self.conn.execute(sql, params if isinstance(params, dict) else tuple(params))
        cursor.row_factory = postgres.PgRow if self.dialect == "postgresql" else sqlite3.Row
        return list(cursor.fetchall())

    def _row(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _typed(self, cls: Callable[..., T], sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[T]:
        """Rows of `sql` as `cls` objects, filled by column name."""
        cursor = self.conn.execute(sql, params if isinstance(params, dict) else tuple(params))
        names = [column[0] for column in cursor.description]
        return [cls(**dict(zip(names, row, strict=True))) for row in cursor]

    def _run(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Any:
        return self.conn.execute(sql, params if isinstance(params, dict) else tuple(params))

    def lookup(self, sql: str, values: list[str]) -> list[sqlite3.Row]:
        """Run `sql` (with one `{marks}` placeholder list) over `values` in chunks SQLite accepts."""
        return [row for chunk in _chunks(values) for row in self._rows(_marked(sql, chunk), chunk)]

    def _typed_lookup(self, cls: Callable[..., T], sql: str, values: list[str]) -> list[T]:
        """`lookup`, its rows as `cls` objects (see `_typed`)."""
        return [row for chunk in _chunks(values) for row in self._typed(cls, _marked(sql, chunk), chunk)]

    # -- meta ------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._row("SELECT value FROM meta WHERE key = ?", [key])
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._run("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                  [key, value])

    def take_seen_seq(self, count: int) -> int:
        """Reserve `count` numbers of the sequence in which cmtui sees messages; returns the first. The counter
        only grows (numbers left unused are skipped), so a message's `seen_seq` tells what came before it
        whatever the clock says."""
        row = self._run("""INSERT INTO meta(key, value) VALUES ('seen_seq', ?)
                        ON CONFLICT(key) DO UPDATE
                        SET value = CAST(CAST(meta.value AS INTEGER) + CAST(excluded.value AS INTEGER) AS TEXT)
                        RETURNING CAST(value AS INTEGER)""", [str(count)]).fetchall()[0]
        return int(row[0]) - count + 1

    def data_version(self) -> int:
        """Changes whenever another connection commits: the app polls this to notice a cron sync (on
        PostgreSQL, a teammate's change: counted from the server's notifications, without a query)."""
        if self.dialect == "postgresql":
            return int(self.conn.changes())
        return int(self._run("PRAGMA data_version").fetchone()[0])

    def _columns(self, table: str) -> list[str]:
        """The column names of `table`, in order."""
        return [d[0] for d in self._run(f"SELECT * FROM {table} LIMIT 0").description]

    # -- derived state ---------------------------------------------------------------
    def settings_changed(self, key: str, stamp: str) -> bool:
        """True (and remembers `stamp`) when the settings under `key` differ from the last call's."""
        if self.get_meta(key) == stamp:
            return False
        self.set_meta(key, stamp)
        return True


def _chunks(values: list[str]) -> Iterator[list[str]]:
    """`values` without repeats, a few hundred at a time: SQLite caps the parameters of a statement."""
    unique = list(dict.fromkeys(values))
    for i in range(0, len(unique), 500):
        yield unique[i:i + 500]


def _marked(sql: str, chunk: list[str]) -> str:
    return sql.format(marks=",".join("?" * len(chunk)))
