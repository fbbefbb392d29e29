from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from cmtui.demo.server import FeedServer

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "real"
PG_SETUP = Path(__file__).resolve().parents[1] / ".ci" / "postgres" / "setup.sh"
PG_SKIP = 77  # setup.sh: this machine cannot run PostgreSQL


def _no_postgres(why: str) -> None:
    """Skip, saying why; with CMTUI_REQUIRE_POSTGRES=1 (set by .ci/run once it installed PostgreSQL), fail."""
    if os.environ.get("CMTUI_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"CMTUI_REQUIRE_POSTGRES=1, but no PostgreSQL can be started here: {why}")
    pytest.skip(f"no PostgreSQL here: {why}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database for tests: $CMTUI_TEST_POSTGRES, else a throw-away cluster started by
    .ci/postgres/setup.sh (listening on 127.0.0.1 only) and stopped at the end."""
    if url := os.environ.get("CMTUI_TEST_POSTGRES"):
        yield url
        return
    if shutil.which("bash") is None:
        _no_postgres("no bash to run .ci/postgres/setup.sh")
    work = Path(tempfile.mkdtemp(prefix="cmtui-pg-"))
    os.chmod(work, 0o755)  # the cluster's owner (`postgres`, when tests run as root) reaches its folder in it
    done = subprocess.run(["bash", str(PG_SETUP), str(work / "cluster")], capture_output=True, text=True,
                          timeout=120, check=False)
    if done.returncode == PG_SKIP:
        _no_postgres(done.stderr.strip())
    if done.returncode != 0:
        pytest.fail(f"{PG_SETUP} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    try:
        yield done.stdout.strip()
    finally:
        from cmtui.store.postgres import close_pools

        close_pools()
        subprocess.run(["bash", str(PG_SETUP), "--stop", str(work / "cluster")], capture_output=True, timeout=60,
                       check=False)
        shutil.rmtree(work, ignore_errors=True)


def fresh_postgres(server: str) -> str:
    """A store URL of its own on `server`: a new, empty schema, chosen by the connection's search_path."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    return f"{server}{'&' if '?' in server else '?'}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | Path]:
    """A store location, once for each backend: a SQLite file, then a PostgreSQL database of its own.
    `$CMTUI_DB` names it, so the CLI and the app use it too."""
    if request.param == "sqlite":
        yield tmp_path / "data" / "cmtui.db"
        return
    url = fresh_postgres(request.getfixturevalue("postgres_server"))
    monkeypatch.setenv("CMTUI_DB", url)
    try:
        yield url
    finally:
        from cmtui.store.postgres import close_pools

        close_pools()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real config or store."""
    monkeypatch.setenv("CMTUI_CONFIG", str(tmp_path / "config" / "feeds.toml"))
    monkeypatch.setenv("CMTUI_DB", str(tmp_path / "data" / "cmtui.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        yield srv


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared real-world feed corpus is not here ({CORPUS}); it exists only in the project's CI")
    return CORPUS
