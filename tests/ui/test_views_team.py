"""Saved views, brands, assignment and the in-app sync's alerts, driven with Pilot on the demo sites.

The app filters through the same triage calls as `cmtui inbox --view NAME`, `--brand`, `--mine`, `--unassigned`:
each test compares the rows with `triage.inbox` called with those arguments.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from cmtui import triage
from cmtui.config import Config, parse
from cmtui.store import Store
from cmtui.ui.app import CmtuiApp
from cmtui.ui.screens.conversation import ConversationScreen
from cmtui.ui.widgets.filter_bar import FilterBar, Filters, filter_content

from .conftest import FIXED, SIZE, Demo
from .test_app import notifications, row_ids, run_command, settle, table, workers_done

VIEWS = """
[views.complaints]
reason = "complaint"

[views.forum-questions]
feed = "Acme Community"
reason = "question"
"""
TEAM = '\n[team]\nme = "maya"\n'


def config_with(demo: Demo, tmp_path: Path, extra: str = "", *, brands: bool = False) -> Config:
    """The demo's config plus `extra` (saved views, `[team]`, `[notify]`); `brands`: the recipes blog is watched
    for a second brand, Acme Kitchen, and the others for Acme Coffee (`[identity] brand`)."""
    toml = demo.config.path.read_text(encoding="utf-8")
    if brands:
        toml = toml.replace("[identity]\n", '[identity]\nbrand = "Acme Coffee"\n', 1)
        toml = toml.replace('name = "Acme Recipes"\n', 'name = "Acme Recipes"\nbrand = "Acme Kitchen"\n', 1)
        toml += '\n[[brands]]\nname = "Acme Kitchen"\nnames = ["Acme Kitchen Team"]\n'
    path = tmp_path / "views.toml"
    path.write_text(toml + extra, encoding="utf-8")
    return parse(toml + extra, path)


def listed(demo: Demo, config: Config, **kwargs: Any) -> list[int]:
    """What `cmtui inbox` lists with these filters, at the tests' clock."""
    store = Store.open(demo.db_path)
    try:
        triage.refresh(store, config)
        return [i.id for i in triage.inbox(store, config, now=FIXED, **kwargs)]
    finally:
        store.close()


def assignee(demo: Demo, conversation_id: int) -> str | None:
    store = Store.open(demo.db_path)
    try:
        found = triage.item(store, demo.config, conversation_id, now=FIXED)
    finally:
        store.close()
    assert found is not None
    return found.assigned_to


def bar(app: CmtuiApp) -> str:
    return str(app.inbox.query_one(FilterBar).render())


# -- views ---------------------------------------------------------------------------------


async def test_f_cycles_through_the_saved_views_then_mine_and_unassigned(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, VIEWS + TEAM)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen = []
        for _ in range(9):
            await pilot.press("f")
            await settle(pilot)
            seen.append(app.inbox.filters.view)
            if app.inbox.filters.view == "view:complaints":
                complaints = listed(demo, config, saved=config.views["complaints"])
                assert complaints and row_ids(app) == complaints
                assert "complaints" in bar(app) and f"{len(complaints)} conversation" in bar(app)
        assert seen == ["all", "done", "snoozed", "muted", "view:complaints", "view:forum-questions", "mine",
                        "unassigned", "needs_reply"]
        assert row_ids(app) == listed(demo, config)


async def test_mine_and_unassigned_list_what_the_cli_lists(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, TEAM)
    everything = listed(demo, config)
    store = Store.open(demo.db_path)
    try:
        with store.transaction():
            store.assign(everything[0], "Maya")  # any case: the store compares names case-insensitively
            store.assign(everything[1], "ravi")
    finally:
        store.close()
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_view("mine")
        await settle(pilot)
        assert row_ids(app) == listed(demo, config, assigned_to="maya") == [everything[0]]
        assert "Mine" in bar(app) and "1 conversation" in bar(app)
        app.show_view("unassigned")
        await settle(pilot)
        assert row_ids(app) == listed(demo, config, unassigned=True) == everything[2:]
        assert app.waiting == len(everything)  # the title counts every waiting conversation, as in other views


