"""The `cmtui` command: wires config → store → sync / inbox / app. No logic of its own beyond output."""

from __future__ import annotations

import csv
import functools
import gc
import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from cmtui import __version__, paths, snoozing, text
from cmtui.config import FEED_KINDS, Config, ConfigError, load
from cmtui.store import Store, StoreError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED = 1  # a sync with at least one failed feed
EXIT_USAGE = 2  # bad config, bad arguments, unusable store


class Context:
    def __init__(self) -> None:
        self.config_option: str | None = None
        self.db_option: str | None = None

    @property
    def config_path(self) -> Path:
        return paths.config_file(self.config_option)

    @property
    def db_path(self) -> Path:
        return paths.db_file(self.db_option)

    def config(self) -> Config:
        config = load(self.config_path)
        for warning in config.warnings:
            click.echo(f"cmtui: config warning: {shown(warning)}", err=True)
        return config

    def store(self) -> Store:
        return Store.open(self.db_path)


def _remember(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(Context), attr, value)
        return value
    return callback


def common_options(func: F) -> F:
    """`--config` and `--db` on the group and on every command (`cmtui sync --db x` and `cmtui --db x sync`)."""
    func = click.option("--db", "db_option", metavar="FILE", expose_value=False, is_eager=True,
                        callback=_remember("db_option"),
                        help="SQLite store (default: $CMTUI_DB, else the user data dir).")(func)
    func = click.option("--config", "config_option", metavar="FILE", expose_value=False, is_eager=True,
                        callback=_remember("config_option"),
                        help="feeds.toml to read (default: $CMTUI_CONFIG, else the user config dir).")(func)
    return func


def plural(count: int, word: str, many: str = "") -> str:
    """`word` as it goes after `count`: "1 message", "2 messages" (`many` when adding an s is wrong)."""
    return word if count == 1 else many or word + "s"


def counted(count: int, word: str, many: str = "") -> str:
    """ "1 feed", "0 feeds", "3 replies": every count the CLI prints with its noun."""
    return f"{count} {plural(count, word, many)}"


def shown(value: object, limit: int = 0) -> str:
    """Text that came from the config, a feed or the store, as the terminal may show it: `text.one_line` (no
    escape sequence nor control character, one line). Every line the CLI prints goes through it."""
    return text.one_line(value if isinstance(value, str) else str(value), limit)


# What JSON leaves raw that a terminal may obey: DEL, the C1 controls (U+009B is CSI) and the bidi overrides.
_JSON_RAW_CONTROLS = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_JSON_RAW_CONTROLS_UTF8 = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def safe_json(value: object) -> str:
    """`value` as indented JSON whose text a terminal shows as it is: the same data (JSON escapes the C0
    controls, and these escape the rest: they only occur inside strings), non-ASCII letters left readable."""
    return _JSON_RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}",
                                  json.dumps(value, indent=2, ensure_ascii=False))


# The UTF-8 forms of what `_JSON_RAW_CONTROLS_UTF8` finds: a lead and the range of the byte after it.
_RAW_CONTROL_LEADS = ((b"\xc2", 0x80, 0x9f), (b"\xe2\x80", 0xaa, 0xae), (b"\xe2\x81", 0xa6, 0xa9))


def _has_raw_controls(chunk: bytes) -> bool:
    """Whether `chunk` holds DEL, a C1 control or a bidi override: `bytes.find` skips to each candidate lead,
    twice as fast as the regular expression on `inbox --json`'s 10 MB (22 against 50 ms, bench/RESULTS.md)."""
    if b"\x7f" in chunk:
        return True
    for lead, low, high in _RAW_CONTROL_LEADS:
        at = chunk.find(lead)
        while at != -1:
            after = at + len(lead)
            if after < len(chunk) and low <= chunk[after] <= high:
                return True
            at = chunk.find(lead, after)
    return False


def safe_json_bytes(chunk: bytes) -> bytes:
    """`safe_json` for UTF-8 JSON text made elsewhere (`inbox --json`, which SQLite writes)."""
    if not _has_raw_controls(chunk):
        return chunk
    return _JSON_RAW_CONTROLS_UTF8.sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), chunk)


# What a spreadsheet reads as the start of a formula in a cell (=HYPERLINK(…), +, -, @): a text cell starting
# so gets a ' in front, which shows the text as text.
_FORMULA_START = ("=", "+", "-", "@")


