"""The store's schema, one append-only migration at a time. Never edit a migration that has shipped:
add a new one (`@migration`, named mNNN_what: the name is what the store records as applied).

This module imports without sqlite-utils (0.15 s to import): `MIGRATIONS` lists what this cmtui defines, so
`Store.open` can tell an up-to-date store cheaply; `registry()` builds the sqlite-utils `Migrations` that
applies the pending ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database, Migrations

MIGRATION_SET = "cmtui"  # the migration_set column of the applied migrations in `_sqlite_migrations`
MIGRATIONS: list[Callable[[Database], None]] = []  # in the order they apply


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Define the next migration."""
    if any(m.__name__ == fn.__name__ for m in MIGRATIONS):
        raise ValueError(f"migration {fn.__name__} is defined twice")
    MIGRATIONS.append(fn)
    return fn


def registry() -> Migrations:
    """The sqlite-utils migration set of every migration defined: it decides which ones are pending."""
    from sqlite_utils import Migrations

    found = Migrations(MIGRATION_SET)
    for fn in MIGRATIONS:
        found(name=fn.__name__)(fn)
    return found


def _run(db: Database, script: str) -> None:
    """Run a script statement by statement (executescript would commit the migration's transaction)."""
    pending = ""
    for line in script.splitlines():
        pending += line + "\n"
        if sqlite3.complete_statement(pending):
            db.execute(pending)
            pending = ""
    if pending.strip():
        db.execute(pending)


@migration
def m001_initial(db: Database) -> None:
    _run(db, """
    CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'blog',
        tags TEXT NOT NULL DEFAULT '[]',
        configured INTEGER NOT NULL DEFAULT 1,      -- 0: found by following a post's comment feed
        parent_id INTEGER REFERENCES feeds(id),     -- the configured feed that led to this one
        title TEXT, platform TEXT, role TEXT,
        site_comments_url TEXT,                     -- WordPress /comments/feed/ of a posts feed
        etag TEXT, last_modified TEXT, body_hash TEXT,
        last_status INTEGER, last_error TEXT, last_warning TEXT,
        error_count INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT,                          -- not polled before (backoff, Retry-After)
        last_attempt TEXT, last_ok TEXT, gone_at TEXT
    );
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        title TEXT NOT NULL DEFAULT '',
        url TEXT,
        kind TEXT NOT NULL DEFAULT 'blog',
        author TEXT,
        published TEXT,
        root_id INTEGER,                            -- the opening post's message, once seen
        created_at TEXT NOT NULL
    );
    CREATE INDEX conversations_feed ON conversations(feed_id, published);
    CREATE TABLE conversation_keys (
        key TEXT PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id)
    ) WITHOUT ROWID;
    CREATE INDEX conversation_keys_conv ON conversation_keys(conversation_id);
    CREATE TABLE comment_feeds (                    -- a post's own comment feeds
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        url TEXT NOT NULL,
        PRIMARY KEY (conversation_id, url)
    ) WITHOUT ROWID;
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,                   -- guid, else link, else content hash
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        feed_id INTEGER NOT NULL REFERENCES feeds(id),
        parent_id INTEGER REFERENCES messages(id),
        parent_ref TEXT,                            -- what it replies to, until that is seen
        explicit_parent INTEGER NOT NULL DEFAULT 0,
        is_post INTEGER NOT NULL DEFAULT 0,
        is_ours INTEGER NOT NULL DEFAULT 0,
        author TEXT NOT NULL DEFAULT '',
        author_norm TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        url TEXT, url_key TEXT,
        published TEXT NOT NULL,                    -- UTC ISO 8601; the time we first saw it if the feed had none
        seen_at TEXT NOT NULL,
        text TEXT NOT NULL DEFAULT '',
        html TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX messages_conv ON messages(conversation_id, published);
    CREATE INDEX messages_url_key ON messages(url_key);
    CREATE INDEX messages_parent_ref ON messages(parent_ref) WHERE parent_id IS NULL AND parent_ref IS NOT NULL;
    CREATE INDEX messages_author ON messages(author_norm);
    CREATE TABLE people (
        name_norm TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        messages INTEGER NOT NULL DEFAULT 0,
        feeds TEXT NOT NULL DEFAULT '[]'
    ) WITHOUT ROWID;
    CREATE TABLE conversation_state (               -- what the user decided; a sync never writes here
        conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
        done_at TEXT,
        snoozed_until TEXT,
        muted INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE conversation_summary (             -- derived from messages after every sync that touches them
        conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
        messages INTEGER NOT NULL,
        unanswered INTEGER NOT NULL,
        waiting_since TEXT,                         -- oldest unanswered message
        unanswered_seen_at TEXT,                    -- when the newest unanswered message reached us
        last_message_at TEXT,
        latest_id INTEGER,                          -- newest message
        latest_unanswered_id INTEGER,
        reasons TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX summary_waiting ON conversation_summary(waiting_since) WHERE unanswered > 0;
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID
    """)