async def test_without_a_team_name_there_is_no_mine_view(demo: Demo, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Mine needs the name teammates assign to: `[team] me` or `$CMTUI_USER`, not the login name."""
    from cmtui.ui import views

    assert [v.key for v in views.offered(demo.config)] == ["needs_reply", "all", "done", "snoozed", "muted"]
    monkeypatch.setenv("CMTUI_USER", "lee")
    offered = views.offered(demo.config)
    assert [v.key for v in offered][-2:] == ["mine", "unassigned"] and offered[-2].assigned_to == "lee"


async def test_a_saved_view_gone_from_feeds_toml_falls_back_to_needs_reply(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, VIEWS)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_view("view:complaints")
        await settle(pilot)
        assert app.inbox.filters.view == "view:complaints"
        app.use_config(demo.config)  # the view was deleted from the file
        await settle(pilot)
        assert app.inbox.filters.view == "needs_reply"
        assert row_ids(app) == listed(demo, demo.config)


async def test_the_palette_lists_saved_views_and_mine(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, VIEWS + TEAM)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "view: forum-questions")
        assert app.inbox.filters.view == "view:forum-questions"
        assert row_ids(app) == listed(demo, config, saved=config.views["forum-questions"])
        await run_command(pilot, "view: unassigned")
        assert app.inbox.filters.view == "unassigned"


async def test_a_filtered_count_beyond_the_first_page_is_the_filtered_one(demo: Demo, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the first page the bar's count comes from `triage.inbox_count` with the same filters."""
    import cmtui.ui.screens.inbox as inbox_screen

    monkeypatch.setattr(inbox_screen, "FIRST_PAGE", 2)
    config = config_with(demo, tmp_path, TEAM, brands=True)
    coffee = listed(demo, config, brand="Acme Coffee")
    unassigned = listed(demo, config, unassigned=True)
    assert len(coffee) > 2 and len(coffee) < len(unassigned)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_brand("Acme Coffee")
        await settle(pilot)
        assert f"{len(coffee)} conversations" in bar(app) and row_ids(app) == coffee
        app.show_view("unassigned")
        await settle(pilot)
        both = listed(demo, config, brand="Acme Coffee", unassigned=True)
        assert f"{len(both)} conversations" in bar(app) and row_ids(app) == both


def test_the_bar_keeps_to_80_columns_with_many_views() -> None:
    """Every view is a tab when they fit; else the store's views and the current one; else the current one."""
    tabs = [("needs_reply", "Needs reply"), ("all", "All"), ("done", "Done"), ("snoozed", "Snoozed"),
            ("muted", "Muted"), *((f"view:v{i}", f"saved view {i}") for i in range(6)), ("mine", "Mine")]
    line = filter_content(Filters(view="mine", brand="Acme Kitchen"), 3).plain
    assert "Mine" in line and "brand Acme Kitchen" in line and "saved view" not in line
    from cmtui.ui.widgets.filter_bar import fewer_tabs

    assert [[k for k, _ in some] for some in fewer_tabs(Filters(view="view:v3"), tabs)[1:]] == [
        ["needs_reply", "all", "done", "snoozed", "muted", "view:v3"], ["view:v3"]]


async def test_many_views_in_80_columns(demo: Demo, tmp_path: Path) -> None:
    many = "".join(f"\n[views.complaints-{i}]\nreason = \"complaint\"\n" for i in range(6))
    config = config_with(demo, tmp_path, many + TEAM, brands=True)
    app = demo.app(config)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        app.show_view("mine")
        await settle(pilot)
        text = bar(app)
        assert "Mine" in text and "Muted" in text and "complaints-3" not in text and "every feed" in text
        app.show_brand("Acme Kitchen")  # a long filter: the count stays in view, with the current view alone
        await settle(pilot)
        text = bar(app)
        assert "Mine" in text and "Muted" not in text and text.rstrip().endswith("conversations")


# -- brands ----------------------------------------------------------------------------------


async def test_b_cycles_brands_and_escape_clears_it(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, brands=True)
    everything = listed(demo, config)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for brand in ("Acme Coffee", "Acme Kitchen"):
            await pilot.press("b")
            await settle(pilot)
            expected = listed(demo, config, brand=brand)
            assert app.inbox.filters.brand == brand
            assert expected and row_ids(app) == expected and len(expected) < len(everything)
            assert f"brand {brand}" in bar(app) and f"{len(expected)} conversation" in bar(app)
            assert {i.brand for i in table(app).items} == {brand}
            assert app.waiting == len(everything)
        await pilot.press("b")
        await settle(pilot)
        assert app.inbox.filters.brand is None and row_ids(app) == everything
        await pilot.press("b", "escape")
        await settle(pilot)
        assert app.inbox.filters.brand is None and "every feed" in bar(app)


async def test_the_palette_filters_by_brand(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, brands=True)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await run_command(pilot, "filter by brand: acme kitchen")
        assert app.inbox.filters.brand == "Acme Kitchen"
        assert row_ids(app) == listed(demo, config, brand="Acme Kitchen")
        await run_command(pilot, "every brand")
        assert app.inbox.filters.brand is None


async def test_b_with_one_brand_says_so(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = row_ids(app)
        await pilot.press("b")
        await settle(pilot)
        assert row_ids(app) == ids and app.inbox.filters.brand is None
        assert any("One brand only" in n for n in notifications(app))


# -- assignment ------------------------------------------------------------------------------


async def test_a_assigns_to_me_u_undoes_and_shift_a_unassigns(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, TEAM)
    app = demo.app(config)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(pilot)
        first = row_ids(app)[0]
        await pilot.press("a")
        await settle(pilot)
        assert assignee(demo, first) == "maya"
        assert any(n.startswith("Assigned to maya: ") for n in notifications(app))
        why = table(app).get_row(str(first))[5].plain
        assert why.startswith("→ maya")  # the Why column, still there at 80 columns
        await pilot.press("u")
        await settle(pilot)
        assert assignee(demo, first) is None
        await pilot.press("a", "A")
        await settle(pilot)
        assert assignee(demo, first) is None
        assert any(n.startswith("Unassigned: ") for n in notifications(app))


async def test_a_takes_over_a_teammates_conversation(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, TEAM)
    first = listed(demo, config)[0]
    store = Store.open(demo.db_path)
    try:
        with store.transaction():
            store.assign(first, "ravi")
    finally:
        store.close()
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table(app).get_row(str(first))[5].plain.startswith("→ ravi")
        await pilot.press("a")
        await settle(pilot)
        assert assignee(demo, first) == "maya"
        assert any("(was ravi)" in n for n in notifications(app))
        await pilot.press("a")
        await settle(pilot)
        assert any(n.startswith("Already assigned to maya") for n in notifications(app))


async def test_the_conversation_says_who_has_it(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, TEAM)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = row_ids(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)

        def head() -> str:
            return str(screen.query_one("#conversation-head", Static).render())

        assert "assigned to" not in head()
        await pilot.press("a")
        await settle(pilot)
        assert "assigned to maya" in head() and assignee(demo, first) == "maya"
        await pilot.press("A")
        await settle(pilot)
        assert "assigned to" not in head() and assignee(demo, first) is None


# -- the in-app sync's alerts -----------------------------------------------------------------


async def test_the_apps_sync_runs_the_notify_command_and_shows_one_toast(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "alerts.json"
    config = config_with(demo, tmp_path, f'\n[notify]\ncommand = "cat > {out}"\nmin_priority = 1\n')
    demo.add_social_post("angry_owner", "@acme_cm my Burr One arrived broken and I was charged twice. Refund?",
                         status_id=77, minutes_ago=2, title="Broken on arrival")
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        sent = json.loads(out.read_text(encoding="utf-8"))
        assert sent and any("charged twice" in item["excerpt"] for item in sent)
        toasts = [n for n in app._notifications if "need" in n.message and "a reply:" in n.message]  # noqa: SLF001
        assert len(toasts) == 1
        noun = "conversation needs" if len(sent) == 1 else "conversations need"
        assert toasts[0].message.startswith(f"{len(sent)} {noun} a reply: {sent[0]['title'][:20]}")
        assert toasts[0].timeout == app.NOTIFICATION_TIMEOUT == 4


async def test_a_failing_notify_command_is_an_error_toast(demo: Demo, tmp_path: Path) -> None:
    config = config_with(demo, tmp_path, '\n[notify]\ncommand = "exit 3"\nmin_priority = 1\n')
    demo.add_social_post("someone", "Does the Burr One ship to Norway?", status_id=78, minutes_ago=2)
    app = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        errors = [n for n in app._notifications if n.severity == "error"]  # noqa: SLF001
        assert len(errors) == 1 and "notify command exited 3" in errors[0].message
        assert errors[0].timeout > app.NOTIFICATION_TIMEOUT


async def test_a_sync_that_brings_nothing_urgent_shows_no_alert(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        await workers_done(pilot)
        await settle(pilot, 3)
        assert any(n.startswith("Synced 4 feeds") for n in notifications(app))
        assert not [n for n in notifications(app) if "a reply:" in n]