def csv_cell(value: object) -> str | int | float:
    """One cell of `--csv` output: numbers as numbers, true/false, lists joined with "; ", and text sanitised
    like every other line (`text.one_line`: no escape sequence, no control character, one line), a ' before
    text a spreadsheet would run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        value = "; ".join(text.one_line(str(v)) for v in value)
    cell = text.one_line(str(value))
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_csv(header: list[str], rows: Iterable[Iterable[object]]) -> None:
    """A header row, then one row per item, as the standard library's CSV (RFC 4180) on stdout."""
    writer = csv.writer(sys.stdout)
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    sys.stdout.flush()


def friendly_errors(func: F) -> F:
    """Config and store problems become one line and exit 2; never a traceback."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            click.echo(f"cmtui: config error: {shown(exc)}", err=True)
            sys.exit(EXIT_USAGE)
        except StoreError as exc:
            click.echo(f"cmtui: store error: {shown(exc)}", err=True)
            sys.exit(EXIT_USAGE)
        except sqlite3.DatabaseError as exc:
            if not _store_trouble(exc):
                raise  # a bug in a query: "unexpected error", not the store's fault
            db = click.get_current_context().ensure_object(Context).db_path
            click.echo(f"cmtui: store error: {shown(db)}: cannot use this database: {shown(exc)}", err=True)
            sys.exit(EXIT_USAGE)
    return wrapper  # type: ignore[return-value]


def _store_trouble(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite failed because of the store (damaged, not a database, the disk, locks, permissions) rather
    than because of the SQL (SQLITE_ERROR: no such column …; misuse), which a store found open can still raise
    on any later page it reads."""
    if isinstance(exc, sqlite3.ProgrammingError | sqlite3.InterfaceError):
        return False
    return getattr(exc, "sqlite_errorname", "") not in ("SQLITE_ERROR", "SQLITE_MISUSE", "SQLITE_RANGE")


pass_ctx = click.make_pass_decorator(Context, ensure=True)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(__version__, prog_name="cmtui")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """cmtui: the conversations that wait for your reply, from RSS/Atom feeds, in the terminal.

    With no command, opens the inbox.
    """
    obj = ctx.ensure_object(Context)
    if ctx.invoked_subcommand is None:
        open_app(obj)


@friendly_errors
def open_app(ctx: Context) -> None:
    """The TUI on the configured store (textual is imported here only: the headless commands stay light)."""
    config = ctx.config()
    ctx.store().close()  # creates and migrates the store, or fails here with a one-line error
    from cmtui.ui.app import make_app

    make_app(config, ctx.db_path).run()


# -- sync ------------------------------------------------------------------------------


@cli.command("sync")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print the per-feed report as JSON on stdout.")
@click.option("--force", is_flag=True, help="Also poll feeds that are backing off after errors.")
@click.option("--wait", type=float, default=0.0, metavar="SECONDS",
              help="If another sync is running, wait this long for it instead of exiting.")
@click.option("-q", "--quiet", is_flag=True,
              help="For cron: print nothing when every feed synced; a failure's feed lines and summary on stderr.")
