"""What every command shares: the `--config`/`--db` options, the Context they fill, the exit codes, and the
one-line errors that stand in for tracebacks."""

from __future__ import annotations

import functools
import sqlite3
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import click

from cmtui import paths, snoozing
from cmtui.cli.output import shown
from cmtui.config import Config, ConfigError, load
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
    def db_path(self) -> Path | str:
        """The store: a SQLite file, or a PostgreSQL URL (`paths.db_file`)."""
        return paths.db_file(self.db_option)

    def config(self) -> Config:
        config = load(self.config_path)
        for warning in config.warnings:
            click.echo(f"cmtui: config warning: {shown(warning)}", err=True)
        return config

    def store(self) -> Store:
        """The store at `db_path`, opened (and created or migrated): `with ctx.store() as store:` closes it."""
        return Store.open(self.db_path)


def _remember(attr: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None:
            setattr(ctx.ensure_object(Context), attr, value)
        return value
    return callback


def common_options(func: F) -> F:
    """`--config` and `--db` on the group and on every command (`cmtui sync --db x` and `cmtui --db x sync`)."""
    func = click.option("--db", "db_option", metavar="FILE|URL", expose_value=False, is_eager=True,
                        callback=_remember("db_option"),
                        help="The store: a SQLite file, or a PostgreSQL database shared by a team "
                        "(postgresql://user@host/db); default: $CMTUI_DB, else the user data dir.")(func)
    func = click.option("--config", "config_option", metavar="FILE", expose_value=False, is_eager=True,
                        callback=_remember("config_option"),
                        help="feeds.toml to read (default: $CMTUI_CONFIG, else the user config dir).")(func)
    return func


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
            click.echo(f"cmtui: store error: {shown(paths.shown_db(db))}: cannot use this database: {shown(exc)}",
                       err=True)
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

def one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("--json and --csv: choose one")


def parse_period(value: str, param_hint: str, other: str = "") -> timedelta:
    """A length of time given to `param_hint` (`snoozing.duration`: 48h, 30d, 12w); a usage error if it is not."""
    length = snoozing.duration(value)
    if length is None:
        raise click.BadParameter(f"use a number and h, d or w (e.g. 30d){other}", param_hint=param_hint)
    return length
