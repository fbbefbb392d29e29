"""`cmtui sync`: fetch every feed, print a line per feed and a summary (exit 1 if one failed)."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from typing import Any

import click

from cmtui import text
from cmtui.cli.common import EXIT_FAILED, Context, common_options, friendly_errors, parse_period, pass_ctx
from cmtui.cli.output import counted, plural, shown


@click.command("sync")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print the per-feed report as JSON on stdout.")
@click.option("--force", is_flag=True, help="Also poll feeds that are backing off after errors.")
@click.option("--wait", type=float, default=0.0, metavar="SECONDS",
              help="If another sync is running, wait this long for it instead of exiting.")
@click.option("-q", "--quiet", is_flag=True,
              help="For cron: print nothing when every feed synced; a failure's feed lines and summary on stderr.")
@click.option("--every", metavar="PERIOD", default=None,
              help="Keep running: sync again every PERIOD (15m, 1h), re-reading feeds.toml each time; a team's "
                   "one sync for a shared store. Ctrl-C stops it.")
@pass_ctx
@friendly_errors
def sync_cmd(ctx: Context, as_json: bool, force: bool, wait: float, quiet: bool, every: str | None) -> None:
    """Fetch every feed and its comment feeds into the store (for cron: exit 1 if any feed failed)."""
    if every is None:
        sys.exit(_sync_once(ctx, as_json, force, wait, quiet))
    period = parse_period(every, "--every").total_seconds()
    if period < 60:
        raise click.BadParameter("sync at most once a minute (e.g. 15m)", param_hint="--every")
    while True:  # a failed feed, or a sync already running elsewhere, waits for the next round
        started = time.monotonic()
        _sync_once(ctx, as_json, force, wait, quiet)
        time.sleep(max(0.0, period - (time.monotonic() - started)))


def _sync_once(ctx: Context, as_json: bool, force: bool, wait: float, quiet: bool) -> int:
    """One sync with its report; returns the exit status."""
    from cmtui.sync import SyncBusy, run_sync, sync_lock

    config = ctx.config()
    if not config.feeds:
        click.echo(f"cmtui: {shown(config.path)} lists no [[feeds]]; add one with `cmtui add URL`.", err=True)
    progress = _Progress(len(config.feeds), enabled=sys.stderr.isatty() and not as_json)

    def on_feed(report: Any) -> None:
        progress.step()
        if not as_json and (not quiet or report.failed):
            progress.clear()
            click.echo(format_feed_report(report), err=quiet)

    with ctx.store() as store:  # one store for the sync and what follows it
        try:
            with sync_lock(ctx.db_path, wait=wait):
                report = run_sync(config, store, force=force, on_feed=on_feed, processes=True)
        except SyncBusy as exc:
            click.echo(f"cmtui: {shown(exc)}; try again later, or pass --wait SECONDS.", err=True)
            return EXIT_FAILED
        finally:
            progress.clear()
        if any(rule.pattern for rule in config.triage.rules):  # a pattern that ran out of time is not applied
            from cmtui.triage import rule_warnings

            for line in rule_warnings(store):
                click.echo(f"cmtui: warning: {shown(line)}", err=True)
        from cmtui import notify

        why = notify.after_sync(store, config, report.touched)
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
    return EXIT_FAILED if failed else 0


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