@pass_ctx
@friendly_errors
def sync_cmd(ctx: Context, as_json: bool, force: bool, wait: float, quiet: bool) -> None:
    """Fetch every feed and its comment feeds into the store (for cron: exit 1 if any feed failed)."""
    from cmtui.sync import SyncBusy, run_sync, sync_lock

    config = ctx.config()
    if not config.feeds:
        click.echo(f"cmtui: {shown(config.path)} lists no [[feeds]]; add one with `cmtui add URL`.", err=True)
    store = ctx.store()
    progress = _Progress(len(config.feeds), enabled=sys.stderr.isatty() and not as_json)

    def on_feed(report: Any) -> None:
        progress.step()
        if not as_json and (not quiet or report.failed):
            progress.clear()
            click.echo(format_feed_report(report), err=quiet)

    try:  # one store for the sync and what follows it
        try:
            with sync_lock(ctx.db_path, wait=wait):
                report = run_sync(config, store, force=force, on_feed=on_feed, processes=True)
        except SyncBusy as exc:
            click.echo(f"cmtui: {shown(exc)}; try again later, or pass --wait SECONDS.", err=True)
            sys.exit(EXIT_FAILED)
        finally:
            progress.clear()
        if any(rule.pattern for rule in config.triage.rules):  # a pattern that ran out of time is not applied
            from cmtui.triage import rule_warnings

            for line in rule_warnings(store):
                click.echo(f"cmtui: warning: {shown(line)}", err=True)
        why = None
        if config.notify.command and report.touched:
            from cmtui import notify
            from cmtui.triage import inbox

            why = notify.run(config, notify.urgent(inbox(store, config), report.touched, config))
    finally:
        store.close()
    if why:
        click.echo(f"cmtui: {shown(why)}", err=True)
    failed = report.failed
    if as_json:
        click.echo(json.dumps({"feeds": [asdict(f) for f in report.feeds], "new": report.new,  # ASCII only
                               "failed": len(failed), "seconds": round(report.seconds, 3)}, indent=2))
    elif failed or not quiet:
        click.echo(f"Synced {counted(len(report.feeds), 'feed')} in {report.seconds:.1f} s: "
                   f"{counted(report.new, 'new message')}"
                   + (f", {len(failed)} failed." if failed else "."), err=quiet)
    sys.exit(EXIT_FAILED if failed else 0)


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled

    def step(self) -> None:
        self.done += 1
        if self.enabled:
            width = 30
            filled = width * self.done // max(1, self.total)
            bar = "#" * filled + "." * (width - filled)
            sys.stderr.write(f"\r[{bar}] {self.done}/{self.total} {plural(self.total, 'feed')}")
            sys.stderr.flush()

    def clear(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def format_feed_report(r: Any) -> str:
    name = text.one_line(r.name, 32).ljust(32)
    if r.status in ("ok", "unchanged"):
        detail = f"{r.new} new" if r.new else "no new messages"
        if r.comment_feeds:
            detail += f" ({counted(r.comment_feeds, 'comment feed')})"
        if r.warning:
            detail += f"; warning: {r.warning}"
        if r.comment_errors:
            detail += f"; {counted(len(r.comment_errors), 'comment feed')} failed: {r.comment_errors[0]}"
    else:
        detail = r.error or r.status
    status = "failed" if r.failed and r.status in ("ok", "unchanged") else r.status
    return f"  {status:<9} {name} {text.one_line(detail, 200)}"


# -- inbox -----------------------------------------------------------------------------


@cli.command("inbox")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON only on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV on stdout: a header, then a row per conversation.")
@click.option("--all", "include_all", is_flag=True, help="Also list answered, done and snoozed conversations.")
@click.option("--limit", type=int, default=None, help="At most this many conversations.")
@click.option("--tag", metavar="LABEL", default=None,
              help="Only the conversations with this label (`cmtui tag`) or whose feed has this tag.")
@pass_ctx
@friendly_errors
def inbox_cmd(ctx: Context, as_json: bool = False, include_all: bool = False, limit: int | None = None,
              as_csv: bool = False, tag: str | None = None) -> None:
    """The conversations that need a reply, most urgent first."""
    from cmtui.triage import inbox, inbox_json_chunks

    _one_format(as_json, as_csv)
    config = ctx.config()
    store = ctx.store()
    try:
        if as_json:  # UTF-8 bytes (JSON's encoding, whatever the locale) as SQLite wrote them; not click.echo,
            # which scans the whole text for ANSI codes to strip (JSON has none: it writes \u001b)
            sys.stdout.flush()
            out = sys.stdout.buffer
            out.writelines(map(safe_json_bytes, inbox_json_chunks(store, config, include_answered=include_all,
                                                                  limit=limit, tag=tag)))
            out.write(b"\n")
            out.flush()
            return
        items = inbox(store, config, include_answered=include_all, limit=limit, tag=tag)
    finally:
        store.close()
    if as_csv:
        write_csv(INBOX_CSV, ([i.id, i.needs_reply, i.priority, i.title, i.feed, i.kind, i.tags, i.url,
                               i.waiting_since, i.unanswered, i.messages, i.reasons, i.latest.author, i.latest.text,
                               i.latest.url, i.last_message_at, i.done_at, i.snoozed_until, i.muted] for i in items))
        return
    if not items:
        click.echo("Nothing waits for a reply." if not include_all else "No conversations yet: run `cmtui sync`.")
        return
    for item in items:
        mark = "!" if item.needs_reply else " "
        reasons = shown(", ".join(item.reasons))
        click.echo(f"{mark} {item.id:>5}  {text.one_line(item.title, 48):<48}  {text.one_line(item.feed, 20):<20}  "
                   f"{item.unanswered:>2}/{item.messages:<3} {reasons}")
        if item.needs_reply and item.latest.text:
            click.echo(f"         {text.one_line(item.latest.author, 24)}: {text.one_line(item.latest.text, 100)}")


INBOX_CSV = ["id", "needs_reply", "priority", "title", "feed", "kind", "tags", "url", "waiting_since", "unanswered",
             "messages", "reasons", "latest_author", "latest_text", "latest_url", "last_message_at", "done_at",
             "snoozed_until", "muted"]


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("--json and --csv: choose one")


@cli.command("explain")
@common_options
@click.argument("conversation_id", type=int)
@pass_ctx
@friendly_errors
def explain_cmd(ctx: Context, conversation_id: int) -> None:
    """Show how a conversation's priority is made: each signal and its points."""
    from cmtui.triage import item as explain_item

    config = ctx.config()
    store = ctx.store()
    try:
        item = explain_item(store, config, conversation_id)
        messages = store.messages(conversation_id) if item else []
    finally:
        store.close()
    if item is None:
        click.echo(f"cmtui: no conversation {conversation_id}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(f"{shown(item.title)}  ({shown(item.feed)})")
    if item.url:
        click.echo(f"  {shown(item.url)}")
    state = "needs a reply" if item.needs_reply else shown(", ".join(item.reasons)) or "answered"
    click.echo(f"  {counted(item.messages, 'message')}, {item.unanswered} unanswered: {state}")
    if item.labels or item.tags:
        click.echo(f"  labels: {shown(', '.join([*item.labels, *(t for t in item.tags if t not in item.labels)]))}")
    for note in item.notes:
        click.echo(f"  note · {shown(note['author'], 40)} · {shown(note['time'])}: {text.one_line(note['text'], 300)}")
    click.echo("")
    for s in item.signals:
        click.echo(f"  {s.points:>+7.1f}  {shown(s.name):<18} {shown(s.reason)}")
    if item.needs_reply:
        click.echo(f"  {'-' * 7}\n  {item.priority:>7.1f}  priority")
        waiting = [m for m in messages if m["answered_at"] is None and not m["is_ours"]]
        if waiting:
            click.echo("\nLatest unanswered:")
            m = waiting[-1]
            click.echo(f"  {text.one_line(m['author'], 40)} · {shown(m['published'])} · "
                       f"sentiment {m['sentiment'] or 0:+.2f}")
            click.echo(f"  {text.one_line(m['text'], 300)}")


@cli.command("people")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV on stdout: a header, then a row per person.")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many people (not with --json).")
@pass_ctx
@friendly_errors
def people_cmd(ctx: Context, as_json: bool, limit: int, as_csv: bool = False) -> None:
    """The people who talk to you: advocates (frequent, positive, recent) and detractors (repeatedly negative)."""
    from cmtui.triage import people

    _one_format(as_json, as_csv)
    config = ctx.config()
    store = ctx.store()
    try:
        found = people(store, config)
        feed_names: dict[int, str] = {}
        if as_csv:
            for feed_id in sorted({f for p in found[:limit] for f in p.feeds}):
                row = store.feed(feed_id)
                feed_names[feed_id] = (row["name"] or row["url"]) if row else str(feed_id)
    finally:
        store.close()
    if as_csv:
        write_csv(["name", "messages", "feeds", "first_seen", "last_seen", "sentiment", "negative", "positive",
                   "addressed", "answered", "answered_share", "marks"],
                  ([p.name, p.messages, [feed_names[f] for f in sorted(p.feeds)], p.first_seen, p.last_seen,
                    round(p.sentiment, 3), p.negative, p.positive, p.addressed, p.answered,
                    round(p.answered / p.addressed, 3) if p.addressed else None, p.marks] for p in found[:limit]))
        return
    if as_json:
        click.echo(safe_json([p.to_json() for p in found]))
        return
    for p in found[:limit]:
        marks = " ".join(f"[{m}]" for m in p.marks)
        share = f"{p.answered}/{p.addressed} answered" if p.addressed else ""
        click.echo(f"{text.one_line(p.name, 28):<28} {p.messages:>4} {plural(p.messages, 'msg'):<4}  "
                   f"{len(p.feeds)} {plural(len(p.feeds), 'feed'):<5}  "
                   f"sentiment {p.sentiment:+.2f}  {share:<16} last {shown(p.last_seen[:10])}  {shown(marks)}")


@cli.command("report")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print CSV on stdout: a header, then a row overall, per feed and per week.")
@click.option("--since", default="30d", show_default=True, help="Period: e.g. 7d, 12w, 48h, or 'all'.")
@pass_ctx
@friendly_errors
def report_cmd(ctx: Context, as_json: bool, since: str, as_csv: bool = False) -> None:
    """How fast you respond: median and 90th-percentile first response, share within the SLA, oldest wait."""
    from cmtui.triage import report

    _one_format(as_json, as_csv)
    period = None if since == "all" else _period(since, "--since", ", or 'all'")
    config = ctx.config()
    store = ctx.store()
    try:
        data = report(store, config, period)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(data, indent=2))  # ASCII only: nothing a terminal obeys
        return
    if as_csv:
        columns = ["label", "answered", "median_hours", "p90_hours", "within_sla", "unanswered", "oldest_wait_hours"]
        groups = [("overall", [data["overall"]]), ("feed", data["feeds"]), ("week", data["weeks"])]
        write_csv(["group", *columns, "sla_hours", "since"],
                  ([group, *(s[c] for c in columns), data["sla_hours"], data["since"]]
                   for group, stats in groups for s in stats))
        return

    def hours(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f} h"

    def line(s: dict[str, Any]) -> str:
        within = "-" if s["within_sla"] is None else f"{s['within_sla'] * 100:.0f}%"
        return (f"{text.one_line(s['label'], 30):<30} {s['answered']:>5} {hours(s['median_hours']):>9} "
                f"{hours(s['p90_hours']):>9} {within:>6} {s['unanswered']:>6} {hours(s['oldest_wait_hours']):>10}")

    click.echo(f"First response times since {shown(data['since'] or 'the beginning')} (SLA {data['sla_hours']:g} h)\n")
    click.echo(f"{'':<30} {'answ.':>5} {'median':>9} {'p90':>9} {'in SLA':>6} {'open':>6} {'oldest':>10}")
    click.echo(line(data["overall"]))
    click.echo("\nPer feed")
    for s in data["feeds"]:
        click.echo(line(s))
    click.echo("\nPer week")
    for s in data["weeks"]:
        click.echo(line(s))


