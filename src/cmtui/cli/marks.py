"""The commands that mark conversations: done, tag/untag, note, snooze/unsnooze, mute/unmute. Each prints a line
per conversation it changed; an id that names none changes nothing and exits 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta

import click

from cmtui import snoozing, text
from cmtui.cli.common import EXIT_USAGE, Context, common_options, friendly_errors, parse_period, pass_ctx
from cmtui.cli.output import plural, shown
from cmtui.store import Store


def mark(ctx: Context, ids: tuple[int, ...], verb: str, change: Callable[[Store, int], None],
          after: str = "") -> None:
    """Apply `change` to each conversation of `ids` in one transaction and print a line for each ("Done 94:
    title (feed)"); an id that names no conversation changes nothing at all and exits 2."""
    wanted = list(dict.fromkeys(ids))
    with ctx.store() as store:
        found = store.conversation_labels(wanted)
        if missing := [i for i in wanted if i not in found]:
            click.echo(f"cmtui: no {plural(len(missing), 'conversation')} {', '.join(map(str, missing))}: "
                       "nothing changed (`cmtui inbox --all` lists them)", err=True)
            sys.exit(EXIT_USAGE)
        with store.transaction():
            for conv_id in wanted:
                change(store, conv_id)
    for conv_id in wanted:
        row = found[conv_id]
        click.echo(_marked(verb, conv_id, row.title, row.feed, after))


def _marked(verb: str, conv_id: int, title: str | None, feed: str, after: str = "") -> str:
    return f"{verb} {conv_id}{after}: \"{text.one_line(title or '(untitled)', 80)}\" ({text.one_line(feed, 40)})"


@click.command("done")
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
            mark(ctx, conversation_ids, "Reopened", Store.undo_done)
        else:
            mark(ctx, conversation_ids, "Done", lambda store, conv_id: store.mark_done(conv_id))
        return
    if conversation_ids or undo:
        raise click.UsageError("--older-than marks by age: give it no ids, and no --undo")
    _done_older_than(ctx, parse_period(older_than, "--older-than"), older_than, feed_name, dry_run)


def _done_older_than(ctx: Context, age: timedelta, age_text: str, feed_name: str | None, dry_run: bool) -> None:
    from cmtui.store import parse_iso, utc_now
    from cmtui.triage import inbox, refresh

    config = ctx.config()
    now = utc_now()
    with ctx.store() as store:
        feed_ids: list[int | None] = [None]
        if feed_name is not None:
            feed_ids = list(store.feed_ids_named(feed_name))
            if not feed_ids:
                names = ", ".join(f'"{shown(f.label, 60)}"' for f in config.feeds[:10])
                click.echo(f"cmtui: no feed named \"{shown(feed_name, 80)}\" in {shown(config.path)}"
                           + (f"; its feeds: {names}" + (", …" if len(config.feeds) > 10 else "") if names else ""),
                           err=True)
                sys.exit(EXIT_USAGE)
        refresh(store, config)
        old = [item for feed_id in feed_ids for item in inbox(store, config, now=now, feed_id=feed_id)
               if (since := parse_iso(item.waiting_since)) is not None and now - since > age]
        if not dry_run:
            with store.transaction():
                for item in old:
                    store.mark_done(item.id)
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


@click.command("tag")
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

    mark(ctx, (conversation_id,), "Tagged", add, after=" " + ", ".join(text.one_line(label, 40) for label in wanted))


@click.command("untag")
@common_options
@click.argument("conversation_id", metavar="ID", type=int)
@click.argument("label")
@pass_ctx
@friendly_errors
def untag_cmd(ctx: Context, conversation_id: int, label: str) -> None:
    """Take a label off a conversation. A label it does not have exits 2."""
    (wanted,) = _labels_given((label,))
    with ctx.store() as store:
        found = store.conversation_labels([conversation_id]).get(conversation_id)
        with store.transaction():
            removed = found is not None and store.remove_label(conversation_id, wanted)
    if found is None:
        click.echo(f"cmtui: no conversation {conversation_id} (`cmtui inbox --all` lists them)", err=True)
        sys.exit(EXIT_USAGE)
    if not removed:
        click.echo(f"cmtui: conversation {conversation_id} has no label \"{shown(wanted, 80)}\": nothing changed",
                   err=True)
        sys.exit(EXIT_USAGE)
    click.echo(_marked("Untagged", conversation_id, found.title, found.feed, " " + text.one_line(wanted, 40)))


@click.command("note")
@common_options
@click.argument("conversation_id", metavar="ID", type=int)
@click.argument("words", metavar="TEXT", nargs=-1, required=True)
@pass_ctx
@friendly_errors
def note_cmd(ctx: Context, conversation_id: int, words: tuple[str, ...]) -> None:
    """Add an internal note to a conversation (never posted): by $CMTUI_USER, [team] me or your login name, now."""
    body = text.clean(" ".join(words)).strip()
    if not body:
        raise click.BadParameter("a note cannot be empty", param_hint="TEXT")
    from cmtui.team import me

    author = me(ctx.config())

    def add(store: Store, conv_id: int) -> None:
        store.add_note(conv_id, author, body)

    mark(ctx, (conversation_id,), "Noted", add, after=f" by {author}")


@click.command("snooze")
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
    mark(ctx, conversation_ids, "Snoozed", lambda store, conv_id: store.snooze(conv_id, until),
          after=f" until {snoozing.label(until)}")


@click.command("unsnooze")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def unsnooze_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """End the snooze of conversations now. Prints a line for each."""
    mark(ctx, conversation_ids, "Awake", lambda store, conv_id: store.snooze(conv_id, None))


@click.command("mute")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def mute_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """Mute conversations: only new messages that name you reopen them (the app's `m`). Prints a line for each."""
    mark(ctx, conversation_ids, "Muted", lambda store, conv_id: store.mute(conv_id, True))


@click.command("unmute")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def unmute_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """Unmute conversations: every new message reopens them again. Prints a line for each."""
    mark(ctx, conversation_ids, "Unmuted", lambda store, conv_id: store.mute(conv_id, False))
