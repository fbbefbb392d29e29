"""The sync summarises the conversations it touched in short write transactions: another connection (the app
saving a draft) waits for one batch at most, never for all of a sync's summaries."""

from __future__ import annotations

import pytest

import cmtui.summaries
from cmtui.store import Store
from cmtui.sync import run_sync

from .conftest import Demo


def test_the_sync_summarises_in_short_transactions(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every conversation touched again, summarised 3 to a write transaction: another connection waits for one
    batch at most, never for all of them."""
    monkeypatch.setattr(cmtui.summaries, "SUMMARY_BATCH", 3)
    store = Store.open(demo.db_path)
    try:
        with store.transaction():
            store.conn.execute("INSERT OR IGNORE INTO dirty(conversation_id) SELECT id FROM conversations")
        dirty = len(store.dirty_ids())
        assert dirty > 6
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        run_sync(demo.config, store, transport=demo.transport)
        store.conn.set_trace_callback(None)
        assert store.dirty_ids() == []
    finally:
        store.close()
    per_transaction, inside = [], 0
    for sql in statements:
        if sql.startswith("BEGIN"):
            inside = 0
        elif sql.startswith("SELECT kind FROM conversations WHERE id ="):  # one conversation summarised
            inside += 1
        elif sql == "COMMIT":
            per_transaction.append(inside)
    assert sum(per_transaction) >= dirty
    assert max(per_transaction) <= 3