def _period(value: str, param_hint: str, other: str = "") -> timedelta:
    """A length of time given to `param_hint` (`snoozing.duration`: 48h, 30d, 12w); a usage error if it is not."""
    length = snoozing.duration(value)
    if length is None:
        raise click.BadParameter(f"use a number and h, d or w (e.g. 30d){other}", param_hint=param_hint)
    return length


def _mark(ctx: Context, ids: tuple[int, ...], verb: str, change: Callable[[Store, int], None],
          after: str = "") -> None:
    """Apply `change` to each conversation of `ids` in one transaction and print a line for each ("Done 94:
    title (feed)"); an id that names no conversation changes nothing at all and exits 2."""
    wanted = list(dict.fromkeys(ids))
    store = ctx.store()
    try:
        found = store.conversation_labels(wanted)
        if missing := [i for i in wanted if i not in found]:
            click.echo(f"cmtui: no {plural(len(missing), 'conversation')} {', '.join(map(str, missing))}: "
                       "nothing changed (`cmtui inbox --all` lists them)", err=True)
            sys.exit(EXIT_USAGE)
        with store.transaction():
            for conv_id in wanted:
                change(store, conv_id)
    finally:
        store.close()
    for conv_id in wanted:
        row = found[conv_id]
        click.echo(_marked(verb, conv_id, row["title"], row["feed"], after))


