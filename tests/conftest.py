from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cmtui.demo.server import FeedServer

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "real"


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
