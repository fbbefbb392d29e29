"""The app as a user runs it: `python -m cmtui` in a pseudo-terminal, keys written to it, the store read after.

These prove what Pilot cannot: a draft autosaved while typing survives `kill -9` (no shutdown code runs), and
ctrl+e really suspends the app, runs $EDITOR on the terminal and comes back.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import pty
import signal
import stat
import struct
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cmtui.store import Store

from .conftest import Demo

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

ROWS, COLUMNS = 45, 160


@dataclass
class Terminal:
    """A child process on a pseudo-terminal; everything it prints is drained into `output` by a thread
    (an undrained terminal would block the app on its next write)."""

    pid: int
    fd: int
    output: bytearray = field(default_factory=bytearray)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start_reading(self) -> None:
        def read() -> None:
            while True:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # EIO: the child is gone
                    return
                if not chunk:
                    return
                with self.lock:
                    self.output += chunk

        threading.Thread(target=read, daemon=True).start()

    def mark(self) -> int:
        with self.lock:
            return len(self.output)

    def wait_for(self, text: str, since: int = 0, timeout: float = 20.0) -> None:
        needle = text.encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if needle in self.output[since:]:
                    return
            time.sleep(0.05)
        with self.lock:
            tail = bytes(self.output[-3000:])
        raise AssertionError(f"{text!r} never appeared on the terminal; last output: {tail!r}")

    def send(self, data: str) -> None:
        os.write(self.fd, data.encode())

    def type(self, data: str, delay: float = 0.02) -> None:
        for char in data:
            self.send(char)
            time.sleep(delay)

    def alive(self) -> bool:
        return os.waitpid(self.pid, os.WNOHANG) == (0, 0)

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError("the app did not exit")


def environment(tmp_path: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home"),
           "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TZ": "UTC",
           "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
           "CMTUI_CONFIG": str(tmp_path / "unused.toml"), "CMTUI_DB": str(tmp_path / "unused.db"),
           "TMPDIR": str(tmp_path)}
    env.update(extra or {})
    return env


Start = Callable[..., "Terminal"]


@pytest.fixture
def terminal(demo: Demo, tmp_path: Path) -> Iterator[Start]:
    started: list[Terminal] = []

    def start(env: dict[str, str] | None = None) -> Terminal:
        pid, fd = pty.fork()
        if pid == 0:  # the child: the pty is its controlling terminal; set its size, then become the app
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
                os.execve(sys.executable, [sys.executable, "-m", "cmtui", "--config", str(demo.config.path),
                                           "--db", str(demo.db_path)], environment(tmp_path, env))
            finally:
                os._exit(127)
        term = Terminal(pid, fd)
        term.start_reading()
        started.append(term)
        return term

    yield start
    for term in started:
        try:
            os.kill(term.pid, signal.SIGKILL)
            os.waitpid(term.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(term.fd)


def open_drafts(db_path: Path) -> list[dict[str, object]]:
    store = Store.open(db_path)
    try:
        return [dataclasses.asdict(r) for r in store.open_drafts()]
    finally:
        store.close()


def test_a_draft_typed_in_the_terminal_survives_kill_9(terminal: Start, demo: Demo) -> None:
    term = terminal()
    term.wait_for("Needs reply")  # the inbox is up
    since = term.mark()
    term.send("r")
    term.wait_for("Reply to", since)  # the editor is up, the text area has the focus
    typed = "Sorry about the hopper, a new one ships today"
    term.type(typed)
    time.sleep(1.5)  # the autosave is at most 1 s behind
    assert term.alive()
    os.kill(term.pid, signal.SIGKILL)  # no shutdown code runs: only what was already written survives
    _, status = os.waitpid(term.pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    [draft] = open_drafts(demo.db_path)
    assert draft["body"] == typed and draft["state"] == "draft"
    # and r on the same conversation brings it back, in a new process
    term = terminal()
    term.wait_for("Needs reply")
    since = term.mark()
    term.send("r")
    term.wait_for("Reply to", since)
    term.wait_for("Draft from earlier", since)
    term.wait_for("Sorry about the hopper", since)


def test_ctrl_e_suspends_the_app_for_the_editor_and_takes_the_text_back(terminal: Start, demo: Demo,
                                                                       tmp_path: Path) -> None:
    script = tmp_path / "fake-editor.sh"
    script.write_text("#!/bin/sh\necho \"editing $1\"\nprintf '\\n-- added in the editor\\n' >> \"$1\"\n",
                      encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    term = terminal({"EDITOR": str(script)})
    term.wait_for("Needs reply")
    since = term.mark()
    term.send("r")
    term.wait_for("Reply to", since)
    term.type("Dear Marcus,")
    since = term.mark()
    term.send("\x05")  # ctrl+e
    term.wait_for("editing " + str(tmp_path / "cmtui-draft-"), since)  # the editor ran on the terminal
    term.wait_for("Back from", since)  # … and the app came back
    [draft] = open_drafts(demo.db_path)
    assert draft["body"] == "Dear Marcus,\n-- added in the editor"
    assert not list(tmp_path.glob("cmtui-draft-*"))  # the temporary file is gone
    since = term.mark()
    term.send("\x1b")  # escape: closes the editor, keeps the draft
    term.wait_for("Draft kept", since)
    term.send("q")  # quits without asking
    status = term.wait_exit()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    [draft] = open_drafts(demo.db_path)
    assert draft["body"] == "Dear Marcus,\n-- added in the editor"
