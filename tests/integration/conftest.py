"""A real WordPress (Debian's package) for the integration tests, started by .ci/wordpress/setup.sh.

Where it cannot run (not Linux, packages not installed, not root) the tests skip and say why; with
CMTUI_REQUIRE_WORDPRESS=1 (set by .ci/run once it has installed the packages) they fail instead, so CI never
skips them silently.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SETUP = Path(__file__).resolve().parents[2] / ".ci" / "wordpress" / "setup.sh"
SETUP_TIMEOUT = 120  # seconds; it takes about 7 here
SKIP = 77  # setup.sh: this machine cannot run it
SUMMARY = pytest.StashKey[list[str]]()


def _unavailable(why: str) -> None:
    if os.environ.get("CMTUI_REQUIRE_WORDPRESS") == "1":
        pytest.fail(f"CMTUI_REQUIRE_WORDPRESS=1, but the real WordPress cannot run here: {why}")
    pytest.skip(f"no real WordPress here: {why}")


def _stop(work: Path) -> None:
    subprocess.run(["bash", str(SETUP), "--stop", str(work)], capture_output=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The running site: site, port, user, app_password, post_id, post_url, comment_id, comment_url,
    other_post_id, other_comment_id, wp_version, display_name, and setup_seconds."""
    if not sys.platform.startswith("linux"):
        _unavailable(f"needs Linux with Debian's wordpress package, this is {sys.platform}")
    if shutil.which("bash") is None:
        _unavailable("no bash")
    work = tmp_path_factory.mktemp("wp")
    started = time.monotonic()
    try:
        done = subprocess.run(["bash", str(SETUP), str(work)], capture_output=True, text=True, timeout=SETUP_TIMEOUT,
                              check=False)
    except subprocess.TimeoutExpired:
        _stop(work)
        pytest.fail(f"{SETUP} took more than {SETUP_TIMEOUT} s; logs in {work}")
    seconds = time.monotonic() - started
    if done.returncode == SKIP:
        _unavailable(done.stderr.strip().removeprefix("setup.sh: "))
    if done.returncode != 0:
        _stop(work)
        pytest.fail(f"{SETUP} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    try:
        site: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        _stop(work)
        pytest.fail(f"{SETUP} printed no JSON: {done.stdout[-500:]!r} {done.stderr[-1000:]}")
    site["setup_seconds"] = seconds
    request.config.stash.setdefault(SUMMARY, []).append(
        f"real WordPress {site['wp_version']} (Debian) set up in {seconds:.1f} s at {site['site']} "
        f"({_phases(work / 'timings')})")
    try:
        yield site
    finally:
        _stop(work)


def _phases(path: Path) -> str:
    """setup.sh's marks as "<phase> <seconds>, ..."."""
    try:
        marks = [(name, float(when)) for name, _, when in
                 (line.rpartition(" ") for line in path.read_text().splitlines()) if name]
    except (OSError, ValueError):
        return "no timings"
    steps = zip(marks, marks[1:], strict=False)
    return ", ".join(f"{name} {when - before:.1f} s" for (_, before), (name, when) in steps)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for line in config.stash.get(SUMMARY, []):
        terminalreporter.write_line(line)