@migration
def m002_search_read_state_mentions(db: Database) -> None:
    """Full-text search over messages, when a conversation was last opened, mentions of us."""
    _run(db, """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        title, author, text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_fts(rowid, title, author, text) SELECT id, title, author, text FROM messages;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, title, author, text) VALUES (new.id, new.title, new.author, new.text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, title, author, text)
        VALUES ('delete', old.id, old.title, old.author, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF title, author, text ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, title, author, text)
        VALUES ('delete', old.id, old.title, old.author, old.text);
        INSERT INTO messages_fts(rowid, title, author, text) VALUES (new.id, new.title, new.author, new.text);
    END;
    ALTER TABLE conversation_state ADD COLUMN opened_at TEXT;
    ALTER TABLE conversation_state ADD COLUMN muted_at TEXT;
    ALTER TABLE conversation_summary ADD COLUMN mention_seen_at TEXT
    """)


@migration
def m003_triage(db: Database) -> None:
    """Per-message sentiment and answer time; per-conversation signals for the urgency score."""
    _run(db, """
    ALTER TABLE messages ADD COLUMN sentiment REAL;
    ALTER TABLE messages ADD COLUMN answered_at TEXT;
    ALTER TABLE conversation_summary ADD COLUMN signals TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE conversation_summary ADD COLUMN closed_reason TEXT;
    ALTER TABLE conversation_summary ADD COLUMN stuck_since TEXT;
    ALTER TABLE conversation_summary ADD COLUMN burst_since TEXT;
    ALTER TABLE conversation_summary ADD COLUMN burst INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE conversation_summary ADD COLUMN score REAL NOT NULL DEFAULT 0
    """)


@migration
def m004_drafts(db: Database) -> None:
    """Replies being written: saved as the user types, kept until sent or discarded."""
    _run(db, """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        message_id INTEGER REFERENCES messages(id),     -- the message it answers; NULL: the conversation
        body TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'draft',             -- draft | pending | sent | discarded
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        pending_at TEXT,                                 -- handed off (copied, browser opened)
        sent_at TEXT,
        sent_message_id INTEGER,                         -- our message that carried it, once seen
        error TEXT                                       -- the server's answer to a failed post
    );
    CREATE UNIQUE INDEX drafts_open ON drafts(conversation_id, coalesce(message_id, 0)) WHERE state = 'draft';
    CREATE INDEX drafts_state ON drafts(state, conversation_id)
    """)


@migration
def m005_comments_due(db: Database) -> None:
    """Comment feeds a site still owes a fetch for, written with the change that caused it, so a sync
    killed half-way finishes the job next time."""
    db.execute("ALTER TABLE feeds ADD COLUMN comments_due TEXT")


@migration
def m006_features_dirty(db: Database) -> None:
    """What each message's text says (computed once, where it is parsed), and the conversations whose
    summary a sync still owes (so a killed sync is healed by the next one or by the next read)."""
    _run(db, """
    ALTER TABLE messages ADD COLUMN features TEXT;
    CREATE TABLE dirty (conversation_id INTEGER PRIMARY KEY) WITHOUT ROWID;
    INSERT INTO dirty SELECT id FROM conversations
    """)


@migration
def m007_search_index_on_demand(db: Database) -> None:
    """New messages are added to the search index when a search needs them (`Store.index_search`), not one
    by one as a sync stores them: FTS5 made every feed's transaction several times slower. Edits and deletes of
    rows already indexed still keep the index exact through triggers."""
    _run(db, """
    DROP TRIGGER messages_fts_insert;
    DROP TRIGGER messages_fts_delete;
    DROP TRIGGER messages_fts_update;
    INSERT OR REPLACE INTO meta(key, value) VALUES ('search_indexed_upto', (SELECT coalesce(max(id), 0) FROM messages));
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
    WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search_indexed_upto') BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, title, author, text)
        VALUES ('delete', old.id, old.title, old.author, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF title, author, text ON messages
    WHEN old.id <= (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'search_indexed_upto') BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, title, author, text)
        VALUES ('delete', old.id, old.title, old.author, old.text);
        INSERT INTO messages_fts(rowid, title, author, text) VALUES (new.id, new.title, new.author, new.text);
    END
    """)