def _marked(verb: str, conv_id: int, title: str | None, feed: str, after: str = "") -> str:
    return f"{verb} {conv_id}{after}: \"{text.one_line(title or '(untitled)', 80)}\" ({text.one_line(feed, 40)})"


@cli.command("done")
@common_options
@click.argument("conversation_ids", metavar="[ID]...", nargs=-1, type=int)
@click.option("--undo", is_flag=True, help="Take the done mark back.")
@click.option("--older-than", "older_than", metavar="AGE", default=None,
              help="Instead of ids: every conversation waiting for a reply for longer than AGE (48h, 30d, 12w).")
@click.option("--feed", "feed_name", metavar="NAME", default=None,
              help="With --older-than: only the conversations of this feed (its name in feeds.toml, or its URL).")
@click.option("--dry-run", is_flag=True, help="With --older-than: print what would be marked, change nothing.")
@pass_ctx
@friendly_errors
def done_cmd(ctx: Context, conversation_ids: tuple[int, ...], undo: bool, older_than: str | None,
             feed_name: str | None, dry_run: bool) -> None:
    """Mark conversations done (a new message reopens them): by id, or every one waiting longer than --older-than.

    Prints a line for each conversation marked."""
    if older_than is None:
        for given, option in ((feed_name, "--feed"), (dry_run or None, "--dry-run")):
            if given is not None:
                raise click.UsageError(f"{option} goes with --older-than")
        if not conversation_ids:
            raise click.UsageError("give the ids of the conversations to mark (`cmtui inbox` lists them), "
                                   "or --older-than AGE")
        if undo:
            _mark(ctx, conversation_ids, "Reopened", Store.undo_done)
        else:
            _mark(ctx, conversation_ids, "Done", lambda store, conv_id: store.mark_done(conv_id))
        return
    if conversation_ids or undo:
        raise click.UsageError("--older-than marks by age: give it no ids, and no --undo")
    _done_older_than(ctx, _period(older_than, "--older-than"), older_than, feed_name, dry_run)


