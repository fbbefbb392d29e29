"""The report screen on the demo: the numbers `cmtui report` prints, the weekly charts, the period keys; and the
pure chart helpers on their own."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import Static

from cmtui.triage import report
from cmtui.triage.report import WeekSentiment
from cmtui.ui.screens.inbox import InboxScreen
from cmtui.ui.screens.report import (
    PERIODS,
    Chart,
    Period,
    ReportData,
    ReportScreen,
    column_cell,
    column_rows,
    diverging_rows,
    eighths,
    hours,
    nice_top,
    period_weeks,
    week_axis,
    week_labels,
)

from .conftest import FIXED, SIZE, Demo
from .test_app import settle

CONFIG_PATH = Path("/home/you/.config/cmtui/feeds.toml")  # shown on screen: the same on every machine
OPEN_KEY = "P"


def shown(screen: ReportScreen, widget_id: str) -> str:
    """The plain text of one of the screen's Statics."""
    return str(screen.query_one(f"#{widget_id}", Static).content)


def chart_text(screen: ReportScreen, chart_id: str) -> str:
    chart = screen.query_one(f"#{chart_id}", Chart)
    return chart.render().plain


async def open_report(pilot: Pilot[Any]) -> ReportScreen:
    await settle(pilot)
    await pilot.press(OPEN_KEY)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReportScreen)
    return screen


def expected(demo: Demo, since: timedelta | None) -> dict[str, Any]:
    with demo.store() as store:
        return report(store, demo.config, since, FIXED)


async def test_report_opens_shows_the_numbers_switches_period_and_closes(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_report(pilot)
        assert screen.data is not None and screen.data.period.key == "30d"  # the default: the last 30 days
        month = expected(demo, timedelta(days=30))
        summary = shown(screen, "report-summary")
        assert f"Median {hours(month['overall']['median_hours'])}" in summary
        assert f"{month['overall']['unanswered']} still open" in summary
        table = shown(screen, "report-table").splitlines()
        for feed in month["feeds"]:  # one line per feed, with its numbers as `cmtui report` prints them
            line = next(row for row in table if row.startswith(feed["label"]))
            assert str(feed["answered"]) in line.split()
            assert hours(feed["oldest_wait_hours"]) in line
        assert any(row.startswith("Acme Support") for row in table)  # per teammate
        assert "SLA 24 h" in chart_text(screen, "chart-median")
        assert "W47" in chart_text(screen, "chart-volume")
        # 3: the last 12 weeks; the screen reads again, the period bar follows
        await pilot.press("3")
        await settle(pilot)
        assert screen.data.period.key == "12w"
        quarter = expected(demo, timedelta(weeks=12))
        assert f"since {(FIXED - timedelta(weeks=12)):%a %d %b %Y}" in shown(screen, "report-summary")
        assert f"Median {hours(quarter['overall']['median_hours'])}" in shown(screen, "report-summary")
        assert "W35" in chart_text(screen, "chart-median")  # 13 ISO weeks fit at 160 columns
        await pilot.press("1")
        await settle(pilot)
        assert screen.data.period.key == "7d"
        assert "W46" in chart_text(screen, "chart-sentiment") and "W45" not in chart_text(screen, "chart-sentiment")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)


async def test_period_keys_pressed_quickly_show_the_last_one(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_report(pilot)
        await pilot.press("1", "3", "4")
        await settle(pilot)
        assert screen.period.key == "all" and screen.data is not None and screen.data.period.key == "all"
        assert "since the first message" in shown(screen, "report-summary")


async def test_the_current_period_key_reads_again(demo: Demo) -> None:
    """After a sync (here a cron one), 2 on the 30 days shown reads the store again."""
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_report(pilot)
        assert screen.data is not None
        before = screen.data.report["overall"]["unanswered"]
        demo.add_social_post("newcomer", "Does the Burr One ship to Norway?", status_id=990001)
        demo.sync()
        await pilot.press("2")
        await settle(pilot)
        assert screen.data.report["overall"]["unanswered"] == before + 1
        assert f"{before + 1} still open" in shown(screen, "report-summary")


async def test_report_fits_80_by_24(demo: Demo) -> None:
    """At 80×24 the numbers and the charts are one column that scrolls (j/k); at 160 they sit side by side."""
    app = demo.app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_report(pilot)
        assert screen.has_class("-narrow") and not screen.has_class("-wide")
        body = screen.query_one("#report-body")
        table = screen.query_one("#report-table", Static)
        assert max(cell_len(line) for line in shown(screen, "report-table").splitlines()) <= table.content_size.width
        for chart in screen.query(Chart):
            assert max(len(line) for line in chart.render().plain.splitlines()) <= chart.content_size.width
        assert body.max_scroll_y > 0
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert body.scroll_y == 3
    async with demo.app().run_test(size=SIZE) as pilot:
        screen = await open_report(pilot)
        assert screen.has_class("-wide")


async def test_the_palette_opens_the_report(demo: Demo) -> None:
    app = demo.app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"report")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReportScreen)


