"""The report screen: how fast we answer, as `cmtui report` prints it (overall, per feed, per teammate: answered,
median and 90th-percentile first response, share within the SLA, still open, oldest wait), and three charts per
week: the median first response against the SLA, the messages from others (answered, still open) and their mean
sentiment. `1`–`4` switch the period: 7 days, 30 days (the default), 12 weeks, all.

A thread worker reads it on a connection of its own (`triage.report`, `weekly_sentiment`): the UI thread never
waits on the store. The charts are block characters in Rich `Text`, a partly filled cell showing eighths of a row,
drawn by the pure functions below for the width they get: no plotting library (textual-plotext is pinned to
plotext 5, whose API plotext 6 replaced, and has not changed since 2024)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from cmtui import text
from cmtui.config import Config
from cmtui.store import Store, parse_iso
from cmtui.triage import report
from cmtui.triage.report import WeekSentiment, weekly_sentiment
from cmtui.ui import render
from cmtui.ui.screens.base import CmtuiScreen


@dataclass(frozen=True)
class Period:
    key: str  # as `cmtui report --since` spells it
    label: str
    since: timedelta | None  # None: everything in the store


PERIODS: tuple[Period, ...] = (
    Period("7d", "7 days", timedelta(days=7)), Period("30d", "30 days", timedelta(days=30)),
    Period("12w", "12 weeks", timedelta(weeks=12)), Period("all", "all", None),
)
DEFAULT_PERIOD = "30d"
WIDE = 140  # columns from which the numbers and the charts sit side by side


@dataclass(frozen=True)
class ReportData:
    """What the screen shows for one period, read in one go by the worker."""

    period: Period
    now: datetime
    report: dict[str, Any]  # `triage.report`: sla_hours, since, overall, feeds, weeks, teammates
    sentiment: list[WeekSentiment]


def read_report(store: Store, config: Config, period: Period, now: datetime) -> ReportData:
    """The report and the weekly sentiment for `period` (in a worker, on its own connection)."""
    return ReportData(period, now, report(store, config, period.since, now), weekly_sentiment(store, period.since, now))


@dataclass
class ReportLoaded(Message):
    """The worker read the report; `load` tells which reading it answers (an older one's is dropped)."""

    bubble = False

    data: ReportData
    load: int


# -- the numbers ---------------------------------------------------------------------------
LABEL_WIDTH = 28
NUMBER_COLUMNS: tuple[tuple[str, str, int], ...] = (  # (key in the stats, heading, width)
    ("answered", "answ.", 5), ("median_hours", "median", 8), ("p90_hours", "p90", 8), ("within_sla", "in SLA", 6),
    ("unanswered", "open", 5), ("oldest_wait_hours", "oldest", 8),
)


def hours(value: float | None) -> str:
    """Hours as `cmtui report` prints them: one decimal, "-" for none."""
    return "-" if value is None else f"{value:.1f} h"


def share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def stats_line(stats: dict[str, Any], sla: float, palette: dict[str, str]) -> Text:
    """One row of numbers; a median or p90 over the SLA, and a wait past it, stand out."""
    out = Text(no_wrap=True)
    label = Text(text.one_line(stats["label"], LABEL_WIDTH * 2))  # a feed's name: plain text, cut by cells
    label.truncate(LABEL_WIDTH, overflow="ellipsis", pad=True)
    out.append_text(label)
    for key, _, width in NUMBER_COLUMNS:
        value = stats[key]
        shown = hours(value) if key.endswith("_hours") else share(value) if key == "within_sla" else str(value)
        style = ""
        if key in ("median_hours", "p90_hours") and value is not None and value > sla:
            style = palette["warning"]
        elif key == "oldest_wait_hours" and value is not None and value > sla:
            style = palette["error"]
        out.append(" ")
        out.append(f"{shown:>{width}}", style=style)
    return out


def numbers_text(data: ReportData, palette: dict[str, str]) -> Text:
    """Overall, per feed and per teammate, under one heading row, as `cmtui report` lists them."""
    sla = float(data.report["sla_hours"])
    out = Text(no_wrap=True)
    out.append(" " * LABEL_WIDTH + "".join(f" {head:>{width}}" for _, head, width in NUMBER_COLUMNS),
               style=f"bold {palette['foreground-muted']}")
    sections = [("Overall", [data.report["overall"]]), ("Per feed", data.report["feeds"]),
                ("Per teammate (who wrote the first answer)", data.report["teammates"])]
    for title, rows in sections:
        if not rows:
            continue
        out.append(f"\n\n{title}", style=f"bold {palette['accent']}")
        for stats in rows:
            out.append("\n")
            out.append_text(stats_line(stats, sla, palette))
    return out


def summary_text(data: ReportData, palette: dict[str, str]) -> Text:
    """The headline: the period, the overall median and p90, the share within the SLA, what is still open."""
    muted = palette["foreground-muted"]
    overall, sla = data.report["overall"], float(data.report["sla_hours"])
    since = parse_iso(data.report["since"])
    out = Text()
    out.append("First response times ", style="bold")
    out.append(f"since {since:%a %d %b %Y}" if since else "since the first message", style=muted)
    out.append(f" · SLA {sla:g} h\n", style=muted)
    if not overall["answered"] and not overall["unanswered"]:
        out.append(f"No messages from others in this period ({data.period.label}).")
        return out
    if overall["median_hours"] is None:
        out.append("Nothing answered yet", style="bold")
    else:
        over = overall["median_hours"] > sla
        out.append("Median ")
        out.append(hours(overall["median_hours"]), style=f"bold {palette['warning']}" if over else "bold")
        out.append(f" · p90 {hours(overall['p90_hours'])} · ")
        out.append(share(overall["within_sla"]), style="bold")
        out.append(" within the SLA")
    out.append(f" · {overall['answered']} answered, ")
    out.append(f"{overall['unanswered']} still open", style=palette["warning"] if overall["unanswered"] else "")
    if overall["oldest_wait_hours"] is not None:
        out.append(f", the oldest for {hours(overall['oldest_wait_hours'])}", style=muted)
    return out


def period_content(current: Period) -> Content:
    """The period bar: each period with its key, the current one highlighted (as the inbox's views)."""
    parts: list[str | tuple[str, str]] = [(" Report ", "bold"), ("│ ", "$text-muted")]
    chosen = "bold $text-accent on $accent-muted"
    for i, period in enumerate(PERIODS, start=1):
        parts += [(f" {i} ", chosen if period == current else "bold $text-muted"),
                  (f"{period.label} ", chosen if period == current else "$text-muted"), (" ", "")]
    parts.append(("│ escape: back", "$text-muted"))
    return Content.assemble(*parts)


# -- the charts: pure functions, one cell a character ---------------------------------------
BLOCKS = " ▁▂▃▄▅▆▇█"  # a cell filled 0…8 eighths from the bottom
NICE = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
BARS = (3, 7)  # the narrowest and widest column, in cells; a one-cell gap comes before each
GUTTER = 6  # cells of the y axis's labels
Segment = tuple[float, str]  # a value of a stacked column and its style


def nice_top(value: float) -> float:
    """The top of a scale: the smallest 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten that holds `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(round(step * power, 12) for step in NICE if step * power >= value * (1 - 1e-9))


def tick(value: float, unit: str = "", prefix: str = "") -> str:
    """A scale's label: "24 h", "2.5", "+0.4"."""
    return f"{prefix}{value:g}{unit}"[:GUTTER]


def week_labels(first: date, last: date) -> list[str]:
    """Every ISO week from `first`'s to `last`'s, named as `report()` names them ("2026-W47")."""
    monday, out = first - timedelta(days=first.weekday()), []
    while monday <= last:
        year, week, _ = monday.isocalendar()
        out.append(f"{year}-W{week:02d}")
        monday += timedelta(weeks=1)
    return out


def monday_of(label: str) -> date:
    year, week = label.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def period_weeks(data: ReportData) -> list[str]:
    """The weeks the charts show: those of the period, empty ones included (for "all", from the first with data)."""
    last = data.now.date()
    if data.period.since is not None:
        return week_labels((data.now - data.period.since).date(), last)
    known = [w["label"] for w in data.report["weeks"]] + [s.label for s in data.sentiment]
    return week_labels(min((monday_of(label) for label in known), default=last), last)


@dataclass(frozen=True)
class Axis:
    """A chart's x axis: its weeks and how wide each column is."""

    weeks: list[str]
    bar: int


def week_axis(weeks: list[str], width: int) -> Axis:
    """The weeks a chart `width` cells wide shows beside its y axis (the latest, when not all fit), with columns as
    wide as the room allows, from 3 to 7 cells."""
    room = max(1, width - GUTTER - 2)
    shown = weeks[-max(1, room // (BARS[0] + 1)):]
    return Axis(shown, max(BARS[0], min(BARS[1], room // max(1, len(shown)) - 1)))


def eighths(segments: Sequence[Segment], top: float, rows: int) -> list[tuple[int, str]]:
    """Where each segment of a stacked column ends, in eighths of a row from the bottom: at least one eighth above
    the previous end for a value over zero, so that a small week still shows; never above the top."""
    out: list[tuple[int, str]] = []
    total, end = 0.0, 0
    for value, style in segments:
        if value <= 0:
            continue
        total += value
        end = min(rows * 8, max(end + 1, round(total / top * rows * 8)))
        out.append((end, style))
    return out


def column_cell(ends: list[tuple[int, str]], row: int) -> tuple[int, str] | None:
    """How a stacked column fills `row` (0: the bottom one): (eighths filled, style), the style's background being
    the segment above in a cell where two meet; None when the column is below the row."""
    bottom = row * 8
    for i, (end, style) in enumerate(ends):
        if end > bottom:
            filled = min(end - bottom, 8)
            above = next((s for e, s in ends[i + 1:] if e > bottom + filled), None) if filled < 8 else None
            return filled, f"{style} on {above}" if above else style
    return None


def column_rows(columns: Sequence[Sequence[Segment]], top: float, rows: int, bar: int,
                line: Segment | None = None) -> list[Text]:
    """The rows of a column chart, top first: a stacked column per entry, `bar` cells wide after a one-cell gap.
    `line` (value, style) runs across the empty cells of the row it falls in (the SLA)."""
    stacks = [eighths(column, top, rows) for column in columns]
    line_row = None if line is None else min(rows - 1, int(line[0] / top * rows))
    out = []
    for row in reversed(range(rows)):
        blank = ("─", line[1]) if line is not None and row == line_row else (" ", "")
        out_row = Text(no_wrap=True)
        for ends in stacks:
            out_row.append(blank[0], blank[1])
            cell = column_cell(ends, row)
            out_row.append(BLOCKS[cell[0]] * bar if cell else blank[0] * bar, cell[1] if cell else blank[1])
        out.append(out_row)
    return out


def diverging_rows(values: Sequence[float | None], top: float, half: int, bar: int, styles: tuple[str, str],
                   base: str, axis: str) -> list[Text]:
    """The rows of a chart of values around zero, top first: `half` rows of positive columns (`styles[0]`), the
    zero axis, `half` rows of negative ones hanging from it (`styles[1]`). A negative column's partly filled cell is
    a lower block in `base` (the background) over the column's colour."""
    up, down = styles
    ups = [eighths([(v, up)], top, half) if v is not None and v > 0 else [] for v in values]
    downs = [eighths([(-v, down)], top, half) if v is not None and v < 0 else [] for v in values]
    out = []
    for row in reversed(range(half)):
        out_row = Text(no_wrap=True)
        for ends in ups:
            cell = column_cell(ends, row)
            out_row.append(" " + (BLOCKS[cell[0]] * bar if cell else " " * bar), cell[1] if cell else "")
        out.append(out_row)
    out.append(Text("─" * (len(values) * (bar + 1)), style=axis, no_wrap=True))
    for row in range(half):
        out_row = Text(no_wrap=True)
        for ends in downs:
            cell = column_cell(ends, row)
            out_row.append(" ")
            if cell is None:
                out_row.append(" " * bar)
            elif cell[0] == 8:
                out_row.append("█" * bar, down)
            else:
                out_row.append(BLOCKS[8 - cell[0]] * bar, f"{base} on {down}")
        out.append(out_row)
    return out


def framed(title: Text, rows: list[Text], ticks: dict[int, str], axis: Axis, muted: str) -> Text:
    """A chart: its title, a y axis with `ticks` (row from the top → label; `len(rows)` labels the x axis), the x
    axis, and each column's week under it ("W47")."""
    bar = axis.bar
    out = Text(no_wrap=True)
    out.append_text(title)
    for i, row in enumerate(rows):
        label = ticks.get(i)
        out.append(f"\n{label or '':>{GUTTER}} {'┤' if label else '│'}", style=muted)
        out.append_text(row)
    out.append(f"\n{ticks.get(len(rows), ''):>{GUTTER}} └" + "─" * (len(axis.weeks) * (bar + 1)), style=muted)
    out.append("\n" + " " * (GUTTER + 2) + "".join(f" {week.split('-')[-1]:^{bar}}" for week in axis.weeks),
               style=muted)
    return out


def chart_title(title: str, legend: list[tuple[str, str]]) -> Text:
    """A chart's title and its legend: (text, style) pairs."""
    out = Text(title, style="bold", no_wrap=True)
    for part, style in legend:
        out.append(part, style=style)
    return out


@dataclass(frozen=True)
class ChartStyle:
    """What a chart is drawn with: the theme's colours and the rows its columns may take."""

    palette: dict[str, str]
    base: str  # the charts' background (`$surface`)
    rows: int


def median_chart(data: ReportData, width: int, style: ChartStyle) -> Text:
    """The median first response per week against the SLA (a line); weeks over it in the warning colour."""
    p, sla = style.palette, float(data.report["sla_hours"])
    axis = week_axis(period_weeks(data), width)
    medians = {w["label"]: w["median_hours"] for w in data.report["weeks"]}
    values = [medians.get(week) for week in axis.weeks]
    top = nice_top(max([v for v in values if v is not None] + [sla * 1.2]))
    columns = [[(v, p["warning"] if v > sla else p["primary"])] if v is not None else [] for v in values]
    line_row = style.rows - 1 - min(style.rows - 1, int(sla / top * style.rows))
    title = chart_title("Median first response per week  ", [("── ", p["error"]), (f"SLA {sla:g} h", p["error"])])
    return framed(title, column_rows(columns, top, style.rows, axis.bar, (sla, p["error"])),
                  {0: tick(top, " h"), line_row: tick(sla, " h"), style.rows: "0"}, axis, p["foreground-muted"])


def volume_chart(data: ReportData, width: int, style: ChartStyle) -> Text:
    """Messages from others per week: answered ones, then those still open, stacked."""
    p = style.palette
    axis = week_axis(period_weeks(data), width)
    counts = {w["label"]: (w["answered"], w["unanswered"]) for w in data.report["weeks"]}
    values = [counts.get(week, (0, 0)) for week in axis.weeks]
    top = nice_top(max([a + o for a, o in values] + [1]))
    columns = [[(float(a), p["success"]), (float(o), p["warning"])] for a, o in values]
    title = chart_title("Messages from others per week  ", [("█", p["success"]), (" answered  ", ""),
                                                            ("█", p["warning"]), (" still open", "")])
    return framed(title, column_rows(columns, top, style.rows, axis.bar), {0: tick(top), style.rows: "0"}, axis,
                  p["foreground-muted"])


def sentiment_chart(data: ReportData, width: int, style: ChartStyle) -> Text:
    """The mean sentiment of the messages by others per week, above or below zero."""
    p = style.palette
    axis = week_axis(period_weeks(data), width)
    means = {s.label: s.sentiment for s in data.sentiment}
    values = [means.get(week) for week in axis.weeks]
    top = min(1.0, nice_top(max([abs(v) for v in values if v is not None] + [0.1])))
    half = max(2, style.rows // 2)
    title = chart_title("Mean sentiment per week (-1…1)  ", [("█", p["success"]), (" positive  ", ""),
                                                             ("█", p["error"]), (" negative", "")])
    rows = diverging_rows(values, top, half, axis.bar, (p["success"], p["error"]), style.base, p["foreground-muted"])
    return framed(title, rows, {0: tick(top, prefix="+"), half: "0", 2 * half: tick(top, prefix="-")}, axis,
                  p["foreground-muted"])


def _drawn(draw: Callable[[ReportData, int, ChartStyle], Text], data: ReportData, style: ChartStyle,
           width: int) -> Text:
    return draw(data, width, style)


CHARTS: tuple[tuple[str, Callable[[ReportData, int, ChartStyle], Text]], ...] = (
    ("chart-median", median_chart), ("chart-volume", volume_chart), ("chart-sentiment", sentiment_chart),
)


class Chart(Widget):
    """One chart, drawn for the width it gets; as tall as its drawing."""

    def __init__(self, *, id: str) -> None:  # noqa: A002 (Textual's name)
        super().__init__(id=id)
        self._draw: Callable[[int], Text] | None = None

    def show(self, draw: Callable[[int], Text]) -> None:
        self._draw = draw
        self.refresh(layout=True)

    def render(self) -> Text:
        return self._draw(self.content_size.width) if self._draw else Text()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._draw(width).plain.count("\n") + 1 if self._draw else 1


class ReportScreen(CmtuiScreen):
    """First response times with charts per week, for a period; escape goes back."""

    HELP_SECTION: ClassVar[str] = "Report"
    CSS_PATH = "report.tcss"
    AUTO_FOCUS = "#report-body"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="report.back"),
        Binding("1", "period('7d')", "Last 7 days", show=False, id="report.week"),
        Binding("2", "period('30d')", "Last 30 days", show=False, id="report.month"),
        Binding("3", "period('12w')", "Last 12 weeks", show=False, id="report.quarter"),
        Binding("4", "period('all')", "Everything", show=False, id="report.all"),
        Binding("j", "scroll(1)", "Scroll down", show=False, id="report.down"),
        Binding("k", "scroll(-1)", "Scroll up", show=False, id="report.up"),
    ]

    def __init__(self, period: str = DEFAULT_PERIOD) -> None:
        super().__init__()
        self.period = next(p for p in PERIODS if p.key == period)
        self.data: ReportData | None = None
        self._loads = 0  # readings started: what a worker brings back for an older one is dropped

    def compose(self) -> ComposeResult:
        yield Header(icon="●")
        yield Static(id="report-period")
        with VerticalScroll(id="report-body"), Container(id="report-columns"):
            with Vertical(id="report-numbers"):
                yield Static(id="report-summary", markup=False)
                yield Static(id="report-table", markup=False)
            with Vertical(id="report-charts"):
                for chart_id, _ in CHARTS:
                    yield Chart(id=chart_id)
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    # -- reading -------------------------------------------------------------------------
    def load(self) -> None:
        """Read the report for the current period in a worker (`on_report_loaded` shows it)."""
        self._loads += 1
        app = self.cmtui
        self.query_one("#report-period", Static).update(period_content(self.period))
        if self.data is None:
            self.query_one("#report-summary", Static).update(Text("Reading the report…"))
        self.run_worker(partial(self._read, app.config, self.period, app.now(), self._loads), thread=True,
                        exclusive=True, group="report", exit_on_error=False, description="Reading the report")

    def _read(self, config: Config, period: Period, now: datetime, load: int) -> None:
        """Thread worker: the report, on a connection of its own."""
        with Store.open(self.cmtui.db_path) as store:
            self.post_message(ReportLoaded(read_report(store, config, period, now), load))

    def on_report_loaded(self, message: ReportLoaded) -> None:
        if message.load != self._loads:
            return
        self.data = message.data
        self.show()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "report" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.query_one("#report-summary", Static).update(
                Text(f"Could not read the report: {type(error).__name__}: {text.one_line(str(error), 200)}"))

    # -- showing -------------------------------------------------------------------------
    def show(self) -> None:
        data = self.data
        if data is None:
            return
        palette = render.colors(self.app)
        self.query_one("#report-summary", Static).update(summary_text(data, palette))
        self.query_one("#report-table", Static).update(numbers_text(data, palette))
        style = ChartStyle(palette, self._surface(), self.chart_rows)
        for chart_id, draw in CHARTS:
            self.query_one(f"#{chart_id}", Chart).show(partial(_drawn, draw, data, style))

    def _surface(self) -> str:
        try:
            return Color.parse(self.app.theme_variables.get("surface") or "#1e1e1e").hex
        except ColorParseError:
            return "#1e1e1e"

    @property
    def chart_rows(self) -> int:
        """Rows of a chart's columns: the three charts share the height beside the numbers when wide; else (they
        scroll below the numbers) a few."""
        if self.size.width < WIDE:
            return 6
        return max(4, min(10, (self.size.height - 6) // 3 - 4))

    def on_resize(self) -> None:
        try:
            self.show()
        except NoMatches:  # not composed yet
            pass

    # -- actions -------------------------------------------------------------------------
    def action_period(self, key: str) -> None:
        """Show another period; the current one's key reads the store again (after a sync, say)."""
        self.period = next((p for p in PERIODS if p.key == key), self.period)
        self.load()

    def action_scroll(self, rows: int) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_relative(y=rows, animate=False)

    def action_back(self) -> None:
        self.dismiss()