def _done_older_than(ctx: Context, age: timedelta, age_text: str, feed_name: str | None, dry_run: bool) -> None:
    from cmtui.store import parse_iso, utc_now
    from cmtui.triage import inbox

    config = ctx.config()
    now = utc_now()
    store = ctx.store()
    try:
        feed_ids: list[int | None] = [None]
        if feed_name is not None:
            feed_ids = list(store.feed_ids_named(feed_name))
            if not feed_ids:
                names = ", ".join(f'"{shown(f.label, 60)}"' for f in config.feeds[:10])
                click.echo(f"cmtui: no feed named \"{shown(feed_name, 80)}\" in {shown(config.path)}"
                           + (f"; its feeds: {names}" + (", …" if len(config.feeds) > 10 else "") if names else ""),
                           err=True)
                sys.exit(EXIT_USAGE)
        old = [item for feed_id in feed_ids for item in inbox(store, config, now=now, feed_id=feed_id)
               if (since := parse_iso(item.waiting_since)) is not None and now - since > age]
        if not dry_run:
            with store.transaction():
                for item in old:
                    store.mark_done(item.id)
    finally:
        store.close()
    for item in old:
        click.echo(_marked("Would mark done" if dry_run else "Done", item.id, item.title, item.feed))
    if not old:
        click.echo(f"cmtui: no conversation has waited longer than {shown(age_text)}"
                   + (f" in \"{shown(feed_name, 80)}\"" if feed_name is not None else "") + ".", err=True)


def _labels_given(labels: tuple[str, ...]) -> list[str]:
    """Labels as typed, trimmed and cleaned of control characters; an empty one is a usage error."""
    found = [text.clean(label).strip() for label in labels]
    if not all(found):
        raise click.BadParameter("a label cannot be empty", param_hint="LABEL")
    return found


@cli.command("tag")
@common_options
@click.argument("conversation_id", metavar="ID", type=int)
@click.argument("labels", metavar="LABEL...", nargs=-1, required=True)
@pass_ctx
@friendly_errors
def tag_cmd(ctx: Context, conversation_id: int, labels: tuple[str, ...]) -> None:
    """Label a conversation (`cmtui inbox --tag LABEL` lists them). Prints the line of the conversation."""
    wanted = _labels_given(labels)

    def add(store: Store, conv_id: int) -> None:
        store.add_labels(conv_id, wanted)

    _mark(ctx, (conversation_id,), "Tagged", add, after=" " + ", ".join(text.one_line(label, 40) for label in wanted))


@cli.command("untag")
@common_options
@click.argument("conversation_id", metavar="ID", type=int)
@click.argument("label")
@pass_ctx
@friendly_errors
def untag_cmd(ctx: Context, conversation_id: int, label: str) -> None:
    """Take a label off a conversation. A label it does not have exits 2."""
    (wanted,) = _labels_given((label,))
    store = ctx.store()
    try:
        found = store.conversation_labels([conversation_id]).get(conversation_id)
        with store.transaction():
            removed = found is not None and store.remove_label(conversation_id, wanted)
    finally:
        store.close()
    if found is None:
        click.echo(f"cmtui: no conversation {conversation_id} (`cmtui inbox --all` lists them)", err=True)
        sys.exit(EXIT_USAGE)
    if not removed:
        click.echo(f"cmtui: conversation {conversation_id} has no label \"{shown(wanted, 80)}\": nothing changed",
                   err=True)
        sys.exit(EXIT_USAGE)
    click.echo(_marked("Untagged", conversation_id, found["title"], found["feed"], " " + text.one_line(wanted, 40)))


def note_author() -> str:
    """Who writes a note: `$CMTUI_USER`, else the login name."""
    import getpass

    found = os.environ.get("CMTUI_USER", "").strip()
    if not found:
        try:
            found = getpass.getuser()
        except (OSError, KeyError):  # no login name (a container without a passwd entry)
            found = "unknown"
    return text.one_line(found, 80)


@cli.command("note")
@common_options
@click.argument("conversation_id", metavar="ID", type=int)
@click.argument("words", metavar="TEXT", nargs=-1, required=True)
@pass_ctx
@friendly_errors
def note_cmd(ctx: Context, conversation_id: int, words: tuple[str, ...]) -> None:
    """Add an internal note to a conversation (never posted): by $CMTUI_USER or your login name, now."""
    body = text.clean(" ".join(words)).strip()
    if not body:
        raise click.BadParameter("a note cannot be empty", param_hint="TEXT")
    author = note_author()

    def add(store: Store, conv_id: int) -> None:
        store.add_note(conv_id, author, body)

    _mark(ctx, (conversation_id,), "Noted", add, after=f" by {author}")


