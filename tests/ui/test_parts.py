"""The app's small parts on their own: thread order, hostile text in renderers, snooze times, the CLI wiring."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.text import Text

from cmtui import snoozing
from cmtui.cli import cli
from cmtui.store import MessageRow
from cmtui.sync import FeedReport
from cmtui.triage import InboxItem, Latest
from cmtui.ui import render
from cmtui.ui.app import CmtuiApp
from cmtui.ui.data import BYLINE_LIMIT, ThreadMessage, byline, thread_order
from cmtui.ui.messages import FeedSynced
from cmtui.ui.widgets.filter_bar import Filters, filter_content
from cmtui.ui.widgets.preview import preview_text
from cmtui.ui.widgets.thread_view import card_badges, card_title

from .conftest import FIXED, SIZE, Demo, write_config
from .test_app import run_command

PALETTE = dict(render.FALLBACK_COLORS)


def rows(*specs: tuple[int, int | None, bool, str]) -> list[MessageRow]:
    """(id, parent_id, is_post, published) as the store's message rows, oldest first."""
    made = [MessageRow(id=i, uid=f"u{i}", conversation_id=1, feed_id=1, parent_id=parent, parent_ref=None,
                       explicit_parent=0, is_post=int(post), is_ours=0, author="a", author_norm="a", title="",
                       url=None, url_key=None, published=when, seen_at=when, text="", html="", sentiment=None,
                       answered_at=None, features=None, seen_seq=None, backlog=0, account=None)
            for i, parent, post, when in specs]
    return sorted(made, key=lambda m: (m.published, m.id))


def test_thread_order_post_first_then_replies_under_their_parents() -> None:
    order = thread_order(rows(
        (1, None, True, "2026-11-01T00:00:00Z"),
        (2, None, False, "2026-11-02T00:00:00Z"),  # top-level comment
        (3, 2, False, "2026-11-04T00:00:00Z"),  # reply to 2
        (4, None, False, "2026-11-03T00:00:00Z"),  # another top-level comment
        (5, 3, False, "2026-11-05T00:00:00Z"),  # reply to the reply
        (6, 99, False, "2026-11-06T00:00:00Z"),  # parent not in this conversation
    ))
    assert [(r.id, depth) for r, depth in order] == [(1, 0), (2, 1), (3, 2), (5, 3), (4, 1), (6, 1)]


def test_thread_order_without_a_post_and_with_a_cycle() -> None:
    order = thread_order(rows(
        (7, 8, False, "2026-11-02T00:00:00Z"),
        (8, 7, False, "2026-11-01T00:00:00Z"),
        (9, None, False, "2026-11-03T00:00:00Z"),
    ))
    assert [(r.id, depth) for r, depth in order] == [(9, 0), (8, 0), (7, 1)]


def message(**overrides: object) -> ThreadMessage:
    values: dict[str, object] = dict(id=1, parent_id=None, author="Ann", byline="Ann", published="2026-11-20T09:00:00Z",
                                     seen_at="2026-11-20T09:00:00.000000Z", text="hello", url=None, is_ours=False,
                                     is_post=False, depth=0, unanswered=True, new=False)
    values.update(overrides)
    return ThreadMessage(**values)  # type: ignore[arg-type]


def item(**overrides: object) -> InboxItem:
    values: dict[str, object] = dict(
        id=1, title="A title", feed="Feed", feed_id=1, brand="", url=None, kind="blog", priority=1.0, reasons=[],
        waiting_since="2026-11-20T09:00:00Z", unanswered_seen_at=None, last_message_at="2026-11-20T09:00:00Z",
        unanswered=1, messages=2,
        needs_reply=True, done_at=None, snoozed_until=None, muted=False, opened_at=None, tags=[],
        latest=Latest("Ann", "hello", None))
    values.update(overrides)
    return InboxItem(**values)  # type: ignore[arg-type]


def test_renderers_show_hostile_text_literally_without_escapes() -> None:
    hostile = "[bold]x[/] \x1b[2J\x1b]0;title\x07 [link=javascript:alert(1)]y[/link]"
    preview = preview_text(item(title=hostile), message(author=hostile, byline=hostile, text=hostile), FIXED, PALETTE)
    assert isinstance(preview, Text)
    assert "[bold]x[/]" in preview.plain and "[link=javascript:alert(1)]y[/link]" in preview.plain
    assert "\x1b" not in preview.plain and "\x07" not in preview.plain
    assert not preview.spans or all("link" not in str(span.style) for span in preview.spans)
    title = card_title(message(author=hostile, byline=hostile), FIXED)
    assert "[bold]x[/]" in title.plain and "\x1b" not in title.plain
    shown = byline(hostile, "x@evil.example\x1b[2J")
    assert "[bold]x[/]" in shown and "\x1b" not in shown and shown.endswith(" (@x@evil.example)")
    card = card_title(message(byline=shown), FIXED)
    assert "[bold]x[/]" in card.plain and "\x1b" not in card.plain
    bar = filter_content(Filters(feed_id=1, feed_name=hostile, search=hostile), 3)
    assert "[bold]x[/]" in bar.plain and "\x1b" not in bar.plain
    assert render.plain(hostile).plain.count("\x1b") == 0


