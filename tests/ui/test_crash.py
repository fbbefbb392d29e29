"""A crash in the app prints its traceback without local variables: a frame's locals can hold a secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmtui.ui.app import make_app

from .conftest import FIXED, SIZE, write_config

SECRET = "hunter2-app-password-0f3c9e8d"


def post_with(api_key: str) -> None:
    headers = {"Api-Key": api_key}
    raise RuntimeError(f"refused: {len(headers)} header")


async def test_a_crash_trace_shows_no_local_variables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(write_config(tmp_path / "feeds.toml", feeds=[]), tmp_path / "cmtui.db", now=FIXED)
    with pytest.raises(RuntimeError, match="refused: 1 header"):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.call_later(post_with, SECRET)  # an unhandled exception in the app's own loop
            await pilot.pause()
    printed = capsys.readouterr().err
    assert "Traceback" in printed and "RuntimeError: refused: 1 header" in printed
    assert "post_with" in printed  # the frames are there...
    assert SECRET not in printed and "hunter2" not in printed  # ...their locals are not
    assert app.return_code == 1