@migration
def m008_static_reasons(db: Database) -> None:
    """Summaries now keep their reasons in order (the inbox query adds the clock's): recompute them all."""
    db.execute("INSERT OR IGNORE INTO dirty(conversation_id) SELECT conversation_id FROM conversation_summary")


@migration
def m009_comment_count(db: Database) -> None:
    """How many comments the posts feed says a post has (`slash:comments`), to skip complete comment feeds."""
    db.execute("ALTER TABLE conversations ADD COLUMN comment_count INTEGER")


@migration
def m010_latest_in_summary(db: Database) -> None:
    """The summary keeps the latest (unanswered) message's author, link and one-line opening as a JSON object,
    so the inbox query reads no message rows and `inbox --json` copies it as is: recompute every summary."""
    _run(db, """
    ALTER TABLE conversation_summary ADD COLUMN latest TEXT;
    INSERT OR IGNORE INTO dirty(conversation_id) SELECT conversation_id FROM conversation_summary
    """)


# The members of a conversation's `cmtui inbox --json` object that change only with the conversation, its feed or
# its summary, as JSON text without braces, as migrations m011 and m012 rendered them (m018 drops them: the JSON is
# written in Python since). Migrations are history: these stay as they ran.
_CARD = """(SELECT printf('"id":%d,"title":%s,"feed":%s,"feed_id":%d,"url":%s,"kind":%s,"tags":%s,'
                          || '"unanswered_seen_at":%s,"last_message_at":%s,"messages":%d',
                   c.id,
                   json_quote(coalesce(nullif(CASE WHEN length(c.title) > 300 THEN substr(c.title, 1, 299) || '…'
                                                   ELSE c.title END, ''), '(untitled)')),
                   json_quote(coalesce(nullif(f.name, ''), f.url)), c.feed_id, json_quote(c.url), json_quote(c.kind),
                   coalesce(f.tags, '[]'), json_quote(s.unanswered_seen_at), json_quote(s.last_message_at), s.messages)
            FROM conversation_summary s JOIN conversations c ON c.id = s.conversation_id
            JOIN feeds f ON f.id = c.feed_id WHERE s.conversation_id = conversation_summary.conversation_id)"""


@migration
def m011_inbox_card(db: Database) -> None:
    """Each summary keeps its conversation's fixed part of the `inbox --json` object (`card`), so the command
    copies it instead of building it from three tables for every conversation at every call. Triggers render it
    when a summary is written, and when a conversation (new, retitled, moved) or its feed (renamed, retagged)
    changes."""
    render = f"UPDATE conversation_summary SET card = {_CARD}"
    _run(db, f"""
    ALTER TABLE conversation_summary ADD COLUMN card TEXT;
    {render};
    CREATE TRIGGER card_new_summary AFTER INSERT ON conversation_summary BEGIN
        {render} WHERE conversation_id = new.conversation_id;
    END;
    CREATE TRIGGER card_summary AFTER UPDATE OF conversation_id, messages, unanswered_seen_at, last_message_at
    ON conversation_summary BEGIN
        {render} WHERE conversation_id = new.conversation_id;
    END;
    CREATE TRIGGER card_new_conversation AFTER INSERT ON conversations BEGIN
        {render} WHERE conversation_id = new.id;
    END;
    CREATE TRIGGER card_conversation AFTER UPDATE OF title, url, kind, feed_id ON conversations
    WHEN old.title IS NOT new.title OR old.url IS NOT new.url OR old.kind IS NOT new.kind
         OR old.feed_id IS NOT new.feed_id BEGIN
        {render} WHERE conversation_id = new.id;
    END;
    CREATE TRIGGER card_feed AFTER UPDATE OF name, url, tags ON feeds
    WHEN old.name IS NOT new.name OR old.url IS NOT new.url OR old.tags IS NOT new.tags BEGIN
        {render} WHERE conversation_id IN (SELECT id FROM conversations WHERE feed_id = new.id);
    END
    """)