def test_card_badges() -> None:
    assert card_badges(message(is_post=True, is_ours=True, unanswered=False)).plain == "post · ● ours"
    assert card_badges(message(unanswered=True, new=True)).plain == "waiting for a reply · new"


def test_time_labels() -> None:
    assert render.ago("2026-11-20T09:00:00Z", FIXED) == "3 h ago"
    assert render.ago("2026-11-18T12:00:00Z", FIXED) == "2 d ago"
    assert render.ago("2026-11-20T11:59:50.123456Z", FIXED) == "just now"
    assert render.ago(None, FIXED) == "-" and render.ago("garbage", FIXED) == "-"
    assert render.local_time("2026-11-20T09:14:00Z", FIXED) == "Fri 20 Nov 09:14"


def test_snooze_choices_in_local_time() -> None:
    choices = {key: until for key, _, until in snoozing.choices(FIXED)}
    assert choices["hour"] == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    assert choices["tomorrow"] == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert choices["week"] == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    sunday = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
    assert {k: u for k, _, u in snoozing.choices(sunday)}["week"] == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_sync_progress_shows_in_the_header(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.syncing = True
        app.post_message(FeedSynced(FeedReport(url="u", name="Acme Blog"), 3, 12))
        await pilot.pause()
        assert "syncing 3/12 feeds…" in app.sub_title
        app.syncing = False


async def test_palette_commands_work_from_a_conversation(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await run_command(pilot, "view: all")
        assert app.screen is app.inbox
        assert app.inbox.filters.view == "all"


async def test_theme_from_the_config(demo: Demo, tmp_path: Path) -> None:
    config = write_config(tmp_path / "theme.toml", extra='theme = "nord"\n')
    app: CmtuiApp = demo.app(config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "nord"


# -- the command line --------------------------------------------------------------------


def test_cmtui_without_a_command_opens_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path = tmp_path / "feeds.toml"
    write_config(config_path)
    ran: list[CmtuiApp] = []
    monkeypatch.setattr(CmtuiApp, "run", lambda self, *a, **k: ran.append(self))
    result = CliRunner().invoke(cli, ["--config", str(config_path), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    assert len(ran) == 1 and ran[0].config.path == config_path and ran[0].db_path == tmp_path / "x.db"


def test_cmtui_without_a_command_and_a_bad_config_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "feeds.toml"
    bad.write_text("[[feeds]]\nurl = 'ftp://nope'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(bad), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 2
    assert "config error" in result.output and "feeds[0].url" in result.output
    missing = CliRunner().invoke(cli, ["--config", str(tmp_path / "none.toml"), "--db", str(tmp_path / "x.db")])
    assert missing.exit_code == 2 and "cmtui add URL" in missing.output


def test_demo_no_app_prints_the_inbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CmtuiApp, "run", lambda self, *a, **k: pytest.fail("the app must not open"))
    result = CliRunner().invoke(cli, ["demo", "--no-app"])
    assert result.exit_code == 0, result.output
    assert "Introducing the Acme Burr One" in result.output


def test_demo_opens_the_app_while_the_server_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    seen: list[int] = []

    def run(self: CmtuiApp, *args: object, **kwargs: object) -> None:
        url = self.config.feeds[0].url
        seen.append(httpx.get(url).status_code)  # the demo server still answers while the app runs

    monkeypatch.setattr(CmtuiApp, "run", run)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert seen == [200]


def test_the_command_line_module_does_not_import_textual() -> None:
    code = "import sys, cmtui.cli; print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_byline_keeps_the_account_in_view_whatever_the_name() -> None:
    assert byline("@acme_cm", "acme_cm@evil.example") == "@acme_cm@evil.example"
    assert byline("Acme Support Team", "acme_support_team@evil.example") == \
        "Acme Support Team (@acme_support_team@evil.example)"
    assert byline("Ann", None) == "Ann" and byline("", None) == "(anonymous)"
    assert byline(None, "a@b.example") == "@a@b.example"
    padded = byline("Acme Support " + "\u3000" * 5 + "x" * 500, "acme_cm@evil.example")
    assert padded.endswith("… (@acme_cm@evil.example)") and len(padded) <= BYLINE_LIMIT
    assert card_title(message(byline=padded), FIXED).plain.startswith(padded)
