"""SVG snapshots of the main screens on the demo sites, at a fixed clock (pytest-textual-snapshot).

Update after an intended change with `pytest tests/ui/test_snapshots.py --snapshot-update`, then look at the SVGs.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cmtui.ui.app import CmtuiApp, make_app

from .conftest import FIXED, SIZE, Demo, write_config

CONFIG_PATH = Path("/home/you/.config/cmtui/feeds.toml")  # shown on screen: the same on every machine


def demo_app(demo: Demo) -> CmtuiApp:
    return demo.app(replace(demo.config, path=CONFIG_PATH))


async def settle(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.pause()


def test_inbox(demo: Demo, snap_compare: Any) -> None:
    """The inbox: most urgent first, reasons as coloured tags, the preview of the highlighted row."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, run_before=settle)


def test_conversation(demo: Demo, snap_compare: Any) -> None:
    """A blog post and its threaded comments: ours marked, unanswered highlighted, replies indented."""
    app = demo_app(demo)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        item = next(i for i in app.inbox.table.items if i.title == "Introducing the Acme Burr One")
        app.open_conversation(item.id)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help(demo: Demo, snap_compare: Any) -> None:
    """The help screen is generated from the bindings of the inbox and the app, with their ids."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["question_mark"], run_before=settle)


def test_feeds(demo: Demo, snap_compare: Any) -> None:
    """Feed health joined with the config."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["F"], run_before=settle)


def test_snooze_modal(demo: Demo, snap_compare: Any) -> None:
    """The snooze choices, with their times computed from the fixed clock in UTC."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["s"], run_before=settle)


def test_search_results(demo: Demo, snap_compare: Any) -> None:
    """`/refund` then enter: the rows that mention a refund, the search kept in the filter bar."""
    assert snap_compare(demo_app(demo), terminal_size=SIZE, press=["slash", *"refund", "enter"],
                        run_before=settle)


def test_no_feeds(tmp_path: Path, snap_compare: Any) -> None:
    """The empty state when feeds.toml lists no feeds."""
    config = replace(write_config(tmp_path / "feeds.toml", feeds=[]), path=CONFIG_PATH)
    app = make_app(config, tmp_path / "cmtui.db", now=FIXED)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
