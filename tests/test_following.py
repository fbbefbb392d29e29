"""Following the threads that listening feeds find: a Reddit search or subreddit feed's posts get their thread's own
feed (Reddit's Atom `.rss`, the post and its comments), within a per-host share that is small by default, since
Reddit throttles `.rss` (and sometimes says so with a 403). Also: a Mastodon server that refuses anonymous API calls
is not asked for that tree again. Every request is answered by a loopback server; Reddit's addresses are kept as they
are (the thread's key is read from them) and the requests forwarded to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmtui.demo.server import FeedServer
from cmtui.store import Store

from .helpers import sync
from .test_reply_trees import context_hits, mastodon_config, status, tag_rss
from .test_social import JSON

# -- Mastodon: a server that answers its API only after login ------------------------------------------------


@pytest.mark.parametrize(("code", "reason"), [(401, "Unauthorized"), (403, "Forbidden")])
def test_a_server_refusing_anonymous_api_calls_is_not_asked_for_that_tree_again(server: FeedServer, tmp_path: Path,
                                                                                code: int, reason: str) -> None:
    bob = status(server, "1001", "bob", "#acmegrinder jams every morning", 5)
    server.set("/tags/acmegrinder.rss", tag_rss([bob]))
    server.set("/api/v1/statuses/1001/context", '{"error":"This API requires an authenticated user"}', status=code,
               content_type=JSON, validators=False)
    config = mastodon_config(server, tmp_path)
    db = tmp_path / "db.sqlite"
    report = sync(config, db)
    assert not report.failed and report.new == 1  # not an error that fails cron: the tree is not public
    with Store.open(db) as store:
        row = store.feed_at(server.url("/api/v1/statuses/1001/context"))
        assert row is not None and row.gone_at and row.last_status == code and row.last_error is None
        assert row.last_warning == f"not public: the server refuses anonymous API calls (HTTP {code} {reason})"
    server.reset_hits()
    assert not sync(config, db, force=True).failed
    assert context_hits(server) == []
