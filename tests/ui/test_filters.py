"""Filter by reason, person and wait, from the command palette: the rows are what `triage.inbox` lists with the
same filters (as a saved view's: `saved=ViewConfig(...)`), the filter bar names them and counts what they leave,
and "Clear filters" and escape take them off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cmtui import triage
from cmtui.config import Config, ViewConfig
from cmtui.store import Store, parse_iso
from cmtui.ui.app import CmtuiApp
from cmtui.ui.commands import CmtuiCommands
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.screens.inbox import PEOPLE_OFFERED, reason_word
from cmtui.ui.widgets.filter_bar import FilterBar, Filters, filter_content, waiting_text

from .conftest import FIXED, SIZE, Demo
from .test_app import row_ids, run_command, screen_text, settle, table
from .test_views_team import VIEWS, config_with


def listed(demo: Demo, config: Config | None = None, **saved: Any) -> list[int]:
    """What `triage.inbox` lists with a saved view of these filters (none given: no saved view)."""
    view = ViewConfig(name="", **saved) if saved else None
    with Store.open(demo.db_path) as store:
        return [i.id for i in triage.inbox(store, config or demo.config, now=FIXED, saved=view)]


def bar(app: CmtuiApp) -> str:
    return str(app.inbox.query_one(FilterBar).render())


async def palette(app: CmtuiApp) -> list[str]:
    """The names of the palette's commands, as it opened now."""
    provider = CmtuiCommands(app.screen)
    await provider.startup()
    return [name for name, _, _ in provider.commands()]


def offered(names: list[str], prefix: str) -> list[str]:
    return [name.removeprefix(prefix) for name in names if name.startswith(prefix)]


def test_the_bar_names_the_new_filters_and_counts_them_as_narrowing() -> None:
    filters = Filters(reason="complaint", person="Rachel Kim", waiting_hours=72)
    line = filter_content(filters, 2).plain
    assert "reason: complaint" in line and "from: Rachel Kim" in line and "waiting > 3 d" in line
    assert "2 conversations" in line and "every feed" not in line
    assert filters.narrowed and Filters(waiting_hours=1).narrowed and Filters(person="x").narrowed
    assert not Filters().narrowed
    assert [waiting_text(h) for h in (1, 24, 72, 168, 36)] == ["1 h", "1 d", "3 d", "7 d", "36 h"]


def test_a_reason_is_filtered_by_its_words() -> None:
    assert reason_word("complaint: cracked/refund") == "complaint"
    assert reason_word("possible scam: imitates Acme Support") == "possible scam"
    assert reason_word("3 people waiting") == "people waiting"
    assert reason_word("sales lead") == "sales lead"


