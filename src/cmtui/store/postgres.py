"""The PostgreSQL backend: one store on a server that a team shares (`--db postgresql://user@host/db`).

The store's queries are written once, for both backends. `PgConnection` lets them run here unchanged: it takes
sqlite3's `?` and `:name` parameters, hands rows back as plain values (numbers as int or float, booleans as
0/1, as SQLite does) and raises sqlite3's exception classes, so the store and its callers catch one kind. The
few SQLite functions the queries use that PostgreSQL lacks (`julianday`, `instr`, `json_each`, ...) are defined
by the first migration (`pg_migrations.py`), with SQLite's meaning.

Every write transaction takes one advisory lock first, as SQLite's BEGIN IMMEDIATE takes its write lock: writers
run one at a time, so the store's read-then-write steps mean the same on both backends. Every change to what the
inbox shows sends a NOTIFY (by triggers), which `data_version` counts: an app sees a teammate's change without
asking the server.

Credentials come from the URL, the environment (`PGPASSWORD`, `PGSERVICE`...), `~/.pgpass` or a service file, as
libpq reads them; `sslmode` and the other libpq parameters go in the URL. Passwords never appear in messages.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cmtui import paths

if TYPE_CHECKING:
    import psycopg

CHANNEL = "cmtui_changed"  # the NOTIFY channel of every change to the store
_WRITE_LOCK = "cmtui write"  # advisory lock names, per schema (see `_lock_key`)
_SYNC_LOCK = "cmtui sync"




# -- parameters: sqlite3's styles to psycopg's ------------------------------------------------------------------
_TOKENS = re.compile(r"""('(?:[^']|'')*')|("(?:[^"]|"")*")|(\?)|(?<![:\w]):([A-Za-z_]\w*)|(%)""")


@lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """`?` and `:name` as psycopg's `%s` and `%(name)s`, outside quotes; `%` doubled (psycopg's escape)."""
    def one(match: re.Match[str]) -> str:
        quoted, ident, mark, name, percent = match.groups()
        if quoted is not None:
            return quoted.replace("%", "%%")
        if ident is not None:
            return ident
        if mark is not None:
            return "%s"
        if name is not None:
            return f"%({name})s"
        assert percent is not None
        return "%%"
    return _TOKENS.sub(one, sql)


def _params(params: Sequence[Any] | dict[str, Any]) -> Sequence[Any] | dict[str, Any]:
    """Values as SQLite takes them: booleans are 0/1 (columns are integers here too); PostgreSQL text holds no
    NUL character, so one becomes U+FFFD (SQLite keeps it; nothing cmtui shows needs it)."""
    def value(v: Any) -> Any:
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, str) and "\x00" in v:
            return v.replace("\x00", "\ufffd")
        return v
    if isinstance(params, dict):
        return {k: value(v) for k, v in params.items()}
    return [value(v) for v in params]


@contextmanager
def _as_sqlite_errors() -> Iterator[None]:
    """psycopg's errors as the sqlite3 classes the store's callers catch, with the server's message."""
    import psycopg

    try:
        yield
    except psycopg.IntegrityError as exc:
        raise sqlite3.IntegrityError(_message(exc)) from None
    except psycopg.OperationalError as exc:
        raise sqlite3.OperationalError(_message(exc)) from None
    except psycopg.Error as exc:
        raise sqlite3.DatabaseError(_message(exc)) from None


def _message(exc: Exception) -> str:
    return paths.shown_db(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)


class PgCursor:
    """The part of a sqlite3 cursor the store uses, over a psycopg cursor."""

    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self._cursor = cursor
        self.row_factory: Any = None
        self.names = {column[0]: i for i, column in enumerate(cursor.description or ())}  # for PgRow

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def _wrap(self, row: tuple[Any, ...]) -> Any:
        return self.row_factory(self, row) if self.row_factory is not None else row

    def fetchone(self) -> Any:
        with _as_sqlite_errors():
            row = self._cursor.fetchone() if self._cursor.description else None
        return None if row is None else self._wrap(row)

    def fetchall(self) -> list[Any]:
        with _as_sqlite_errors():
            rows = self._cursor.fetchall() if self._cursor.description else []
        return [self._wrap(row) for row in rows]

    def fetchmany(self, size: int) -> list[Any]:
        with _as_sqlite_errors():
            rows = self._cursor.fetchmany(size) if self._cursor.description else []
        return [self._wrap(row) for row in rows]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgRow(tuple[Any, ...]):
    """A row read by column number or name, as sqlite3.Row is."""

    _names: dict[str, int]

    def __new__(cls, cursor: PgCursor, row: tuple[Any, ...]) -> PgRow:
        self = super().__new__(cls, row)
        self._names = cursor.names
        return self

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._names[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._names)


