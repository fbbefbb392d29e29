"""What the store holds, read out: `cmtui inbox`, `explain`, `people` and `report` (text, JSON or CSV)."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from cmtui import text
from cmtui.cli.common import EXIT_USAGE, Context, common_options, friendly_errors, one_format, parse_period, pass_ctx
from cmtui.cli.output import counted, plural, safe_json, safe_json_bytes, shown, write_csv
from cmtui.config import Config, ViewConfig
from cmtui.store import Store, hours_between, utc_now


@click.command("inbox")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON only on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV on stdout: a header, then a row per conversation.")
@click.option("--all", "include_all", is_flag=True, help="Also list answered, done and snoozed conversations.")
@click.option("--limit", type=int, default=None, help="At most this many conversations.")
@click.option("--tag", metavar="LABEL", default=None,
              help="Only the conversations with this label (`cmtui tag`) or whose feed has this tag.")
@click.option("--brand", metavar="NAME", default=None,
              help="Only the conversations of the feeds watched for this brand ([identity] brand, [[brands]]).")
@click.option("--view", "view_name", metavar="NAME", default=None,
              help="Only the conversations of a saved view ([views.NAME] in feeds.toml).")
@click.option("--mine", is_flag=True, help="Only the conversations assigned to you (`cmtui assign`).")
@click.option("--assigned", metavar="NAME", default=None, help="Only the conversations assigned to NAME.")
@click.option("--unassigned", is_flag=True, help="Only the conversations assigned to nobody.")
@click.option("--by-message", "by_message", is_flag=True,
              help="One row per waiting message (who waits), not per conversation; --limit counts messages.")
@pass_ctx
@friendly_errors
def inbox_cmd(ctx: Context, as_json: bool = False, include_all: bool = False, limit: int | None = None,
              as_csv: bool = False, tag: str | None = None, brand: str | None = None,
              view_name: str | None = None, mine: bool = False, assigned: str | None = None,
              unassigned: bool = False, by_message: bool = False) -> None:
    """The conversations that need a reply, most urgent first."""
    from cmtui.triage import inbox, inbox_json_chunks, refresh

    one_format(as_json, as_csv)
    if by_message and include_all:
        raise click.UsageError("--by-message lists the messages that wait for a reply: --all does not apply")
    config = ctx.config()
    saved, assigned = _view_and_assignee(config, view_name, mine, assigned, unassigned)
    with ctx.store() as store:
        refresh(store, config)  # the config may have changed since the last sync
        if by_message:
            print_by_message(store, config, "json" if as_json else "csv" if as_csv else "text", limit=limit,
                             tag=tag, brand=brand, saved=saved, assigned_to=assigned, unassigned=unassigned)
            return
        if as_json:  # UTF-8 bytes (JSON's encoding, whatever the locale) as the triage wrote them; not click.echo,
            # which scans the whole text for ANSI codes to strip (JSON has none: it writes \u001b)
            sys.stdout.flush()
            out = sys.stdout.buffer
            out.writelines(map(safe_json_bytes, inbox_json_chunks(store, config, include_answered=include_all,
                                                                  limit=limit, tag=tag, brand=brand,
                                                                  saved=saved, assigned_to=assigned,
                                                                  unassigned=unassigned)))
            out.write(b"\n")
            out.flush()
            return
        items = inbox(store, config, include_answered=include_all, limit=limit, tag=tag, brand=brand, saved=saved,
                      assigned_to=assigned, unassigned=unassigned)
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
        owner = f" → {shown(item.assigned_to, 20)}" if item.assigned_to else ""
        click.echo(f"{mark} {item.id:>5}  {text.one_line(item.title, 48):<48}  {text.one_line(item.feed, 20):<20}  "
                   f"{item.unanswered:>2}/{item.messages:<3} {reasons}{owner}")
        if item.needs_reply and item.latest.text:
            click.echo(f"         {text.one_line(item.latest.author, 24)}: {text.one_line(item.latest.text, 100)}")


def _view_and_assignee(config: Config, view_name: str | None, mine: bool, assigned: str | None,
                       unassigned: bool) -> tuple[ViewConfig | None, str | None]:
    """`inbox --view NAME` as the saved view it names, and whose conversations `--mine`, `--assigned NAME` and
    `--unassigned` ask for (at most one of them)."""
    saved = config.views.get(view_name) if view_name is not None else None
    if view_name is not None and saved is None:
        known = ", ".join(sorted(config.views)) or f"none: add [views.NAME] tables to {config.path.name}"
        raise click.BadParameter(f"no saved view called {view_name!r} (views: {known})", param_hint="--view")
    if sum((mine, assigned is not None, unassigned)) > 1:
        raise click.UsageError("--mine, --assigned and --unassigned: choose one")
    if mine:
        from cmtui.team import me

        assigned = me(config)
    return saved, assigned


INBOX_CSV = ["id", "needs_reply", "priority", "title", "feed", "kind", "tags", "url", "waiting_since", "unanswered",
             "messages", "reasons", "latest_author", "latest_text", "latest_url", "last_message_at", "done_at",
             "snoozed_until", "muted"]
# `inbox --by-message --csv`: each column's header and the key of the `--json` object it comes from.
BY_MESSAGE_CSV = {"conversation_id": "conversation_id", "message_id": "id", "priority": "priority", "points": "points",
                  "urgency": "urgency", "author": "author", "account": "account", "text": "text", "url": "url",
                  "published": "published", "waiting_hours": "waiting_hours", "reasons": "reasons", "title": "title",
                  "feed": "feed", "assigned_to": "assigned_to"}


def print_by_message(store: Store, config: Config, form: str, *, limit: int | None, **filters: Any) -> None:
    """`cmtui inbox --by-message`: who waits, one waiting message a row, most urgent first, as text, JSON or CSV.
    The id first on each line is the conversation's (what `cmtui done`, `snooze` and `assign` take)."""
    from cmtui.triage import inbox_by_message, waiting_label

    now = utc_now()
    rows = inbox_by_message(store, config, limit=limit, now=now, **filters)
    if form == "json":
        click.echo(safe_json([m.to_json(now) for m in rows]))
        return
    if form == "csv":
        objects = (m.to_json(now) for m in rows)
        write_csv(list(BY_MESSAGE_CSV), ([o[key] for key in BY_MESSAGE_CSV.values()] for o in objects))
        return
    if not rows:
        click.echo("Nothing waits for a reply.")
        return
    for m in rows:
        who = m.author or "(anonymous)"
        if m.account and m.account != m.author:
            who = f"{who} ({m.account})"
        waited = waiting_label(hours_between(m.published, now))
        click.echo(f"! {m.conversation_id:>5}  {text.one_line(who, 28):<28}  {waited:>6}  "
                   f"{text.one_line(m.conversation.title, 40):<40}  {shown(', '.join(m.reasons))}")
        click.echo(f"         {text.one_line(m.text, 110)}")


