"""The feeds: their health (`cmtui feeds`), and adding them to feeds.toml (`cmtui add`, `cmtui import-opml`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cmtui import text
from cmtui.cli.common import EXIT_FAILED, Context, common_options, friendly_errors, pass_ctx
from cmtui.cli.output import counted, plural, safe_json, shown
from cmtui.config import FEED_KINDS, FeedConfig
from cmtui.store import FeedHealthRow


@click.command("feeds")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@pass_ctx
@friendly_errors
def feeds_cmd(ctx: Context, as_json: bool) -> None:
    """Feeds and their health: last success, last error, error count, next attempt."""
    config = ctx.config()
    with ctx.store() as store:
        rows = {r.url: r for r in store.feeds_health()}
    out = [feed_health(fc, rows.get(fc.url)) for fc in config.feeds]
    if as_json:
        click.echo(safe_json(out))
        return
    lines = [line for f in out for line in feed_lines(f, config.path.name)]  # printed at once: one echo is faster
    if lines:
        click.echo("\n".join(lines))


# The health of a configured feed the store has no row for yet (never synced).
_NEVER_SYNCED: dict[str, Any] = {
    "last_ok": None, "last_status": None, "last_error": None, "warning": None, "error_count": 0,
    "next_attempt": None, "gone": False, "messages": 0, "comment_feeds": 0, "comment_feed_errors": 0,
}


def feed_health(feed: FeedConfig, row: FeedHealthRow | None) -> dict[str, Any]:
    """One feed of `cmtui feeds --json`: what feeds.toml says of it, then its health in the store."""
    config = {"url": feed.url, "name": feed.label, "kind": feed.kind}
    if row is None:
        return {**config, **_NEVER_SYNCED}
    return {
        **config, "last_ok": row.last_ok, "last_status": row.last_status, "last_error": row.last_error,
        "warning": row.last_warning, "error_count": row.error_count, "next_attempt": row.next_attempt,
        "gone": bool(row.gone_at), "messages": row.messages, "comment_feeds": row.comment_feeds,
        "comment_feed_errors": row.comment_feed_errors,
    }


def health_word(feed: dict[str, Any], config_name: str) -> str:
    """A feed's state in a few words: never synced, gone (and what to do), its last error, or ok."""
    if feed["last_ok"] is None and not feed["last_error"]:
        return "never synced"
    if feed["gone"]:
        return f"gone (410): remove it from {config_name}"
    if feed["last_error"]:
        return f"error ×{feed['error_count']}: {feed['last_error']}"
    return "ok"


def feed_lines(feed: dict[str, Any], config_name: str) -> list[str]:
    """The three lines `cmtui feeds` prints for a feed (`feed_health`): name and state, URL, then times and counts."""
    from cmtui.sync import format_when

    next_attempt = format_when(feed["next_attempt"]) if feed["next_attempt"] else "next sync"
    counts = f"{counted(feed['messages'], 'message')} · {counted(feed['comment_feeds'], 'comment feed')}"
    if feed["comment_feed_errors"]:
        counts += f" ({feed['comment_feed_errors']} failing)"
    if feed["warning"]:
        counts += f" · warning: {shown(feed['warning'])}"
    return [f"{text.one_line(feed['name'], 32):<32}  {shown(health_word(feed, config_name))}",
            f"    {shown(feed['url'])}",
            f"    last ok {format_when(feed['last_ok'])} · next attempt {next_attempt} · {counts}"]


# -- add, import-opml ------------------------------------------------------------------


@click.command("add")
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

    from cmtui.discover import Discovery, find_feeds
    from cmtui.feedlist import append_feeds
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


@click.command("import-opml")
@common_options
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
@friendly_errors
def import_opml_cmd(ctx: Context, file: Path) -> None:
    """Add every feed of an OPML subscription list (exported by another feed reader) to feeds.toml. Each outline
    that gives no feed (an ftp: or file: address, a feed listed twice, a link to another list or to a web page) is
    named on stderr with the reason, and a last stderr line counts them."""
    from cmtui.feedlist import append_feeds, read_opml_list

    listing = read_opml_list(file)
    config_path = ctx.config_path
    added = append_feeds(config_path, listing.feeds)
    for skipped in listing.skipped:
        click.echo(f"cmtui: skipped {shown(skipped.outline)}: {shown(skipped.why)}", err=True)
    click.echo(f"Imported {counted(len(added), 'feed')} ({len(listing.feeds) - len(added)} already present) "
               f"into {shown(config_path)}")
    if listing.skipped:
        click.echo(f"cmtui: {counted(len(listing.skipped), 'outline')} of {shown(file.name)} not imported "
                   "(listed above)", err=True)