@cli.command("snooze")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@click.option("--until", "when", metavar="WHEN", required=True, help=f"When it comes back: {snoozing.HELP}.")
@pass_ctx
@friendly_errors
def snooze_cmd(ctx: Context, conversation_ids: tuple[int, ...], when: str) -> None:
    """Take conversations out of the inbox until WHEN (the app's `s`). Prints a line for each."""
    from cmtui.store import utc_now

    try:
        until = snoozing.until(when, utc_now())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--until") from None
    _mark(ctx, conversation_ids, "Snoozed", lambda store, conv_id: store.snooze(conv_id, until),
          after=f" until {snoozing.label(until)}")


@cli.command("unsnooze")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def unsnooze_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """End the snooze of conversations now. Prints a line for each."""
    _mark(ctx, conversation_ids, "Awake", lambda store, conv_id: store.snooze(conv_id, None))


@cli.command("mute")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def mute_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """Mute conversations: only new messages that name you reopen them (the app's `m`). Prints a line for each."""
    _mark(ctx, conversation_ids, "Muted", lambda store, conv_id: store.mute(conv_id, True))


@cli.command("unmute")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def unmute_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """Unmute conversations: every new message reopens them again. Prints a line for each."""
    _mark(ctx, conversation_ids, "Unmuted", lambda store, conv_id: store.mute(conv_id, False))


# -- feeds -----------------------------------------------------------------------------


@cli.command("feeds")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@pass_ctx
@friendly_errors
def feeds_cmd(ctx: Context, as_json: bool) -> None:
    """Feeds and their health: last success, last error, error count, next attempt."""
    from cmtui.sync import format_when

    config = ctx.config()
    store = ctx.store()
    try:
        rows = {r["url"]: r for r in store.feeds_health()}
    finally:
        store.close()
    out: list[dict[str, Any]] = []
    for fc in config.feeds:
        r = rows.get(fc.url)
        out.append({
            "url": fc.url, "name": fc.label, "kind": fc.kind,
            "last_ok": r["last_ok"] if r else None, "last_status": r["last_status"] if r else None,
            "last_error": r["last_error"] if r else None, "warning": r["last_warning"] if r else None,
            "error_count": r["error_count"] if r else 0, "next_attempt": r["next_attempt"] if r else None,
            "gone": bool(r and r["gone_at"]), "messages": r["messages"] if r else 0,
            "comment_feeds": r["comment_feeds"] if r else 0,
            "comment_feed_errors": r["comment_feed_errors"] if r else 0,
        })
    if as_json:
        click.echo(safe_json(out))
        return
    lines = []  # printed at once: 30,000 click.echo calls cost half a second for 10,000 feeds
    for f in out:
        health = "never synced" if f["last_ok"] is None and not f["last_error"] else (
            f"gone (410): remove it from {config.path.name}" if f["gone"] else
            f"error ×{f['error_count']}: {f['last_error']}" if f["last_error"] else "ok")
        lines.append(f"{text.one_line(f['name'], 32):<32}  {shown(health)}")
        lines.append(f"    {shown(f['url'])}")
        next_attempt = format_when(f["next_attempt"]) if f["next_attempt"] else "next sync"
        lines.append(f"    last ok {format_when(f['last_ok'])} · next attempt {next_attempt}"
                     f" · {counted(f['messages'], 'message')} · {counted(f['comment_feeds'], 'comment feed')}"
                     + (f" ({f['comment_feed_errors']} failing)" if f["comment_feed_errors"] else "")
                     + (f" · warning: {shown(f['warning'])}" if f["warning"] else ""))
    if lines:
        click.echo("\n".join(lines))


# -- add, import-opml ------------------------------------------------------------------


@cli.command("add")
@common_options
@click.argument("url")
@click.option("--name", default=None, help="Name to show for the feed (default: the feed's title).")
@click.option("--kind", type=click.Choice(FEED_KINDS), default=None,
              help="What the feed is (default: detected; Discourse is a forum).")