@click.command("explain")
@common_options
@click.argument("conversation_id", type=int)
@pass_ctx
@friendly_errors
def explain_cmd(ctx: Context, conversation_id: int) -> None:
    """Show how a conversation's priority is made: each signal and its points."""
    from cmtui.triage import item as explain_item
    from cmtui.triage import refresh

    config = ctx.config()
    with ctx.store() as store:
        refresh(store, config)
        item = explain_item(store, config, conversation_id)
        messages = store.messages(conversation_id) if item else []
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
    if item.assigned_to:
        click.echo(f"  assigned to {shown(item.assigned_to, 80)}")
    for note in item.notes:
        click.echo(f"  note · {shown(note['author'], 40)} · {shown(note['time'])}: {text.one_line(note['text'], 300)}")
    click.echo("")
    for s in item.signals:
        click.echo(f"  {s.points:>+7.1f}  {shown(s.name):<18} {shown(s.reason)}")
    if item.needs_reply:
        click.echo(f"  {'-' * 7}\n  {item.priority:>7.1f}  priority")
        waiting = [m for m in messages if m.answered_at is None and not m.is_ours]
        if waiting:
            click.echo("\nLatest unanswered:")
            m = waiting[-1]
            click.echo(f"  {text.one_line(m.author, 40)} · {shown(m.published)} · "
                       f"sentiment {m.sentiment or 0:+.2f}")
            click.echo(f"  {text.one_line(m.text, 300)}")


@click.command("people")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV on stdout: a header, then a row per person.")
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many people (not with --json).")
@pass_ctx
@friendly_errors
def people_cmd(ctx: Context, as_json: bool, limit: int, as_csv: bool = False) -> None:
    """The people who talk to you: advocates (frequent, positive, recent) and detractors (repeatedly negative)."""
    from cmtui.triage import people, refresh

    one_format(as_json, as_csv)
    config = ctx.config()
    with ctx.store() as store:
        refresh(store, config)
        found = people(store, config)
        feed_names: dict[int, str] = {}
        if as_csv:
            for feed_id in sorted({f for p in found[:limit] for f in p.feeds}):
                row = store.feed(feed_id)
                feed_names[feed_id] = (row.name or row.url) if row else str(feed_id)
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


@click.command("report")
@common_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print CSV on stdout: a header, then a row overall, per feed, per week and per teammate.")
@click.option("--since", default="30d", show_default=True, help="Period: e.g. 7d, 12w, 48h, or 'all'.")
@pass_ctx
@friendly_errors
def report_cmd(ctx: Context, as_json: bool, since: str, as_csv: bool = False) -> None:
    """How fast you respond: median and 90th-percentile first response, share within the SLA, oldest wait."""
    from cmtui.triage import refresh, report

    one_format(as_json, as_csv)
    period = None if since == "all" else parse_period(since, "--since", ", or 'all'")
    config = ctx.config()
    with ctx.store() as store:
        refresh(store, config)
        data = report(store, config, period)
    if as_json:
        click.echo(json.dumps(data, indent=2))  # ASCII only: nothing a terminal obeys
        return
    if as_csv:
        columns = ["label", "answered", "median_hours", "p90_hours", "within_sla", "unanswered", "oldest_wait_hours"]
        groups = [("overall", [data["overall"]]), ("feed", data["feeds"]), ("week", data["weeks"]),
                  ("teammate", data["teammates"])]
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
    if data["teammates"]:
        click.echo("\nPer teammate (who wrote the first answer)")
        for s in data["teammates"]:
            click.echo(line(s))
