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


def db_file(option: str | Path | None = None) -> Path:
    """The SQLite store: `--db`, then `$CMTUI_DB`, then the user data dir."""
    if option:
        return Path(option).expanduser()
    if env := os.environ.get("CMTUI_DB"):
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP) / "cmtui.db"