# A waiting conversation's members of the `inbox --json` object that change only with its summary (what waits,
# since when, the latest message), as JSON text without braces, kept by the summary's triggers with the card.
_WAIT_CARD = """printf('"waiting_since":%s,"unanswered":%d,"needs_reply":true,"latest":%s',
                       json_quote(waiting_since), unanswered, coalesce(latest, '{"author":"","text":"","url":null}'))"""


@migration
def m012_wait_card(db: Database) -> None:
    """Each summary also keeps the members a waiting conversation's `inbox --json` object copies as they are
    (`wait_card`: waiting_since, unanswered, needs_reply, latest), rendered when the summary is written: fewer
    members for the command to build one by one on 10k conversations."""
    render = f"UPDATE conversation_summary SET card = {_CARD}, wait_card = {_WAIT_CARD}"
    _run(db, f"""
    ALTER TABLE conversation_summary ADD COLUMN wait_card TEXT;
    UPDATE conversation_summary SET wait_card = {_WAIT_CARD};
    DROP TRIGGER card_new_summary;
    DROP TRIGGER card_summary;
    CREATE TRIGGER card_new_summary AFTER INSERT ON conversation_summary BEGIN
        {render} WHERE conversation_id = new.conversation_id;
    END;
    CREATE TRIGGER card_summary AFTER UPDATE OF conversation_id, messages, unanswered_seen_at, last_message_at,
                                                waiting_since, unanswered, latest
    ON conversation_summary BEGIN
        {render} WHERE conversation_id = new.conversation_id;
    END
    """)


@migration
def m013_seen_seq(db: Database) -> None:
    """"Done after that message" by the order in which cmtui saw things, not by wall clocks: with the clock set
    back, a new message's `seen_at` came before the done mark, and the conversation never reopened. Each message
    gets `seen_seq` from a counter (meta `seen_seq`, only ever increased); a done or mute mark records the counter
    (`done_seq`, `muted_seq`), and each summary the sequence of its newest waiting message and of its newest
    waiting mention. Backfilled from the current order (seen_at, then id), so every comparison gives what the
    times gave: a mark covers the messages of its conversation seen at or before it."""
    _run(db, """
    ALTER TABLE messages ADD COLUMN seen_seq INTEGER;
    UPDATE messages SET seen_seq = r.n
    FROM (SELECT id, row_number() OVER (ORDER BY seen_at, id) AS n FROM messages) AS r WHERE r.id = messages.id;
    INSERT OR REPLACE INTO meta(key, value) VALUES ('seen_seq', (SELECT coalesce(max(seen_seq), 0) FROM messages));
    ALTER TABLE conversation_state ADD COLUMN done_seq INTEGER;
    ALTER TABLE conversation_state ADD COLUMN muted_seq INTEGER;
    UPDATE conversation_state SET
        done_seq = CASE WHEN done_at IS NOT NULL THEN (
            SELECT coalesce(max(m.seen_seq), 0) FROM messages m
            WHERE m.conversation_id = conversation_state.conversation_id AND m.seen_at <= conversation_state.done_at)
        END,
        muted_seq = CASE WHEN muted_at IS NOT NULL THEN (
            SELECT coalesce(max(m.seen_seq), 0) FROM messages m
            WHERE m.conversation_id = conversation_state.conversation_id AND m.seen_at <= conversation_state.muted_at)
        END;
    ALTER TABLE conversation_summary ADD COLUMN unanswered_seen_seq INTEGER;
    ALTER TABLE conversation_summary ADD COLUMN mention_seen_seq INTEGER;
    UPDATE conversation_summary SET
        unanswered_seen_seq = CASE WHEN unanswered_seen_at IS NOT NULL THEN (
            SELECT max(m.seen_seq) FROM messages m WHERE m.conversation_id = conversation_summary.conversation_id
              AND m.seen_at <= conversation_summary.unanswered_seen_at)
        END,
        mention_seen_seq = CASE WHEN mention_seen_at IS NOT NULL THEN (
            SELECT max(m.seen_seq) FROM messages m WHERE m.conversation_id = conversation_summary.conversation_id
              AND m.seen_at <= conversation_summary.mention_seen_at)
        END
    """)


@migration
def m014_backlog(db: Database) -> None:
    """The backlog of a feed's first sync: messages already old then (`[sync] backlog_days`) are stored and
    searchable but do not wait ("before you started"). `messages.backlog` marks them as they are stored;
    `feeds.first_ok` is when a configured feed was first stored (the time of that sync), so the comment feeds
    fetched in the same sync count as its first sync too. Feeds stored before this migration are past theirs."""
    _run(db, """
    ALTER TABLE messages ADD COLUMN backlog INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE feeds ADD COLUMN first_ok TEXT;
    UPDATE feeds SET first_ok = coalesce(last_ok, last_attempt, '0')
    WHERE last_ok IS NOT NULL OR id IN (SELECT feed_id FROM messages)
    """)


