"""The feeds: their health (`cmtui feeds`), and adding them to feeds.toml (`cmtui add`, `cmtui import-opml`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cmtui import text
from cmtui.cli.common import EXIT_FAILED, Context, common_options, friendly_errors, pass_ctx
from cmtui.cli.output import counted, plural, safe_json, shown
from cmtui.config import FEED_KINDS


@click.command("feeds")
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


@click.command("import-opml")
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
