"""The `cmtui` command: wires config → store → sync / inbox / app. No logic of its own beyond output.

The group and the commands that open things (the app, the demo) are here; the other commands live in the
module of their job (`sync`, `inbox`, `marks`, `feeds`), `common` and `output` hold what they share."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from cmtui import __version__, paths, text
from cmtui.cli.common import Context, common_options, friendly_errors, pass_ctx
from cmtui.cli.feeds import add_cmd, feeds_cmd, import_opml_cmd
from cmtui.cli.inbox import explain_cmd, inbox_cmd, people_cmd, report_cmd
from cmtui.cli.marks import done_cmd, mute_cmd, note_cmd, snooze_cmd, tag_cmd, unmute_cmd, unsnooze_cmd, untag_cmd
from cmtui.cli.output import shown
from cmtui.cli.sync import format_feed_report, sync_cmd
from cmtui.cli.team import assign_cmd, unassign_cmd


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


for command in (sync_cmd, inbox_cmd, explain_cmd, people_cmd, report_cmd, done_cmd, tag_cmd, untag_cmd, note_cmd,
                snooze_cmd, unsnooze_cmd, mute_cmd, unmute_cmd, assign_cmd, unassign_cmd, feeds_cmd, add_cmd,
                import_opml_cmd):
    cli.add_command(command)


@cli.command("paths")
@common_options
@pass_ctx
def paths_cmd(ctx: Context) -> None:
    """Where cmtui reads its config and keeps its store."""
    click.echo(f"config: {shown(ctx.config_path)}")
    click.echo(f"store:  {shown(paths.shown_db(ctx.db_path))}")


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
        click.echo(f"Demo sites on {server.base_url}; store {shown(paths.shown_db(ctx.db_path))}", err=True)
        with ctx.store() as store:
            report = run_sync(config, store)
        for r in report.feeds:
            click.echo(format_feed_report(r), err=True)
        click.echo("", err=True)
        if no_app:
            click.get_current_context().invoke(inbox_cmd)
            return
        from cmtui.ui.app import make_app

        make_app(config, ctx.db_path).run()  # the demo server keeps serving, so R syncs for real


def main() -> None:
    """The `cmtui` entry point: the group, with Ctrl-C and any unexpected exception as one line each."""
    # The collector leaves alone what the imports made, and at exit what the command made. Kept: with the
    # `httpx._main` stub it decides the warm-sync floor (bench/RESULTS.md, session 7: final run).
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