@migration
def m015_labels(db: Database) -> None:
    """The user's labels on conversations (`cmtui tag ID LABEL`), listed by `cmtui inbox --tag LABEL` with the
    feeds' own tags."""
    _run(db, """
    CREATE TABLE labels (
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        label TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, label)
    ) WITHOUT ROWID;
    CREATE INDEX labels_by_label ON labels(label)
    """)


@migration
def m016_rule_actions(db: Database) -> None:
    """Rules that act (`[[triage.rules]] action`): the labels of "tag:LABEL" rules live with the summary
    (`rule_labels`, a JSON array: they follow what the messages say), and a "done" rule records the sequence its
    mark covered (`auto_done_seq`), so it marks each message once: undone by hand, it stays undone."""
    _run(db, """
    ALTER TABLE conversation_summary ADD COLUMN rule_labels TEXT;
    ALTER TABLE conversation_state ADD COLUMN auto_done_seq INTEGER
    """)


@migration
def m017_notes(db: Database) -> None:
    """Internal notes on conversations (`cmtui note ID TEXT`): who wrote them, when, what; never posted."""
    _run(db, """
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        author TEXT NOT NULL,
        time TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX notes_by_conversation ON notes(conversation_id, id)
    """)


@migration
def m018_no_inbox_cards(db: Database) -> None:
    """`inbox --json` is written in Python from the inbox query's rows (`triage.inbox`): the pre-rendered JSON
    `card` and `wait_card` of each summary, and the triggers that kept them, go."""
    _run(db, """
    DROP TRIGGER IF EXISTS card_new_summary;
    DROP TRIGGER IF EXISTS card_summary;
    DROP TRIGGER IF EXISTS card_new_conversation;
    DROP TRIGGER IF EXISTS card_conversation;
    DROP TRIGGER IF EXISTS card_feed;
    ALTER TABLE conversation_summary DROP COLUMN card;
    ALTER TABLE conversation_summary DROP COLUMN wait_card
    """)


@migration
def m019_accounts(db: Database) -> None:
    """Who wrote a message on a platform with accounts (`messages.account`, `identity.account` form): there a
    message is ours only when its account is one of our handles. A Reddit post or comment is known by its `t3_`
    or `t1_` id on every Reddit feed, whatever host served it (`reddit:t3_…`, as `parse` now names it)."""
    from cmtui.urlkeys import reddit_thing

    _run(db, "ALTER TABLE messages ADD COLUMN account TEXT")
    renamed = [(reddit_thing(uid), uid) for (uid,) in db.execute("SELECT uid FROM messages WHERE uid GLOB '*t[1-6]_*'")]
    db.conn.executemany("UPDATE OR IGNORE messages SET uid = ? WHERE uid = ?", [r for r in renamed if r[0]])


@migration
def m020_assignment(db: Database) -> None:
    """Who on the team answers a conversation (`cmtui assign`): a name, and when it was given."""
    _run(db, """
    ALTER TABLE conversation_state ADD COLUMN assigned_to TEXT;
    ALTER TABLE conversation_state ADD COLUMN assigned_at TEXT;
    CREATE INDEX conversation_state_assigned ON conversation_state(assigned_to) WHERE assigned_to IS NOT NULL
    """)


@migration
def m021_team_presence(db: Database) -> None:
    """A team shares one store: each teammate has their own drafts (`drafts.author`; NULL for the drafts of
    before, which stay whoever's opens them), and `replying` says who has the editor open on which conversation
    (a heartbeat while it stays open), so the others see "Maya is replying"."""
    _run(db, """
    ALTER TABLE drafts ADD COLUMN author TEXT;
    DROP INDEX drafts_open;
    CREATE UNIQUE INDEX drafts_open ON drafts(conversation_id, coalesce(message_id, 0), coalesce(author, ''))
        WHERE state = 'draft';
    CREATE TABLE replying (
        conversation_id INTEGER NOT NULL,
        who TEXT NOT NULL,
        since TEXT NOT NULL,
        heartbeat TEXT NOT NULL,
        PRIMARY KEY (conversation_id, who)
    ) WITHOUT ROWID
    """)