async def test_the_palette_filters_by_reason_person_and_wait_then_clears(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        everything = row_ids(app)
        await run_command(pilot, "filter by reason: complaint")
        complaints = listed(demo, reason="complaint")
        assert app.inbox.filters.reason == "complaint"
        assert 1 < len(complaints) < len(everything) and row_ids(app) == complaints
        assert "reason: complaint" in bar(app) and f"{len(complaints)} conversations" in bar(app)

        await run_command(pilot, "filter by person: rachel kim")
        hers = listed(demo, reason="complaint", person="Rachel Kim")
        assert hers and row_ids(app) == hers and len(hers) < len(complaints)
        assert "reason: complaint" in bar(app) and "from: Rachel Kim" in bar(app)
        assert f"{len(hers)} conversation" in bar(app)

        await run_command(pilot, "clear filters")
        assert row_ids(app) == everything and "every feed" in bar(app)

        await run_command(pilot, "waiting longer than: 3 d")
        old = listed(demo, waiting_longer_than=72)
        assert app.inbox.filters.waiting_hours == 72
        assert 0 < len(old) < len(everything) and row_ids(app) == old
        assert "waiting > 3 d" in bar(app) and f"{len(old)} conversations" in bar(app)
        assert all(waited(item) >= 72 for item in table(app).items)

        await pilot.press("escape")
        await settle(pilot)
        assert app.inbox.filters == Filters() and row_ids(app) == everything and "every feed" in bar(app)


def waited(row: Any) -> float:
    """Hours a row's oldest unanswered message has waited, at the tests' clock."""
    since = parse_iso(row.waiting_since)
    assert since is not None
    return (FIXED - since).total_seconds() / 3600


async def test_the_palette_offers_the_listed_reasons_and_people(demo: Demo) -> None:
    """Only reasons that list something (not the clock's "SLA breached 2 d", not "answered"), and the people who
    wrote in the listed conversations, most active first, never us."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        names = await palette(app)
        reasons = offered(names, "Filter by reason: ")
        assert {"complaint", "question", "sales lead", "possible scam", "people waiting"} <= set(reasons)
        assert reasons[0] == "question"  # the most common first
        assert not [r for r in reasons if r.startswith(("SLA", "due in", "stuck", "answered", "reply pending"))]
        for reason in reasons:
            assert listed(demo, reason=reason), reason
        people = offered(names, "Filter by person: ")
        assert "Rachel Kim" in people and 0 < len(people) <= PEOPLE_OFFERED
        assert not {"Marco (Acme)", "acme_cm"} & set(people)
        for person in people:
            assert listed(demo, person=person), person
        assert offered(names, "Waiting longer than: ") == ["1 h", "1 d", "3 d", "7 d"]
        assert "Every reason" not in names and "Everyone" not in names and "Waiting any time" not in names

        app.inbox.narrow(reason="question", person="Rachel Kim", waiting_hours=24)
        await settle(pilot)
        names = await palette(app)
        assert "question" not in offered(names, "Filter by reason: ")
        assert "Rachel Kim" not in offered(names, "Filter by person: ")
        assert offered(names, "Waiting longer than: ") == ["1 h", "3 d", "7 d"]
        assert {"Every reason", "Everyone", "Waiting any time"} <= set(names)
        await run_command(pilot, "every reason")
        assert app.inbox.filters == Filters(person="Rachel Kim", waiting_hours=24)
        assert row_ids(app) == listed(demo, person="Rachel Kim", waiting_longer_than=24)


async def test_filters_combine_with_a_saved_view_and_a_feed(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, VIEWS)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_view("view:complaints")
        await settle(pilot)
        names = await palette(app)
        assert not offered(names, "Filter by reason: ")  # the view has a reason of its own
        await run_command(pilot, "waiting longer than: 1 d")
        expected = listed(demo, config, reason="complaint", waiting_longer_than=24)
        assert expected and row_ids(app) == expected
        assert "waiting > 1 d" in bar(app) and f"{len(expected)} conversation" in bar(app)

        app.inbox.narrow(reason="question")  # the palette's reason: not where the view has its own
        await settle(pilot)
        assert app.inbox.filters.reason == "" and row_ids(app) == expected

        app.show_view("all")
        await settle(pilot)
        feed_id, name = next((i, n) for i, n in app.feed_choices() if n == "Acme Community")
        app.show_feed(feed_id, name)
        await settle(pilot)
        await run_command(pilot, "filter by reason: question")
        with Store.open(demo.db_path) as store:
            both = [i.id for i in triage.inbox(store, config, view="all", now=FIXED, feed_id=feed_id,
                                               saved=ViewConfig(name="", reason="question",
                                                                waiting_longer_than=24))]
        assert both and row_ids(app) == both
        assert "feed Acme Community" in bar(app) and "reason: question" in bar(app)


async def test_a_filter_that_leaves_nothing_says_which(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.inbox.narrow(reason="sales lead", waiting_hours=168)
        await settle(pilot)
        assert listed(demo, reason="sales lead", waiting_longer_than=168) == row_ids(app) == []
        text = screen_text(app)
        assert "No conversations in Needs reply · reason: sales lead · waiting > 7 d" in text
        assert "Inbox zero" not in text


async def test_filters_apply_by_message_and_from_a_conversation(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        await run_command(pilot, "filter by reason: complaint")
        with Store.open(demo.db_path) as store:
            expected = [(m.conversation_id, m.id) for m in triage.inbox_by_message(
                store, demo.config, now=FIXED, saved=ViewConfig(name="", reason="complaint"))]
        rows = [(r.conversation_id, r.id) for r in table(app).items]  # type: ignore[union-attr]
        assert expected and rows == expected
        assert "reason: complaint" in bar(app) and f"{len(expected)} waiting messages in" in bar(app)

        await pilot.press("T", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConversationScreen)
        await run_command(pilot, "waiting longer than: 7 d")  # from a conversation: back to the inbox, narrowed
        assert not isinstance(app.screen, ConversationScreen)
        assert row_ids(app) == listed(demo, reason="complaint", waiting_longer_than=168)


async def test_at_80_columns_the_count_stays_in_view(demo: Demo) -> None:
    """Three filters and the view do not fit 80 columns: the count comes before the filters."""
    line = filter_content(Filters(reason="complaint"), 2, count_first=True).plain
    assert line.index("2 conversations") < line.index("reason: complaint")
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.inbox.narrow(reason="complaint", person="Rachel Kim", waiting_hours=72)
        await settle(pilot)
        text = bar(app)
        assert "Needs reply" in text and "1 conversation " in text and "reason: complaint" in text
        assert "from: Rachel Kim" in text
        app.inbox.narrow(person="")  # a reason and a wait fit: the count last, as usual
        await settle(pilot)
        assert bar(app).rstrip().endswith("conversations") and "waiting > 3 d" in bar(app)


async def test_on_postgresql_the_palette_offers_people_and_filters_by_them(pg_demo: Demo) -> None:
    """The people are read on a connection of the palette's thread's own; the filters go through the same triage
    calls on the team's store."""
    app = pg_demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        people = offered(await palette(app), "Filter by person: ")
        assert "Rachel Kim" in people and "acme_cm" not in people
        await run_command(pilot, "filter by person: rachel kim")
        await run_command(pilot, "waiting longer than: 1 d")
        expected = listed(pg_demo, person="Rachel Kim", waiting_longer_than=24)
        assert expected and row_ids(app) == expected
        assert "from: Rachel Kim" in bar(app) and "waiting > 1 d" in bar(app)
