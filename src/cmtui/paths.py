"""Where cmtui keeps its files: --option, then environment variable, then the platform's user dirs."""

from __future__ import annotations

import os
from pathlib import Path

APP = "cmtui"


def config_file(option: str | Path | None = None) -> Path:
    """The feeds.toml to read: `--config`, then `$CMTUI_CONFIG`, then the user config dir."""
    if option:
        return Path(option).expanduser()
    if env := os.environ.get("CMTUI_CONFIG"):
        return Path(env).expanduser()
    import platformdirs  # only without --config / $CMTUI_CONFIG: a cron job with both pays nothing for it

    return platformdirs.user_config_path(APP) / "feeds.toml"


def db_file(option: str | Path | None = None) -> Path | str:
    """The store: `--db`, then `$CMTUI_DB`, then the user data dir. A SQLite file's path, or a PostgreSQL
    server's `postgresql://` URL, kept as the str it is."""
    for given in (option, os.environ.get("CMTUI_DB")):
        if given:
            return str(given) if is_url(given) else Path(given).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP) / "cmtui.db"


def is_url(db: str | Path) -> bool:
    """Whether a store location is a PostgreSQL server (`postgresql://…`) rather than a SQLite file."""
    return str(db).startswith(("postgresql://", "postgres://"))


def shown_db(db: str | Path) -> str:
    """A store location as messages show it: a server's URL without its password."""
    import re

    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", str(db))