def test_report_snapshot(demo: Demo, snap_compare: Any) -> None:
    """The report of the last 30 days at 160×45: the numbers beside the three weekly charts."""
    app = demo.app(demo.config._replace(path=CONFIG_PATH))

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_report(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_report_snapshot_80_by_24(demo: Demo, snap_compare: Any) -> None:
    """The same at 80×24: the numbers first, the charts below them (here scrolled to the end with `end`)."""
    app = demo.app(demo.config._replace(path=CONFIG_PATH))

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_report(pilot)
        await pilot.press("end")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


# -- the chart helpers -----------------------------------------------------------------------


def test_nice_top_is_the_next_round_number() -> None:
    assert [nice_top(v) for v in (0, 0.09, 0.15, 1, 7, 24, 28.8, 31, 130, 2600)] == \
        [1.0, 0.1, 0.15, 1.0, 8.0, 25.0, 30.0, 40.0, 150.0, 3000.0]


def test_week_labels_cross_the_year_as_iso_weeks() -> None:
    assert week_labels(date(2026, 12, 24), date(2027, 1, 12)) == ["2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    assert week_labels(date(2026, 11, 20), date(2026, 11, 20)) == ["2026-W47"]


def test_period_weeks_include_empty_ones() -> None:
    month = next(p for p in PERIODS if p.key == "30d")
    data = ReportData(month, FIXED, {"weeks": [{"label": "2026-W47"}]}, [])
    assert period_weeks(data) == ["2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    everything = ReportData(Period("all", "all", None), FIXED, {"weeks": [{"label": "2026-W46"}]},
                            [WeekSentiment("2026-W44", 3, 0.2)])
    assert period_weeks(everything) == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]


def test_week_axis_keeps_the_latest_weeks_and_widens_columns() -> None:
    weeks = [f"2026-W{w}" for w in range(30, 48)]
    assert week_axis(weeks[-5:], 80).bar == 7  # few weeks: wide columns
    narrow = week_axis(weeks, 40)  # 32 cells beside the axis: eight columns of 3 and their gaps
    assert narrow.weeks == weeks[-8:] and narrow.bar == 3


def test_stacked_column_cells() -> None:
    # 10 answered and 5 open on a scale of 20 over 2 rows: ends at 8 and 12 eighths
    ends = eighths([(10, "green"), (5, "orange")], 20, 2)
    assert ends == [(8, "green"), (12, "orange")]
    assert column_cell(ends, 0) == (8, "green")
    assert column_cell(ends, 1) == (4, "orange")
    # two segments meeting inside a cell: the lower one's block over the upper one's colour
    assert column_cell(eighths([(3, "green"), (10, "orange")], 20, 2), 0) == (2, "green on orange")
    # a small value still shows (one eighth); zero shows nothing
    assert eighths([(0.01, "green")], 20, 2) == [(1, "green")]
    assert column_cell(eighths([(0, "green")], 20, 2), 0) is None


def test_column_rows_draw_the_sla_line_through_empty_cells() -> None:
    rows = column_rows([[(5.0, "blue")], [], [(30.0, "red")]], 30.0, 3, 3, line=(24.0, "magenta"))
    # 24 of 30 falls in the top row: the line runs through its empty cells, not through the tall column
    assert [r.plain for r in rows] == ["─────────███", "         ███", " ▄▄▄     ███"]


def test_diverging_rows_hang_negative_columns_from_the_axis() -> None:
    rows = diverging_rows([0.5, None, -0.25], 0.5, 2, 1, ("green", "red"), "#000000", "grey")
    assert [r.plain for r in rows] == [" █    ", " █    ", "──────", "     █", "      "]
    half = diverging_rows([-0.125], 0.5, 2, 1, ("green", "red"), "#000000", "grey")
    cell = half[3]  # the top half of the first row below the axis is red: a lower half block in the background
    assert cell.plain == " ▄" and "#000000 on red" in str(cell.spans[-1].style)