@click.option("--all", "add_all", is_flag=True, help="Add every feed found, not only the first.")
@pass_ctx
@friendly_errors
def add_cmd(ctx: Context, url: str, name: str | None, kind: str | None, add_all: bool) -> None:
    """Find the feed of a site, page, forum or channel and add it to feeds.toml."""
    import asyncio

    from cmtui.discover import Discovery, append_feeds, find_feeds
    from cmtui.fetch import Fetcher, Limits

    async def run() -> Discovery:
        async with Fetcher(Limits()) as fetcher:
            return await find_feeds(url, fetcher)

    report = asyncio.run(run())
    if not report.found:
        click.echo(f"cmtui: {shown(report.why or 'no feed found on that page')}", err=True)
        sys.exit(EXIT_FAILED)
    chosen = report.found if add_all else report.found[:1]
    # a detected "blog" is left unwritten so the sync may still detect a forum; a chosen kind is written
    feeds = [{"url": f.url, "name": name or f.title, "kind": kind or (f.kind if f.kind != "blog" else None)}
             for f in chosen]
    config_path = ctx.config_path
    added = set(append_feeds(config_path, feeds))
    for f, feed in zip(chosen, feeds, strict=True):
        label = text.one_line(feed["name"] or f.url, 80)
        if f.url in added:
            click.echo(f'Added "{label}" {shown(f.url)} ({kind or f.kind}) to {shown(config_path)}')
        else:
            click.echo(f'Already there: "{label}" {shown(f.url)} is in {shown(config_path)}')
    if not add_all and len(report.found) > 1:
        more = len(report.found) - 1
        click.echo(f"({more} more {plural(more, 'feed')} found there; pass --all to add "
                   f"{'it' if more == 1 else 'them'} too)", err=True)


@cli.command("import-opml")
@common_options
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
@friendly_errors
def import_opml_cmd(ctx: Context, file: Path) -> None:
    """Add every feed of an OPML subscription list (exported by another feed reader) to feeds.toml."""
    from cmtui.discover import append_feeds, read_opml

    feeds = read_opml(file)
    config_path = ctx.config_path
    added = append_feeds(config_path, feeds)
    click.echo(f"Imported {counted(len(added), 'feed')} ({len(feeds) - len(added)} already present) "
               f"into {shown(config_path)}")


# -- paths, demo -----------------------------------------------------------------------


@cli.command("paths")
@common_options
@pass_ctx
def paths_cmd(ctx: Context) -> None:
    """Where cmtui reads its config and keeps its store."""
    click.echo(f"config: {shown(ctx.config_path)}")
    click.echo(f"store:  {shown(ctx.db_path)}")


@cli.command("demo")
@common_options
@click.option("--no-app", is_flag=True, help="Sync the demo and print the inbox instead of opening the app.")
@pass_ctx
@friendly_errors
def demo_cmd(ctx: Context, no_app: bool) -> None:
    """Serve bundled demo community sites on 127.0.0.1, sync them into a temporary store, show the inbox."""
    import tempfile

    from cmtui.config import parse
    from cmtui.demo import sites
    from cmtui.demo.server import FeedServer
    from cmtui.sync import run_sync

    with tempfile.TemporaryDirectory(prefix="cmtui-demo-") as tmp, FeedServer() as server:
        feeds = sites.install(server)
        config_path = Path(tmp) / "feeds.toml"
        config_path.write_text(sites.config_toml(feeds), encoding="utf-8")
        config = parse(config_path.read_text(encoding="utf-8"), config_path)
        ctx.config_option, ctx.db_option = str(config_path), ctx.db_option or str(Path(tmp) / "demo.db")
        click.echo(f"Demo sites on {server.base_url}; store {shown(ctx.db_path)}", err=True)
        store = ctx.store()
        try:
            report = run_sync(config, store)
        finally:
            store.close()
        for r in report.feeds:
            click.echo(format_feed_report(r), err=True)
        click.echo("", err=True)
        if no_app:
            click.get_current_context().invoke(inbox_cmd)
            return
        from cmtui.ui.app import make_app

        make_app(config, ctx.db_path).run()  # the demo server keeps serving, so R syncs for real


def main() -> None:
    # The garbage collector leaves alone what exists now (the imports: it all lives as long as the process),
    # and at the end what the command made: its passes over them cost a warm sync 8 % of its CPU, and every
    # command 10-20 ms at exit (a 2,000-feed config, the app's widgets).
    gc.freeze()
    try:
        cli.main(prog_name="cmtui")
    except SystemExit:
        gc.freeze()
        raise
    except KeyboardInterrupt:
        click.echo("cmtui: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        if os.environ.get("CMTUI_DEBUG"):
            raise
        click.echo(f"cmtui: unexpected error: {type(exc).__name__}: {text.one_line(str(exc), 300)}\n"
                   "Run again with CMTUI_DEBUG=1 for the details, and please report it.", err=True)
        sys.exit(70)
