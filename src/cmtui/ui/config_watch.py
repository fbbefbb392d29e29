"""feeds.toml, watched while the app runs: `cmtui add` or an editor changes it, the app reads it again.

A look costs one `stat` (on the UI thread): the app looks before each sync and at every poll of the store. A
file that changed is read and checked like at the start (`config.load`, in a worker: thousands of feeds take a
few tenths of a second); an edit that does not pass keeps the config in use, and the app says why once per edit,
not at every poll.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from cmtui import text
from cmtui.config import Config, ConfigError, load


class Stamp(NamedTuple):
    """What tells a file changed without reading it: a rewrite in place or a rename over it."""

    mtime_ns: int
    size: int
    inode: int


def stamp(path: Path) -> Stamp | None:
    """The file's stamp; None when it is missing or cannot be looked at."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return Stamp(st.st_mtime_ns, st.st_size, st.st_ino)


class ConfigWatch:
    """Notices a change to the config file the app was started with."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = stamp(path)  # the file as the config in use was read (or as it was at the start)

    def changed(self) -> bool:
        """Whether the file changed since the last look (then it is taken as seen: ask `read` for it once)."""
        now = stamp(self.path)
        if now == self._stamp:
            return False
        self._stamp = now
        return True

    def read(self) -> Config | ConfigError:
        """The file read and checked (in a worker): a `Config`, or the `ConfigError` saying why it is unusable."""
        try:
            return load(self.path)
        except ConfigError as exc:
            return exc


def describe_change(before: Config, after: Config) -> str:
    """What the app says when it takes an edited feeds.toml: "Read …/feeds.toml again: 4 feeds (1 added) · R
    syncs them"."""
    old = {f.url for f in before.feeds}
    new = {f.url for f in after.feeds}
    added, removed = len(new - old), len(old - new)
    changes = [f"{added} added"] * bool(added) + [f"{removed} removed"] * bool(removed)
    count = len(after.feeds)
    return (f"Read {text.one_line(str(after.path), 200)} again: {count} feed{'s' if count != 1 else ''}"
            + (f" ({', '.join(changes)})" if changes else "") + (" · R syncs them" if added else ""))