class PgConnection:
    """A psycopg connection that runs the store's queries as a sqlite3 connection does (see the module)."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], release: Any = None) -> None:
        self._conn = conn
        self._release = release  # gives the connection back to its pool
        self._listening = False
        self._session_set = False  # a SET that must not outlive this use of a pooled connection
        self._changes = 0

    @property
    def raw(self) -> psycopg.Connection[tuple[Any, ...]]:
        return self._conn

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PgCursor:
        cursor = self._conn.cursor()
        with _as_sqlite_errors():
            if params:
                cursor.execute(translate(sql), _params(params))
            else:  # psycopg reads no placeholders, nor `%%`, in a query without parameters
                cursor.execute(sql)
        return PgCursor(cursor)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        cursor = self._conn.cursor()
        with _as_sqlite_errors():
            cursor.executemany(translate(sql), [_params(p) for p in seq])
        return PgCursor(cursor)

    def set_session(self, statement: str) -> None:
        """Run a SET for this store's use of the connection (reset when it goes back to the pool)."""
        self.execute(statement)
        self._session_set = True

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._conn.info.transaction_status != TransactionStatus.IDLE

    def changes(self) -> int:
        """How many changes other connections have committed since the first call (NOTIFYs received): read
        from what the server already pushed, without a query."""
        if not self._listening:
            self.execute(f"LISTEN {CHANNEL}")
            self._listening = True
        own = self._conn.info.backend_pid
        with _as_sqlite_errors():
            self._changes += sum(1 for n in self._conn.notifies(timeout=0) if n.pid != own)
        return self._changes

    def close(self) -> None:
        if self._conn.closed:
            return
        if self._release is None:
            self._conn.close()
            return
        try:
            if self.in_transaction:
                self._conn.rollback()
            if self._listening or self._session_set:
                self._conn.execute("DISCARD ALL")
        except Exception:  # a broken connection: the pool checks and replaces it
            pass
        self._release(self._conn)


# -- opening: one pool of connections per server and process -------------------------------------------------
_pools: dict[str, Any] = {}
_pools_lock = threading.Lock()


def _configure(conn: psycopg.Connection[Any]) -> None:
    """Numbers come back as int or float (not Decimal), booleans as 0/1: as from SQLite."""
    from psycopg.adapt import Loader

    class NumericLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            return int(text) if text.lstrip("-").isdigit() else float(text)

    class BoolLoader(Loader):
        def load(self, data: Any) -> int:
            return int(bytes(data) == b"t")

    conn.adapters.register_loader("numeric", NumericLoader)
    conn.adapters.register_loader("bool", BoolLoader)


def connect(url: str) -> PgConnection:
    """A connection from this process's pool for `url` (opened at the first call)."""
    import psycopg
    from psycopg_pool import ConnectionPool

    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            with _as_sqlite_errors():  # the server's own words for a wrong password or host, at once (the pool
                psycopg.connect(url, connect_timeout=15).close()  # would retry quietly, then time out)
            pool = ConnectionPool(url, min_size=1, max_size=16, open=False, configure=_configure,
                                  kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor},
                                  name="cmtui")
            with _as_sqlite_errors():
                pool.open(wait=True, timeout=15)
            _pools[url] = pool
    with _as_sqlite_errors():
        conn = pool.getconn(timeout=30)
    return PgConnection(conn, release=pool.putconn)


def close_pools() -> None:
    """Close every pool (at exit, and in tests between servers)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()


# -- migrations ----------------------------------------------------------------------------------------------
def migrate(conn: PgConnection, url: str) -> None:
    """Apply the pending PostgreSQL migrations, one process at a time (an advisory lock: two syncs opening a new
    store at once), all in one transaction; a store that records migrations this code does not define is refused
    (`NewerStoreError`). An up-to-date store is told by one read, without the lock."""
    if _pg_applied(conn, url) == len(_pg_migrations()):
        return
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('cmtui migrate ' || current_schema()))")
        conn.execute("CREATE TABLE IF NOT EXISTS cmtui_migrations (name text PRIMARY KEY, applied_at text NOT NULL)")
        applied = {row[0] for row in conn.execute("SELECT name FROM cmtui_migrations").fetchall()}
        for name, sql in _pg_migrations():
            if name not in applied:
                conn.execute(sql)
                conn.execute("INSERT INTO cmtui_migrations(name, applied_at) VALUES (?, now()::text)", [name])
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _pg_migrations() -> list[tuple[str, str]]:
    """The PostgreSQL migrations (imported only when such a store opens)."""
    from cmtui.store.pg_migrations import MIGRATIONS

    return MIGRATIONS


def _pg_applied(conn: PgConnection, url: str) -> int:
    """How many migrations the store records (0: a new store); `NewerStoreError` for one this code lacks."""
    if conn.execute("SELECT to_regclass('cmtui_migrations')").fetchone()[0] is None:
        return 0
    applied = {row[0] for row in conn.execute("SELECT name FROM cmtui_migrations").fetchall()}
    unknown = sorted(applied - {name for name, _ in _pg_migrations()})
    if unknown:
        from cmtui.store.base import NewerStoreError

        raise NewerStoreError(f"{paths.shown_db(url)}: this store was written by a newer cmtui (migration "
                              f"{unknown[0]}): upgrade cmtui to use it; it was left untouched")
    return len(applied)


def _lock_key(name: str) -> str:
    """An advisory lock's key: one per lock name and schema, so stores in different schemas of one database
    (a test per schema) do not share locks."""
    return f"hashtext('{name} ' || current_schema())"


def begin_write(conn: PgConnection) -> None:
    """BEGIN, then wait for the store's write lock (released at COMMIT or ROLLBACK)."""
    conn.execute("BEGIN")
    conn.execute(f"SELECT pg_advisory_xact_lock({_lock_key(_WRITE_LOCK)})")


@contextmanager
def sync_lock(url: str, wait: float, busy: type[Exception]) -> Iterator[None]:
    """One sync at a time per store, across machines: a session advisory lock on a connection of its own,
    held while the sync runs (the server frees it if the process dies). Raises `busy` after `wait` seconds."""
    import psycopg

    with _as_sqlite_errors():
        conn = psycopg.connect(url, autocommit=True)
    try:
        deadline = time.monotonic() + wait
        while not conn.execute(f"SELECT pg_try_advisory_lock({_lock_key(_SYNC_LOCK)})").fetchone()[0]:  # type: ignore[index]
            if time.monotonic() >= deadline:
                raise busy(f"another cmtui sync is running on {paths.shown_db(url)}")
            time.sleep(0.2)
        yield
    finally:
        conn.close()
