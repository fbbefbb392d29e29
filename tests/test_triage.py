"""Triage: each signal on small realistic texts, the default ordering, thanks closing, people, report."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cmtui import signals
from cmtui.cli import cli
from cmtui.config import Config
from cmtui.demo import sites
from cmtui.demo.server import FeedServer
from cmtui.store import Store
from cmtui.triage import Settings, classify, inbox, refresh, urgency

from .helpers import COMMUNITY, ITEM, query_one, sync, write_config

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OURS = frozenset({"acme support", "acme_cm"})


def settings(**triage: object) -> Settings:
    from cmtui.config import TriageConfig

    return Settings(Config(path=Path("-"), names=("Acme Support", "acme_cm"), triage=TriageConfig(**triage)))


def reasons(body: str, **kwargs: object) -> list[str]:
    return [s.reason for s in classify(settings(), body, **kwargs)[2] if s.reason]  # type: ignore[arg-type]


# -- one signal at a time ----------------------------------------------------------------


def test_sentiment_is_vader_compound() -> None:
    assert signals.sentiment("This is the worst, absolutely terrible service.") < -0.5
    assert signals.sentiment("Love it, best purchase this year!") > 0.5
    assert signals.sentiment("") == 0.0


def test_sentiment_scores_equal_stock_vader() -> None:
    """`signals` hands two of VADER's checks a window of words instead of the whole text (for speed): the scores
    must be exactly those of the unmodified analyzer, on the labelled set and on the constructions those checks
    look for (negations up to three words back, "never so", "without doubt", idioms, "kind of", "least")."""
    import tomllib

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    labelled = tomllib.loads((Path(__file__).parent / "data" / "labelled_comments.toml").read_text(encoding="utf-8"))
    texts = [c["text"] for c in labelled["comment"]] + [
        "not good", "The support was not very good at all.", "It isn't really that great, honestly.",
        "I never so much enjoyed a grinder. Without doubt the best one.", "Without any doubt this is horrible",
        "This was the bomb, but the delivery was the shit and it does not cut the mustard.",
        "Kind of good, sort of bad, at least not terrible, very least okay.", "no good, no bad, not nor worse",
        "GREAT product, TERRIBLE support!!! Why??? Not happy 😡 but 👍 for the price",
        "Hand to mouth, back handed, yeah right, break a leg — the kiss of death for this firmware.",
        " ".join(["Terrible, not good at all, I never so liked it and without doubt it sucks."] * 12),
    ]
    stock, ours = SentimentIntensityAnalyzer(), signals._analyzer()
    assert type(ours) is not SentimentIntensityAnalyzer
    for text in texts:
        assert ours.polarity_scores(text) == stock.polarity_scores(text), text


def test_complaint_vocabulary_whole_words_and_extra_words() -> None:
    assert signals.complaints("The hopper cracked and the box was damaged") == ["cracked", "damaged"]
    assert signals.complaints("It never arrived. I want my money back") == ["never arrived", "money back"]
    assert signals.complaints("Lovely grinder") == []
    assert "complaint: leaky" not in reasons("The kettle is leaky")
    custom = settings(complaint_words=("leaky",))
    assert any(s.reason == "complaint: leaky" for s in classify(custom, "The kettle is leaky")[2])


def test_questions_direct_and_indirect() -> None:
    assert signals.is_question("Does it ship to Canada?")
    assert signals.is_question("How do I descale it")
    assert signals.is_question("I was wondering if you sell gift cards")
    assert not signals.is_question("I use 10 or 11 for my Bialetti.")
    assert not signals.is_question("> Does it ship?\nYes it does, I got mine last week.")  # quoted


def test_acknowledgements() -> None:
    for text in ("Got it, thank you so much!", "👍", "Merci beaucoup !", "Perfect, that worked. Cheers!"):
        assert signals.is_acknowledgement(text), text
    for text in ("Thanks! But when does it ship?", "Thanks, but it's still broken.", "Thanks for nothing."):
        assert not signals.is_acknowledgement(text), text


def test_profanity_without_everyday_words() -> None:
    assert signals.profanities("This is shit, fucking hell") == ["shit", "fucking"]
    assert signals.profanities("Which setting for a moka pot? Fat-free milk froths fine.") == []
    assert "profanity" in reasons("This is shit")


def test_impersonation() -> None:
    for fake in ("Acme Support Team", "acme_support", "Acme Help Desk", "Acme Suport", "ACME-Support"):
        assert signals.imitates(fake, OURS), fake
    for real in ("Acme Support", "acme support", " ACME  Support ", "Rachel Kim", "acmegrinder_fan", "Acme lover"):
        assert signals.imitates(real, OURS) is None, real
    found = reasons("Claim your refund here: https://scam.example/claim", author="Acme Support Team")
    assert "possible scam: imitates Acme Support" in found
    assert "impersonates Acme Support?" in reasons("Love the new grinder!", author="Acme Support Team")


def test_follow_up_pile_on_vip_and_rules() -> None:
    assert "wrote again after our reply" in reasons("Still not fixed.", follow_up=True)
    custom = settings(vip=("Jane Doe",), rules=())
    assert any(s.reason == "VIP: Jane  Doe" for s in classify(custom, "Hi there", author="Jane  Doe")[2])
    from cmtui.config import RuleConfig

    ruled = settings(rules=(RuleConfig(reason="legal threat", weight=30, pattern=r"lawyer|attorney"),
                            RuleConfig(reason="competitor", weight=5, words=("GrindCo",))))
    found = classify(ruled, "My lawyer says GrindCo would refund me")[2]
    assert {"legal threat", "competitor"} <= {s.reason for s in found}


def test_praise_ranks_low_and_thanks_after_reply_needs_none() -> None:
    needs, points, _ = classify(settings(), "Love my Burr One. Best purchase this year.")
    assert needs and urgency(points) == "low"
    assert classify(settings(), "Got it, thank you so much!", after_our_reply=True)[0] is False
    assert classify(settings(), "Got it, thank you so much!", after_our_reply=False)[0] is True
    assert classify(settings(thanks_closes=False), "Got it, thanks!", after_our_reply=True)[0] is True


def test_labelled_set_accuracy() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from triage_accuracy import evaluate

    result = evaluate()
    total = sum(t for classes in result.values() for _, t in classes.values()) // 2
    assert total >= 60
    for axis, classes in result.items():
        right = sum(r for r, _ in classes.values())
        assert right / total >= 0.85, (axis, classes)


# -- the whole path -------------------------------------------------------------------------



def test_default_ordering_complaint_negative_turn_question_praise(server: FeedServer, tmp_path: Path) -> None:
    date = "Wed, 25 Nov 2026 06:00:00 +0000"  # all wait equally long: the signals alone decide
    items = [
        ("praise", "Happy customer", "Love my Burr One, best purchase this year!"),
        ("question", "Quick question", "Does the Burr One ship to Canada?"),
        ("complaint", "Broken on arrival", "My grinder arrived broken. I want a refund."),
        ("angry", "So disappointed", "I'm furious and disappointed. Terrible, awful experience. Never again."),
    ]
    server.set("/mentions.rss", COMMUNITY.format(items="".join(
        ITEM.format(id=i, title=t, author=f"user{i}", date=date, body=b) for i, t, b in
        [(n, t, b) for n, (_, t, b) in enumerate(items)])))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/mentions.rss"), "kind": "mentions"}])
    db = tmp_path / "db.sqlite"
    sync(config, db)
    store = Store.open(db)
    order = [i.title for i in inbox(store, config, now=NOW)]
    store.close()
    assert order.index("Broken on arrival") < order.index("Quick question")
    assert order.index("So disappointed") < order.index("Quick question")
    assert order.index("Quick question") < order.index("Happy customer")


def test_ties_break_by_waiting_time(server: FeedServer, tmp_path: Path) -> None:
    server.set("/m.rss", COMMUNITY.format(items="".join([
        ITEM.format(id=1, title="Hello", author="a", date="Wed, 25 Nov 2026 11:00:00 +0000", body="Hello there"),
        ITEM.format(id=2, title="Hello", author="b", date="Wed, 25 Nov 2026 10:00:00 +0000", body="Hello there"),
    ])))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}],
                          extra="\n[triage.weights]\nwaiting = 0\n")
    db = tmp_path / "db.sqlite"
    sync(config, db)
    store = Store.open(db)
    # The same words (titles are read too): the older one first.
    assert [i.url for i in inbox(store, config, now=NOW)] == ["http://forum.example/2", "http://forum.example/1"]
    store.close()


def test_regulars_are_named_in_every_conversation_they_wait_in(server: FeedServer, tmp_path: Path) -> None:
    """Someone with `regular_messages` messages or more across the feeds is a regular, in each conversation
    where they wait (the counts are read once per round of summaries, for all its conversations)."""
    date = "Wed, 25 Nov 2026 06:00:00 +0000"
    items = [ITEM.format(id=i, title=f"Topic {i}", author="Noor" if i < 3 else f"user{i}", date=date,
                         body="Hello there") for i in range(5)]
    server.set("/m.rss", COMMUNITY.format(items="".join(items)))
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/m.rss"), "kind": "mentions"}],
                          extra="\n[triage]\nregular_messages = 3\n")
    db = tmp_path / "db.sqlite"
    sync(config, db)
    store = Store.open(db)
    reasons = {i.title: i.reasons for i in inbox(store, config, now=NOW)}
    store.close()
    assert all("regular: noor" in reasons[f"Topic {i}"] for i in range(3)), reasons
    assert not any(r.startswith("regular") for i in range(3, 5) for r in reasons[f"Topic {i}"])


@pytest.fixture
def demo_db(server: FeedServer, tmp_path: Path) -> tuple[Config, Path]:
    feeds = sites.install(server, now=NOW)
    config = write_config(tmp_path / "feeds.toml", [
        {"url": f.url, "name": f.name, "kind": f.kind} for f in feeds], names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url),
        extra="\n[sync]\nbacklog_days = 0\n")  # dated before NOW: the real clock's first sync would call it backlog
    db = tmp_path / "db.sqlite"
    sync(config, db)
    return config, db


def test_thanks_after_our_reply_closes_the_conversation(demo_db: tuple[Config, Path]) -> None:
    config, db = demo_db
    store = Store.open(db)
    items = {i.title: i for i in inbox(store, config, include_answered=True, now=NOW)}
    store.close()
    # Tom's "Got it, thank you so much!" closes his thread; Priya's question still waits.
    shipping = items["Shipping update for Burr One orders"]
    assert shipping.needs_reply and shipping.unanswered == 1
    assert shipping.latest.author == "Priya Natarajan"
    # Every waiting row carries a priority and reasons.
    waiting = [i for i in items.values() if i.needs_reply]
    assert waiting and all(i.priority > 0 and i.reasons for i in waiting)


def test_thanks_only_conversation_shows_under_answered(server: FeedServer, tmp_path: Path) -> None:
    from datetime import timedelta

    from cmtui.demo.sites import WordPressSite, WpComment, WpPost

    post = WpPost(1, "hello", "Hello", "Acme Support", timedelta(days=2), "News", ("Hi all",))
    comments = [WpComment(10, 1, "Tom", timedelta(days=1), ("Where is my order?",)),
                WpComment(11, 1, "Acme Support", timedelta(hours=20), ("Shipped today!",), parent=10),
                WpComment(12, 1, "Tom", timedelta(hours=19), ("Got it, thank you so much!",), parent=11)]
    for doc in WordPressSite(server.base_url, NOW, posts=[post], comments=comments).render():
        server.set(doc.path, doc.body, content_type=doc.content_type)
    config = write_config(tmp_path / "feeds.toml", [{"url": server.url("/acme-blog/feed/")}])
    db = tmp_path / "db.sqlite"
    sync(config, db)
    store = Store.open(db)
    items = inbox(store, config, include_answered=True, now=NOW)
    assert [(i.needs_reply, i.reasons) for i in items] == [(False, ["they said thanks"])]
    off = write_config(tmp_path / "off.toml", [{"url": server.url("/acme-blog/feed/")}],
                       extra="\n[triage]\nthanks_closes = false\n")
    refresh(store, off)
    assert [i.needs_reply for i in inbox(store, off, now=NOW)] == [True]  # settings changed: recomputed
    store.close()


def test_explain_people_report_on_the_demo(demo_db: tuple[Config, Path]) -> None:
    config, db = demo_db
    args = ["--config", str(config.path), "--db", str(db)]
    store = Store.open(db)
    top = inbox(store, config, now=NOW)[0]
    store.close()
    out = CliRunner().invoke(cli, ["explain", str(top.id), *args])
    assert out.exit_code == 0, out.output
    assert "priority" in out.output and "needs_reply" in out.output
    for s in top.signals:
        if s.reason and s.name not in ("sla", "waiting", "sla_breached", "stuck", "hot"):
            assert s.reason in out.output
    people = json.loads(CliRunner().invoke(cli, ["people", "--json", *args]).stdout)
    by_name = {p["name"]: p for p in people}
    assert "detractor" in by_name["grindhard77"]["marks"]
    assert "Acme Support" not in by_name  # we are not in our own ledger
    assert by_name["Jonas Weber"]["answered"] == 1 and by_name["Jonas Weber"]["messages"] == 2
    report = json.loads(CliRunner().invoke(cli, ["report", "--json", "--since", "all", *args]).stdout)
    assert report["overall"]["answered"] >= 8
    assert report["overall"]["median_hours"] > 0
    assert {f["label"] for f in report["feeds"]} >= {"Acme Blog", "Acme Community"}
    # per teammate: the names our first answers were written under
    teammates = {t["label"]: t for t in report["teammates"]}
    assert {"Acme Support", "acme_cm"} <= set(teammates)
    assert sum(t["answered"] for t in teammates.values()) == report["overall"]["answered"]
    assert all(t["unanswered"] == 0 for t in teammates.values())
    bad = CliRunner().invoke(cli, ["report", "--since", "soon", *args])
    assert bad.exit_code == 2


def test_notify_command_gets_the_urgent_conversations(server: FeedServer, tmp_path: Path) -> None:
    feeds = sites.install(server, now=NOW)
    out = tmp_path / "notified.json"
    config = write_config(tmp_path / "feeds.toml", [{"url": f.url, "name": f.name, "kind": f.kind} for f in feeds],
                          names=sites.IDENTITY_NAMES,
                          handles=sites.identity_handles(server.base_url),
                          extra=f'\n[notify]\ncommand = "cat > {out}"\nmin_priority = 60\n')
    result = subprocess.run([sys.executable, "-m", "cmtui", "sync", "--config", str(config.path), "--db",
                             str(tmp_path / "db")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    sent = json.loads(out.read_text())
    assert sent and all(i["priority"] >= 60 and i["reasons"] and i["title"] and i["url"] for i in sent)
    assert {"title", "feed", "author", "excerpt", "reasons", "url"} <= set(sent[0])


def test_inbox_json_is_the_items_and_follows_every_change(demo_db: tuple[Config, Path]) -> None:
    from cmtui.triage import inbox_json

    config, db = demo_db
    store = Store.open(db)
    with store.transaction():  # some state, so every field is exercised
        first = inbox(store, config, now=NOW)[0]
        store.mark_done(first.id)
        draft = store.save_draft(inbox(store, config, now=NOW)[1].id, None, "Hi")
        store.set_draft_state(draft, "pending")
    def same() -> list[dict[str, Any]]:
        for include in (False, True):
            from_sql = json.loads(inbox_json(store, config, include_answered=include, now=NOW))
            from_items = [i.to_json() for i in inbox(store, config, include_answered=include, now=NOW)]
            assert from_sql == from_items
            assert [list(o) for o in from_sql] == [list(o) for o in from_items]  # members in the same order
        return from_sql

    everything = same()
    assert any("reply pending" in i["reasons"] for i in everything)
    assert any(i["reasons"] == ["done"] for i in everything)
    # Each object follows its feed, its conversation and its summary.
    second = everything[1]
    feed = query_one(store, "SELECT * FROM feeds WHERE id = ?", [second["feed_id"]])
    assert feed is not None
    with store.transaction():
        store.ensure_feed(feed["url"], name="", kind=feed["kind"], tags=["renamed", 'a "quoted" tag'])
        store.conn.execute("UPDATE conversations SET title = ?, url = ? WHERE id = ?",
                           ["A much longer title " * 20, "https://example.com/moved?a=1&b=%22", second["id"]])
    changed = {i["id"]: i for i in same()}[second["id"]]
    assert changed["feed"] == feed["url"] and changed["tags"] == ["renamed", 'a "quoted" tag']
    assert changed["title"].startswith("A much longer title") and changed["title"].endswith("…")
    assert changed["url"] == "https://example.com/moved?a=1&b=%22"
    with store.transaction():
        store.conn.execute("DELETE FROM messages WHERE id = (SELECT max(id) FROM messages WHERE conversation_id = ?)",
                           [second["id"]])
        store.conn.execute("INSERT OR IGNORE INTO dirty(conversation_id) VALUES (?)", [second["id"]])
    refresh(store, config)  # as the sync does, and the app's worker
    assert {i["id"]: i for i in same()}[second["id"]]["messages"] == second["messages"] - 1
    store.close()


# -- the package -----------------------------------------------------------------------------


def test_listing_the_inbox_starts_without_the_summarising_modules() -> None:
    """`cmtui inbox --json` and the app's first screen import `cmtui.triage`: not the modules that summarise a
    conversation (the static signals, `signals`, `threads`, the model), which load only where one is summarised."""
    code = ("import sys, cmtui.triage; print(sorted(m for m in ('cmtui.triage.scoring', 'cmtui.signals', "
            "'cmtui.threads', 'cmtui.model') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_clock_signals_are_worded_once_from_the_query_columns() -> None:
    """The store's inbox query says which clock signals hold and their points; the triage words them: the wait
    against the SLA, a question stuck for a day, a burst within the hot window; "waiting" adds points, no words."""
    import importlib

    from cmtui.store import Clock, ConversationRow

    listing = importlib.import_module("cmtui.triage.inbox")  # the module, not the function `triage.inbox`

    def row(**held: float | None) -> ConversationRow:
        columns = dict(id=1, needs_reply=1, priority=0.0, hours=26.2, stuck_hours=30.0, burst=6, reply_pending=0,
                       has_draft=0, muted=0, title="t", url=None, kind="blog", feed_id=1, feed_name="f", feed_url="u",
                       feed_tags="[]", messages=2, unanswered=1, waiting_since=None, last_message_at=None,
                       unanswered_seen_at=None, signals=None, reasons='["question"]', closed_reason=None,
                       latest=None, done_at=None, snoozed_until=None, opened_at=None, labels=None, notes=None,
                       assigned_to=None, replying=None, waiting=None, sla_breached=None, sla=None, stuck=None, hot=None)
        return ConversationRow(**{**columns, **held})  # type: ignore[arg-type]

    clock = Clock()
    late = row(waiting=15.0, sla_breached=15.0, stuck=10.0, hot=10.0)
    assert listing._reasons(late, clock) == ["question", "SLA breached 26 h", "stuck 30 h", "hot: 6 in 6 h"]
    assert [(s.name, s.reason, s.points) for s in listing.clock_signals(late, clock)] == [
        ("waiting", "", 15.0), ("sla_breached", "SLA breached 26 h", 15.0), ("stuck", "stuck 30 h", 10.0),
        ("hot", "hot: 6 in 6 h", 10.0)]
    due = row(hours=21.0, waiting=13.1, sla=0.0)
    assert listing._reasons(due, clock) == ["question", "due in 3 h"]
    assert listing._reasons(row(hours=100.0, sla_breached=15.0), clock) == ["question", "SLA breached 4 d"]
    assert listing._reasons(row(needs_reply=0, done_at="x"), clock) == ["done"]


def test_weekly_sentiment_is_the_mean_of_messages_by_others_per_iso_week(demo_db: tuple[Config, Path]) -> None:
    """The report screen's sentiment chart: one mean per ISO week, named as `report()` names its weeks; a Sunday
    night belongs to its Monday's week, and 1 January 2027 (a Friday) to 2026-W53."""
    from datetime import timedelta

    from cmtui.triage.report import WeekSentiment, weekly_sentiment

    _, db = demo_db
    store = Store.open(db)
    theirs = [r[0] for r in store.conn.execute(
        "SELECT id FROM messages WHERE is_ours = 0 AND sentiment IS NOT NULL ORDER BY id LIMIT 4")]
    moved = [("2027-01-01T09:00:00Z", 0.5), ("2027-01-03T23:59:59Z", -0.25), ("2027-01-04T00:00:00Z", 0.2),
             ("2027-01-04T08:00:00Z", -0.4)]
    for message_id, (published, sentiment) in zip(theirs, moved, strict=True):
        store.conn.execute("UPDATE messages SET published = ?, sentiment = ? WHERE id = ?",
                           [published, sentiment, message_id])
    store.conn.execute("UPDATE messages SET sentiment = 0.9 WHERE is_ours = 1")  # ours never count
    store.conn.commit()
    expected: dict[str, list[float]] = {}
    for published, sentiment in store.conn.execute(
            "SELECT published, sentiment FROM messages WHERE is_ours = 0 AND sentiment IS NOT NULL"):
        week = datetime.fromisoformat(published).isocalendar()
        expected.setdefault(f"{week.year}-W{week.week:02d}", []).append(sentiment)
    later = datetime(2027, 1, 5, tzinfo=UTC)
    weeks = weekly_sentiment(store, None, later)
    assert [w.label for w in weeks] == sorted(expected)
    for w in weeks:
        assert w.messages == len(expected[w.label])
        assert w.sentiment == pytest.approx(sum(expected[w.label]) / len(expected[w.label]), abs=0.001)
    assert weeks[-2:] == [WeekSentiment("2026-W53", 2, 0.125), WeekSentiment("2027-W01", 2, -0.1)]
    # a period from 2 January: the Friday's message is left out, the Sunday's still counts for 2026-W53
    assert weekly_sentiment(store, timedelta(days=3), later) == [WeekSentiment("2026-W53", 1, -0.25), weeks[-1]]
    store.close()
