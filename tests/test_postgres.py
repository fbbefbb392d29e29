"""The PostgreSQL backend itself: the same schema as SQLite, parameters translated, passwords never shown,
changes pushed to listeners, one sync at a time across processes, a newer store refused."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from cmtui.paths import shown_db as redacted
from cmtui.store import Store, StoreError
from cmtui.store.base import NewerStoreError
from cmtui.store.postgres import sync_lock, translate
from cmtui.sync import SyncBusy

from .conftest import fresh_postgres


@pytest.fixture
def pg(postgres_server: str) -> str:
    """A PostgreSQL store URL of its own."""
    return fresh_postgres(postgres_server)


def columns(store: Store, tables: list[str]) -> dict[str, list[str]]:
    return {t: store._columns(t) for t in tables}


def test_both_backends_end_with_the_same_tables_and_columns(pg: str, tmp_path: Path) -> None:
    with Store.open(tmp_path / "db.sqlite") as lite:
        tables = [r[0] for r in lite.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'messages_fts%' "
            "AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name")]
        expected = columns(lite, tables)
    with Store.open(pg) as store:
        found = {r[0] for r in store.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}
        assert found - {"cmtui_migrations"} == set(tables)
        assert columns(store, tables) == expected


def test_parameters_become_psycopgs_outside_quotes_only() -> None:
    assert translate("SELECT ? WHERE a = :name AND b::text LIKE '%?:x%' AND c = \"?\"") == (
        "SELECT %s WHERE a = %(name)s AND b::text LIKE '%%?:x%%' AND c = \"?\"")
    assert translate("SELECT 'it''s :not ?', :yes") == "SELECT 'it''s :not ?', %(yes)s"


def test_a_password_never_shows_in_an_error(postgres_server: str) -> None:
    assert redacted("postgresql://maya:s3cret@db.example:5432/team") == "postgresql://maya:***@db.example:5432/team"
    wrong = postgres_server.replace("cmtui:", "cmtui:x", 1)  # a wrong password for the same user
    assert "x" in wrong.split("@")[0]
    with pytest.raises(StoreError) as caught:
        Store.open(wrong)
    password = wrong.split("//", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert password not in str(caught.value) and "***" in str(caught.value)
    assert "password authentication failed" in str(caught.value)


def test_a_teammates_change_reaches_a_listener_without_a_query(pg: str) -> None:
    with Store.open(pg) as mine, Store.open(pg) as theirs:
        before = mine.data_version()
        with mine.transaction():  # my own change: nothing to reload
            mine.set_meta("x", "1")
            mine.add_note(1, "me", "mine")
        assert mine.data_version() == before
        with theirs.transaction():
            theirs.add_note(1, "maya", "on it")
        deadline = 50
        while mine.data_version() == before and deadline:
            import time

            time.sleep(0.05)
            deadline -= 1
        assert mine.data_version() != before


def test_one_sync_at_a_time_across_connections(pg: str) -> None:
    with sync_lock(pg, 0, SyncBusy):
        with pytest.raises(SyncBusy, match="another cmtui sync is running"):
            with sync_lock(pg, 0.3, SyncBusy):
                pass
    with sync_lock(pg, 0, SyncBusy):  # released when the first one ended
        pass


def test_a_store_written_by_a_newer_cmtui_is_refused_untouched(pg: str) -> None:
    Store.open(pg).close()
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute("INSERT INTO cmtui_migrations(name, applied_at) VALUES ('m999_future', 'now')")
    with pytest.raises(NewerStoreError, match="m999_future"):
        Store.open(pg)


def test_processes_opening_a_new_store_at_once_all_get_it(pg: str) -> None:
    """Two syncs started together on a new store: one migrates, the others wait for it (an advisory lock); once
    "type cmtui_migrations already exists" stopped the second."""
    import subprocess
    import sys

    code = f"from cmtui.store import Store; Store.open({pg!r}).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    with Store.open(pg) as store:
        assert len(store.conn.execute("SELECT name FROM cmtui_migrations").fetchall()) == 2
