"""A team sharing one inbox: who answers what (`cmtui assign`, `cmtui unassign`). Who I am (`$CMTUI_USER`,
`[team] me`, the login name) is `cmtui.team.me`, shared with the app."""

from __future__ import annotations

import click

from cmtui import text
from cmtui.cli.common import Context, common_options, friendly_errors, pass_ctx
from cmtui.cli.marks import mark
from cmtui.team import me


@click.command("assign")
@common_options
@click.argument("args", metavar="ID... [NAME]", nargs=-1, required=True)
@pass_ctx
@friendly_errors
def assign_cmd(ctx: Context, args: tuple[str, ...]) -> None:
    """Give conversations to a teammate: NAME, else yourself ($CMTUI_USER, [team] me, or your login name)."""
    ids, name = _ids_and_name(args)
    who = name or me(ctx.config())
    mark(ctx, ids, "Assigned", lambda store, conv_id: store.assign(conv_id, who), after=f" to {who}")


@click.command("unassign")
@common_options
@click.argument("conversation_ids", metavar="ID...", nargs=-1, required=True, type=int)
@pass_ctx
@friendly_errors
def unassign_cmd(ctx: Context, conversation_ids: tuple[int, ...]) -> None:
    """Give conversations back to nobody."""
    mark(ctx, conversation_ids, "Unassigned", lambda store, conv_id: store.assign(conv_id, None))


def _ids_and_name(args: tuple[str, ...]) -> tuple[tuple[int, ...], str]:
    """`ID... [NAME]`: the ids, and the name when the last word is not a number."""
    words = list(args)
    name = "" if words[-1].isdigit() else text.one_line(words.pop(), 80)
    if not words or not all(w.isdigit() for w in words):
        raise click.UsageError("give the ids of the conversations (`cmtui inbox` lists them), then a name or "
                               "nothing (yourself): cmtui assign 42 57 maya")
    return tuple(int(w) for w in words), name
